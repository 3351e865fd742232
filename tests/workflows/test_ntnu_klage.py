"""ntnu-klage: begrunnelse og klage på sensur (ntnu-begrunnelse-og-klage-inspera.nb.txt).

Every expected date below is worked out by hand from the procedure and the Norwegian calendar:
påske 2026 = skjærtorsdag 2.4, langfredag 3.4, 2. påskedag 6.4; Kristi himmelfart 14.5.2026;
1. og 2. juledag 25.–26.12.2025 (julaften is a working day); nyttårsdag 1.1.2026.
"""

from __future__ import annotations

from datetime import date

import pytest
from walk import Walk

from varsel_tui.domain.engine import EngineError, describe

D = date.fromisoformat
BEGRUNNELSE_STEPS = ["1", "2", "3", "4", "5", "6"]
AVVIK_STEPS = ["V1", "V2", "V3", "V4"]


def due(walk: Walk, step_id: str) -> str | None:
    d = walk.state.steps[step_id].due
    return d.isoformat() if d else None


def messages(outcome) -> list[str]:
    return [p.message for p in outcome.problems]


# -- case builders ---------------------------------------------------------------------------------

def begrunnelse_case() -> Walk:
    """Grade C announced Fri 20.3.2026, explanation requested Mon 23.3.2026 (before Easter)."""
    return Walk("ntnu-klage", received=D("2026-03-23"),
                intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-03-20",
                        "opprinnelig_karakter": "C"})


def through_begrunnelse(w: Walk, sendt: str = "2026-04-01") -> Walk:
    w.complete("1", {"krav_mottatt": "2026-03-23"}, on=D("2026-03-23"))
    w.complete("2", on=D("2026-03-23"))
    w.complete("3", on=D("2026-03-24"))
    w.complete("4", {"begrunnelse_form": "skriftlig", "begrunnelse_sendt": sendt}, on=D(sendt))
    w.complete("5", on=D(sendt))
    w.complete("6", on=D(sendt))
    return w


def direct_complaint(kunngjort: str, mottatt: str, karakter: str = "B") -> Walk:
    return Walk("ntnu-klage", received=D(mottatt),
                intake={"sakstype": "klage", "karakter_kunngjort": kunngjort, "opprinnelig_karakter": karakter})


def to_step_11(w: Walk, mottatt: str, on: str, sperre: bool = False) -> Walk:
    w.complete("7", {"klage_mottatt": mottatt}, on=D(mottatt))
    w.complete("8", {"sperre_satt": sperre}, on=D(mottatt))
    w.complete("9", {"fordeling": "automatisk", "klagekommisjon": "TBA4100-K1",
                     "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}, on=D(on))
    w.complete("10", on=D(on))
    return w


# -- begrunnelse → klage → vedtak til gunst ------------------------------------------------------------

def test_begrunnelse_then_complaint_til_gunst_with_easter_and_ascension_deadlines():
    w = begrunnelse_case()
    assert w.state.current == "1"
    assert due(w, "1") == "2026-03-27"  # 1 uke etter kunngjort fre 20.3

    w.complete("1", {"krav_mottatt": "2026-03-23"}, on=D("2026-03-23"))
    assert due(w, "2") == "2026-03-23"
    assert due(w, "3") == "2026-03-24"
    # 2 uker etter mottatt krav man 23.3 = 2. påskedag 6.4 → tirsdag 7.4
    assert due(w, "4") == "2026-04-07"
    # before the explanation the complaint deadline is 3 weeks after the grade: fre 10.4
    assert w.state.dates["klagefrist"] == D("2026-04-10")

    w.complete("2", on=D("2026-03-23"))
    w.complete("3", on=D("2026-03-24"))
    w.complete("4", {"begrunnelse_form": "skriftlig", "begrunnelse_sendt": "2026-04-01"}, on=D("2026-04-01"))
    st = w.state
    assert st.events["begrunnelse_gitt"] == D("2026-04-01")
    # «Ny klagefrist»: 3 uker etter begrunnelsen ons 1.4 (latest of the two dates wins)
    assert st.dates["klagefrist"] == D("2026-04-22")
    assert due(w, "5") == due(w, "6") == "2026-04-01"

    w.complete("5", on=D("2026-04-01"))
    w.complete("6", on=D("2026-04-01"))
    assert w.state.current == "7"
    assert due(w, "7") == "2026-04-22"
    assert due(w, "11") is None  # no complaint yet

    w.complete("7", {"klage": "klaget", "klage_mottatt": "2026-04-14"}, on=D("2026-04-14"))
    assert due(w, "8") == "2026-04-14"
    # 1 måned etter mottatt klage tir 14.4 = Kristi himmelfart 14.5 → fredag 15.5
    assert due(w, "11") == "2026-05-15"
    assert w.state.statutory[0].due == D("2026-05-15")
    assert w.state.statutory[0].law == "forvaltningsloven § 11a"

    w.complete("8", {"sperre_satt": True}, on=D("2026-04-14"))
    w.complete("9", {"fordeling": "manuelt", "klagekommisjon": "K2",
                     "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}, on=D("2026-04-15"))
    assert due(w, "10") == "2026-04-16"
    w.complete("10", on=D("2026-04-16"))
    w.complete("11", {"ny_karakter": "B"}, on=D("2026-05-08"))
    # § 11a asks for an answer to the complaint: a new grade in Inspera is not yet one (14 is)
    assert not w.state.statutory[0].met
    assert due(w, "12") == "2026-05-08"

    st = w.complete("12", {"handling": "verifiser"}, on=D("2026-05-11"))
    assert st.answers["vedtak"] == "til gunst"
    for sid in AVVIK_STEPS:
        assert st.steps[sid].status == "skipped"
        assert st.steps[sid].reason == "ikke vesentlig karakteravvik"
    assert st.current == "13"
    assert due(w, "13") == "2026-05-11"

    w.complete("13", {"sperre_fjernet": True}, on=D("2026-05-11"))
    w.complete("14", on=D("2026-05-11"))
    assert w.state.events["vedtak"] == D("2026-05-11")
    assert w.state.statutory[0].met  # the decision has reached the student (before fre 15.5)
    st = w.complete("15", on=D("2026-05-12"))
    assert st.status == "closed"
    assert st.outcome == "klage: til gunst"
    done = [sid for sid, s in st.steps.items() if s.status == "done"]
    assert done == BEGRUNNELSE_STEPS + ["7", "8", "9", "10", "11", "12", "13", "14", "15"]


def test_begrunnelse_given_orally_requires_the_date_and_warns_when_sent_later():
    w = begrunnelse_case()
    w.complete("1", {"krav_mottatt": "2026-03-23"})
    w.complete("2")
    w.complete("3")
    on = D("2026-03-30")
    out = w.preview({"begrunnelse_form": "muntlig", "begrunnelse_sendt": "2026-03-30"}, on)
    assert "«Dato for muntlig begrunnelse» må fylles ut" in messages(out)
    out = w.preview({"begrunnelse_form": "muntlig", "muntlig_dato": "2026-03-27",
                     "begrunnelse_sendt": "2026-03-30"}, on)
    assert out.ok
    assert [p.severity for p in out.problems] == ["warning"]
    assert "samme dag" in out.problems[0].message
    # written explanation: the oral date is hidden and dropped
    out = w.preview({"begrunnelse_form": "skriftlig", "muntlig_dato": "2026-03-27",
                     "begrunnelse_sendt": "2026-03-30"}, on)
    assert out.ok and out.problems == [] and "muntlig_dato" not in out.answers


def test_explanation_later_than_two_weeks_is_flagged_not_refused():
    w = begrunnelse_case()
    w.complete("1", {"krav_mottatt": "2026-03-23"})
    w.complete("2")
    w.complete("3")
    on_time = w.preview({"begrunnelse_sendt": "2026-04-07"}, D("2026-04-07"))  # the deadline day (after Easter)
    assert on_time.problems == []
    late = w.preview({"begrunnelse_sendt": "2026-04-08"}, D("2026-04-08"))
    assert late.ok
    assert late.problems[0].severity == "warning" and "2 uker" in late.problems[0].message


# -- a request more than 1 week after the grade ------------------------------------------------------

def test_request_on_the_deadline_day_after_easter_is_on_time():
    # 1 uke etter tor 26.3 = skjærtorsdag 2.4 → tirsdag 7.4
    w = Walk("ntnu-klage", received=D("2026-04-07"),
             intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-03-26", "opprinnelig_karakter": "D"})
    assert due(w, "1") == "2026-04-07"
    out = w.preview({"krav_mottatt": "2026-04-07"})
    assert not out.closes and out.next_step == "2"
    st = w.complete("1", {"krav_mottatt": "2026-04-07"})
    assert st.status == "open" and st.current == "2"


def test_late_request_closes_the_case_as_rejected():
    w = Walk("ntnu-klage", received=D("2026-04-08"),
             intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-03-26", "opprinnelig_karakter": "D"})
    out = w.preview({"krav_mottatt": "2026-04-08"})
    assert out.ok and out.closes and out.outcome == "avvist: for sent"
    lines = describe(out, w.wf)
    assert "avvises som for sent" in lines[0]
    assert "ny sak" in lines[0]  # the student is told the complaint route stays open
    assert "Saken avsluttes (avvist: for sent)." in lines

    st = w.complete("1", {"krav_mottatt": "2026-04-08"}, on=D("2026-04-08"))
    assert st.status == "closed" and st.outcome == "avvist: for sent"
    assert st.closed_on == D("2026-04-08")
    assert st.steps["1"].status == "done"
    for sid in ["2", "6", "7", "12", "V1", "15"]:
        assert st.steps[sid].status == "skipped"
        assert st.steps[sid].reason == "kravet om begrunnelse kom mer enn 1 uke etter at karakteren ble kunngjort"


@pytest.mark.parametrize(("krav", "late"), [("2026-03-17", False), ("2026-03-18", True)])
def test_one_week_limit_in_an_ordinary_week(krav, late):
    # grade announced tue 10.3.2026 → last day for a request tue 17.3 (no holiday in between)
    w = Walk("ntnu-klage", received=D(krav),
             intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-03-10", "opprinnelig_karakter": "A"})
    assert due(w, "1") == "2026-03-17"
    assert w.preview({"krav_mottatt": krav}).closes is late


def test_missing_request_date_is_a_problem():
    w = begrunnelse_case()
    out = w.preview({})
    assert not out.ok
    assert messages(out) == ["«Kravet om begrunnelse ble mottatt» må fylles ut"]
    out = w.preview({"krav_mottatt": "31.02.2026"})
    assert not out.ok and "ikke en gyldig dato" in messages(out)[0]


# -- begrunnelse without complaint ------------------------------------------------------------------

def test_no_complaint_after_explanation_closes_the_case():
    w = through_begrunnelse(begrunnelse_case())
    # «Ny klagefrist»: 3 uker etter begrunnelsen ons 1.4.2026 = ons 22.4; «ingen klage» first on 23.4
    assert w.state.dates["klagefrist"] == D("2026-04-22")
    early = w.preview({"klage": "ingen_klage"}, D("2026-04-22"))
    assert not early.ok
    assert messages(early) == ["«studenten klaget ikke innen klagefristen» kan først registreres etter 2026-04-22 "
                               "(Klagefrist: 3 uker etter at karakteren er kunngjort, eller etter at begrunnelsen "
                               "er gitt)"]
    out = w.preview({"klage": "ingen_klage"}, D("2026-04-23"))
    assert out.ok and out.closes
    assert "klage_mottatt" not in out.answers  # the date field is hidden for «ingen klage»
    assert describe(out, w.wf)[0] == "Studenten har ikke klaget innen klagefristen. Saken avsluttes uten klage."

    st = w.complete("7", {"klage": "ingen_klage"}, on=D("2026-04-23"))
    assert st.status == "closed" and st.outcome == "begrunnelse gitt – ikke klaget"
    assert st.steps["8"].status == "skipped"
    assert st.steps["8"].reason == "studenten klaget ikke innen klagefristen"
    assert st.statutory[0].due is None and st.statutory[0].met


def test_step_7_in_a_begrunnelse_case_needs_the_choice_and_the_date():
    w = through_begrunnelse(begrunnelse_case())
    assert messages(w.preview({})) == ["«Klaget studenten?» må fylles ut"]
    assert messages(w.preview({"klage": "klaget"})) == ["«Klagen ble mottatt» må fylles ut"]


# -- direct complaint, significant deviation, Christmas ------------------------------------------------

def test_direct_complaint_skips_begrunnelse_phase():
    w = direct_complaint("2025-11-14", "2025-11-25")
    st = w.state
    for sid in BEGRUNNELSE_STEPS:
        assert st.steps[sid].status == "skipped"
        assert st.steps[sid].reason == "direkte klage: studenten har ikke bedt om begrunnelse"
    assert st.current == "7"
    # klagefrist: 3 uker etter fre 14.11 = fre 5.12 (no explanation to extend it)
    assert st.dates["klagefrist"] == D("2025-12-05")
    assert due(w, "7") == "2025-12-05"
    out = w.preview({"klage_mottatt": "2025-11-25"})
    assert out.ok and out.problems == []  # «Klaget studenten?» is not asked
    assert out.next_step == "8"


def test_significant_deviation_goes_through_control_committee():
    w = direct_complaint("2025-11-14", "2025-11-25", karakter="B")
    to_step_11(w, "2025-11-25", on="2025-11-26")
    # 1 måned etter tir 25.11 = 1. juledag 25.12; 26.12 helligdag, 27.–28. helg → mandag 29.12
    assert due(w, "11") == "2025-12-29"
    assert due(w, "10") == "2025-11-27"
    w.complete("11", {"ny_karakter": "E"}, on=D("2025-12-18"))

    out = w.preview({"handling": "verifiser"})
    assert out.next_step == "V1" and not out.skipped
    assert "Vesentlig karakteravvik" in describe(out, w.wf)[0]
    st = w.complete("12", {"handling": "verifiser"}, on=D("2025-12-21"))
    assert st.current == "V1"
    assert st.answers["ny_behandling"] is True
    assert "vedtak" not in st.answers  # FS: «Vedtak» oppdateres ikke
    assert due(w, "V1") == "2025-12-22"  # asap from søndag 21.12 → mandag

    w.complete("V1", {"kontrollkommisjon": "KK1", "kontrollkommisjon_sammensetning": "nye"}, on=D("2025-12-22"))
    assert w.state.current == "V2"
    assert due(w, "V2") == "2025-12-22"
    w.complete("V2", {"formidling": "PDF sendt sikkert til ny sensor"}, on=D("2025-12-23"))
    assert due(w, "V3") is None  # the source gives the control committee no deadline

    out = w.preview({"endelig_karakter": "D", "vurderingsprotokoll": False})
    assert not out.ok
    assert messages(out) == ["Kontrollkommisjonen må dokumentere det endelige resultatet i vurderingsprotokoll fra FS."]
    w.complete("V3", {"endelig_karakter": "D", "vurderingsprotokoll": True}, on=D("2026-01-07"))
    assert due(w, "V4") == "2026-01-07"

    out = w.preview({})  # no sperre was set at step 8, so nothing to confirm
    assert out.ok and out.next_step == "14"
    assert "TIL UGUNST" in describe(out, w.wf)[0]
    st = w.complete("V4", {}, on=D("2026-01-08"))
    assert st.answers["vedtak"] == "til ugunst"  # D is worse than B
    assert st.steps["13"].status == "skipped"
    assert st.steps["13"].reason == "vesentlig karakteravvik: resultatet er registrert manuelt i FS (V4)"
    assert due(w, "14") == "2026-01-08"
    w.complete("14", on=D("2026-01-08"))
    st = w.complete("15", on=D("2026-01-08"))
    assert st.status == "closed" and st.outcome == "klage: til ugunst"
    assert [sid for sid in AVVIK_STEPS if st.steps[sid].status == "done"] == AVVIK_STEPS


def test_control_committee_of_former_examiners_skips_sending_outside_inspera():
    w = direct_complaint("2025-11-14", "2025-11-25", karakter="A")
    to_step_11(w, "2025-11-25", on="2025-11-26", sperre=True)
    w.complete("11", {"ny_karakter": "C"}, on=D("2025-12-10"))  # exactly two grades → vesentlig
    assert w.complete("12", {}, on=D("2025-12-10")).current == "V1"  # «verifiser» is the default
    st = w.complete("V1", {"kontrollkommisjon": "KK1", "kontrollkommisjon_sammensetning": "tidligere"},
                    on=D("2025-12-11"))
    assert st.steps["V2"].status == "skipped"
    assert st.steps["V2"].reason == "kontrollkommisjonens sensorer har tilgang til besvarelsen i Inspera"
    assert st.current == "V3"
    w.complete("V3", {"endelig_karakter": "A", "vurderingsprotokoll": True}, on=D("2025-12-15"))
    assert messages(w.preview({})) == ["«Sperre mot visning på karakterutskrift fjernet?» må fylles ut"]
    out = w.preview({"sperre_fjernet": False})
    assert out.ok and out.problems[0].severity == "warning"
    w.complete("V4", {"sperre_fjernet": True}, on=D("2025-12-16"))
    w.complete("14", on=D("2025-12-16"))
    st = w.complete("15", on=D("2025-12-16"))
    assert st.outcome == "klage: uendret"


@pytest.mark.parametrize(("old", "new", "vedtak"), [("A", "B", "til ugunst"), ("C", "C", "uendret"),
                                                     ("E", "D", "til gunst"), ("F", "E", "til gunst")])
def test_a_change_of_less_than_two_grades_is_verified_with_vedtak(old, new, vedtak):
    w = direct_complaint("2025-11-14", "2025-11-25", karakter=old)
    to_step_11(w, "2025-11-25", on="2025-11-26")
    w.complete("11", {"ny_karakter": new}, on=D("2025-12-10"))
    out = w.preview({"handling": "verifiser"})
    lines = describe(out, w.wf)
    assert vedtak.upper() in lines[0]
    assert "Hopper over V1–V4: ikke vesentlig karakteravvik." in lines
    assert lines[-1] == "Neste steg: 13 Klagesaken ferdigstilles i FS."
    st = w.complete("12", {"handling": "verifiser"}, on=D("2025-12-10"))
    assert st.answers["vedtak"] == vedtak
    w.complete("13", {}, on=D("2025-12-10"))
    w.complete("14", on=D("2025-12-10"))
    st = w.complete("15", on=D("2025-12-11"))
    assert st.status == "closed" and st.outcome == f"klage: {vedtak}"


def test_stopping_the_grade_keeps_step_12_active_until_verified():
    w = direct_complaint("2025-11-14", "2025-11-25", karakter="C")
    to_step_11(w, "2025-11-25", on="2025-11-26")
    w.complete("11", {"ny_karakter": "C"}, on=D("2025-12-10"))
    assert messages(w.preview({"handling": "stans"})) == ["«Hvorfor stanses karakteren?» må fylles ut"]
    out = w.preview({"handling": "stans", "stans_grunn": "Mistanke om feil i sensurprosessen"})
    assert out.next_step == "12" and "tilbakeføres ikke" in describe(out, w.wf)[0]
    st = w.complete("12", {"handling": "stans", "stans_grunn": "Mistanke om feil"}, on=D("2025-12-10"))
    assert st.current == "12" and st.steps["12"].visits == 1
    assert "vedtak" not in st.answers
    st = w.complete("12", {"handling": "verifiser"}, on=D("2025-12-12"))
    assert st.current == "13" and st.answers["vedtak"] == "uendret"


# -- forms: complaint committee and grades --------------------------------------------------------------

def test_complaint_committee_rules():
    w = direct_complaint("2025-11-14", "2025-11-25")
    w.complete("7", {"klage_mottatt": "2025-11-25"})
    w.complete("8", {"sperre_satt": False})
    base = {"fordeling": "automatisk", "klagekommisjon": "K1"}
    assert messages(w.preview({**base, "klagesensorer": "Kari Nordmann (ekstern)"})) == [
        "klagekommisjonen må ha minst 2 sensorer"]
    assert messages(w.preview({**base, "klagesensorer": "Kari Nordmann, Ola Hansen"})) == [
        "minst 1 sensor må være ekstern"]
    assert messages(w.preview({**base, "klagesensorer": "Kari Nordmann (ekstern), Per Olsen (opprinnelig)"})) == [
        "klagekommisjonen kan ikke ha sensor fra den opprinnelige kommisjonen: Per Olsen"]
    assert "«Klagesensorer» må fylles ut" in messages(w.preview(base))
    assert w.preview({**base, "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}).ok


def test_new_grade_must_be_a_grade_on_the_original_scale():
    w = direct_complaint("2025-11-14", "2025-11-25")
    to_step_11(w, "2025-11-25", on="2025-11-26")
    assert messages(w.preview({})) == ["«Ny karakter fra klagekommisjonen» må fylles ut"]
    assert messages(w.preview({"ny_karakter": "G"})) == ["'G' er ikke en karakter (A–F, bestått eller ikke bestått)"]
    assert messages(w.preview({"ny_karakter": "bestått"})) == [
        "Ny karakter må være på samme skala som den opprinnelige (A–F, eller bestått/ikke bestått)."]
    assert w.preview({"ny_karakter": "b"}).answers == {"ny_karakter": "B"}


def test_complaint_after_the_deadline_is_flagged():
    w = direct_complaint("2025-11-14", "2025-12-08")
    late = w.preview({"klage_mottatt": "2025-12-08"})
    assert late.ok and late.problems[0].severity == "warning"
    assert "etter klagefristen" in late.problems[0].message
    assert w.preview({"klage_mottatt": "2025-12-05"}).problems == []


# -- forvaltningsloven § 11a: preliminary reply -------------------------------------------------------

def test_preliminary_reply_is_prompted_within_five_working_days_counting_christmas():
    w = direct_complaint("2025-11-14", "2025-11-25")
    to_step_11(w, "2025-11-25", on="2025-11-26")
    # due mon 29.12; working days left from wed 17.12: 18, 19, 22, 23, 24, 29 = 6 → no warning
    w.today = D("2025-12-17")
    assert not w.state.needs_preliminary_reply
    # from thu 18.12: 19, 22, 23, 24, 29 = 5 → warning (25. and 26.12 are holidays)
    w.today = D("2025-12-18")
    assert w.state.needs_preliminary_reply
    w.complete("11", {"ny_karakter": "B"}, on=D("2025-12-18"))
    # a new grade in Inspera is not yet an answer to the student: still warned
    assert w.state.needs_preliminary_reply
    w.complete("12", {"handling": "verifiser"}, on=D("2025-12-18"))
    w.complete("13", {"sperre_fjernet": True}, on=D("2025-12-18"))
    w.complete("14", on=D("2025-12-18"))
    assert not w.state.needs_preliminary_reply  # the decision has reached the student


# -- withdrawal and reopening -----------------------------------------------------------------------

def withdrawable() -> Walk:
    # 3 uker etter tor 11.12.2025 = nyttårsdag 1.1.2026 → fredag 2.1.2026
    w = direct_complaint("2025-12-11", "2025-12-15")
    w.complete("7", {"klage_mottatt": "2025-12-15"})
    w.complete("8", {"sperre_satt": False})
    assert w.state.dates["klagefrist"] == D("2026-01-02")
    return w


def test_withdraw_and_reopen_on_the_deadline_day():
    w = withdrawable()
    st = w.act("trekk", on=D("2026-01-02"))
    assert st.status == "withdrawn" and st.outcome == "klagen trukket"
    assert st.current is None and st.steps["9"].status == "pending"
    st = w.act("gjenåpne", on=D("2026-01-02"))
    assert st.status == "open" and st.outcome == "" and st.current == "9"
    assert st.steps["9"].status == "active"


def test_nothing_to_withdraw_before_the_complaint_is_received():
    w = direct_complaint("2025-12-11", "2025-12-15")
    with pytest.raises(EngineError, match="steg 7 er ikke fullført"):
        w.act("trekk", on=D("2025-12-15"))
    assert w.state.status == "open"


def test_withdraw_after_the_deadline_is_refused():
    w = withdrawable()
    with pytest.raises(EngineError, match="fristen var 2026-01-02"):
        w.act("trekk", on=D("2026-01-05"))
    assert w.state.status == "open" and w.state.current == "9"


def test_reopen_after_the_deadline_is_refused():
    w = withdrawable()
    w.act("trekk", on=D("2025-12-20"))
    with pytest.raises(EngineError, match="fristen var 2026-01-02"):
        w.act("gjenåpne", on=D("2026-01-05"))
    assert w.state.status == "withdrawn"


def test_withdraw_after_the_decision_is_announced_is_refused_even_before_the_deadline():
    w = withdrawable()
    w.complete("9", {"fordeling": "automatisk", "klagekommisjon": "K1",
                     "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}, on=D("2025-12-16"))
    w.complete("10", on=D("2025-12-17"))
    w.complete("11", {"ny_karakter": "A"}, on=D("2025-12-19"))
    w.complete("12", {}, on=D("2025-12-19"))
    w.complete("13", {}, on=D("2025-12-19"))
    assert w.act("trekk", on=D("2025-12-19")).status == "withdrawn"  # 14 not done yet
    w.act("gjenåpne", on=D("2025-12-22"))
    w.complete("14", on=D("2025-12-22"))
    with pytest.raises(EngineError, match="steg 14 er fullført"):
        w.act("trekk", on=D("2025-12-23"))


def test_explanation_extends_the_withdrawal_window():
    w = through_begrunnelse(begrunnelse_case())  # klagefrist 22.4 instead of 10.4
    w.complete("7", {"klage": "klaget", "klage_mottatt": "2026-04-14"}, on=D("2026-04-14"))
    assert w.act("trekk", on=D("2026-04-20")).status == "withdrawn"
    assert w.act("gjenåpne", on=D("2026-04-22")).current == "8"
