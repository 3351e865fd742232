"""The Alembic migrations build exactly the schema the models describe, so a database created by
migrations (every real one) matches what the code expects; a model change without a migration
fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from varsel_tui.store import models  # noqa: F401
from varsel_tui.store.db import HEAD_REVISION, include_name
from varsel_tui.store.service import Store


def test_migrated_schema_matches_the_models(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        # The search index (FTS5 / pg_trgm, revision 0004) has no model: left out, as env.py does.
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
        assert ctx.get_current_revision() == HEAD_REVISION
        diff = compare_metadata(ctx, SQLModel.metadata)
    store.close()
    assert diff == []


def test_opening_an_existing_database_keeps_its_data(db_url):

    first = Store.open(db_url)
    first.register_user("kari", "korrekt hest batteri")
    first.unlock("kari", "korrekt hest batteri")
    first.add_body("OU", "Organisatorisk utvalg")
    first.close()
    again = Store.open(db_url)
    assert [b.name for b, _ in again.bodies()] == ["OU"]
    again.close()


def test_a_database_with_cases_from_the_first_schema_is_upgraded_and_its_secret_cases_sealed(tmp_path):
    """A 0001 database with cases (secret ones stored in plain then) opens with the newest code:
    the schema is upgraded and the secret cases are encrypted for whoever is entitled."""
    import sqlite3
    from datetime import date, datetime
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    from varsel_tui.crypto.keys import generate_user_keys
    from varsel_tui.store import db as store_db

    path = tmp_path / "old.db"
    engine = store_db.make_engine(store_db.locate(str(path)))
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(store_db.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    public, sealed = generate_user_keys("korrekt hest batteri")
    conn = sqlite3.connect(path)
    now = datetime(2026, 11, 2, 10, 0).isoformat(sep=" ")
    conn.execute("INSERT INTO users (id, name, display_name, public_key, sealed_private_key, created_at) "
                 "VALUES (1, 'kari', 'Kari', ?, ?, ?)", (public, sealed, now))
    conn.execute("INSERT INTO bodies (id, name, title) VALUES (1, 'OU', '')")
    conn.execute("INSERT INTO members (body_id, person, user_id) VALUES (1, 'kari', 1)")
    for case_id, number, classification, title in ((1, "2026-0001", "strengt_hemmelig", "Gammel-hemmelig-XQ"),
                                                   (2, "2026-0002", "fortrolig", "Vanlig-sak-ZK")):
        conn.execute(
            "INSERT INTO cases (id, number, year, seq, workflow_id, classification, title, intake_json, received, "
            "status, outcome, current_step, current_step_title, body, concerns, search, created_by, created_at, "
            "updated_at, version) VALUES (?, ?, 2026, ?, 'stinn-varsling', ?, ?, ?, '2026-11-02', 'open', '', "
            "'2.1', 'Varsling sendes inn skriftlig', 'OU', '', '', 'kari', ?, ?, 1)",
            (case_id, number, case_id, classification, title,
             '{"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}', now, now))
        conn.execute("INSERT INTO parties (case_id, role, name, anonymous) VALUES (?, 'varsler', ?, 0)",
                     (case_id, f"Part-{title}"))
    conn.commit()
    conn.close()
    path.chmod(0o600)  # made behind the app's back with the umask's mode; the app refuses shared files

    store = Store.open(str(path))
    assert [c.number for c in store.list_cases()] == ["2026-0001", "2026-0002"]
    # Nobody is approved yet, so nobody can be given a key: the secret case waits, named.
    assert store.unsealed_legacy == ["2026-0001"]
    # kari makes herself the administrator (the first to do so in a database from before approvals)
    # and signs her membership; the next opening seals the case for her.
    store.unlock("kari", "korrekt hest batteri")
    store.approve_user("kari", "admin")
    store.add_member("OU", "kari")
    store.close()
    store = Store.open(str(path))
    assert store.unsealed_legacy == []
    store.close()
    data = path.read_bytes() + (path.with_name("old.db-wal").read_bytes()
                                if path.with_name("old.db-wal").exists() else b"")
    assert b"Vanlig-sak-ZK" in data and b"Gammel-hemmelig-XQ" not in data
    kari = Store.open(str(path))
    kari.unlock("kari", "korrekt hest batteri")
    d = kari.get_case("2026-0001")
    assert d.title == "Gammel-hemmelig-XQ" and d.case.key_generation == 1
    assert d.text(d.parties[0], "name") == "Part-Gammel-hemmelig-XQ"
    assert date(2026, 11, 2) == d.case.received
