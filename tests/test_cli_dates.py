"""Dates and decisions guarded by the calendar, as a script meets them: one line on stderr, a
non-zero exit, nothing saved. Today is fixed at Mon 23 Nov 2026 (tests/conftest.py)."""

from __future__ import annotations

import pytest
from cli_env import in_process_varsel


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    run = in_process_varsel(tmp_path, monkeypatch, capsys)
    varsel_user = run.json("user", "add", "kari")
    assert varsel_user["role"] == "admin"
    return run


def refused(varsel, *argv: str) -> str:
    code, out, err = varsel(*argv)
    assert code != 0 and out == "", (code, out, err)
    assert len(err.strip().splitlines()) == 1, err
    return err


def new_deviation(varsel, received: str = "2026-11-02") -> dict:
    return varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Lab ute av drift",
                       "--received", received, "--set", "melder_type=student")


def test_a_received_date_after_today_makes_no_case(varsel):
    err = refused(varsel, "case", "new", "--workflow", "ntnu-avvik", "--title", "x", "--received", "2027-01-04",
                  "--set", "melder_type=student")
    assert "the received date 2027-01-04 is after today (2026-11-23)" in err
    assert varsel.json("case", "list") == []  # no 2027-0001
    assert new_deviation(varsel, "2026-11-23")["number"] == "2026-0001"  # today itself is fine


def test_a_completion_date_lies_between_the_previous_event_and_today(varsel):
    new_deviation(varsel)
    err = refused(varsel, "case", "advance", "2026-0001", "--on", "2026-11-24")
    assert "datoen 2026-11-24 er etter i dag (2026-11-23)" in err
    assert "etter i dag" in refused(varsel, "case", "advance", "2026-0001", "--dry-run", "--on", "2026-11-24")
    err = refused(varsel, "case", "advance", "2026-0001", "--on", "2026-10-30")
    assert "før forrige hendelse i saken (saken ble mottatt 2026-11-02)" in err
    shown = varsel.json("case", "show", "2026-0001")
    assert all(s["status"] != "done" for s in shown["steps"])  # nothing was saved


def test_measure_done_and_preliminary_reply_are_not_dated_ahead(varsel):
    new_deviation(varsel)
    varsel.json("case", "measure", "add", "2026-0001", "Reparere utstyret")
    assert "etter i dag" in refused(varsel, "case", "measure", "done", "2026-0001", "1", "--on", "2026-11-25")
    assert "saken ble mottatt" in refused(varsel, "case", "prelim", "2026-0001", "--on", "2026-11-01")
    assert varsel.json("case", "prelim", "2026-0001", "--on", "2026-11-20")["preliminary_reply_sent"] == "2026-11-20"


def test_a_hearing_ends_after_today(varsel):
    new_deviation(varsel)
    varsel.json("user", "add", "per")  # a hearing's participant is a registered, approved user
    varsel.json("user", "approve", "per")
    for ends in ("2020-01-01", "2026-11-23"):
        err = refused(varsel, "case", "hearing", "add", "2026-0001", "--participant", "per", "--ends", ends)
        assert f"a hearing must end after today (2026-11-23), not {ends}" in err
    d = varsel.json("case", "hearing", "add", "2026-0001", "--participant", "per", "--ends", "2026-11-24")
    assert d["hearings"][0]["ends_on"] == "2026-11-24"


def test_no_complaint_is_refused_before_the_complaint_deadline(varsel):
    # grade announced Fri 13 Nov; explanation given Mon 16 Nov → «ny klagefrist» Mon 7 Dec
    varsel.json("case", "new", "--workflow", "ntnu-klage", "--title", "Begrunnelse TDT4100", "--received",
                "2026-11-16", "--set", "sakstype=begrunnelse", "--set", "karakter_kunngjort=2026-11-13",
                "--set", "opprinnelig_karakter=C")
    varsel.json("case", "advance", "2026-0001", "--set", "krav_mottatt=2026-11-16", "--on", "2026-11-16")
    for _ in ("2", "3"):
        varsel.json("case", "advance", "2026-0001", "--on", "2026-11-16")
    varsel.json("case", "advance", "2026-0001", "--set", "begrunnelse_sendt=2026-11-16", "--on", "2026-11-16")
    for _ in ("5", "6"):
        varsel.json("case", "advance", "2026-0001", "--on", "2026-11-16")
    shown = varsel.json("case", "show", "2026-0001")
    assert shown["current_step"] == "7" and shown["dates"]["klagefrist"] == "2026-12-07"
    err = refused(varsel, "case", "advance", "2026-0001", "--set", "klage=ingen_klage")
    assert "kan først registreres etter 2026-12-07" in err
    assert varsel.json("case", "show", "2026-0001")["status"] == "open"


def test_a_withdrawal_is_not_backdated_before_the_previous_event(varsel):
    varsel.json("case", "new", "--workflow", "ntnu-klage", "--title", "Klage TMA4100", "--received",
                "2026-11-16", "--set", "sakstype=klage", "--set", "karakter_kunngjort=2026-11-13",
                "--set", "opprinnelig_karakter=C")
    varsel.json("case", "advance", "2026-0001", "--set", "klage_mottatt=2026-11-16", "--on", "2026-11-18")
    err = refused(varsel, "case", "action", "2026-0001", "trekk", "--on", "2026-11-17")
    assert "før forrige hendelse i saken (steg 7 ble fullført 2026-11-18)" in err
    assert varsel.json("case", "action", "2026-0001", "trekk", "--on", "2026-11-20")["status"] == "withdrawn"


def test_a_date_field_for_something_that_happened_is_not_after_the_completion_day(varsel):
    varsel.json("case", "new", "--workflow", "ntnu-klage", "--title", "Klage", "--received", "2026-11-16",
                "--set", "sakstype=klage", "--set", "karakter_kunngjort=2026-11-13", "--set", "opprinnelig_karakter=C")
    code, out, err = varsel("case", "advance", "2026-0001", "--set", "klage_mottatt=2026-11-20", "--on", "2026-11-18")
    assert code != 0 and out == "" and "«Klagen ble mottatt» kan ikke være etter 2026-11-18" in err
    err = refused(varsel, "case", "new", "--workflow", "ntnu-klage", "--title", "x", "--received", "2026-11-16",
                  "--set", "sakstype=klage", "--set", "karakter_kunngjort=2026-11-30", "--set", "opprinnelig_karakter=C")
    assert "«Karakteren ble kunngjort» kan ikke være etter 2026-11-23" in err


def test_show_json_gives_no_date_and_what_a_deadline_counts_from(varsel):
    varsel.json("body", "add", "OU")
    varsel.json("body", "add", "KKV")
    varsel.json("body", "member", "add", "OU", "kari")
    case = varsel.json("case", "new", "--workflow", "stinn-varsling", "--title", "Trakassering",
                       "--received", "2026-11-02", "--set", "kanal=skriftlig", "--set", "anonym=nei",
                       "--set", "varsler_er_fornærmede=ja")
    steps = {s["id"]: s for s in case["steps"]}
    assert steps["3.1"]["due"] == "2026-11-04" and steps["3.1"]["counts_from"] is None
    assert steps["4.2"]["due"] is None
    assert steps["4.2"]["counts_from"] == "2 virkedager etter at KKV mottar saken"
    assert steps["6.3"]["due"] is None and steps["6.3"]["counts_from"] == "5 virkedager etter at vedtaket er endelig"
    assert steps["4.2"]["counts_from_en"] == "2 working days after KKV receives the case"
    assert steps["3.1"]["counts_from_en"] is None  # it has a date
    assert steps["1.6"]["counts_from"] is None  # skipped (a written case): nothing to count
