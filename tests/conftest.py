"""Shared fixtures: a fixed today, fast key derivation, and stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest

TODAY = "2026-11-23"


def pytest_configure(config) -> None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (`<db>_gw0`, …), made
    on first use, so workers never reset each other's schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not worker or not url:
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["VARSEL_TEST_PG_URL"] = urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(autouse=True)
def fast_kdf():
    """Tiny KDF parameters for every key a test makes (CLI subprocesses: cli_env.subprocess_env).
    Production code cannot be switched to them from outside the process."""
    from varsel_tui.crypto import kdf

    kdf.use_fixed_params(kdf.fast_test_params())
    yield
    kdf.use_fixed_params(None)


# Files whose tests take 5–30 s each. Run first, so the two xdist workers do not end the suite with
# one of them alone on a long walkthrough (the order is the same on every worker, as xdist requires).
SLOW_FIRST = ("tests/tui/test_walkthroughs.py", "tests/store/test_stress.py", "tests/tui/test_corrections_documents.py",
              "tests/test_cli_terminal.py", "tests/tui/test_live_updates.py", "tests/tui/test_measures_hearings.py",
              "tests/store/test_concurrency.py", "tests/tui/test_exports.py")


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(autouse=True)
def _fixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))  # pinned trust anchors, per test
    from datetime import date

    from varsel_tui import clock

    monkeypatch.setenv("VARSEL_TODAY", TODAY)
    # Access decisions follow the real clock, which no variable moves: pin it in-process (a CLI
    # test in a subprocess runs on the machine's date).
    monkeypatch.setattr(clock, "_real_clock", lambda: date.fromisoformat(TODAY))
    monkeypatch.setenv("TZ", "Europe/Oslo")
    monkeypatch.delenv("VARSEL_DB", raising=False)
    monkeypatch.delenv("VARSEL_PASSPHRASE", raising=False)
    monkeypatch.setenv("VARSEL_WORKFLOWS", "")


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database on each backend. PostgreSQL tests skip locally without a server
    (VARSEL_TEST_PG_URL) but fail in CI, where .ci/run starts one."""
    if request.param == "sqlite":
        return str(tmp_path / "varsel.db")
    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("VARSEL_TEST_PG_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server (set VARSEL_TEST_PG_URL)")
    _reset_postgres(url)
    return url


ADMIN, ADMIN_PASSPHRASE = "admin", "administratorens passfrase"


@pytest.fixture
def store(db_url):
    """A store whose first user, ADMIN, is its administrator (and member of no body)."""
    from varsel_tui.store.service import Store

    s = Store.open(db_url)
    s.register_user(ADMIN, ADMIN_PASSPHRASE)
    s.unlock(ADMIN, ADMIN_PASSPHRASE)
    for body in ("linjeleder", "OU", "KKV", "Presidentskapet", "IE-fakultetet", "NV-fakultetet"):
        s.ensure_body(body)
    # Strictly secret cases are really encrypted here: the organisation recovery key is their
    # one recipient unless a test registers users, and it keeps the store unlocked for reading.
    s.unlock_recovery(s.init_recovery())
    yield s
    s.close()


@pytest.fixture
def admin(store):
    """A second handle on the store's database, unlocked as its administrator ADMIN, for the
    administrator's acts (the test's own `store` keeps its unlock state)."""
    from varsel_tui.store.service import Store

    handle = Store(store.loc, store.engine)
    handle.unlock(ADMIN, ADMIN_PASSPHRASE)
    yield handle
    handle.lock()
