"""Backup and restore on real SQLite files and a real PostgreSQL server: every kind of backup file
restored into a fresh database of either backend gives back every row and every case as it was,
with an intact audit journal and strictly secret cases that open with the same passphrase."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest

from varsel_tui.cli import case_detail_json, main
from varsel_tui.store import backup as bk
from varsel_tui.store.db import StoreError
from varsel_tui.store.demo import DEMO_PASSPHRASE, ensure_demo_users, seed_demo
from varsel_tui.store.service import Store

CANARY = "Kanarifugl-B4CK"
WRITTEN = {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}


def _pg_reset(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _pg_target_url() -> str:
    """A second PostgreSQL database for restores: VARSEL_TEST_PG_RESTORE_URL, else one made beside
    VARSEL_TEST_PG_URL's (its role may create databases)."""
    url = os.environ.get("VARSEL_TEST_PG_RESTORE_URL")
    if url:
        return url
    import psycopg

    base = os.environ["VARSEL_TEST_PG_URL"]
    head, _, name = base.rpartition("/")
    name, _, query = name.partition("?")
    restore_name = f"{name}_restore"
    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (restore_name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{restore_name}"')
    return f"{head}/{restore_name}" + (f"?{query}" if query else "")


@pytest.fixture
def fresh_target(tmp_path):
    """fresh_target("sqlite"|"postgres") → an empty database to restore into."""

    def make(backend: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / "restored" / "varsel.db")
        if not os.environ.get("VARSEL_TEST_PG_URL"):
            if os.environ.get("CI"):
                pytest.fail("VARSEL_TEST_PG_URL is not set in CI")
            pytest.skip("no PostgreSQL server (set VARSEL_TEST_PG_URL)")
        url = _pg_target_url()
        _pg_reset(url)
        return url

    (tmp_path / "restored").mkdir()
    return make


@pytest.fixture
def seeded(db_url):
    """Demo data with key pairs, a strictly secret case carrying a canary in every secret field,
    an ordinary case, a link to a later case, and organisation journal entries."""
    s = Store.open(db_url)
    ensure_demo_users(s, ["kari"])  # the demo's first user: its administrator
    s.unlock("kari", DEMO_PASSPHRASE)
    recovery = s.init_recovery()
    s.set_retention_days("ntnu-avvik", 3650)
    s.unlock_recovery(recovery)
    seed_demo(s, user="kari", cases=30, seed=3)
    kari = Store.open(db_url)
    kari.unlock("kari", DEMO_PASSPHRASE)
    number = kari.create_case("stinn-varsling", CANARY, date(2026, 11, 2), by="kari", intake=WRITTEN, secret=True,
                              parties=[{"role": "varsler", "name": f"{CANARY} varsler"},
                                       {"role": "anklagede", "name": "Ola Nordmann"}]).case.number
    kari.add_note(number, f"Møtereferat: {CANARY} sa fra", by="kari")
    kari.add_measure(number, f"Samtale med {CANARY}", responsible=f"{CANARY}-ansvarlig", by="kari")
    kari.add_hearing(number, ["per"], date(2026, 12, 4), question=f"Hva så {CANARY}?", by="kari")
    kari.save_draft(number, "2.1", "kari", {"merknad": CANARY})
    kari.advance(number, {"innsendt_via": "nettside"}, by="kari", on=date(2026, 11, 3))
    kari.get_case(number, viewer="kari")
    plain = kari.create_case("ntnu-avvik", "Vanlig-sak-XJ3", date(2026, 11, 2), by="kari",
                             intake={"melder_type": "student"}).case.number
    kari.close()
    # A case pointing at a later one, as a spawned follow-up leaves it: restore order must cope.
    from sqlalchemy import text

    with s.engine.begin() as conn:
        first, last = conn.execute(text("SELECT MIN(id), MAX(id) FROM cases")).one()
        conn.execute(text("UPDATE cases SET linked_to = :b WHERE id = :a"), {"a": first, "b": last})
        conn.execute(text("UPDATE cases SET linked_from = :a WHERE id = :b"), {"a": first, "b": last})
    yield {"store": s, "url": db_url, "recovery": recovery, "secret": number, "plain": plain}
    s.close()


def everything(url: str, recovery: str) -> tuple[dict, dict]:
    """Every row of every table, and every case as `case show --json` prints it."""
    s = Store.open(url, create=False)
    try:
        s.unlock_recovery(recovery)
        with s.engine.connect() as conn:
            tables = {t: list(bk._rows(conn, t, bk._columns(conn, t))) for t in bk._app_tables(conn)}
        cases = {c.number: case_detail_json(s, s.get_case(c.number)) for c in s.list_cases()}
        return tables, cases
    finally:
        s.close()


def plain_bytes(path: Path, kind: str) -> bytes:
    """What the backup holds, uncompressed."""
    if kind == "logical":
        with zipfile.ZipFile(path) as zf:
            return b"".join(zf.read(n) for n in zf.namelist())
    if kind == "pg_dump":
        return subprocess.run(["pg_restore", "--file=-", str(path)], capture_output=True, check=True).stdout
    return path.read_bytes()


def pg_table_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


def assert_untouched(target: str) -> None:
    if target.startswith("postgresql"):
        assert pg_table_count(target) == 0
    else:
        assert not Path(target).exists()
        assert os.listdir(Path(target).parent) == []  # no temporary file left behind


COMBOS = [("native", "sqlite"), ("native", "postgres"), ("logical", "sqlite"), ("logical", "postgres")]


@pytest.mark.parametrize(("how", "target_backend"), COMBOS, ids=[f"{h}-to-{t}" for h, t in COMBOS])
def test_a_restored_database_equals_its_source(seeded, fresh_target, tmp_path, how, target_backend):
    url, recovery = seeded["url"], seeded["recovery"]
    source_pg = url.startswith("postgresql")
    if how == "native" and source_pg and target_backend == "sqlite":
        pytest.skip("a pg_dump archive restores into PostgreSQL only (tested below)")
    before_tables, before_cases = everything(url, recovery)
    path = tmp_path / "varsel.backup"
    result = bk.backup(seeded["store"], path, logical=(how == "logical"))
    assert result.kind == ("logical" if how == "logical" else "pg_dump" if source_pg else "sqlite")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result.rows["cases"] == len(before_cases) and result.rows["journal"] == len(before_tables["journal"])
    # Ciphertext stays ciphertext: the strictly secret case's canary is nowhere in the backup,
    # while the ordinary case's title is (so the scan would find plaintext).
    data = plain_bytes(path, result.kind)
    assert b"Vanlig-sak-XJ3" in data
    assert CANARY.encode() not in data and "Møtereferat".encode() not in data

    target = fresh_target(target_backend)
    restored = bk.restore(path, target)
    assert restored.revision == result.revision and restored.rows["cases"] == len(before_cases)

    after_tables, after_cases = everything(target, recovery)
    assert after_tables == before_tables
    assert after_cases == before_cases
    assert after_cases[seeded["secret"]]["title"] == CANARY
    store = Store.open(target, create=False)
    try:
        assert store.verify_audit()[1] == []
        # The same passphrase opens the strictly secret case, and new rows get fresh ids.
        store.unlock("kari", DEMO_PASSPHRASE)
        d = store.get_case(seeded["secret"], viewer="kari")
        assert d.title == CANARY and d.text(d.measures[0], "responsible") == f"{CANARY}-ansvarlig"
        assert store.load_draft(seeded["secret"], "2.1", "kari") == {"merknad": CANARY}
        new = store.create_case("ntnu-avvik", "Etter gjenoppretting", date(2026, 11, 23), by="kari",
                                intake={"melder_type": "student"})
        assert new.case.id > max(r["id"] for r in after_tables["cases"])
        store.add_note(seeded["plain"], "notat etter gjenoppretting", by="kari")
        assert store.verify_audit()[1] == []
    finally:
        store.close()


def test_without_pg_dump_postgresql_is_exported_logically(seeded, tmp_path, monkeypatch):
    if not seeded["url"].startswith("postgresql"):
        pytest.skip("pg_dump is for PostgreSQL")
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # a server without the PostgreSQL client tools
    path = tmp_path / "pg.backup"
    assert bk.backup(seeded["store"], path).kind == "logical"
    assert path.read_bytes()[:4] == b"PK\x03\x04" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_pg_dump_archive_is_not_restored_into_sqlite(seeded, tmp_path):
    if not seeded["url"].startswith("postgresql"):
        pytest.skip("pg_dump archives come from PostgreSQL")
    path = tmp_path / "pg.backup"
    bk.backup(seeded["store"], path)
    with pytest.raises(StoreError, match="PostgreSQL only"):
        bk.restore(path, str(tmp_path / "x.db"))
    assert not (tmp_path / "x.db").exists()


def _damaged(path: Path, kind: str, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "tail":  # the last bytes lost: a pg_dump archive's table of contents still reads
        path.write_bytes(data[:-200])
    elif how == "flipped":
        middle = len(data) // 2
        if kind == "pg_dump":
            # Into the rows: a pg_dump archive begins with its table of contents, the schema's DDL
            # text, which a data-only restore never reads (the schema is the migrations'); as the
            # schema grows, the file's middle moves into it.
            import re

            toc_end = max(m.end() for m in re.finditer(rb"(?:CREATE|ALTER|DROP|SELECT|GRANT|REVOKE) [^\x00]*\x00",
                                                       data))
            middle = (toc_end + len(data)) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:])
    elif how == "edited":  # a well-formed SQLite file whose content changed after the backup
        import sqlite3

        conn = sqlite3.connect(path)
        with conn:
            conn.execute("UPDATE cases SET title = 'Endret-sak-XJ3' WHERE title = 'Vanlig-sak-XJ3'")
        conn.close()
    elif how == "checksum":  # a well-formed zip whose table no longer matches the manifest
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(path, "w") as zout:
            for name in zin.namelist():
                body = zin.read(name)
                if name == "tables/cases.jsonl":
                    body = body.replace(b"Vanlig-sak-XJ3", b"Endret-sak-XJ3")
                zout.writestr(name, body)


DAMAGE = [("native", "truncated"), ("native", "tail"), ("native", "flipped"), ("native", "edited"),
          ("logical", "truncated"), ("logical", "flipped"), ("logical", "checksum")]


@pytest.mark.parametrize("target_backend", ["sqlite", "postgres"])
def test_a_damaged_backup_is_refused_and_the_target_stays_empty(seeded, fresh_target, tmp_path, target_backend):
    source_pg = seeded["url"].startswith("postgresql")
    tried = 0
    for how, damage in DAMAGE:
        if how == "native" and source_pg and (target_backend == "sqlite" or damage == "edited"):
            continue  # a pg_dump archive restores into PostgreSQL only and cannot be edited in place
        if how == "native" and not source_pg and damage == "flipped":
            # Flipped bytes in an SQLite copy may land in free space or an index, which a restore
            # does not read (harmless); a changed row is what must be caught: "edited".
            continue
        path = tmp_path / f"{how}-{damage}.backup"
        result = bk.backup(seeded["store"], path, logical=(how == "logical"))
        _damaged(path, result.kind, damage)
        target = fresh_target(target_backend)
        with pytest.raises(StoreError) as err:
            bk.restore(path, target)
        message = str(err.value).replace(str(tmp_path), "…")
        assert "\n" not in message and ("damaged" in message or "not a varsel backup" in message), (how, damage,
                                                                                                    message)
        assert_untouched(target)
        tried += 1
    assert tried >= 3


@pytest.mark.parametrize("target_backend", ["sqlite", "postgres"])
def test_restore_refuses_a_database_with_cases_or_users_and_a_file_that_is_no_backup(seeded, fresh_target,
                                                                                     tmp_path, target_backend):
    path = tmp_path / "varsel.backup"
    bk.backup(seeded["store"], path, logical=True)
    with pytest.raises(StoreError, match="not empty \\(it has cases or users\\)"):
        bk.restore(path, seeded["url"])
    target = fresh_target(target_backend)
    bk.restore(path, target)
    with pytest.raises(StoreError, match="not empty"):
        bk.restore(path, target)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n")
    with pytest.raises(StoreError, match="is not a varsel backup"):
        bk.restore(junk, str(tmp_path / "other.db"))
    assert not (tmp_path / "other.db").exists()


def test_restore_into_an_existing_empty_sqlite_database(seeded, tmp_path):
    target = tmp_path / "empty.db"
    Store.open(str(target)).close()  # schema only, as any first command leaves it
    path = tmp_path / "varsel.backup"
    bk.backup(seeded["store"], path, logical=seeded["url"].startswith("postgresql"))
    bk.restore(path, str(target))
    restored = Store.open(str(target), create=False)
    try:
        assert len(restored.list_cases()) == len(seeded["store"].list_cases())
        assert restored.verify_audit()[1] == []
    finally:
        restored.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.fixture
def cli(monkeypatch, capsys):
    monkeypatch.setenv("VARSEL_USER", "kari")

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli_backup_is_owner_only_never_overwrites_and_states_the_rule(cli, tmp_path):
    db, file = str(tmp_path / "src.db"), tmp_path / "out" / "varsel.backup"
    file.parent.mkdir()
    assert cli("--db", db, "seed-demo", "--cases", "5")[0] == 0
    code, out, err = cli("--db", db, "backup", str(file))
    assert code == 0, err
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert "at most 30 days" in out and "destroyed case is gone everywhere 30 days later" in out
    first = file.read_bytes()
    code, out, err = cli("--db", db, "backup", str(file))
    assert code == 1 and err.count("\n") == 1 and "already exists; use --force" in err
    assert file.read_bytes() == first
    assert cli("--db", db, "backup", str(file), "--force", "--logical")[0] == 0
    assert file.read_bytes()[:4] == b"PK\x03\x04" and stat.S_IMODE(file.stat().st_mode) == 0o600
    assert sorted(os.listdir(file.parent)) == ["varsel.backup"]  # no temporary file left

    target = str(tmp_path / "restored.db")
    code, out, err = cli("--db", target, "restore", str(file), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["rows"]["cases"] == 5 and data["audit"]["intact"] and data["kind"] == "logical"
    code, out, err = cli("--db", target, "restore", str(file))
    assert code == 1 and err.count("\n") == 1 and "not empty (it has cases or users)" in err
    code, out, err = cli("restore", str(file))
    assert code == 1 and "restore needs --db" in err


@pytest.mark.parametrize("target_backend", ["sqlite", "postgres"])
def test_a_backup_of_an_older_schema_is_restored_at_its_revision_then_upgraded(fresh_target, tmp_path,
                                                                               target_backend):
    """A copy of a database at revision 0002 (made before 0003's columns existed): the target gets
    the 0002 schema, the rows, then 0003's columns with their defaults."""
    import sqlite3

    from varsel_tui.store import db as store_db

    old = tmp_path / "old.db"
    engine = store_db.make_engine(store_db.locate(str(old)))
    with engine.begin() as conn:
        bk._migrate(conn, "0002")
    engine.dispose()
    conn = sqlite3.connect(old)
    now = "2026-11-02 10:00:00.000000"
    with conn:
        conn.execute("INSERT INTO users (id, name, display_name, created_at) VALUES (7, 'kari', 'Kari', ?)", (now,))
        conn.execute("INSERT INTO bodies (id, name, title) VALUES (3, 'NV-fakultetet', '')")
        conn.execute(
            "INSERT INTO cases (id, number, year, seq, workflow_id, classification, title, intake_json, received, "
            "status, outcome, current_step, current_step_title, body, concerns, search, created_by, created_at, "
            "updated_at, version, key_generation) VALUES (5, '2026-0001', 2026, 1, 'ntnu-avvik', 'fortrolig', "
            "'Gammel-sak-Q2', '{\"melder_type\": \"student\"}', '2026-11-02', 'open', '', NULL, '', NULL, '', '', "
            "'kari', ?, ?, 1, 0)", (now, now))
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()

    target = fresh_target(target_backend)
    result = bk.restore(old, target)
    assert result.revision == "0002" and result.rows["cases"] == 1
    store = Store.open(target, create=False)
    try:
        with store.engine.connect() as c:
            assert bk._revision(c) == store_db.HEAD_REVISION
        assert store.get_user("kari").role == "officer"  # 0003's default for users before it
        assert store.get_case("2026-0001").title == "Gammel-sak-Q2"
        # A database from before approvals: the first to approve themselves administers it.
        store.register_user("nora", "korrekt hest batteri")
        store.unlock("nora", "korrekt hest batteri")
        store.approve_user("nora", "admin")
        assert store.add_body("KKV").id == 4  # the id sequence continues after the restored rows
    finally:
        store.close()


def test_cli_restore_says_when_the_backup_held_a_broken_audit_journal(cli, tmp_path):
    import sqlite3

    db, file = str(tmp_path / "src.db"), tmp_path / "varsel.backup"
    assert cli("--db", db, "seed-demo", "--cases", "3")[0] == 0
    conn = sqlite3.connect(db)  # someone rewrote history behind the app's back
    with conn:
        conn.execute("UPDATE journal SET by = 'mallory' WHERE id = (SELECT MIN(id) FROM journal)")
    conn.close()
    assert cli("--db", db, "backup", str(file))[0] == 0
    code, out, err = cli("--db", str(tmp_path / "restored.db"), "restore", str(file))
    assert code == 1 and "restored 3 cases" in out
    assert err.count("\n") == 1 and "restored audit journal is broken at journal entry #" in err


def test_pg_tools_get_the_login_through_the_environment_never_argv():
    from varsel_tui.store.db import locate

    env, dbname = bk._pg_env(locate("postgresql://kari:s3cret-pw@db.example:6543/varsel"))
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], dbname) == \
        ("db.example", "6543", "kari", "s3cret-pw", "varsel")
    env, dbname = bk._pg_env(locate("postgresql:///varsel?host=/var/run/postgresql"))  # peer login
    assert env["PGHOST"] == "/var/run/postgresql" and dbname == "varsel"
