"""Change detection (SQLite data_version, PostgreSQL LISTEN/NOTIFY) and presence, on both backends."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from varsel_tui.store import presence
from varsel_tui.store.changes import Changed, history_mark, journal_mark, mark_of, notify_on_commit, open_feed
from varsel_tui.store.service import ConcurrentEdit, Store

AVVIK = {"melder_type": "student"}


def other_process(db_url: str) -> Store:
    """A second Store, as another officer's process opens it (the CLI and the TUI notify)."""
    return notify_on_commit(Store.open(db_url))


def new_case(store: Store, title: str = "Manglende veiledning") -> str:
    return store.create_case("ntnu-avvik", title, date(2026, 11, 16), by="per", intake=dict(AVVIK)).case.number


def counts(store: Store, number: str) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT c.version, (SELECT count(*) FROM journal j WHERE j.case_id = c.id) FROM cases c "
            "WHERE c.number = :n"), {"n": number}).one())


def test_the_feed_sees_a_commit_by_another_process(store, db_url):
    number = new_case(store)
    feed = open_feed(db_url)
    try:
        assert feed.poll() is None  # the first poll only starts watching
        assert feed.poll() is None
        lars = other_process(db_url)
        lars.add_note(number, "Ringte melder.", by="lars")
        changed = feed.poll()
        assert isinstance(changed, Changed) and changed.concerns(number)
        if not db_url.endswith(".db"):
            assert changed.numbers == {number}  # PostgreSQL names the case
        assert feed.poll() is None  # told once
        second = new_case(lars, "Ny sak")
        changed = feed.poll()
        assert changed is not None and changed.concerns(second)
        lars.close()
    finally:
        feed.close()


def test_the_case_mark_moves_with_writes_but_not_with_views(store, db_url):
    number = new_case(store)
    feed = open_feed(db_url)
    try:
        shown = mark_of(store.get_case(number))
        assert feed.case_mark(number) == shown
        store.get_case(number, viewer="lars")  # a view is journalled, but changes nothing
        assert feed.case_mark(number) == shown
        store.add_note(number, "Notat.", by="per")
        assert feed.case_mark(number) != shown
        assert feed.case_mark(number) == mark_of(store.get_case(number))
        assert feed.case_mark("2026-9999") is None
    finally:
        feed.close()


def test_activity_since_names_who_did_what_without_any_case_text(store, db_url):
    number = new_case(store)
    opened = store.get_case(number)
    feed = open_feed(db_url)
    try:
        store.get_case(number, viewer="per")  # views are left out
        store.add_note(number, "Hemmelig innhold", by="per")
        store.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                               "vurdering": "ikke_godkjent", "begrunnelse": "Ikke avvik"}, by="lars")
        acts = feed.activity_since(number, journal_mark(opened), history_mark(opened))
        assert [(a.by, a.kind, a.ref) for a in acts][:2] == [("per", "note", None), ("lars", "step", "M1")]
        assert "Hemmelig innhold" not in repr(acts)
    finally:
        feed.close()


def test_presence_touches_neither_version_nor_journal_and_sends_no_notification(store, db_url):
    number = new_case(store)
    before = counts(store, number)
    feed = open_feed(db_url)
    try:
        feed.poll()
        shown = feed.case_mark(number)
        lars = other_process(db_url)
        presence.touch(lars, number, "lars", presence.editing("M1"))
        presence.touch(lars, number, "lars", presence.editing("M1"))  # an upsert: one row
        changed = feed.poll()
        if not db_url.endswith(".db"):
            assert changed is None  # no NOTIFY for a heartbeat
        assert feed.case_mark(number) == shown  # SQLite sees the file change; the mark does not move
        assert counts(store, number) == before
        # A version-checked write by someone holding the old version still goes through.
        store.add_note(number, "Etter hjerteslaget.", by="per", expected_version=before[0])
        lars.close()
    finally:
        feed.close()


def test_presence_shows_others_and_forgets_who_left_or_went_quiet(store, db_url):
    number = new_case(store)
    kari, lars = other_process(db_url), other_process(db_url)
    try:
        presence.touch(kari, number, "kari")
        presence.touch(lars, number, "lars", presence.editing("M1"))
        [seen] = presence.others(kari, number, "kari")
        assert (seen.user, seen.editing_step) == ("lars", "M1")
        assert [p.user for p in presence.others(lars, number, "lars")] == ["kari"]
        presence.leave(lars, number, "lars")
        assert presence.others(kari, number, "kari") == []
        # A TUI that crashed leaves its row; after STALE_AFTER it counts as gone, then it is cleared.
        presence.touch(lars, number, "lars")
        old = datetime.now(timezone.utc) - presence.STALE_AFTER - timedelta(seconds=1)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE presence SET seen_at = :t WHERE user_name = 'lars'"), {"t": old})
        assert presence.others(kari, number, "kari") == []
        presence.touch(kari, number, "kari")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM presence WHERE user_name = 'lars'")).scalar() == 0
    finally:
        kari.close()
        lars.close()


def test_a_case_someone_has_open_can_still_be_destroyed(store, admin, db_url):
    number = new_case(store)
    presence.touch(store, number, "lars")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status='closed', closed_on='2024-01-10' WHERE number = :n"),
                     {"n": number})
    from sqlmodel import select

    from varsel_tui.store.case_state import adopt
    from varsel_tui.store.models import Case

    with store.session() as s:  # as if the workflow had closed it (walking it there is another test's job)
        adopt(store.db, s, list(s.exec(select(Case).where(Case.number == number))))
        s.commit()
    admin.set_retention_days("ntnu-avvik", 365)
    assert admin.destroy_case(number) == number
    assert presence.others(store, number, "kari") == []


@pytest.mark.postgres
def test_a_refused_write_sends_no_notification(store, db_url):
    if db_url.endswith(".db"):
        pytest.skip("NOTIFY is PostgreSQL's")
    number = new_case(store)
    feed = open_feed(db_url)
    try:
        feed.poll()
        lars = other_process(db_url)
        with pytest.raises(ConcurrentEdit):  # a step completion against a stale version
            lars.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                  "vurdering": "ikke_godkjent", "begrunnelse": "For sent"},
                         by="lars", expected_version=0)
        assert feed.poll() is None  # NOTIFY is transactional: the rollback took it back
        lars.add_note(number, "Nå.", by="lars")
        assert feed.poll() == Changed(frozenset({number}))
        lars.close()
    finally:
        feed.close()


@pytest.mark.postgres
def test_a_bulk_write_is_one_notification_for_everything(store, admin, db_url, monkeypatch):
    """Seeding or destroying thousands of cases in one transaction is one «everything may have
    changed», not a NOTIFY per case (naming 100,000 cases overflowed PostgreSQL's parameter limit)."""
    if db_url.endswith(".db"):
        pytest.skip("NOTIFY is PostgreSQL's")
    from varsel_tui.store import changes
    from varsel_tui.store.demo import seed_bulk

    monkeypatch.setattr(changes, "_NAMED_AT_MOST", 3)
    feed = open_feed(db_url)
    try:
        feed.poll()
        seed_bulk(notify_on_commit(store), 10, seed=2, created_by="kari", admin=admin)
        changed = feed.poll()
        assert changed is not None and changed.numbers is not None and "" in changed.numbers
        assert changed.concerns("2026-0005")  # any open screen compares its case again
    finally:
        feed.close()
