"""Corrections and documents on a committee's PostgreSQL database: row-level security lets an
entitled officer's corrections and documents through, and shows another officer none of it.

Its own database and logins (cluster-wide names), so it runs beside tests/store/test_server.py."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date

import psycopg
import pytest

from varsel_tui.store import server
from varsel_tui.store.service import NoCaseAccess, NotFound, Store

DB = "cm_corrections_test"
KARI, LARS = "cm_c_kari", "cm_c_lars"
PASSWORD = "cm-test-only"
PASSPHRASE = "komiteens lange passfrase"
INTAKE = {"melder_type": "student", "gjelder": "utdanning", "mottakende_enhet": "IE-fakultetet"}


def _sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def _drop(admin_url: str) -> None:
    for attempt in range(50):
        try:
            _sql(admin_url, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
            break
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 49:
                raise
            time.sleep(0.1)
    for role in (KARI, LARS):
        _sql(admin_url, f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def committee():
    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("VARSEL_TEST_PG_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server (set VARSEL_TEST_PG_URL)")
    base = url.rpartition("/")[0]
    host = base.rpartition("@")[2]
    _drop(url)
    for login in (KARI, LARS):
        _sql(url, f"CREATE ROLE {login} LOGIN PASSWORD '{PASSWORD}'")
    owner_url = f"{base}/{DB}"
    server.init(owner_url, admin=KARI)
    _sql(url, f"GRANT {server.APPLICANTS} TO {LARS}")
    opened: list[Store] = []
    yield owner_url, f"postgresql://{KARI}:{PASSWORD}@{host}/{DB}", f"postgresql://{LARS}:{PASSWORD}@{host}/{DB}", opened
    for s in opened:
        s.close()
    _drop(url)


@pytest.mark.postgres
def test_an_officer_corrects_and_attaches_under_row_level_security_and_another_sees_nothing(committee, tmp_path):
    owner_url, kari_url, lars_url, opened = committee
    kari, lars = Store.open(kari_url), Store.open(lars_url)
    opened += [kari, lars]
    kari.register_user(KARI, PASSPHRASE)
    kari.unlock(KARI, PASSPHRASE)
    lars.register_user(LARS, PASSPHRASE)
    kari.approve_user(LARS)
    kari.add_body("IE-fakultetet")
    kari.add_body("NV-fakultetet")
    kari.add_member("IE-fakultetet", KARI)
    kari.add_member("NV-fakultetet", LARS)
    kari.init_recovery()
    plain = kari.create_case("ntnu-avvik", "Åpent avvik", date(2026, 11, 20), by=KARI, intake=INTAKE,
                             parties=[{"role": "melder", "name": "Ola Student"}]).case.number
    secret = kari.create_case("ntnu-avvik", "Hemmelig avvik", date(2026, 11, 20), by=KARI, intake=INTAKE,
                              secret=True).case.number
    f = tmp_path / "referat.txt"
    f.write_bytes("Møtereferat-ZQ4\n".encode())
    infos = [kari.add_document(n, f, by=KARI) for n in (plain, secret)]
    assert [hashlib.sha256(kari.document_bytes(n, i.id)).hexdigest() for n, i in zip((plain, secret), infos, strict=True)] == [
        hashlib.sha256(f.read_bytes()).hexdigest()] * 2
    d = kari.get_case(plain)
    kari.edit_party(plain, d.parties[0].id, name="Ola Studentsen", reason="stavefeil", by=KARI)
    kari.remove_party(plain, d.parties[0].id, reason="feil sak", by=KARI)
    d = kari.add_measure(plain, "Tiltak ved en feil", by=KARI)
    kari.remove_measure(plain, d.measures[0].id, reason="feil sak", by=KARI)
    d = kari.void_case(plain, reason="registrert to ganger", by=KARI)
    assert d.case.status == "void" and d.parties == [] and d.measures == []
    assert kari.verify_audit()[1] == []
    # lars (another body) sees none of it, through the app or with SQL on his own login
    for number in (plain, secret):
        with pytest.raises((NoCaseAccess, NotFound)):  # row-level security: not even the case row
            lars.documents(number)
    assert _sql(lars_url, "SELECT id FROM documents") == []
    assert len(_sql(owner_url, "SELECT id FROM documents")) == 2
