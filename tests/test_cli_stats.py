"""`varsel stats`: anonymised counts for the annual report, with rows kept after retention
destroyed the cases, counts under 5 suppressed, and only an administrator making the table."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_env import in_process_varsel


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    return in_process_varsel(tmp_path, monkeypatch, capsys)


def _ok(varsel, *argv: str) -> str:
    code, out, err = varsel(*argv)
    assert code == 0, err
    return out


def test_stats_count_destroyed_cases_and_suppress_small_cells(varsel):
    _ok(varsel, "user", "add", "kari")
    # 2024: seven avvik; six closed with a comment (then destroyed by retention), one left open
    for n in range(7):
        _ok(varsel, "case", "new", "--workflow", "ntnu-avvik", "--title", f"Avvik {n}", "--received", "2024-02-01",
            "--set", "melder_type=student")
    for n in range(1, 7):
        _ok(varsel, "case", "action", f"2024-{n:04d}", "lukk", "--on", f"2024-02-{n + 5:02d}", "--comment", "Lukket.")
    # 2026: three klage cases: fewer than 5, so no breakdown
    for n in range(3):
        _ok(varsel, "case", "new", "--workflow", "ntnu-klage", "--title", f"Klage {n}", "--received", "2026-11-02",
            "--set", "sakstype=klage", "--set", "karakter_kunngjort=2026-10-30", "--set", "opprinnelig_karakter=C")
    before = json.loads(_ok(varsel, "stats", "--json"))
    _ok(varsel, "retention-policy", "ntnu-avvik", "30")
    _ok(varsel, "retention", "--destroy", "--yes")
    after = json.loads(_ok(varsel, "stats", "--json"))

    avvik_before, klage = before["groups"]
    assert avvik_before["durations"] == {"0–10": "x", "11–20": 0, "21–40": 0, "over 40": 0, "åpen": "<5"}
    # received Thu 1.2; closed 6.–11.2 → 3, 4, 5, 6, 6, 6 working days (10.–11.2 is a weekend)
    assert avvik_before["median_working_days"] == 5.5
    [avvik] = [g for g in after["groups"] if g["workflow"] == "ntnu-avvik"]
    assert avvik["total"] == 7  # the six destroyed cases still count
    assert avvik["outcomes"] == {"lukket med kommentar": "x", "åpen": "<5"}  # 6 would give the 1 away
    assert avvik["quarters"] == {"K1": "<5", "K2": 0, "K3": 0, "K4": 0, "ukjent": "x"}  # not kept after destruction
    assert avvik["durations"]["ukjent"] == "x" and avvik["median_working_days"] is None
    assert klage["workflow"] == "ntnu-klage" and klage["total"] == "<5" and klage["outcomes"] == {}

    rows = list(csv.DictReader(io.StringIO(_ok(varsel, "stats", "--csv", "--year", "2024"))))
    assert {r["workflow"] for r in rows} == {"ntnu-avvik"}
    assert {"workflow": "ntnu-avvik", "year": "2024", "dimension": "outcome", "category": "åpen",
            "count": "<5"} in rows
    text = _ok(varsel, "stats", "--year", "2026")
    assert "(ntnu-klage), mottatt 2026: <5 saker" in text and "ingen fordeling" in text


def test_only_an_administrator_makes_the_statistics(varsel, monkeypatch):
    _ok(varsel, "user", "add", "kari")
    _ok(varsel, "user", "add", "lars")
    _ok(varsel, "user", "approve", "lars")
    monkeypatch.setenv("VARSEL_USER", "lars")
    code, out, err = varsel("stats")
    assert code == 1 and out == ""
    assert err.strip() == ("varsel: only an administrator may make the statistics (one table for the whole "
                           "organisation); lars is not one")
    code, _, err = varsel("stats", "--json", "--csv")
    assert code == 1 and "choose one of --json and --csv" in err
