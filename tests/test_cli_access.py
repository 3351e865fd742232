"""Access by body and tamper evidence through the CLI, as separate users would use it."""

from __future__ import annotations

import json
import sqlite3

import pytest

from varsel_tui.cli import main

TITLE = "Varsel-Q7 om Ola"


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.db")
    monkeypatch.setenv("VARSEL_DB", db)
    monkeypatch.setenv("VARSEL_PASSPHRASE", "korrekt hest batteri")

    def run(who: str, *argv: str):
        monkeypatch.setenv("VARSEL_USER", who)
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return code, out.out, out.err

    def js(who: str, *argv: str):
        code, out, err = run(who, *argv, "--json")
        assert code == 0, err
        return json.loads(out)

    run.json = js
    run.db = db
    for name, display in (("kari", "Kari Nordmann"), ("per", ""), ("mallory", ""), ("ola", "Ola Nordmann")):
        js(name, "user", "add", name, *(["--display-name", display] if display else []))
    for name in ("per", "mallory", "ola"):  # kari, the first user, administers and approves them
        js("kari", "user", "approve", name)
    js("kari", "body", "add", "OU")
    js("kari", "body", "member", "add", "OU", "kari")
    js("kari", "body", "member", "add", "OU", "per")
    return run


def _case(varsel, *extra: str) -> str:
    return varsel.json("kari", "case", "new", "--workflow", "stinn-varsling", "--title", TITLE,
                       "--received", "2026-11-02", "--classification", "fortrolig", "--set", "kanal=skriftlig",
                       "--set", "anonym=nei", "--set", "varsler_er_fornærmede=ja", "--party", "varsler:Vera Varsler",
                       "--party", "anklagede:Ola Nordmann", *extra)["number"]


def test_an_outsider_and_the_accused_are_refused_in_one_line_and_do_not_see_it_listed(varsel):
    number = _case(varsel)
    assert varsel.json("per", "case", "show", number)["title"] == TITLE
    for who in ("mallory", "ola"):
        for argv in (("case", "show", number), ("case", "form", number), ("access", "show", number),
                     ("case", "note", number, "hei"), ("audit", "log", "--case", number)):
            code, out, err = varsel(who, *argv)
            assert (code, out, err) == (1, "", f"varsel: you have no access to case {number}\n"), argv
        assert varsel.json(who, "case", "list") == [] and varsel.json(who, "due", "--within", "365") == []
    assert [r["number"] for r in varsel.json("per", "case", "list")] == [number]
    refused = [r for r in varsel.json("kari", "audit", "log") if r["kind"] == "refused"]
    assert len(refused) == 10 and all(TITLE not in (r["text"] or "") for r in refused)


def test_audit_verify_names_every_alteration_on_its_own_line(varsel):
    a, b, c = _case(varsel), _case(varsel), _case(varsel)
    assert varsel.json("kari", "audit", "verify")["intact"] is True
    conn = sqlite3.connect(varsel.db)
    conn.execute("DELETE FROM parties WHERE role = 'varsler' AND case_id = (SELECT id FROM cases WHERE number = ?)",
                 (a,))
    conn.execute("UPDATE cases SET status = 'closed' WHERE number = ?", (b,))
    conn.execute("INSERT INTO case_access (case_id, user_name) SELECT id, 'mallory' FROM cases WHERE number = ?", (c,))
    conn.commit()
    conn.close()
    code, out, err = varsel("kari", "audit", "verify")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"varsel: case {a}: stored data altered outside varsel: parties changed since the last recorded change",
        f"varsel: case {b}: stored data altered outside varsel: status changed since the last recorded change",
        f"varsel: case {c}: access rows the workflow does not give (ignored): mallory",
    ]
    code, _, err = varsel("kari", "case", "show", b)
    assert code == 1 and err == (f"varsel: case {b}'s stored data was altered outside varsel: status changed since "
                                 "the last recorded change; nothing was changed\n")
    code, _, err = varsel("mallory", "case", "show", c)  # the inserted row lets nobody in
    assert code == 1 and err == f"varsel: you have no access to case {c}\n"
