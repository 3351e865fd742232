"""A committee's PostgreSQL database (store/server.py): roles, grants and row-level security, with
the app running as two officers' own database logins.

The logins here have passwords and connect over TCP (VARSEL_TEST_PG_URL's server, whose role
needs CREATEDB and CREATEROLE); the deployment itself uses peer authentication, which the last
test exercises with `psql` run by a second OS account (only as root, with a local server)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from datetime import date

import psycopg
import pytest

from varsel_tui.store import server
from varsel_tui.store.db import HEAD_REVISION, OLDER_SCHEMA, StoreError
from varsel_tui.store.service import CaseTampered, NotFound, Store

DB = "cm_committee_test"
KARI, LARS = "cm_t_kari", "cm_t_lars"
PASSWORD = "cm-test-only"
PASSPHRASE = "komiteens lange passfrase"
INTAKE = {"melder_type": "student", "gjelder": "utdanning", "mottakende_enhet": "IE-fakultetet"}


def _urls() -> tuple[str, str]:
    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("VARSEL_TEST_PG_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server (set VARSEL_TEST_PG_URL)")
    base, _, _ = url.rpartition("/")
    return url, base


def _as(base: str, login: str) -> str:
    """The same server as `login` (`base` is postgresql://USER:PW@HOST:PORT)."""
    host = base.rpartition("@")[2]
    return f"postgresql://{login}:{PASSWORD}@{host}/{DB}"


def _sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def _drop(admin_url: str) -> None:
    for attempt in range(50):  # another login's backend may take a moment to exit after its client
        try:
            _sql(admin_url, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
            break
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 49:
                raise
            time.sleep(0.1)
    for role in (KARI, LARS, "cm_pt_lars"):
        _sql(admin_url, f"DROP ROLE IF EXISTS {role}")
    for role in ("varsel_admins", "varsel_officers", "varsel_applicants", "varsel_owner"):
        try:  # the product's roles are the cluster's: kept while another database still uses them
            _sql(admin_url, f"DROP ROLE IF EXISTS {role}")
        except psycopg.Error:
            pass


@pytest.fixture
def committee():
    """A fresh committee database; kari is its first administrator and lars has an applicant's
    login (as the server administrator gives every officer's account one)."""
    url, base = _urls()
    if not _sql(url, "SELECT rolcreaterole AND rolcreatedb FROM pg_roles WHERE rolname = current_user")[0][0]:
        if os.environ.get("CI"):
            pytest.fail("the test role needs CREATEDB and CREATEROLE (.ci/run grants them)")
        pytest.skip("the test role may not create databases and roles")
    _drop(url)
    for login in (KARI, LARS):
        _sql(url, f"CREATE ROLE {login} LOGIN PASSWORD '{PASSWORD}'")
    owner_url = f"{base}/{DB}"
    done = server.init(owner_url, admin=KARI)
    assert done["created"] and done["security_version"] == server.SECURITY_VERSION
    _sql(url, f"GRANT {server.APPLICANTS} TO {LARS}")
    yield owner_url, _as(base, KARI), _as(base, LARS)
    while _opened:  # a failed test leaves its stores open; their logins' sessions block the drop
        _opened.pop().close()
    _drop(url)


_opened: list[Store] = []


def _record_state(url: str) -> None:
    """Record every case's state as it is now (what recomputing the state digest would do)."""
    from sqlmodel import select

    from varsel_tui.store.case_state import adopt
    from varsel_tui.store.models import Case

    store = _open(url)
    with store.session() as s:
        adopt(store.db, s, list(s.exec(select(Case))))
        s.commit()


def _open(url: str) -> Store:
    store = Store.open(url)
    _opened.append(store)
    return store


def _registered(owner_url: str, kari_url: str, lars_url: str) -> tuple[Store, Store]:
    """kari (the administrator `server init` made) registers first and is the app's trust anchor;
    lars registers and kari approves him, which gives his login the officers' role."""
    kari, lars = _open(kari_url), _open(lars_url)
    kari.register_user(KARI, PASSPHRASE)
    kari.unlock(KARI, PASSPHRASE)
    lars.register_user(LARS, PASSPHRASE)
    kari.approve_user(LARS)
    kari.add_body("IE-fakultetet")
    kari.add_body("NV-fakultetet")
    kari.add_member("IE-fakultetet", KARI)
    kari.add_member("NV-fakultetet", LARS)
    return kari, lars


@pytest.mark.postgres
def test_an_officer_sees_only_the_cases_access_is_given_for(committee):
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    number = kari.create_case("ntnu-avvik", "Eksamen uten sensorveiledning", date(2026, 11, 20), by=KARI,
                              intake=INTAKE).case.number
    assert [c.number for c in kari.list_cases()] == [number]
    assert lars.list_cases() == []
    with pytest.raises(NotFound):
        lars.get_case(number)
    assert _sql(lars_url, "SELECT count(*) FROM parties") == [(0,)]

    case_id = _sql(owner_url, "SELECT id FROM cases")[0][0]
    # A hearing participant's access (materialised by the app) ends after its last day.
    _sql(owner_url, "INSERT INTO case_access (case_id, user_name, until) VALUES (%s, %s, %s)",
         (case_id, LARS, date(2026, 1, 1)))
    assert lars.list_cases() == []
    _sql(owner_url, "UPDATE case_access SET until = (now() AT TIME ZONE 'Europe/Oslo')::date WHERE user_name = %s",
         (LARS,))
    assert [c.number for c in lars.list_cases()] == [number]
    d = lars.add_note(number, "Lest og vurdert", by=LARS)  # an append: insert, then its hash and text
    assert d.journal[-1].text == "Lest og vurdert"
    assert lars.verify_audit()[1] == []

    # lars's write materialised the case's access from the workflow's rule, as every write does: the
    # hand-made row is gone (the rule gives lars nothing) and kari, in the handling body, has hers.
    assert _sql(owner_url, "SELECT user_name, until FROM case_access") == [(KARI, None)]
    assert lars.list_cases() == []
    assert [c.number for c in kari.list_cases()] == [number]
    kari.close()
    lars.close()


@pytest.mark.postgres
def test_the_journal_is_append_only_and_the_directory_is_the_administrators(committee):
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    kari.create_case("ntnu-avvik", "Sak", date(2026, 11, 20), by=KARI, intake=INTAKE)
    case_id = _sql(owner_url, "SELECT id FROM cases")[0][0]
    _sql(owner_url, "INSERT INTO case_access (case_id, user_name) VALUES (%s, %s)", (case_id, LARS))

    assert _sql(lars_url, "UPDATE journal SET text = 'endret' RETURNING id") == []
    assert _sql(lars_url, "UPDATE journal SET hash = NULL RETURNING id") == []
    for statement, error in (
            ("DELETE FROM journal", psycopg.errors.InsufficientPrivilege),
            ("UPDATE journal SET by = 'x'", psycopg.errors.InsufficientPrivilege),
            ("INSERT INTO members (body_id, person) VALUES (1, 'cm_t_lars')", psycopg.errors.InsufficientPrivilege),
            ("UPDATE users SET role = 'admin' WHERE name = 'cm_t_lars'", psycopg.errors.InsufficientPrivilege),
            ("DELETE FROM cases", psycopg.errors.InsufficientPrivilege),
            ("SELECT varsel_grant_login('cm_t_lars', 'admin')", psycopg.errors.InsufficientPrivilege),
            ("SELECT varsel_destroy_case(1)", psycopg.errors.InsufficientPrivilege),
            # a body's mailbox is an administrator's setting: an officer cannot redirect letters
            ("INSERT INTO settings (key, value) VALUES ('body_address.OU', 'x@evil.example')",
             psycopg.errors.InsufficientPrivilege),
            ("INSERT INTO cases (number, year, seq, workflow_id, classification, received, status, outcome, "
             "current_step_title, concerns, search, created_by, created_at, updated_at, version, key_generation) "
             "VALUES ('2026-0099', 2026, 99, 'x', 'fortrolig', '2026-11-20', 'open', '', '', '', '', 'cm_t_kari', "
             "now(), now(), 1, 0)", psycopg.errors.InsufficientPrivilege),
    ):
        with pytest.raises(error):
            _sql(lars_url, statement)
    assert _sql(owner_url, "SELECT count(*) FROM journal WHERE text = 'endret' OR hash IS NULL") == [(0,)]
    assert kari.verify_audit()[1] == []

    # Self-registration makes an unapproved officer of one's own login, nothing else.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _sql(lars_url, "INSERT INTO users (name, display_name, created_at, role) VALUES ('cm_t_x', '', now(), 'officer')")
    kari.close()
    lars.close()


@pytest.mark.postgres
def test_an_applicant_cannot_approve_itself_and_an_officer_not_others(committee):
    owner_url, kari_url, lars_url = committee
    lars = _open(lars_url)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _sql(lars_url, "INSERT INTO users (name, display_name, created_at, role, approved_at) "
                       "VALUES ('cm_t_lars', '', now(), 'admin', now())")
    lars.add_user(LARS)
    assert lars.list_cases() == []  # an applicant may run the app and finds nothing
    with pytest.raises(StoreError):
        lars.add_body("NV-fakultetet")
    with pytest.raises(Exception, match="administrator"):
        server.grant_login(lars.engine, LARS, "admin")
    kari = _open(kari_url)
    kari.add_user(KARI)
    server.grant_login(kari.engine, LARS, "admin")
    assert _sql(owner_url, "SELECT pg_has_role('cm_t_lars', 'varsel_admins', 'MEMBER')") == [(True,)]
    server.grant_login(kari.engine, LARS, "officer")  # a changed role takes the other away
    assert _sql(owner_url, "SELECT pg_has_role('cm_t_lars', 'varsel_admins', 'MEMBER'), "
                           "pg_has_role('cm_t_lars', 'varsel_officers', 'MEMBER')") == [(False, True)]
    with pytest.raises(Exception, match="has not registered"):
        server.grant_login(kari.engine, "cm_t_nobody", "officer")
    kari.close()
    lars.close()


@pytest.mark.postgres
def test_sealing_a_raised_case_goes_through_the_narrow_function(committee):
    from varsel_tui.store import access
    from varsel_tui.store.models import Case

    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    number = kari.create_case("ntnu-avvik", "Blir hemmelig", date(2026, 11, 20), by=KARI, intake=INTAKE).case.number
    kari.add_note(number, "Første notat", by=KARI)
    case_id = _sql(owner_url, "SELECT id FROM cases")[0][0]
    entry = _sql(owner_url, "SELECT id FROM journal WHERE case_id = %s ORDER BY id LIMIT 1", (case_id,))[0][0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot be sealed"):  # not a secret case
        _sql(kari_url, "SELECT varsel_seal_journal(%s, '\\x00'::bytea, NULL, 'x')", (entry,))

    with kari.session() as s:
        case = s.get(Case, case_id)
        access.seal_existing(kari.db, s, case, KARI)
        s.commit()
    kari.codec.forget_fresh()
    assert _sql(owner_url, "SELECT count(*) FROM journal WHERE case_id = %s AND (text IS NOT NULL OR text_ct IS NULL)",
                (case_id,)) == [(0,)]
    assert kari.verify_audit()[1] == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot be sealed"):  # lars cannot see it
        _sql(lars_url, "SELECT varsel_seal_journal(%s, '\\x00'::bytea, NULL, 'x')", (entry,))
    kari.close()
    lars.close()


@pytest.mark.postgres
def test_only_the_owner_migrates_and_an_officer_is_told_in_one_line(committee):
    owner_url, kari_url, lars_url = committee
    _sql(owner_url, "SET ROLE varsel_owner; UPDATE alembic_version SET version_num = '0002'")
    with pytest.raises(StoreError) as err:
        Store.open(lars_url)
    assert str(err.value) == OLDER_SCHEMA
    with pytest.raises(StoreError, match="older than this varsel"):  # the owner's own app neither
        Store.open(owner_url)
    _sql(owner_url, f"SET ROLE varsel_owner; UPDATE alembic_version SET version_num = '{HEAD_REVISION}'")
    _open(lars_url).close()
    # Policies of an older version (a new varsel may change them without a migration): the same line.
    _sql(owner_url, f"SET ROLE varsel_owner; UPDATE settings SET value = '0' WHERE key = '{server.SECURITY_SETTING}'")
    with pytest.raises(StoreError) as err:
        Store.open(lars_url)
    assert str(err.value) == OLDER_SCHEMA
    assert server.upgrade(owner_url)["security_version"] == server.SECURITY_VERSION  # re-running is safe
    _open(lars_url).close()


def _can_run_as_another_account() -> bool:
    return os.geteuid() == 0 and shutil.which("psql") is not None and shutil.which("useradd") is not None \
        and os.path.exists("/var/run/postgresql/.s.PGSQL.5432")


@pytest.mark.postgres
@pytest.mark.skipif(not _can_run_as_another_account(), reason="needs root, useradd, psql and a local PostgreSQL")
def test_a_second_os_account_with_psql_sees_only_what_the_app_would_show(committee):
    """Peer authentication: the OS account is the database login, no password anywhere."""
    owner_url, kari_url, _ = committee
    login = "cm_pt_lars"
    made = False
    try:
        pwd.getpwnam(login)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/bin/sh", login], check=True)
        made = True
    try:
        kari = _open(kari_url)
        kari.register_user(KARI, PASSPHRASE)  # the administrator server init made: the trust anchor
        kari.unlock(KARI, PASSPHRASE)
        kari.add_body("IE-fakultetet")  # a body-type answer must name a registered body
        kari.create_case("ntnu-avvik", "Kun for IE", date(2026, 11, 20), by=KARI, intake=INTAKE)
        _sql(owner_url, f"CREATE ROLE {login} LOGIN IN ROLE {server.OFFICERS}")

        def psql(sql: str) -> subprocess.CompletedProcess:
            return subprocess.run(["su", login, "-s", "/bin/sh", "-c",
                                   f"cd / && psql postgresql:///{DB} -v ON_ERROR_STOP=1 -tA -c \"{sql}\""],
                                  capture_output=True, text=True, timeout=60)

        assert _sql(owner_url, "SELECT count(*) FROM cases") == [(1,)]
        seen = psql("select session_user, count(*) from cases")
        assert seen.returncode == 0, seen.stderr
        assert seen.stdout.strip() == f"{login}|0"
        assert psql("select title from cases").stdout.strip() == ""
        assert psql("update journal set text = 'x' returning id").stdout.strip() == "UPDATE 0"
        assert "permission denied" in psql("delete from journal").stderr
        assert "permission denied" in psql("update cases set title = 'x'").stderr or \
            psql("update cases set title = 'x' returning id").stdout.strip() == "UPDATE 0"

        case_id = _sql(owner_url, "SELECT id FROM cases")[0][0]
        _sql(owner_url, "INSERT INTO case_access (case_id, user_name) VALUES (%s, %s)", (case_id, login))
        assert psql("select title from cases").stdout.strip() == "Kun for IE"
        kari.close()
    finally:
        if made:
            subprocess.run(["userdel", login], check=False)


@pytest.mark.postgres
def test_an_entitled_officer_does_every_case_write_of_the_app(committee):
    """Row-level security lets the app's writes through for whoever the case is materialised for,
    including a strictly secret case's key wraps, and keeps drafts to their writer."""
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    kari.init_recovery()
    kari.add_member("IE-fakultetet", LARS)  # both are officers of IE: the app materialises their access
    secret = kari.create_case("ntnu-avvik", "Hemmelig avvik", date(2026, 11, 20), by=KARI, intake=INTAKE,
                              secret=True)  # only kari's body: IE
    plain = kari.create_case("ntnu-avvik", "Åpent avvik", date(2026, 11, 21), by=KARI, intake=INTAKE).case.number
    assert sorted(_sql(owner_url, "SELECT user_name FROM case_access")) == [(KARI,), (KARI,), (LARS,), (LARS,)]
    assert _sql(owner_url, "SELECT recipient FROM case_keys ORDER BY recipient") == [
        ("recovery",), (f"user:{KARI}",), (f"user:{LARS}",)]  # written by kari

    lars.add_party(plain, "melder", "Ola Student", by=LARS)
    d = lars.add_measure(plain, "Ny sensorveiledning", responsible="Instituttleder", due=date(2026, 12, 1), by=LARS)
    lars.complete_measure(plain, d.measures[0].id, by=LARS)
    d = lars.add_hearing(plain, [KARI], date(2026, 12, 31), question="Kommentarer?", by=LARS)
    lars.close_hearing(plain, d.hearings[0].id, by=LARS)
    lars.record_preliminary_reply(plain, by=LARS)
    lars.save_draft(plain, "M1", LARS, {"vurdering": "utkast"})
    assert lars.load_draft(plain, "M1", LARS) == {"vurdering": "utkast"}
    kari.save_draft(plain, "M1", KARI, {"vurdering": "kari sitt"})
    assert _sql(lars_url, "SELECT DISTINCT \"user\" FROM drafts") == [(LARS,)]
    d = lars.get_case(plain, viewer=LARS)
    assert [p.role for p in d.parties] == ["melder"] and d.case.prelim_sent is not None
    assert lars.verify_audit()[1] == [] and kari.verify_audit()[1] == []
    assert {c.number for c in lars.list_cases()} == {plain, secret.case.number}
    kari.close()
    lars.close()


@pytest.mark.postgres
def test_a_writer_who_gives_the_case_away_finishes_the_transaction_and_then_sees_nothing(committee):
    """The app materialises access inside the write that changes it: a clerk registering a case for
    another body, or an officer transferring one, keeps writing that case until the commit."""
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    with psycopg.connect(lars_url) as conn:
        case_id = conn.execute(
            "INSERT INTO cases (number, year, seq, workflow_id, classification, received, status, outcome, "
            "current_step_title, concerns, search, created_by, created_at, updated_at, version, key_generation) "
            "VALUES ('2026-0042', 2026, 42, 'ntnu-avvik', 'fortrolig', '2026-11-20', 'open', '', '', '', '', "
            "%s, now(), now(), 1, 0) RETURNING id", (LARS,)).fetchone()[0]
        conn.execute("INSERT INTO case_access (case_id, user_name) VALUES (%s, %s)", (case_id, KARI))
        conn.execute("INSERT INTO parties (case_id, role, anonymous) VALUES (%s, 'melder', false)", (case_id,))
        conn.execute("UPDATE cases SET body = 'IE-fakultetet' WHERE id = %s", (case_id,))
        assert conn.execute("SELECT count(*) FROM parties").fetchone() == (1,)
    assert _sql(lars_url, "SELECT count(*) FROM cases") == [(0,)]
    assert _sql(lars_url, "SELECT count(*) FROM parties") == [(0,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _sql(lars_url, "INSERT INTO parties (case_id, role, anonymous) VALUES (%s, 'vitne', false)", (case_id,))
    assert [c.number for c in kari.list_cases()] == ["2026-0042"]


@pytest.mark.postgres
def test_an_administrator_destroys_an_expired_case_through_the_narrow_function(committee):
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    number = kari.create_case("ntnu-avvik", "Gammel sak", date(2024, 1, 10), by=KARI, intake=INTAKE).case.number
    kari.add_note(number, "notat", by=KARI)
    case_id = _sql(owner_url, "SELECT id FROM cases")[0][0]
    _sql(owner_url, "INSERT INTO case_access (case_id, user_name) VALUES (%s, %s)", (case_id, LARS))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not closed"):  # open: kept
        _sql(kari_url, "SELECT varsel_destroy_case(%s)", (case_id,))
    _sql(owner_url, "SET ROLE varsel_owner; UPDATE cases SET status = 'closed', closed_on = '2024-02-01'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # an officer with access may not
        _sql(lars_url, "SELECT varsel_destroy_case(%s)", (case_id,))
    kari.set_retention_days("ntnu-avvik", 365)
    with pytest.raises(CaseTampered, match="status changed"):  # closed behind the app's back: kept
        kari.destroy_case(number)
    _record_state(owner_url)  # as if the workflow had closed it (walking it there is another test's job)
    assert kari.destroy_case(number) == number
    assert _sql(owner_url, "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM journal WHERE case_id "
                           "IS NOT NULL), (SELECT count(*) FROM case_access), (SELECT count(*) FROM case_statistics)") \
        == [(0, 0, 0, 1)]
    assert kari.verify_audit()[1] == []


@pytest.mark.postgres
def test_an_officer_drafts_edits_and_sends_a_secret_cases_letters_under_row_level_security(committee):
    """The letters table hangs off a case like the others: an entitled officer's login reads and
    writes its rows, and a strictly secret case's letters are ciphertext in the database."""
    owner_url, kari_url, lars_url = committee
    kari, lars = _registered(*committee)
    kari.init_recovery()
    kari.add_member("IE-fakultetet", LARS)
    secret = kari.create_case("ntnu-avvik", "Hemmelig avvik", date(2026, 11, 20), by=KARI, intake=INTAKE,
                              secret=True, parties=[{"role": "melder", "name": "Ola Student <ola@stud.no>"}]).case.number
    kari.advance(secret, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "godkjent",
                          "lokal_enhet": "IE-fakultetet", "behandler": "Lars Behandler <lars@ntnu.no>"}, by=KARI,
                 on=date(2026, 11, 23))
    lars.unlock(LARS, PASSPHRASE)
    assert [x.template for x in lars.letters(secret)] == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-til-behandler"]
    lars.edit_letter(secret, "ntnu-avvik-til-behandler", "Se vedlegget.", by=LARS)
    sent = lars.letter_sent(secret, "ntnu-avvik-til-behandler", by=LARS)
    assert sent.to == ["Lars Behandler <lars@ntnu.no>"] and b"Se vedlegget." in lars.letter_eml(secret, sent.id)
    assert _sql(owner_url, "SELECT status, checksum FROM letters WHERE id = %s", (sent.id,)) == [("sent", sent.checksum)]
    assert _sql(owner_url, "SELECT count(*) FROM letters WHERE subject IS NOT NULL OR body IS NOT NULL "
                           "OR free_text IS NOT NULL OR recipients_json IS NOT NULL") == [(0,)]
    kari.close()
    lars.close()
