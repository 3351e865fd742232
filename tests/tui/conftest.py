"""Fixtures for the TUI tests: a fixed date and time zone, and real SQLite databases built with the
Store API (never mocks), copied per test so a test may write to its own."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

TODAY = "2026-11-23"  # a Monday
PASSPHRASE = "korrekt hest batteri"  # every test user's

# What the seeded database holds (the tests assert on these).
SECRET_TITLE = "Trakassering på hytteturen i Trondheim"
CASES = {
    "secret": "2026-0001",  # stinn-varsling, written → strengt hemmelig, created by kari, body OU
    "avvik": "2026-0002",  # ntnu-avvik, overdue (M1 due 2026-10-29) and a preliminary reply due
    "klage": "2026-0003",  # ntnu-klage, complaint, due 2026-12-01, created by per
    "uio": "2026-0004",  # uio-varsling, oral, no due date, created by ola
    "closed": "2026-0005",  # ntnu-avvik, closed as "ikke godkjent"
    "soon": "2026-0006",  # ntnu-avvik received 2026-10-29 → due within the week
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, tmp_path):
    """Every TUI test runs on 23 November 2026 in Oslo, with no user config file."""
    monkeypatch.setenv("VARSEL_TODAY", TODAY)
    monkeypatch.setenv("TZ", "Europe/Oslo")
    empty_config = tmp_path / "empty-config.toml"
    empty_config.write_text("", encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(empty_config))
    monkeypatch.delenv("VARSEL_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    from varsel_tui.tui import i18n

    i18n.set_lang("nb")
    yield
    i18n.set_lang("nb")
    monkeypatch.undo()
    time.tzset()


def build_database(path: Path) -> None:
    from varsel_tui.store.service import Store

    store = Store.open(str(path))
    try:
        for name in ("kari", "per"):  # kari first: the administrator
            store.register_user(name, PASSPHRASE)
        store.unlock("kari", PASSPHRASE)
        store.approve_user("per")
        store.ensure_body("OU", "Organisasjonsutvalget")
        store.ensure_body("KKV")
        store.add_member("OU", "kari")
        store.lock()  # the cases below are written by trusted setup code, as nobody in particular
        store.actor = None
        d = date.fromisoformat
        store.create_case(
            "stinn-varsling", SECRET_TITLE, d("2026-11-02"), by="kari",
            intake={"kanal": "skriftlig", "anonym": True, "varsler_er_fornærmede": True},
            parties=[{"role": "varsler", "name": "Sigrid Hemmelig", "anonymous": True}])
        store.create_case(
            "ntnu-avvik", "Manglende veiledning i masteremne", d("2026-10-01"), by="per",
            intake={"melder_type": "student", "gjelder": "utdanning"},
            parties=[{"role": "melder", "name": "Ingrid Berg"}])
        store.create_case(
            "ntnu-klage", "Klage på karakter i TDT4100", d("2026-11-20"), by="per",
            intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-10", "opprinnelig_karakter": "C"},
            parties=[{"role": "student", "name": "Lars Dahl"}])
        store.create_case(
            "uio-varsling", "Varsel om fusk på hjemmeeksamen", d("2026-09-01"), by="ola",
            intake={"kanal": "muntlig", "innmelder": "student", "anklage": True})
        closed = store.create_case(
            "ntnu-avvik", "Ønske om nytt emne", d("2026-10-05"), by="per",
            intake={"melder_type": "student"})
        store.advance(closed.case.number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                           "vurdering": "ikke_godkjent",
                                           "begrunnelse": "Gjelder ønske om nytt emne, ikke et avvik."},
                      by="per", on=d("2026-10-20"))
        store.create_case(
            "ntnu-avvik", "Eksamensavvik ved IE", d("2026-10-29"), by="kari",
            intake={"melder_type": "ansatt"})
    finally:
        store.close()
    from access_grants import grant

    grant(str(path), ["kari", "per", "ola"])  # the queue tests are about the screen, not who sees what
    # Fold the WAL into the file, so copying the one file copies everything.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.fixture(scope="session")
def seeded_db_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "varsel.db"
    with pytest.MonkeyPatch.context() as mp:  # only while building: other test folders keep the real clock
        mp.setenv("VARSEL_TODAY", TODAY)
        mp.setenv("TZ", "Europe/Oslo")
        time.tzset()
        from varsel_tui.crypto import kdf

        fixed = kdf.fixed_params()
        kdf.use_fixed_params(kdf.fast_test_params())  # before the function-scoped fixture runs
        try:
            build_database(path)
        finally:
            kdf.use_fixed_params(fixed)
    time.tzset()
    return path


@pytest.fixture
def seeded_db(seeded_db_template, tmp_path) -> Path:
    """A copy of the seeded database for this test: its path."""
    path = tmp_path / "varsel.db"
    shutil.copy(seeded_db_template, path)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def missing_db(tmp_path) -> Path:
    """A database path where no file exists yet."""
    return tmp_path / "nothing-here" / "varsel.db"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A seeded store for the case-screen tests, with a fixed clock and a fast preview."""
    try:
        from case_fixtures import fast_preview, fix_time, seeded_store
    except ImportError:  # pragma: no cover - when tests/tui is a package
        from .case_fixtures import fast_preview, fix_time, seeded_store

    monkeypatch.setenv("VARSEL_TODAY", "2026-11-23")
    fix_time(monkeypatch)
    fast_preview(monkeypatch)
    s = seeded_store(tmp_path)
    yield s
    s.close()
