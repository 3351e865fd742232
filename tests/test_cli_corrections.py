"""Corrections and documents through the CLI, as two users would use them (one without access)."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from varsel_tui.cli import main

TITLE = "Varsel-K4 om Ola"


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
    for name in ("kari", "mallory"):
        js(name, "user", "add", name)
    js("kari", "user", "approve", "mallory")
    js("kari", "body", "add", "OU")
    js("kari", "body", "member", "add", "OU", "kari")
    return run


def _case(varsel, *extra: str) -> str:
    return varsel.json("kari", "case", "new", "--workflow", "stinn-varsling", "--title", TITLE,
                       "--received", "2026-11-02", "--classification", "fortrolig", "--set", "kanal=skriftlig",
                       "--set", "anonym=nei", "--set", "varsler_er_fornærmede=ja", "--party", "varsler:Vera Varsler",
                       "--party", "vitne:Per Feil", *extra)["number"]


def test_corrections_need_a_reason_and_are_journalled(varsel):
    number = _case(varsel)
    code, out, err = varsel("kari", "case", "void", number, "--reason", " ")
    assert code == 1 and "reason" in err
    data = varsel.json("kari", "case", "amend", number, "varsler_er_fornærmede=nei", "--reason", "feil svar")
    assert data["intake"]["varsler_er_fornærmede"] is False
    witness = next(p for p in data["parties"] if p["role"] == "vitne")
    data = varsel.json("kari", "case", "party-edit", number, str(witness["id"]), "--name", "Per Riktig",
                       "--reason", "stavefeil")
    assert "Per Riktig" in [p["name"] for p in data["parties"]]
    data = varsel.json("kari", "case", "party-remove", number, str(witness["id"]), "--reason", "feil sak")
    assert [p["role"] for p in data["parties"]] == ["varsler"]
    measure = varsel.json("kari", "case", "measure", "add", number, "Feil tiltak")["measures"][0]["id"]
    data = varsel.json("kari", "case", "measure", "remove", number, str(measure), "--reason", "dobbelt")
    assert data["measures"] == []
    texts = [e["text"] for e in data["journal"] if e["kind"] == "correction"]
    assert [t.split(" (begrunnelse: ")[1] for t in texts] == ["feil svar)", "stavefeil)", "feil sak)", "dobbelt)"]
    assert all(e["by"] == "kari" for e in data["journal"] if e["kind"] == "correction")
    code, out, err = varsel("mallory", "case", "void", number, "--reason", "x")
    assert (code, err) == (1, f"varsel: you have no access to case {number}\n")


def test_a_void_case_leaves_the_list_and_due_but_show_all_and_a_filter_find_it(varsel):
    number, keep = _case(varsel), _case(varsel)
    data = varsel.json("kari", "case", "void", number, "--reason", "registrert to ganger")
    assert data["status"] == "void" and data["current_step"] is None
    assert [r["number"] for r in varsel.json("kari", "case", "list")] == [keep]
    assert {r["number"] for r in varsel.json("kari", "case", "list", "--all")} == {number, keep}
    assert [r["number"] for r in varsel.json("kari", "case", "list", "--status", "void")] == [number]
    assert number not in [r["number"] for r in varsel.json("kari", "due", "--within", "365")]
    assert varsel.json("kari", "case", "show", number)["status"] == "void"
    code, out, err = varsel("kari", "case", "advance", number)
    assert code == 1 and "no active step" in err


def test_doc_add_list_get_round_trip_owner_only_and_refusals(varsel, tmp_path):
    number = _case(varsel, "--secret")
    f = tmp_path / "bevis.txt"
    f.write_bytes(b"Bevis-RT5\n" * 100)
    added = varsel.json("kari", "doc", "add", number, str(f))
    assert (added["filename"], added["size"], added["pages"]) == ("bevis.txt", 1000, None)
    assert added["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    listed = varsel.json("kari", "doc", "list", number)
    assert listed == [added] and set(listed[0]) == {"id", "filename", "size", "sha256", "pages", "added_by", "added_at"}
    out = tmp_path / "ut.txt"
    varsel.json("kari", "doc", "get", number, str(added["id"]), "--out", str(out))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == added["sha256"]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    code, _, err = varsel("kari", "doc", "get", number, str(added["id"]), "--out", str(out))
    assert code == 1 and "exists; nothing was written" in err
    bad = tmp_path / "skadet.pdf"
    bad.write_bytes(b"%PDF-1.7\nikke en pdf")
    code, _, err = varsel("kari", "doc", "add", number, str(bad))
    assert code == 1 and err.startswith("varsel: skadet.pdf is not a readable PDF") and err.count("\n") == 1
    for argv in (("doc", "list", number), ("doc", "get", number, str(added["id"]), "--out", str(tmp_path / "m"))):
        code, _, err = varsel("mallory", *argv)
        assert (code, err) == (1, f"varsel: you have no access to case {number}\n")
    assert not (tmp_path / "m").exists()
    journal = varsel.json("kari", "case", "show", number)["journal"]
    assert [e["text"].split(":")[0] for e in journal if e["kind"] == "document"] == [
        f"dokument #{added['id']} lagt til", f"dokument #{added['id']} hentet"]
