"""The journal is hash-chained: editing, deleting or reordering entries behind the app's back is
reported with the first broken link."""

from __future__ import annotations

import sqlite3
from datetime import date

from varsel_tui.cli import main
from varsel_tui.store.service import Store


def _store_with_history(path) -> Store:
    s = Store.open(str(path))
    s.register_user("kari", "korrekt hest batteri")  # the first user: its administrator
    n = s.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 2), by="kari",
                      intake={"melder_type": "student"}).case.number
    for text in ("Ringte melder", "Møte med faglærer", "Avtalt tiltak"):
        s.add_note(n, text, by="kari")
    return s


def test_untouched_journal_verifies(tmp_path):
    s = _store_with_history(tmp_path / "a.db")
    checked, broken = s.verify_audit()
    assert checked == 5 and broken == []


def test_edited_entry_is_the_first_broken_link(tmp_path):
    path = tmp_path / "a.db"
    s = _store_with_history(path)
    conn = sqlite3.connect(path)
    target = conn.execute("SELECT id FROM journal WHERE text = 'Møte med faglærer'").fetchone()[0]
    conn.execute("UPDATE journal SET text = 'Ingen møte' WHERE id = ?", (target,))
    conn.commit()
    conn.close()
    assert s.verify_audit()[1] == [(target, "2026-0001")]


def test_deleted_entry_breaks_the_chain_at_the_next_one(tmp_path):
    path = tmp_path / "a.db"
    s = _store_with_history(path)
    conn = sqlite3.connect(path)
    ids = [r[0] for r in conn.execute("SELECT id FROM journal WHERE case_id = 1 ORDER BY id")]
    conn.execute("DELETE FROM journal WHERE id = ?", (ids[1],))
    conn.commit()
    conn.close()
    assert s.verify_audit()[1] == [(ids[2], "2026-0001")]


def test_cli_reports_the_broken_link_in_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "a.db"
    _store_with_history(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE journal SET by = 'mallory' WHERE text = 'Ringte melder'")
    conn.commit()
    conn.close()
    monkeypatch.setenv("VARSEL_DB", str(path))
    try:
        main(["audit", "verify"])
    except SystemExit as exc:
        assert exc.code == 1
    err = capsys.readouterr().err
    assert err.startswith("varsel: audit journal altered: first broken link at journal entry #")
    assert "(case 2026-0001)" in err and len(err.strip().splitlines()) == 1


def test_demo_seeded_journal_verifies(tmp_path):
    from varsel_tui.store.demo import seed_bulk

    s = Store.open(str(tmp_path / "d.db"))
    seed_bulk(s, 50)
    assert s.verify_audit()[1] == [] and s.trust().problems == []


def test_chain_survives_the_round_trip_through_each_backend(store, admin):
    """Timestamps and texts read back from SQLite and PostgreSQL hash to what was written."""
    store.add_user("kari")
    admin.add_member("OU", "per")
    n = store.create_case("ntnu-avvik", "Lab ute av drift", date(2026, 11, 2), by="kari",
                          intake={"melder_type": "ansatt"}).case.number
    store.add_note(n, "Notat med æøå og «sitat»", by="kari")
    checked, broken = store.verify_audit()
    assert checked >= 4 and broken == []
