"""`varsel check`: the database's integrity and the audit chains on demand, one line per problem;
and the bounded version the TUI runs at start-up."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from varsel_tui.cli import main
from varsel_tui.store import check
from varsel_tui.store.service import Store


def _varsel(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def _case_with_notes(url: str) -> Store:
    s = Store.open(url)
    n = s.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 2), by="kari",
                      intake={"melder_type": "student"}).case.number
    s.add_note(n, "Ringte melder", by="kari")
    return s


def _damage(path) -> None:  # noqa: ANN001
    """The corruption of issue 9 (an index that misses rows of its table) and an edited journal entry."""
    conn = sqlite3.connect(path)
    conn.execute("UPDATE journal SET text = 'Ringte ikke' WHERE text = 'Ringte melder'")
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_cases_status ON cases (title)' "
                 "WHERE name = 'ix_cases_status'")
    conn.commit()
    conn.close()


def test_an_intact_database_checks_out(tmp_path, capsys):
    path = str(tmp_path / "a.db")
    _case_with_notes(path).close()
    code, out, err = _varsel(capsys, "--db", path, "check")
    assert (code, err) == (0, "")
    assert out.startswith("database and audit journal intact (2 journal entries;")
    data = json.loads(_varsel(capsys, "--db", path, "check", "--json")[1])
    assert data["ok"] is True and data["problems"] == [] and "integrity_check" in data["checked"]


def test_a_damaged_index_and_an_edited_entry_are_one_line_each(tmp_path, capsys):
    path = tmp_path / "a.db"
    _case_with_notes(str(path)).close()
    _damage(path)
    code, out, err = _varsel(capsys, "--db", str(path), "check")
    assert code == 1 and err == "varsel: 2 problems found\n"
    lines = out.strip().splitlines()
    assert lines[0] == f"{path}: row 1 missing from index ix_cases_status"
    assert lines[1].startswith("audit journal altered: broken link at journal entry #")
    assert lines[1].endswith("(case 2026-0001)")
    code, out, _ = _varsel(capsys, "--db", str(path), "check", "--json")
    assert code == 1 and [p["kind"] for p in json.loads(out)["problems"]] == ["database", "audit"]


def test_a_missing_database_is_one_line(tmp_path, capsys):
    code, out, err = _varsel(capsys, "--db", str(tmp_path / "none.db"), "check")
    assert code == 1 and out == "" and err.startswith("varsel: ") and len(err.splitlines()) == 1


def test_the_quick_check_on_each_backend(db_url):
    store = _case_with_notes(db_url)
    report = check.run(store, quick=True)
    assert report.ok and report.audit_entries == 2
    assert report.checked == (["integrity_check", "audit", "signatures"] if store.loc.is_sqlite
                              else ["invalid_indexes", "audit", "signatures"])
    assert check.run(store).ok
    store.close()


def test_start_up_checks_a_big_file_quickly_and_a_small_one_fully(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    _case_with_notes(str(path)).close()
    _damage(path)
    store = Store.open(str(path))
    assert [p.kind for p in check.run(store, quick=True).problems] == ["database", "audit"]
    monkeypatch.setattr(check, "STARTUP_FULL_BYTES", 0)
    report = check.run(store, quick=True)
    assert report.checked[0] == "quick_check"  # pages and records only: the index is not compared
    assert [p.kind for p in report.problems] == ["audit"]
    store.close()


def test_the_quick_check_leaves_a_long_journal_to_varsel_check(tmp_path, monkeypatch):
    store = _case_with_notes(str(tmp_path / "a.db"))
    monkeypatch.setattr(check, "STARTUP_AUDIT_LIMIT", 1)
    report = check.run(store, quick=True)
    assert report.checked == ["integrity_check", "signatures"] and report.audit_entries is None
    store.close()


@pytest.mark.parametrize("item, line", [
    ((7, None), "audit journal altered: broken link at journal entry #7"),
    ((7, "2026-0001", "signature does not match"),
     "audit journal altered: broken link at journal entry #7 (case 2026-0001): signature does not match"),
])
def test_each_broken_chain_is_one_line(item, line):
    assert check.audit_problem(item) == line
