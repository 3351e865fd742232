"""The scripting CLI as a script would use it: JSON out, one-line errors, non-zero exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from access_grants import grant
from cli_env import in_process_varsel


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    return in_process_varsel(tmp_path, monkeypatch, capsys)


def test_workflows_lists_the_four_bundled_ids(varsel):
    ids = {w["id"] for w in varsel.json("workflows")}
    assert ids == {"stinn-varsling", "ntnu-avvik", "uio-varsling", "ntnu-klage"}


def test_a_new_officer_opens_and_moves_a_case(varsel, monkeypatch):
    first = varsel.json("user", "add", "kari")
    assert first["has_keys"] is True and first["role"] == "admin" and first["approved"] is True
    lars = varsel.json("user", "add", "lars")
    assert lars["role"] == "officer" and lars["approved"] is False
    assert varsel.json("user", "approve", "lars")["approved_by"] == "kari"
    varsel.json("body", "add", "OU")
    varsel.json("body", "add", "KKV")
    varsel.json("body", "member", "add", "OU", "kari")
    varsel.json("body", "member", "add", "OU", "per")
    varsel.json("body", "member", "add", "KKV", "lars")
    # kari registers a written notification about per, who sits in OU: it goes to KKV, not OU
    case = varsel.json("case", "new", "--workflow", "stinn-varsling", "--title", "Trakassering",
                       "--received", "2026-11-02", "--set", "kanal=skriftlig", "--set", "anonym=nei",
                       "--set", "varsler_er_fornærmede=ja", "--party", "anklagede:per")
    assert case["number"] == "2026-0001"
    assert case["classification"] == "strengt_hemmelig" and case["body"] == "KKV"
    code, out, err = varsel("case", "show", "2026-0001")
    assert code == 1 and out == "" and err.strip() == "varsel: you have no access to case 2026-0001"
    assert varsel.json("case", "list") == []  # not hers to see: not even listed

    monkeypatch.setenv("VARSEL_USER", "lars")
    assert varsel.json("case", "list")[0]["title"] is None  # the list never shows a secret title
    shown = varsel.json("case", "show", "2026-0001")
    assert shown["title"] == "Trakassering"
    steps = {s["id"]: s for s in shown["steps"]}
    assert len(steps) == 57  # every step of the procedure, also those not reached
    assert steps["1.1"]["status"] == "skipped" and steps["2.1"]["status"] == "active"
    assert steps["3.1"]["due"] == "2026-11-04"  # 2 virkedager etter mottatt (Mon 2 Nov → Wed 4 Nov)
    assert steps["3.14"]["due"] is None  # counts from the decision, which has not happened
    assert shown["concerns"] == ["OU"]

    form = varsel.json("case", "form", "2026-0001")
    assert form["step"] == "2.1" and any(f["required"] for f in form["fields"])
    moved = varsel.json("case", "advance", "2026-0001", "--set", "innsendt_via=nettside", "--on", "2026-11-02")
    assert moved["current_step"] == "2.2"
    assert {s["id"]: s["status"] for s in moved["steps"]}["2.1"] == "done"
    assert [a["recipient"] for a in varsel.json("access", "show", "2026-0001")] == ["lars"]

    monkeypatch.setenv("VARSEL_PASSPHRASE", "feil passfrase")
    code, out, err = varsel("case", "show", "2026-0001")
    assert code == 1 and err.strip() == "varsel: wrong passphrase for lars"


def test_listing_and_due(varsel):
    varsel.json("user", "add", "kari")  # while no body is set, the registering officer has the case
    varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Pensum mangler", "--received",
                "2026-10-01", "--set", "melder_type=student")
    rows = varsel.json("case", "list")
    assert [r["number"] for r in rows] == ["2026-0001"] and rows[0]["title"] == "Pensum mangler"
    due = varsel.json("due")
    assert due[0]["number"] == "2026-0001" and due[0]["overdue"] is True


@pytest.mark.parametrize("argv, message", [
    (["case", "show", "2026-0042"], "no case 2026-0042"),
    (["case", "new", "--workflow", "nope", "--title", "x", "--received", "2026-11-02"], "unknown workflow 'nope'"),
    (["case", "new", "--workflow", "ntnu-avvik", "--title", "x", "--received", "02/11/2026"], "is not a date"),
    (["case", "new", "--workflow", "ntnu-avvik", "--title", "x", "--received", "2026-11-02"], "må fylles ut"),
])
def test_errors_are_one_line_and_non_zero(varsel, argv, message):
    varsel.json("user", "add", "kari")  # creates the database; kari is its administrator
    code, out, err = varsel(*argv)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_invalid_workflow_file_names_file_step_and_field(varsel, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = "X"\n[[phases]]\nid = "1"\ntitle = "P"\n[[phases.steps]]\nid = "1.1"\n'
                   'title = "S"\ndeadline = { count = 2, unit = "timer", from = "mottatt" }\n')
    code, _, err = varsel("workflows", "--check", str(bad))
    assert code == 1
    assert str(bad) in err and "step 1.1" in err and "deadline" in err and "unknown unit 'timer'" in err


def test_no_passphrase_without_terminal_is_refused(varsel, monkeypatch):
    monkeypatch.delenv("VARSEL_PASSPHRASE")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = varsel("user", "add", "kari")
    assert code == 1 and "VARSEL_PASSPHRASE" in err
    assert varsel.json("user", "list") == []


def test_a_path_that_is_not_a_database_is_refused_without_traceback(tmp_path):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("hello")
    env = {**os.environ, "VARSEL_DB": str(not_db)}
    res = subprocess.run([sys.executable, "-m", "varsel_tui", "case", "list"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.strip() == f"varsel: {not_db} is not a varsel database (not an SQLite file)"
    assert "Traceback" not in res.stderr


def test_seed_demo_fills_every_workflow(varsel):
    from varsel_tui.store.service import Store

    assert varsel.json("seed-demo", "--cases", "200")["cases"] == 200
    # The seeding materialises access by the workflow's entitlement: kari sees her bodies' cases.
    mine = varsel.json("case", "list")
    assert mine and len(mine) < 200 and {r["body"] for r in mine} <= {"OU", "IE-fakultetet"}
    rows = [{"workflow": c.workflow_id, "status": c.status} for c in Store.open(os.environ["VARSEL_DB"]).list_cases()]
    assert len(rows) == 200 and {r["workflow"] for r in rows} == {"stinn-varsling", "ntnu-avvik", "uio-varsling",
                                                                   "ntnu-klage"}
    assert any(r["status"] == "closed" for r in rows) and any(r["status"] == "open" for r in rows)


def test_a_phase_that_will_be_skipped_says_so_in_advance(varsel):
    varsel.json("user", "add", "kari")
    varsel.json("user", "add", "lars")
    varsel.json("user", "approve", "lars")
    varsel.json("body", "add", "OU")
    varsel.json("body", "add", "KKV")
    varsel.json("body", "member", "add", "OU", "per")
    varsel.json("body", "member", "add", "KKV", "lars")
    case = varsel.json("case", "new", "--workflow", "stinn-varsling", "--title", "Om et OU-medlem",
                       "--received", "2026-11-02", "--set", "kanal=skriftlig", "--set", "anonym=nei",
                       "--set", "varsler_er_fornærmede=ja", "--party", "anklagede:per")
    steps = {s["id"]: s for s in case["steps"]}
    assert steps["3.1"]["status"] == "pending"
    assert "OU" in steps["3.1"]["will_be_skipped"]
    assert steps["4.1"]["will_be_skipped"] is None


def test_measures_and_hearings_are_recorded_and_journalled(varsel):
    varsel.json("user", "add", "kari")
    varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Lab ute av drift", "--received",
                "2026-11-02", "--set", "melder_type=student")
    d = varsel.json("case", "measure", "add", "2026-0001", "Reparere utstyret", "--responsible", "Instituttleder",
                    "--due", "2026-12-01")
    assert d["measures"] == [{"id": 1, "title": "Reparere utstyret", "responsible": "Instituttleder",
                              "due": "2026-12-01", "done_on": None}]
    d = varsel.json("case", "measure", "done", "2026-0001", "1", "--on", "2026-11-20")
    assert d["measures"][0]["done_on"] == "2026-11-20"
    for user in ("lars", "per"):  # hearing participants are registered, approved users
        varsel.json("user", "add", user)
        varsel.json("user", "approve", user)
    code, _, err = varsel("case", "hearing", "add", "2026-0001", "--participant", "linjeleder", "--participant", "per",
                          "--ends", "2026-12-04")
    assert code == 1 and "not a registered, approved user: linjeleder" in err
    d = varsel.json("case", "hearing", "add", "2026-0001", "--participant", "lars", "--participant", "per",
                    "--ends", "2026-12-04", "--question", "Hvilke tiltak trengs?")
    assert d["hearings"][0]["participants"] == ["lars", "per"] and d["hearings"][0]["closed_on"] is None
    assert [j["kind"] for j in d["journal"]].count("hearing") == 1
    code, _, err = varsel("case", "hearing", "add", "2026-0001", "--participant", "per", "--ends", "2026-01-01")
    assert code == 1 and "a hearing must end after today" in err


def test_recovery_after_a_lost_passphrase_and_retention(varsel, monkeypatch, tmp_path):
    varsel.json("user", "add", "kari")  # the administrator
    varsel.json("user", "add", "nora")
    varsel.json("user", "approve", "nora")
    varsel.json("body", "add", "OU")
    varsel.json("body", "member", "add", "OU", "nora")
    key = varsel.json("recovery", "init")["recovery_key"]
    assert key.startswith("VR1 ")
    code, _, err = varsel("recovery", "init")
    assert code == 1 and "already set up" in err
    monkeypatch.setenv("VARSEL_USER", "nora")
    varsel.json("case", "new", "--workflow", "stinn-varsling", "--title", "Trakassering", "--received",
                "2026-11-02", "--set", "kanal=skriftlig", "--set", "anonym=nei", "--set", "varsler_er_fornærmede=ja")
    # nora forgets her passphrase; the administrator gives her a new key pair and her cases back
    monkeypatch.setenv("VARSEL_USER", "kari")
    monkeypatch.setenv("VARSEL_NEW_PASSPHRASE", "en helt ny passfrase")
    varsel.json("user", "reset", "nora")
    monkeypatch.setenv("VARSEL_USER", "nora")
    monkeypatch.setenv("VARSEL_PASSPHRASE", "en helt ny passfrase")
    code, _, err = varsel("case", "show", "2026-0001")
    assert code == 1 and "nora has no key to strictly secret case 2026-0001 yet" in err
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(key)
    assert varsel.json("access", "sync", "--recovery-key-file", str(key_file)) == {"synced": ["2026-0001"],
                                                                                 "skipped": []}
    assert varsel.json("case", "show", "2026-0001")["title"] == "Trakassering"
    code, _, err = varsel("access", "sync", "--recovery-key-file", str(tmp_path / "missing.txt"))
    assert code == 1 and "cannot read recovery key file" in err

    log = varsel.json("audit", "log")
    assert [r["kind"] for r in log if r["case"] == "2026-0001"].count("view") == 1
    assert all(r["text"] is None for r in log if r["case"] == "2026-0001")  # sealed: the log does not open it

    # retention: nothing expires until the organisation sets a period and the case is closed long enough
    assert varsel.json("retention") == []
    monkeypatch.setenv("VARSEL_USER", "kari")
    monkeypatch.setenv("VARSEL_PASSPHRASE", "korrekt hest batteri")
    varsel.json("retention-policy", "stinn-varsling", "30")
    code, _, err = varsel("retention", "--destroy")
    assert code == 0


def _record_state(db: str) -> None:
    """Record every case's state as it is now (what a recomputed digest would do)."""
    from sqlmodel import select

    from varsel_tui.store.case_state import adopt
    from varsel_tui.store.models import Case
    from varsel_tui.store.service import Store

    store = Store.open(db)
    with store.session() as s:
        adopt(store.db, s, list(s.exec(select(Case))))
        s.commit()


def test_retention_destroy_needs_yes_without_a_terminal(varsel, monkeypatch):
    import sqlite3

    varsel.json("user", "add", "kari")
    varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Gammel sak", "--received", "2024-01-02",
                "--set", "melder_type=student")
    conn = sqlite3.connect(os.environ["VARSEL_DB"])
    conn.execute("UPDATE cases SET status='closed', closed_on='2024-02-01'")
    conn.commit()
    conn.close()
    varsel.json("retention-policy", "ntnu-avvik", "365")
    code, _, err = varsel("retention", "--destroy", "--yes")  # closed behind varsel's back: kept
    assert code == 1 and "2024-0001's stored data was altered outside varsel: status" in err
    _record_state(os.environ["VARSEL_DB"])  # as if the workflow had closed it
    rows = varsel.json("retention")
    assert [(r["number"], r["expired_on"]) for r in rows] == [("2024-0001", "2025-01-31")]
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = varsel("retention", "--destroy")
    assert code == 1 and "--yes" in err
    assert varsel.json("retention", "--destroy", "--yes")["destroyed"] == ["2024-0001"]
    assert varsel.json("case", "list") == []
    assert varsel.json("audit", "verify")["intact"] is True


def test_read_commands_print_exactly_what_the_store_path_printed(varsel, monkeypatch):
    """`case list` and `due` read through the light path now (no SQLAlchemy); their output is the
    same, byte for byte, as the summaries built from the Store's rows (the path before)."""
    from varsel_tui.cli import case_summary
    from varsel_tui.clock import today
    from varsel_tui.store.service import Store

    varsel.json("seed-demo", "--cases", "300")
    db = os.environ["VARSEL_DB"]
    grant(db, ["kari"])
    store = Store.open(db)
    try:
        def dumped(rows):
            return json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"

        for argv, kwargs in ((["--limit", "20"], {"limit": 20}), ([], {}),
                             (["--status", "closed", "--workflow", "ntnu-klage"],
                              {"status": "closed", "workflow": "ntnu-klage"})):
            code, out, err = varsel("case", "list", "--json", *argv)
            assert code == 0, err
            assert out == dumped([case_summary(c) for c in store.list_cases(**kwargs)]), argv
        now = today()
        expected = []
        for c in sorted(store.due_cases(now, 7), key=lambda c: (c.due is not None, c.due, c.id)):
            r = case_summary(c)
            r["overdue"] = bool(c.due and c.due < now)
            r["needs_preliminary_reply"] = bool(c.prelim_warn_from and c.prelim_warn_from <= now and not c.prelim_sent)
            expected.append(r)
        code, out, err = varsel("due", "--json")
        assert code == 0, err
        assert len(expected) > 10 and out == dumped(expected)
    finally:
        store.close()
    code, out, err = varsel("due", "--json", "--user", "nobody")  # not a user: refused, nothing shown
    assert code == 1 and out == "" and "nobody is not a registered user" in err
