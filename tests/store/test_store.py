"""The store against real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date

import pytest

from varsel_tui.store.db import HEAD_REVISION
from varsel_tui.store.service import ConcurrentEdit, NotFound, Store, StoreError, ValidationFailed

STINN_WRITTEN = {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}


def _avvik(store: Store, title: str = "Pensum mangler") -> str:
    intake = {"melder_type": "student"}
    d = store.create_case("ntnu-avvik", title, date(2026, 11, 2), by="kari", intake=intake,
                          parties=[{"role": "melder", "name": "Ola Olsen"}])
    return d.case.number


def test_numbers_are_per_year_and_survive_reopening(store, db_url):
    a = _avvik(store)
    b = _avvik(store)
    c = store.create_case("ntnu-avvik", "Fjorårets", date(2025, 12, 30), by="kari",
                          intake={"melder_type": "ansatt"}).case.number
    assert (a, b, c) == ("2026-0001", "2026-0002", "2025-0001")
    store.close()
    again = Store.open(db_url)
    assert [x.number for x in again.list_cases()] and again.get_case("2026-0002").title == "Pensum mangler"
    assert again.create_case("ntnu-avvik", "Ny", date(2026, 1, 5), by="kari",
                             intake={"melder_type": "student"}).case.number == "2026-0003"


def test_written_stinn_notification_is_strictly_secret_and_skips_phase_1(store):
    d = store.create_case("stinn-varsling", "Trakassering", date(2026, 11, 2), by="kari", intake=STINN_WRITTEN)
    assert d.case.classification == "strengt_hemmelig"
    assert d.state.current == "2.1"
    assert all(d.state.steps[s].status == "skipped" for s in ("1.1", "1.5", "1.7"))


def test_case_concerning_a_member_of_ou_skips_phase_3(store, admin):
    admin.add_member("OU", "per")
    d = store.create_case("stinn-varsling", "Om OU-medlem", date(2026, 11, 2), by="kari", intake=STINN_WRITTEN,
                          parties=[{"role": "anklagede", "name": "per"}])
    assert d.case.concerns == "OU"
    number = d.case.number
    # Walk through phase 2 with the CLI-style answers the forms need.
    for _ in range(5):
        detail = store.get_case(number)
        step = detail.workflow.step(detail.state.current)
        if not step.id.startswith("2."):
            break
        import random

        from varsel_tui.domain.conditions import Context
        from varsel_tui.store.demo import auto_answers

        answers = auto_answers(step.form, detail.state.answers, Context(detail.state.answers, lambda b: b == "OU"),
                               date(2026, 11, 3), random.Random(1), ["KKV"])
        store.advance(number, answers, by="kari", on=date(2026, 11, 3))
    detail = store.get_case(number)
    assert detail.state.steps["3.1"].status == "skipped"
    assert "OU" in detail.state.steps["3.1"].reason
    assert detail.case.body == "KKV" and detail.state.current == "4.1"


def test_a_stale_step_completion_is_refused_and_nothing_is_saved(store, db_url):
    number = _avvik(store)
    seen = store.get_case(number).case.version
    other = Store.open(db_url)
    other.add_party(number, "vitne", "Vera Vitne", by="per")  # a party may change who handles the case
    with pytest.raises(ConcurrentEdit, match="changed by someone else"):
        store.advance(number, AVVIST, by="kari", on=date(2026, 11, 3), expected_version=seen)
    after = store.get_case(number)
    assert after.history == [] and [p.role for p in after.parties].count("vitne") == 1
    other.close()


def test_a_note_by_someone_else_does_not_make_an_open_form_stale(store, db_url):
    """Only a change the step depends on refuses a submit; a note conflicts with nothing (issue 9)."""
    number = _avvik(store)
    seen = store.get_case(number).case.version
    other = Store.open(db_url)
    other.add_note(number, "Ringte melder", by="per")
    other.add_note(number, "Vedtak skrevet", by="per", kind="decision")
    store.advance(number, AVVIST, by="kari", on=date(2026, 11, 3), expected_version=seen)
    after = store.get_case(number)
    assert [h.ref for h in after.history] == ["M1"] and "Ringte melder" in [e.text for e in after.journal]
    other.close()


def test_an_append_is_never_refused_as_a_conflict(store, db_url):
    """A note conflicts with nothing: a stale version does not refuse it (issue 9)."""
    number = _avvik(store)
    seen = store.get_case(number).case.version
    other = Store.open(db_url)
    other.add_note(number, "Ringte melder", by="per")
    store.add_note(number, "Min merknad", by="kari", expected_version=seen)
    store.add_party(number, "vitne", "Vera Vitne", by="kari", expected_version=seen)
    texts = [e.text for e in store.get_case(number).journal]
    assert "Ringte melder" in texts and "Min merknad" in texts
    other.close()


def test_invalid_answers_are_refused_without_saving(store):
    number = _avvik(store)
    before = store.get_case(number)
    with pytest.raises(ValidationFailed) as err:
        store.advance(number, {"vurdering": "NEI_IKKE_GODKJENT"}, by="kari")
    assert err.value.problems
    after = store.get_case(number)
    assert after.case.version == before.case.version and after.history == []


AVVIST = {"sensitive_opplysninger": "ja", "sensitiv_håndtering": "Navn fjernet; behandles i ePhorte.",
          "kritikkverdige_forhold": "ja", "vurdering": "avvist_varslingssak",
          "begrunnelse": "Meldingen gjelder trakassering.", "varslingsrutine": "uio-varsling"}


def test_rejected_deviation_is_reregistered_as_linked_whistleblowing_case(store):
    number = _avvik(store, "Mobbing i kollokvie")
    d, outcome = store.advance(number, AVVIST, by="kari", on=date(2026, 11, 3))
    assert d.case.status == "closed" and outcome.spawn_workflow == "uio-varsling"
    new = store.get_case(store.case_number(d.case.linked_to))
    assert new.case.workflow_id == "uio-varsling"
    assert store.case_number(new.case.linked_from) == number
    assert new.title == "Mobbing i kollokvie" and new.case.received == date(2026, 11, 2)
    assert [p.role for p in new.parties] == ["melder"]
    assert any("omregistrert" in (e.text or "") for e in d.journal)


def test_unknown_case_and_user_are_clear_errors(store):
    with pytest.raises(NotFound, match="no case 2026-9999"):
        store.get_case("2026-9999")
    with pytest.raises(NotFound, match="unknown user"):
        store.get_user("nobody")


def test_sqlite_file_is_owner_only_and_in_wal_mode(tmp_path):
    path = tmp_path / "x.db"
    s = Store.open(str(path))
    s.add_user("kari")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION
    conn.close()


@pytest.mark.parametrize("setup, message", [
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.write_text("hello, not sqlite"), "not a varsel database"),
])
def test_bad_database_paths_give_one_clear_error(tmp_path, setup, message):
    path = tmp_path / "bad.db"
    setup(path)
    with pytest.raises(StoreError, match=message):
        Store.open(str(path))


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(str(tmp_path / "nope" / "x.db"))


def test_locked_database_is_a_clear_error(tmp_path):
    path = tmp_path / "x.db"
    s = Store.open(str(path))
    _avvik(s)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        s.engine.dispose()
        import sqlalchemy

        s.engine = sqlalchemy.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
        with pytest.raises(StoreError, match="locked"):
            s.add_note("2026-0001", "x", by="kari")
    finally:
        blocker.rollback()
        blocker.close()
    assert [e.text for e in Store.open(str(path)).get_case("2026-0001").journal if e.kind == "note"] == []


def test_due_lists_overdue_and_preliminary_reply_cases(store):
    number = _avvik(store)
    due = {c.number for c in store.due_cases(date(2026, 12, 1))}
    assert number in due
    assert number not in {c.number for c in store.due_cases(date(2026, 11, 3), within_days=0)}


def test_oral_case_is_graded_strictly_secret_at_2_4_and_leaves_the_search_index(store):
    import random

    from varsel_tui.domain.conditions import Context
    from varsel_tui.store.demo import auto_answers

    d = store.create_case("stinn-varsling", "Kommentarer på kontoret", date(2026, 11, 2), by="kari",
                          intake={"kanal": "muntlig", "anonym": "nei", "varsler_er_fornærmede": "ja"})
    number = d.case.number
    assert d.case.classification == "fortrolig" and "kommentarer" in d.case.search
    rng = random.Random(5)
    for _ in range(30):
        detail = store.get_case(number)
        if detail.state.steps["2.4"].status == "done":
            break
        step = detail.workflow.step(detail.state.current)
        forced = {"1.2": {"myndighet": True}, "1.5": {"enighet": False}}.get(step.id, {})
        answers = None
        for _ in range(50):
            answers = auto_answers(step.form, detail.state.answers, Context(detail.state.answers),
                                   date(2026, 11, 3), rng, ["OU"])
            if all(answers.get(k) == v for k, v in forced.items() if k in answers):
                break
        store.advance(number, answers, by="kari", on=date(2026, 11, 3))
    after = store.get_case(number)
    assert after.state.steps["2.4"].status == "done"
    assert after.case.classification == "strengt_hemmelig"
    assert "kommentarer" not in after.case.search


def test_deviation_belongs_to_the_receiving_unit_until_transferred(store):
    d = store.create_case("ntnu-avvik", "Sen sensur", date(2026, 11, 2), by="kari",
                          intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"})
    assert d.case.body == "IE-fakultetet"
    d, out = store.advance(d.case.number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                                           "vurdering": "endre_enhet", "ny_enhet": "NV-fakultetet"},
                           by="kari", on=date(2026, 11, 3))
    assert out.new_body == "NV-fakultetet"
    assert d.case.body == "NV-fakultetet" and d.case.current_step == "M1"  # the new unit assesses it
    assert any(e.kind == "transfer" for e in d.journal)


def test_bulk_demo_data_matches_what_the_engine_says(tmp_path):
    """Seeded metadata (classification, step, due) equals a fresh replay of each case."""
    from varsel_tui.store.demo import DEMO_PASSPHRASE, ensure_demo_org, seed_bulk

    s = Store.open(str(tmp_path / "demo.db"))
    ensure_demo_org(s)  # the demo's first user, kari, is its administrator
    s.unlock("kari", DEMO_PASSPHRASE)
    recovery = s.init_recovery()
    seed_bulk(s, 120, seed=6)  # a seed whose cases include secret ones at OU and at KKV
    secret_in_ou = next(c for c in s.list_cases() if c.classification == "strengt_hemmelig" and c.body == "OU")
    per = Store.open(str(tmp_path / "demo.db"))
    per.unlock("per", DEMO_PASSPHRASE)  # a demo OU member reads OU's secret cases
    assert per.get_case(secret_in_ou.number).title
    with pytest.raises(StoreError, match="no access to case"):
        per.get_case(next(c for c in s.list_cases() if c.classification == "strengt_hemmelig"
                          and c.body == "KKV").number)
    s.unlock_recovery(recovery)
    for case in s.list_cases():
        d = s.get_case(case.number)
        assert case.current_step == d.state.current and case.due == d.state.current_due, case.number
        if d.state.classification == "strengt_hemmelig":
            assert case.classification == "strengt_hemmelig", case.number
