"""Strictly secret cases at rest: envelope encryption, entitlement that follows the workflow,
re-keying, recovery and crypto-shredding — against real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import shutil
import struct
from datetime import date
from pathlib import Path

import pytest

from varsel_tui.crypto.keys import new_user_keys
from varsel_tui.crypto.signing import signing_public_bytes
from varsel_tui.store.service import CaseLocked, CaseTampered, NoAccess, Store, StoreError, WrongPassphrase

PASS = "korrekt hest batteri"
CANARY = "Kanarifugl-7Q4X"
WRITTEN = {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}
ORG = {"kari": "OU", "per": "OU", "lars": "KKV", "ida": "IE-fakultetet", "nils": "NV-fakultetet", "hanne": None}


def admin_store(db_url: str) -> Store:
    """A fresh database whose first user, "admin", is its administrator; unlocked as admin."""
    s = Store.open(db_url)
    s.register_user("admin", PASS)
    s.unlock("admin", PASS)
    return s


def keyed_store(db_url: str) -> Store:
    """The organisation, unlocked as its administrator (who is in no body)."""
    s = admin_store(db_url)
    for body in ("linjeleder", "OU", "KKV", "Presidentskapet", "IE-fakultetet", "NV-fakultetet"):
        s.ensure_body(body)
    for name, body in ORG.items():
        private, public, sealed = new_user_keys(PASS)
        s.add_user(name, public_key=public, sealed_private_key=sealed, private_key=private)
        s.approve_user(name)
        if body:
            s.add_member(body, name)
    s.lock()  # the administrator is entitled to no case: the tests read as the people who are
    s.actor = None
    return s


def admin_of(store: Store) -> Store:
    """A second handle on `store`'s database, unlocked as its administrator "admin" (who is in no
    body and entitled to no case), for the administrator's acts; `store` itself stays locked."""
    handle = getattr(store, "_test_admin", None)
    if handle is None:
        handle = store._test_admin = Store(store.loc, store.engine)
        handle.unlock("admin", PASS)
    return handle


def new_keys(passphrase: str) -> tuple[bytes, bytes, bytes]:
    """(public, sealed, signing public) of a new key pair, as `user reset` makes them."""
    private, public, sealed = new_user_keys(passphrase)
    return public, sealed, signing_public_bytes(private)


def as_user(db_url: str, name: str) -> Store:
    s = Store.open(db_url)
    s.unlock(name, PASS)
    return s


@pytest.fixture
def org(db_url):
    s = keyed_store(db_url)
    yield s
    s.close()


def secret_case(store: Store, title: str = CANARY, **kw) -> str:
    parties = kw.pop("parties", [{"role": "varsler", "name": f"{CANARY} varsler"},
                                 {"role": "anklagede", "name": "Ola Nordmann"}])
    return store.create_case("stinn-varsling", title, date(2026, 11, 2), by=kw.pop("by", "kari"), intake=WRITTEN,
                             parties=parties, **kw).case.number


def file_bytes(db_url: str) -> bytes:
    path = Path(db_url)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def pg_bytes(db_url: str) -> bytes:
    """Every value of every table, as the server returns it (what a dump would hold)."""
    import psycopg

    out = []
    with psycopg.connect(db_url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
        for t in tables:
            for row in conn.execute(f'SELECT * FROM "{t}"'):
                out.append(repr(row))
    return "\n".join(out).encode()


def stored_bytes(db_url: str) -> bytes:
    return pg_bytes(db_url) if db_url.startswith("postgresql") else file_bytes(db_url)


# -- at rest ---------------------------------------------------------------------------------------

def test_no_plaintext_of_a_secret_case_in_the_database_or_its_wal(org, db_url):
    number = secret_case(org)
    kari = as_user(db_url, "kari")
    kari.add_note(number, f"Møtereferat: {CANARY} sa fra", by="kari")
    kari.add_measure(number, f"Samtale med {CANARY}", responsible=f"{CANARY}-ansvarlig", by="kari")
    kari.add_hearing(number, ["per"], date(2026, 12, 4), question=f"Hva så {CANARY}?", by="kari")
    kari.save_draft(number, "2.1", "kari", {"merknad": CANARY})
    kari.advance(number, {"innsendt_via": "nettside"}, by="kari", on=date(2026, 11, 3))
    # an ordinary case next to it, so the scan is shown to find plaintext where there is some
    org.create_case("ntnu-avvik", "Vanlig-sak-XJ3", date(2026, 11, 2), by="kari",
                    intake={"melder_type": "student"})
    kari.close()
    data = stored_bytes(db_url)
    assert b"Vanlig-sak-XJ3" in data
    assert CANARY.encode() not in data
    assert "Møtereferat".encode() not in data
    # …and the entitled officer reads every field back
    d = as_user(db_url, "kari").get_case(number)
    assert d.title == CANARY
    assert {d.text(p, "name") for p in d.parties} == {f"{CANARY} varsler", "Ola Nordmann"}
    assert any(d.text(e, "text") == f"Møtereferat: {CANARY} sa fra" for e in d.journal)
    assert d.text(d.measures[0], "responsible") == f"{CANARY}-ansvarlig"
    assert d.text(d.hearings[0], "question") == f"Hva så {CANARY}?"


def test_a_case_raised_to_strictly_secret_at_2_4_leaves_no_plaintext_behind(org, db_url):
    import random

    from varsel_tui.domain.conditions import Context
    from varsel_tui.store.demo import auto_answers

    number = org.create_case("stinn-varsling", CANARY, date(2026, 11, 2), by="kari",
                             intake={"kanal": "muntlig", "anonym": "nei", "varsler_er_fornærmede": "ja"},
                             parties=[{"role": "varsler", "name": f"{CANARY}-person"}]).case.number
    assert CANARY.encode() in stored_bytes(db_url)  # confidential, not secret: plain so far
    admin_of(org).add_member("linjeleder", "kari")  # kari handles phase 1 too
    rng = random.Random(5)
    kari = as_user(db_url, "kari")
    for _ in range(30):
        d = kari.get_case(number)
        if d.case.classification == "strengt_hemmelig":
            break
        step = d.workflow.step(d.state.current)
        forced = {"1.2": {"myndighet": True}, "1.5": {"enighet": False}}.get(step.id, {})
        for _ in range(50):
            answers = auto_answers(step.form, d.state.answers, Context(d.state.answers), date(2026, 11, 3), rng,
                                   ["OU"])
            if all(answers.get(k) == v for k, v in forced.items() if k in answers):
                break
        kari.advance(number, answers, by="kari", on=date(2026, 11, 3))
    assert kari.get_case(number).case.classification == "strengt_hemmelig"
    assert CANARY.encode() not in stored_bytes(db_url)
    assert kari.get_case(number).title == CANARY
    assert kari.verify_audit()[1] == []  # the re-sealed journal's chain was rebuilt, not broken


# -- who may read ----------------------------------------------------------------------------------

def test_locked_wrong_passphrase_and_not_entitled_are_refused(org, db_url):
    number = secret_case(org)
    with pytest.raises(CaseLocked):
        Store.open(db_url).get_case(number)
    with pytest.raises(WrongPassphrase, match="wrong passphrase for kari"):
        Store.open(db_url).unlock("kari", "feil passfrase")
    with pytest.raises(NoAccess, match="^you have no access to case"):
        as_user(db_url, "lars").get_case(number)  # KKV: not the body of the current phase
    lars = as_user(db_url, "lars")
    with pytest.raises(NoAccess):
        lars.add_note(number, "prøver å skrive", by="lars")
    assert as_user(db_url, "per").get_case(number).title == CANARY
    assert sorted(org.access_list(number)) == ["kari", "per"]


def test_a_clerk_outside_the_body_registers_a_case_but_cannot_read_it_back(org, db_url):
    number = secret_case(org, by="hanne")  # hanne is in no body
    assert sorted(org.access_list(number)) == ["kari", "per"]
    with pytest.raises(NoAccess):
        as_user(db_url, "hanne").get_case(number)


def test_the_body_a_case_concerns_never_gets_a_key_and_the_next_instance_does(org, db_url):
    number = secret_case(org, parties=[{"role": "anklagede", "name": "per"}])  # per sits in OU
    d = as_user(db_url, "lars").get_case(number)
    assert d.case.concerns == "OU" and d.case.body == "KKV"
    assert sorted(org.access_list(number)) == ["lars"]
    with pytest.raises(NoAccess):
        as_user(db_url, "kari").get_case(number)


def test_a_transfer_moves_access_to_the_new_unit_and_re_keys(org, db_url):
    d = org.create_case("ntnu-avvik", CANARY, date(2026, 11, 2), by="ida", classification="strengt_hemmelig",
                        intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"})
    number = d.case.number
    assert org.access_list(number) == {"ida": [1]}
    ida = as_user(db_url, "ida")
    ida.advance(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                         "vurdering": "endre_enhet", "ny_enhet": "NV-fakultetet"}, by="ida", on=date(2026, 11, 3))
    assert org.access_list(number) == {"nils": [1, 2]}  # the old generation too: the whole file moves
    nils = as_user(db_url, "nils")
    assert nils.get_case(number).title == CANARY
    with pytest.raises(NoAccess):
        as_user(db_url, "ida").get_case(number)


def test_a_hearing_gives_access_until_its_end_date_then_the_case_is_re_keyed(org, db_url, monkeypatch):
    number = secret_case(org)
    kari = as_user(db_url, "kari")
    kari.add_hearing(number, ["lars"], date(2026, 11, 30), question="Uttal deg", by="kari")
    assert as_user(db_url, "lars").get_case(number).title == CANARY
    lars_old = as_user(db_url, "lars")
    old_key = lars_old.codec.key(lars_old.get_case(number).case, 1)  # what lars could have copied

    from varsel_tui import clock

    monkeypatch.setattr(clock, "_real_clock", lambda: date(2026, 12, 1))  # the hearing has ended
    with pytest.raises(NoAccess):
        as_user(db_url, "lars").get_case(number)
    kari = as_user(db_url, "kari")
    kari.add_note(number, f"Etter høringen: {CANARY}", by="kari")
    assert org.access_list(number) == {"kari": [1, 2], "per": [1, 2]}
    d = kari.get_case(number)
    assert d.case.key_generation == 2
    note = d.journal[-1]
    assert note.text_ct[:4] == struct.pack(">I", 2)
    from varsel_tui.crypto.envelope import decrypt_field
    from varsel_tui.crypto.errors import TamperedData

    with pytest.raises(TamperedData):  # the copied old key does not open what was written after
        decrypt_field(old_key, note.text_ct[4:], case_id=number, field=f"journal.text:{note.id}", version=2)


def test_removing_a_member_revokes_and_re_keys_at_the_next_write(org, db_url):
    number = secret_case(org)
    admin_of(org).remove_member("OU", "per")
    with pytest.raises(NoAccess):
        as_user(db_url, "per").get_case(number)  # refused at once, before any re-key
    as_user(db_url, "kari").add_note(number, "ny opplysning", by="kari")
    assert org.access_list(number) == {"kari": [1, 2]}
    journal = as_user(db_url, "kari").get_case(number).journal
    assert any(e.kind == "access" for e in journal)


def test_a_secret_case_nobody_could_read_is_refused_and_nothing_saved(db_url):
    s = admin_store(db_url)
    s.ensure_body("OU")
    with pytest.raises(StoreError, match="no one could read"):
        s.create_case("stinn-varsling", CANARY, date(2026, 11, 2), by="kari", intake=WRITTEN)
    assert s.list_cases() == []


# -- tampering -------------------------------------------------------------------------------------

def _sql(store: Store, sql: str, **params):  # noqa: ANN202
    """Change the database behind the app's back, as someone with the file would."""
    from sqlalchemy import text

    with store.engine.begin() as conn:
        return conn.execute(text(sql), params).all() if sql.lstrip().upper().startswith("SELECT") else \
            conn.execute(text(sql), params)


def _record_state(store: Store, *numbers: str) -> None:
    """Record the case's state as it is now, as an attacker who recomputes the state digest would
    (the case-state check then passes, so what is tested is the ciphertext's own integrity)."""
    from sqlmodel import select

    from varsel_tui.store.case_state import adopt
    from varsel_tui.store.models import Case

    with store.session() as s:
        adopt(store.db, s, list(s.exec(select(Case).where(Case.number.in_(numbers)))))
        s.commit()


def test_a_title_swapped_between_two_cases_fails_to_open(org, db_url):
    a, b = secret_case(org, "Sak A"), secret_case(org, "Sak B")
    [(ct_a,)] = _sql(org, "SELECT title_ct FROM cases WHERE number = :n", n=a)
    _sql(org, "UPDATE cases SET title_ct = :ct WHERE number = :n", ct=ct_a, n=b)
    _record_state(org, b)
    kari = as_user(db_url, "kari")
    assert kari.get_case(a).title == "Sak A"
    with pytest.raises(CaseTampered, match=f"case {b}'s data has been altered"):
        kari.get_case(b)


def test_title_and_intake_swapped_within_a_case_fail_to_open(org, db_url):
    number = secret_case(org)
    _sql(org, "UPDATE cases SET title_ct = intake_ct, intake_ct = title_ct WHERE number = :n", n=number)
    _record_state(org, number)
    with pytest.raises(CaseTampered):
        as_user(db_url, "kari").get_case(number)


def test_party_names_swapped_within_a_case_fail_to_open(org, db_url):
    number = secret_case(org)
    (id1, _ct1), (_id2, ct2) = _sql(org, "SELECT id, name_ct FROM parties ORDER BY id")[:2]
    _sql(org, "UPDATE parties SET name_ct = :ct WHERE id = :id", ct=ct2, id=id1)
    _record_state(org, number)
    with pytest.raises(CaseTampered):
        as_user(db_url, "kari").get_case(number)


def test_a_flipped_bit_in_a_wrap_is_reported_as_altered_data(org, db_url):
    number = secret_case(org)
    [(wrap,)] = _sql(org, "SELECT wrap FROM case_keys WHERE recipient = 'user:kari'")
    bad = bytearray(wrap)
    bad[-1] ^= 1
    _sql(org, "UPDATE case_keys SET wrap = :w WHERE recipient = 'user:kari'", w=bytes(bad))
    with pytest.raises(CaseTampered):
        as_user(db_url, "kari").get_case(number)
    assert as_user(db_url, "per").get_case(number).title == CANARY  # per's wrap is intact


def test_column_format_known_answer():
    """u32be(generation) || 0x01 || nonce || AES-256-GCM(key, text, AD(case number, field, generation))."""
    from types import SimpleNamespace

    from varsel_tui.crypto.envelope import _FIELD_LABEL, _seal_with_nonce
    from varsel_tui.store.secrets import EnvelopeCodec

    key, nonce = bytes(range(32)), bytes(range(100, 112))
    stored = struct.pack(">I", 3) + _seal_with_nonce(_FIELD_LABEL, key, "Kari Nordmann".encode(), nonce,
                                                     "2026-0007", "parties.name:12", 3)
    assert stored.hex() == KAT_PARTY_NAME
    codec = EnvelopeCodec()
    case = SimpleNamespace(number="2026-0007", classification="strengt_hemmelig", key_generation=3)
    codec.set_fresh("2026-0007", 3, key)
    assert codec.open(case, "parties.name:12", None, stored) == "Kari Nordmann"
    for other in ({"field": "parties.name:13"}, {"number": "2026-0008"}):
        c = SimpleNamespace(**{**vars(case), **{k: v for k, v in other.items() if k == "number"}})
        codec.set_fresh(c.number, 3, key)
        with pytest.raises(CaseTampered):
            codec.open(c, other.get("field", "parties.name:12"), None, stored)
    codec.set_fresh("2026-0007", 2, key)
    with pytest.raises(CaseTampered):  # the generation prefix is bound too, even under the same key
        codec.open(case, "parties.name:12", None, struct.pack(">I", 2) + stored[4:])


KAT_PARTY_NAME = ("00000003" "01" "6465666768696a6b6c6d6e6f"
                  "037aac0f59a739ec5a0f3e86b4609cbb20b0ca97f06d08d84e66b530d2")


def test_column_format_matches_an_independent_aes_gcm_computation():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    def lp(*parts: bytes) -> bytes:
        return b"".join(struct.pack(">I", len(p)) + p for p in parts)

    stored = bytes.fromhex(KAT_PARTY_NAME)
    generation, version_byte, nonce, ct = stored[:4], stored[4:5], stored[5:17], stored[17:]
    aad = lp(b"varsel-tui/field/v1", b"2026-0007", b"parties.name:12", struct.pack(">Q", 3))
    assert (generation, version_byte) == (b"\x00\x00\x00\x03", b"\x01")
    assert AESGCM(bytes(range(32))).decrypt(nonce, ct, aad) == "Kari Nordmann".encode()


# -- recovery and retention ------------------------------------------------------------------------

def test_recovery_key_restores_a_case_after_every_member_lost_their_passphrase(org, db_url):

    text = admin_of(org).init_recovery()
    number = secret_case(org)
    assert "gjenopprettingsnøkkelen" in org.access_list(number)
    # everyone in OU forgets their passphrase: new key pairs, old wraps gone
    for name in ("kari", "per"):
        public, sealed, signing = new_keys("ny passfrase 2026")
        admin_of(org).reset_user_keys(name, public, sealed, signing_public_key=signing)
    kari = Store.open(db_url)
    kari.unlock("kari", "ny passfrase 2026")
    with pytest.raises(NoAccess):
        kari.get_case(number)
    from varsel_tui.crypto.keys import generate_recovery_key

    with pytest.raises(WrongPassphrase, match="not this organisation's recovery key"):
        Store.open(db_url).unlock_recovery(generate_recovery_key()[1])
    admin = Store.open(db_url)
    admin.unlock_recovery(text)
    assert admin.sync_access(by="admin") == {"synced": [number], "skipped": []}
    kari = Store.open(db_url)
    kari.unlock("kari", "ny passfrase 2026")
    assert kari.get_case(number).title == CANARY


def test_retention_destroys_expired_cases_and_leaves_anonymous_statistics(org, db_url):
    number = secret_case(org)
    _sql(org, "UPDATE cases SET status='closed', closed_on='2024-01-10', outcome='avsluttet' WHERE number = :n",
         n=number)
    _record_state(org, number)  # as if the workflow had closed it (walking it there is another test's job)
    assert org.expired_cases(date(2026, 11, 23)) == []  # retention 0: until an archivist decides
    admin_of(org).set_retention_days("stinn-varsling", 365)
    [(case, expired_on)] = org.expired_cases(date(2026, 11, 23))
    assert case.number == number and expired_on == date(2025, 1, 9)
    backup = None
    if not db_url.startswith("postgresql"):
        backup = Path(db_url).with_suffix(".backup")
        org.checkpoint()
        shutil.copy(db_url, backup)
    assert admin_of(org).destroy_case(number) == number
    assert org.list_cases() == []
    [stat] = org.statistics()
    assert (stat.workflow_id, stat.classification, stat.closed_month) == ("stinn-varsling", "strengt_hemmelig",
                                                                          "2024-01")
    assert org.verify_audit()[1] == []
    data = stored_bytes(db_url)
    assert CANARY.encode() not in data and b"Ola Nordmann" not in data
    if backup is not None:  # the documented limit: an older backup still holds the case until rotated
        old = Store.open(str(backup))
        old.unlock("kari", PASS)
        assert old.get_case(number).title == CANARY


def test_a_case_still_within_its_period_is_not_destroyed(org):
    number = secret_case(org)
    with pytest.raises(StoreError, match="not past its retention period"):
        admin_of(org).destroy_case(number)


def test_views_are_in_the_audit_journal(org, db_url):
    number = secret_case(org)
    as_user(db_url, "per").get_case(number, viewer="per", how=" (CLI)")
    d = as_user(db_url, "kari").get_case(number)
    views = [(e.by, d.text(e, "text")) for e in d.journal if e.kind == "view"]
    assert views == [("per", "saken lest (CLI)")]


def test_a_secret_deviation_re_registered_as_written_stinn_case_is_secret_at_2_1_in_ou(org, db_url):
    # Symptom «Re-registration is broken»: the new case was received "today", with an empty intake
    # whose required answers could not be given, and a written StInn case started at 1.1.
    from test_store import AVVIST

    number = org.create_case("ntnu-avvik", CANARY, date(2026, 11, 2), by="ida", classification="strengt_hemmelig",
                             intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"}).case.number
    ida = as_user(db_url, "ida")
    d, _ = ida.advance(number, {**AVVIST, "varslingsrutine": "stinn-varsling"}, by="ida", on=date(2026, 11, 3))
    new = org.case_number(d.case.linked_to)
    waiting = ida.get_case(new)
    assert waiting.case.received == date(2026, 11, 2) and waiting.case.classification == "strengt_hemmelig"
    assert waiting.state.current is None and waiting.state.awaiting_intake == ("kanal", "varsler_er_fornærmede")
    assert org.access_list(new) == {"ida": [1]}  # the officer who re-registered it holds it meanwhile
    with pytest.raises(StoreError, match="waiting for intake answers .*kanal"):
        ida.advance(new, {}, by="ida")
    ida.complete_intake(new, WRITTEN, by="ida")  # a written notification: phase 2, in OU's queue
    kari = as_user(db_url, "kari").get_case(new)
    assert kari.title == CANARY and kari.state.current == "2.1" and kari.case.body == "OU"
    assert kari.case.received == date(2026, 11, 2) and kari.state.steps["1.1"].status == "skipped"
    assert set(org.access_list(new)) == {"kari", "per"}
    with pytest.raises(NoAccess):
        ida.get_case(new)


def test_a_draft_written_after_a_revocation_is_under_the_new_generation(org, db_url):
    number = secret_case(org)
    admin_of(org).remove_member("OU", "per")
    as_user(db_url, "kari").save_draft(number, "2.1", "kari", {"merknad": "utkast"})
    assert org.access_list(number) == {"kari": [1, 2]}
    [(ct,)] = _sql(org, "SELECT answers_ct FROM drafts")
    assert ct[:4] == struct.pack(">I", 2)


def test_joining_a_body_the_case_concerns_shuts_you_out_at_once(org, db_url):
    number = secret_case(org, parties=[{"role": "anklagede", "name": "lars"}])  # lars sits in KKV
    assert as_user(db_url, "kari").get_case(number).case.concerns == "KKV"
    admin_of(org).add_member("KKV", "kari")
    with pytest.raises(NoAccess):
        as_user(db_url, "kari").get_case(number)


def test_the_accused_is_shut_out_even_before_the_next_write(org, db_url):
    number = secret_case(org)
    kari = as_user(db_url, "kari")
    # per turns out to be the accused "Ola Nordmann": from then on he may not read it
    _sql(org, "UPDATE users SET display_name = 'Ola Nordmann' WHERE name = 'per'")
    with pytest.raises(NoAccess):
        as_user(db_url, "per").get_case(number)
    assert kari.get_case(number).title == CANARY


def test_a_reset_that_would_orphan_a_case_is_refused(org, db_url):
    d = org.create_case("ntnu-avvik", CANARY, date(2026, 11, 2), by="ida", classification="strengt_hemmelig",
                        intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"})
    public, sealed, signing = new_keys("ny passfrase 2026")
    with pytest.raises(StoreError, match="only key holder of case"):
        admin_of(org).reset_user_keys("ida", public, sealed, signing_public_key=signing)
    assert as_user(db_url, "ida").get_case(d.case.number).title == CANARY


def test_bulk_demo_data_leaves_the_id_sequences_usable(db_url):
    from varsel_tui.store.demo import DEMO_PASSPHRASE, ensure_demo_org, seed_bulk

    demo = Store.open(db_url)
    ensure_demo_org(demo)  # its first user, kari, is the demo's administrator
    demo.unlock("kari", DEMO_PASSPHRASE)
    demo.init_recovery()
    seed_bulk(demo, 30, seed=3)
    number = secret_case(demo)  # new rows after explicit ids: no clash on PostgreSQL
    demo.add_note(number, "etter demo", by="kari")
