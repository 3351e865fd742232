"""Access by body for every classification, on the real clock, and a case state that shows when it
was altered behind the app's back — against real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

from datetime import date

import pytest

from varsel_tui import clock
from varsel_tui.crypto.keys import new_user_keys
from varsel_tui.store.access import NoCaseAccess
from varsel_tui.store.service import CaseTampered, Store, ValidationFailed

PASS = "korrekt hest batteri"
TITLE = "Tittel-Q7 om Ola"
UIO = {"varsler_rolle": "ansatt"}
WRITTEN = {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}
ORG = {"kari": "OU", "per": "OU", "lars": "KKV", "ida": "IE-fakultetet", "mallory": None, "ola": None}


@pytest.fixture
def org(db_url):
    """The organisation, unlocked as its administrator ("admin", the first user, in no body; kari
    administers too); everyone approved, every membership signed."""
    s = Store.open(db_url)
    s.register_user("admin", PASS)
    s.unlock("admin", PASS)
    for body in ("linjeleder", "OU", "KKV", "Presidentskapet", "IE-fakultetet", "NV-fakultetet"):
        s.ensure_body(body)
    for name, body in ORG.items():
        private, public, sealed = new_user_keys(PASS)
        s.add_user(name, display_name="Ola Nordmann" if name == "ola" else "", public_key=public,
                   sealed_private_key=sealed, private_key=private)
        s.approve_user(name, "admin" if name == "kari" else "officer")  # kari: an OU member who administers
        if body:
            s.add_member(body, name)
    s.lock()  # the administrator is entitled to no case: the tests read as the people who are
    s.actor = None
    yield s
    s.close()


def as_user(db_url: str, name: str, *, unlock: bool = False) -> Store:
    s = Store.open(db_url, actor=name)
    if unlock:
        s.unlock(name, PASS)
    return s


def _sql(store: Store, sql: str, **params):  # noqa: ANN202
    """Change the database behind the app's back, as someone with the file would."""
    from sqlalchemy import text

    with store.engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.all() if result.returns_rows else None


def confidential_case(db_url: str, *, accused: str = "Ola Nordmann") -> str:
    """A written StInn case graded fortrolig (not strictly secret) about `accused`, registered by kari."""
    kari = as_user(db_url, "kari")
    d = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", classification="fortrolig",
                         intake=WRITTEN,
                         parties=[{"role": "varsler", "name": "Vera Varsler"}, {"role": "anklagede", "name": accused}])
    assert d.case.classification == "fortrolig"
    return d.case.number


def access_rows(store: Store, number: str) -> dict[str, date | None]:
    rows = _sql(store, "SELECT a.user_name, a.until FROM case_access a JOIN cases c ON c.id = a.case_id "
                       "WHERE c.number = :n", n=number)
    return {u: (date.fromisoformat(t) if isinstance(t, str) else t) for u, t in rows}


# -- access by body, every classification ---------------------------------------------------------

def test_an_outsider_and_the_accused_get_one_refusal_and_nothing_of_a_confidential_case(org, db_url):
    number = confidential_case(db_url)
    assert as_user(db_url, "per").get_case(number, viewer="per").title == TITLE
    for who in ("mallory", "ola", "nobody-registered"):
        with pytest.raises(NoCaseAccess) as exc:
            as_user(db_url, who).get_case(number)
        assert str(exc.value) == f"you have no access to case {number}"
        assert [c.number for c in as_user(db_url, who).list_cases(viewer=who)] == []
        assert list(as_user(db_url, who).due_cases(date(2026, 11, 23), 365, viewer=who)) == []
    # writes are refused the same way, and nothing is saved
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").add_note(number, "hei", by="mallory")
    assert [c.number for c in org.list_cases(viewer="kari")] == [number]
    # each refusal is an organisation event that names no content
    refused = [e for e in org.audit_log() if e["kind"] == "refused"]
    assert {e["by"] for e in refused} == {"mallory", "ola", "nobody-registered"}
    assert all(TITLE not in (e["text"] or "") and e["case"] is None for e in refused)


def test_case_access_is_materialised_on_every_write_as_the_rule_says(org, db_url):
    number = confidential_case(db_url)
    assert access_rows(org, number) == {"kari": None, "per": None}
    as_user(db_url, "kari").add_hearing(number, ["lars", "ola"], date(2026, 12, 4), by="kari")
    assert access_rows(org, number) == {"kari": None, "per": None, "lars": date(2026, 12, 4)}  # never the accused
    assert as_user(db_url, "lars").get_case(number).title == TITLE
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "ola").get_case(number)


def test_a_clerk_without_a_body_registers_a_case_and_loses_it_once_a_body_is_set(org, db_url):
    mallory = as_user(db_url, "mallory")
    d = mallory.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 2), by="mallory",
                            intake={"melder_type": "student"})
    assert d.title == "Pensum mangler"  # what they registered is shown back once
    assert "mallory" not in access_rows(org, d.case.number) or d.case.body is None


def test_an_ended_hearing_gives_no_access_even_with_varsel_today_set_back(org, db_url, monkeypatch):
    number = confidential_case(db_url)
    as_user(db_url, "kari").add_hearing(number, ["lars"], date(2026, 11, 30), by="kari")
    assert as_user(db_url, "lars").get_case(number).title == TITLE
    monkeypatch.setattr(clock, "_real_clock", lambda: date(2026, 12, 1))  # the hearing has ended
    monkeypatch.setenv("VARSEL_TODAY", "2026-11-24")  # a test switch must not reopen it
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "lars").get_case(number)
    assert [c.number for c in as_user(db_url, "lars").list_cases(viewer="lars")] == []


def test_the_secret_hearing_is_revoked_by_access_sync_on_the_real_clock(org, db_url, monkeypatch):
    kari = as_user(db_url, "kari", unlock=True)
    number = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", intake=WRITTEN,
                              parties=[{"role": "anklagede", "name": "Ola Nordmann"}]).case.number
    kari.add_hearing(number, ["lars"], date(2026, 11, 30), by="kari")
    assert "lars" in kari.access_list(number)
    monkeypatch.setattr(clock, "_real_clock", lambda: date(2026, 12, 1))
    monkeypatch.setenv("VARSEL_TODAY", "2026-11-24")
    as_user(db_url, "kari", unlock=True).sync_access(by="kari")
    assert set(org.access_list(number)) == {"kari", "per"}
    assert _sql(org, "SELECT key_generation FROM cases WHERE number = :n", n=number) == [(2,)]


def test_removing_a_member_re_keys_at_once_when_the_remover_holds_the_keys(org, db_url):
    kari = as_user(db_url, "kari", unlock=True)
    number = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", intake=WRITTEN).case.number
    plain = confidential_case(db_url)
    assert kari.remove_member("OU", "per") == []  # nothing left for 'access sync'
    assert set(org.access_list(number)) == {"kari"}
    assert _sql(org, "SELECT key_generation FROM cases WHERE number = :n", n=number) == [(2,)]
    assert "per" not in access_rows(org, plain) and "per" not in access_rows(org, number)
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "per").get_case(plain)


def test_a_remover_without_the_keys_is_told_which_cases_need_access_sync(org, db_url):
    kari = as_user(db_url, "kari", unlock=True)
    number = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", intake=WRITTEN).case.number
    assert admin_of(org).remove_member("OU", "per") == [number]
    assert "per" not in access_rows(org, number)  # out of the list at once; the key at the next sync
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "per", unlock=True).get_case(number)


def test_a_body_answer_must_name_a_registered_body(org, db_url):
    kari = as_user(db_url, "kari")
    with pytest.raises(ValidationFailed, match="«Ola Nordmann» er ikke et registrert organ"):
        kari.create_case("ntnu-avvik", "Pensum", date(2026, 11, 2), by="kari",
                         intake={"melder_type": "student", "mottakende_enhet": "Ola Nordmann"})
    assert org.list_cases() == []
    d = kari.create_case("ntnu-avvik", "Pensum", date(2026, 11, 2), by="kari",
                         intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"})
    assert d.case.body == "IE-fakultetet"


# -- tamper evidence ------------------------------------------------------------------------------

def _detected(store: Store, db_url: str, number: str, who: str, match: str) -> None:
    with pytest.raises(CaseTampered, match=match) as exc:
        as_user(db_url, who).get_case(number)
    assert str(exc.value).startswith(f"case {number}'s stored data was altered outside varsel: ")
    assert any(line.startswith(f"case {number}:") for line in store.verify_state())


def test_an_untouched_database_has_no_state_problems(org, db_url):
    confidential_case(db_url)
    assert org.verify_state() == []


def test_a_deleted_party_row_is_detected(org, db_url):
    number = confidential_case(db_url)
    _sql(org, "DELETE FROM parties WHERE role = 'varsler'")
    _detected(org, db_url, number, "kari", "parties")


def test_a_deleted_accused_party_does_not_route_the_case_back_silently(org, db_url):
    number = confidential_case(db_url, accused="per")  # per sits in OU: the case goes past OU
    assert org.get_case(number).case.body != "OU"
    _sql(org, "DELETE FROM parties WHERE role = 'anklagede'")
    holder = next(iter(access_rows(org, number)))
    _detected(org, db_url, number, holder, "parties")
    with pytest.raises(CaseTampered):  # and no write re-routes it
        as_user(db_url, holder).add_note(number, "hei", by=holder)


def test_a_flipped_status_is_detected_and_retention_does_not_destroy_the_case(org, db_url, monkeypatch):
    number = confidential_case(db_url)
    admin_of(org).set_retention_days("stinn-varsling", 1)
    _sql(org, "UPDATE cases SET status = 'closed', closed_on = :d WHERE number = :n", d=date(2026, 1, 1), n=number)
    _detected(org, db_url, number, "kari", "status")
    with pytest.raises(CaseTampered):
        admin_of(org).destroy_case(number)
    assert [c.number for c in org.list_cases()] == [number]


def test_a_forged_plain_title_on_a_secret_case_is_detected(org, db_url):
    kari = as_user(db_url, "kari", unlock=True)
    number = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", intake=WRITTEN).case.number
    _sql(org, "UPDATE cases SET title_ct = NULL, title = 'FORGED' WHERE number = :n", n=number)
    with pytest.raises(CaseTampered, match="plain title"):
        as_user(db_url, "kari", unlock=True).get_case(number)
    assert any("plain title" in line for line in org.verify_state())


def test_a_rolled_back_key_generation_with_its_journal_rows_dropped_is_detected(org, db_url):
    kari = as_user(db_url, "kari", unlock=True)
    number = kari.create_case("stinn-varsling", TITLE, date(2026, 11, 2), by="kari", intake=WRITTEN).case.number
    kari.remove_member("OU", "per")  # re-keyed at once: generation 2
    [(case_id, newest)] = _sql(org, "SELECT c.id, MAX(j.id) FROM cases c JOIN journal j ON j.case_id = c.id "
                                    "WHERE c.number = :n GROUP BY c.id", n=number)
    _sql(org, "DELETE FROM journal WHERE case_id = :c AND id = :j", c=case_id, j=newest)
    _sql(org, "UPDATE cases SET key_generation = 1 WHERE id = :c", c=case_id)
    with pytest.raises(CaseTampered, match="key generation rolled back"):
        as_user(db_url, "kari", unlock=True).get_case(number)
    assert any("rolled back" in line for line in org.verify_state())


def test_an_inserted_access_row_is_reported_and_ignored(org, db_url):
    number = confidential_case(db_url)
    [(case_id,)] = _sql(org, "SELECT id FROM cases WHERE number = :n", n=number)
    _sql(org, "INSERT INTO case_access (case_id, user_name) VALUES (:c, 'mallory')", c=case_id)
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").get_case(number)
    assert org.verify_state() == [f"case {number}: access rows the workflow does not give (ignored): mallory"]


def test_a_database_from_before_gets_its_state_recorded_once(org, db_url):
    number = confidential_case(db_url)
    _sql(org, "DELETE FROM case_access")
    _sql(org, "UPDATE journal SET state_digest = NULL")
    _sql(org, "DELETE FROM settings WHERE key = 'case_state_recorded'")
    # the chain still verifies with the digests gone only if the entries' hashes did not cover them:
    # recompute as a database from before would have them (no digest in the hash input)
    from sqlmodel import select

    from varsel_tui.crypto.audit import chain_hash
    from varsel_tui.store.models import JournalEntry
    from varsel_tui.store.service import audit_event

    with org.session() as s:
        prev = None
        for e in s.exec(select(JournalEntry).where(JournalEntry.case_id.is_not(None)).order_by(JournalEntry.id)):
            e.prev_hash = prev if e.prev_hash is not None else None
            e.hash = prev = chain_hash(e.prev_hash, audit_event(e))
            s.add(e)
        s.commit()
    again = Store.open(db_url)
    assert access_rows(again, number) == {"kari": None, "per": None}
    assert again.verify_state() == [] and again.verify_audit()[1] == []
    _sql(again, "UPDATE journal SET state_digest = NULL")  # after adoption, an emptied record is an alteration
    assert any("no recorded state" in line for line in Store.open(db_url).verify_state())


def admin_of(store: Store) -> Store:
    """A second handle on `store`'s database, unlocked as its administrator "admin" (who is in no
    body and entitled to no case), for the administrator's acts; `store` itself stays locked."""
    handle = getattr(store, "_test_admin", None)
    if handle is None:
        handle = store._test_admin = Store(store.loc, store.engine)
        handle.unlock("admin", PASS)
    return handle
