"""Re-registration from the CLI: no silent target procedure; the new case says what intake answers
it lacks and takes them (`case intake`); a transfer to the unit that has the case is refused."""

from __future__ import annotations

from test_cli import varsel  # noqa: F401 - the fixture

AVVIST = ["--set", "sensitive_opplysninger=nei", "--set", "kritikkverdige_forhold=ja",
          "--set", "vurdering=avvist_varslingssak", "--set", "begrunnelse=Gjelder trakassering."]


def _deviation(varsel) -> str:  # noqa: ANN001, F811
    varsel.json("user", "add", "kari")
    varsel.json("body", "add", "IE")
    varsel.json("body", "member", "add", "IE", "kari")
    return varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Mobbing", "--received", "2026-11-02",
                       "--set", "melder_type=student", "--set", "mottakende_enhet=IE")["number"]


def test_a_rejected_deviation_needs_its_procedure_and_the_new_case_asks_for_its_intake(varsel):  # noqa: F811
    number = _deviation(varsel)
    code, out, err = varsel("case", "advance", number, *AVVIST, "--on", "2026-11-03")
    assert code == 1 and "varslingsrutine" in err and "må fylles ut" in err  # not silently UiO
    closed = varsel.json("case", "advance", number, *AVVIST, "--set", "varslingsrutine=stinn-varsling",
                         "--on", "2026-11-03")
    new = closed["linked_to"]
    asked = varsel.json("case", "intake", new)
    assert asked["waiting"] and [f["id"] for f in asked["fields"] if f["missing"]] == ["kanal", "varsler_er_fornærmede"]
    code, out, err = varsel("case", "intake", new)
    assert code == 0 and "kanal: Hvordan kom varslingen inn? (muntlig, skriftlig)" in out
    code, out, err = varsel("case", "advance", new, "--set", "innsendt_via=nettside")
    assert code == 1 and "waiting for intake answers" in err and "varsel case intake" in err
    varsel.json("user", "add", "lars")
    varsel.json("user", "approve", "lars")
    varsel.json("body", "add", "OU")
    varsel.json("body", "member", "add", "OU", "lars")
    shown = varsel.json("case", "intake", new, "--set", "kanal=skriftlig", "--set", "anonym=nei",
                        "--set", "varsler_er_fornærmede=ja")
    assert shown["classification"] == "strengt_hemmelig" and shown["current_step"] == "2.1"
    assert shown["received"] == "2026-11-02" and shown["body"] == "OU"  # kari sees what she did, once


def test_a_transfer_to_the_unit_that_has_the_case_is_refused(varsel):  # noqa: F811
    number = _deviation(varsel)
    code, out, err = varsel("case", "advance", number, "--set", "sensitive_opplysninger=nei",
                            "--set", "kritikkverdige_forhold=nei", "--set", "vurdering=endre_enhet",
                            "--set", "ny_enhet=IE")
    assert code == 1 and "Saken er allerede hos IE" in err


def test_a_dry_run_says_when_the_case_would_leave_you(varsel):  # noqa: F811
    number = _deviation(varsel)
    varsel.json("body", "add", "NV")
    out = varsel.json("case", "advance", number, "--dry-run", "--set", "sensitive_opplysninger=nei",
                      "--set", "kritikkverdige_forhold=nei", "--set", "vurdering=endre_enhet", "--set", "ny_enhet=NV")
    assert out["ok"] and out["loses_access"]
    assert "Du mister tilgangen til saken når du sender inn: den flyttes bort fra deg." in out["effects"]


def test_a_party_that_takes_the_case_away_is_told_before_and_after(varsel):  # noqa: F811
    varsel.json("user", "add", "kari")
    varsel.json("user", "add", "lars")
    varsel.json("user", "approve", "lars")
    varsel.json("body", "add", "OU")
    varsel.json("body", "add", "KKV")
    for body, member in (("OU", "kari"), ("OU", "per"), ("KKV", "lars")):
        varsel.json("body", "member", "add", body, member)
    number = varsel.json("case", "new", "--workflow", "stinn-varsling", "--title", "Trakassering", "--received",
                         "2026-11-02", "--set", "kanal=skriftlig", "--set", "anonym=nei",
                         "--set", "varsler_er_fornærmede=ja")["number"]
    assert varsel.json("case", "party", number, "--role", "vitne", "--name", "per", "--dry-run") == {
        "effects": [], "loses_access": False, "body": "OU"}
    told = varsel.json("case", "party", number, "--role", "anklagede", "--name", "per", "--dry-run")
    assert told == {"effects": ["Saken gjelder da OU (konfliktregelen).", "Saken flyttes til KKV.",
                                "Du mister tilgangen til saken når parten legges til."],
                    "loses_access": True, "body": "KKV"}
    code, out, err = varsel("case", "party", number, "--role", "anklagede", "--name", "per")
    assert code == 0 and "moved to KKV; you no longer have access to it" in err
