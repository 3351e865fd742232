"""ntnu-avvik: NTNU's procedure for deviations in education and learning environment.

Every branch of the receipt form (M1), the process form (B1), hearing (H1), measures (T1) and
closing (L1) is walked end to end. Due dates are worked out by hand: the only limit in the source
is "innen rimelig tid (4 uker)" from receipt, moved to the next working day (fvl. § 30) when it
lands on a weekend or public holiday.
"""

from __future__ import annotations

from datetime import date

import pytest

from varsel_tui.domain.engine import RecordedMeasure, describe

try:  # tests/workflows has no __init__.py: pytest puts the folder itself on sys.path
    from walk import Walk, bundled
except ImportError:  # pragma: no cover - if it becomes a package
    from .walk import Walk, bundled

D = date.fromisoformat
INTAKE = {"melder_type": "student", "gjelder": "utdanning"}

M1_GODKJENT = {
    "sensitive_opplysninger": False,
    "kritikkverdige_forhold": False,
    "vurdering": "godkjent",
    "lokal_enhet": "Institutt for datateknologi og informatikk",
    "behandler": "Kari Behandler",
}
B1_RETT_TIL_LUKKING = {
    "behandler_vurdering": "Eksamensoppgaven manglet vedlegg; rettet.",
    "høringsrunde": False,
    "tiltak": False,
}
L1_LUKK = {"lukkekommentar": "Fulgt opp og rettet."}


def walk(received: str, **kw) -> Walk:
    return Walk("ntnu-avvik", received=D(received), intake=dict(INTAKE), **kw)


def statuses(w: Walk) -> dict[str, str]:
    return {sid: s.status for sid, s in w.state.steps.items()}


def problems(w: Walk, answers: dict) -> dict[str, str]:
    return {p.field: p.message for p in w.preview(answers).problems}


# -- the file itself --------------------------------------------------------------------------

def test_steps_in_source_order_with_roles_and_source_deadline_words():
    wf = bundled("ntnu-avvik")
    assert [s.id for s in wf.steps] == ["M1", "B1", "H1", "T1", "L1"]
    assert wf.step("M1").role == "Meldingsansvarlig"
    assert wf.step("B1").role == "Behandler"
    assert wf.step("L1").role.startswith("Behandler (hovedregel)")
    for sid in ("M1", "B1", "T1", "L1"):
        rule = wf.step(sid).deadline
        assert (rule.count, rule.unit, rule.start) == (4, "uker", "mottatt")
        assert "innen rimelig tid (4 uker)" in rule.text
    for step in wf.steps:
        for f in step.form.fields:
            assert f.help, f"{step.id}.{f.id} has no help"
    [st] = wf.statutory
    assert st.law == "forvaltningsloven § 11a" and st.until_step == "L1"


# -- JA, GODKJENT: forward to the local behandler -----------------------------------------------

def test_godkjent_without_hearing_or_measures_over_easter():
    # Received Thursday 5 March 2026; 4 weeks → 2 April = skjærtorsdag; langfredag, the Easter
    # weekend and 2. påskedag (6 April) follow → Tuesday 7 April.
    w = walk("2026-03-05")
    assert w.state.current == "M1"
    assert w.state.steps["M1"].due == D("2026-04-07")

    st = w.complete("M1", M1_GODKJENT, on=D("2026-03-09"))
    assert st.current == "B1" and st.status == "open"
    assert st.steps["B1"].due == D("2026-04-07")

    st = w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-03-16"))
    assert statuses(w) == {"M1": "done", "B1": "done", "H1": "skipped", "T1": "skipped", "L1": "active"}
    assert st.steps["H1"].reason == "saken er ikke sendt på høringsrunde"
    assert st.steps["T1"].reason == "det skal ikke gjennomføres tiltak"
    assert st.steps["L1"].due == D("2026-04-07")

    st = w.complete("L1", L1_LUKK, on=D("2026-03-20"))
    assert st.status == "closed" and st.outcome == "lukket"
    assert st.closed_on == D("2026-03-20")
    assert st.answers["lukket_av"] == "behandler"  # the main rule is the default
    assert st.statutory[0].met


def test_godkjent_preview_tells_the_officer_it_goes_to_the_behandler():
    w = walk("2026-03-05")
    out = w.preview(M1_GODKJENT)
    assert out.ok and out.next_step == "B1" and not out.closes
    lines = describe(out, w.wf)
    assert lines[0].startswith("Meldingen er godkjent som avvik og oversendes behandler ved lokal enhet")
    assert "Neste steg: B1 Behandle meldingen (behandlingsskjema)." in lines
    # The line manager is told of every receipt («Linjeleder får melding når avvik meldes inn»).
    assert out.letters == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-til-behandler"]


def test_godkjent_needs_the_local_unit_and_behandler():
    w = walk("2026-03-05")
    answers = {k: v for k, v in M1_GODKJENT.items() if k not in ("lokal_enhet", "behandler")}
    assert problems(w, answers) == {
        "lokal_enhet": "«Lokal enhet som skal behandle saken» må fylles ut",
        "behandler": "«Behandler ved lokal enhet» må fylles ut",
    }


# -- hearing and measures --------------------------------------------------------------------

def test_hearing_then_measures_then_closing_by_meldingsansvarlig():
    # Received Thursday 16 April 2026; 4 weeks → 14 May = Kristi himmelfartsdag → Friday 15 May.
    w = walk("2026-04-16")
    w.complete("M1", M1_GODKJENT, on=D("2026-04-17"))
    b1 = {
        "behandler_vurdering": "Må avklares med linjeleder.",
        "høringsrunde": True,
        "høring_deltakere": "Instituttleder; emneansvarlig",
        # Sunday 17 May (grunnlovsdag) → the hearing is due Monday 18 May.
        "høring_slutt": "17.05.2026",
        "høring_formål": ["avklare_linjeleder"],
    }
    out = w.preview(b1)
    assert out.ok  # a warning does not stop submitting
    assert [(p.field, p.severity) for p in out.problems] == [("høring_slutt", "warning")]
    assert "4-ukersfristen" in out.problems[0].message
    assert out.letters == ["ntnu-avvik-høringsrunde"]
    assert describe(out, w.wf)[0].startswith("Saken sendes på høringsrunde (H1)")

    st = w.complete("B1", b1, on=D("2026-04-24"))
    assert st.current == "H1"
    assert st.answers["høring_slutt"] == "2026-05-17"
    assert st.steps["H1"].due == D("2026-05-18")
    assert st.steps["T1"].due == D("2026-05-15")

    st = w.complete("H1", {"høring_innspill": "Linjeleder støtter nytt vedlegg.", "tiltak": True},
                    on=D("2026-05-18"))
    assert st.current == "T1" and st.steps["H1"].status == "done"

    # T1 refers to the measure recorded on the case (t / case measure add), never asks to retype it.
    w.measures = [RecordedMeasure(1, "Rutine for vedlegg", done=False)]
    st = w.complete("T1", {"tiltak_gjennomført": "#1", "tiltak_oppfølging": "Gjennomført"}, on=D("2026-05-20"))
    assert st.current == "L1"
    w.measures = [RecordedMeasure(1, "Rutine for vedlegg", done=True)]  # as the store marked it

    assert problems(w, {**L1_LUKK, "lukket_av": "meldingsansvarlig"}) == {
        "avtale_lukking": "«Hva er avtalt med behandler om lukkingen?» må fylles ut"}
    st = w.complete("L1", {**L1_LUKK, "lukket_av": "meldingsansvarlig",
                           "avtale_lukking": "Avtalt på e-post 19.05."}, on=D("2026-05-21"))
    assert statuses(w) == {"M1": "done", "B1": "done", "H1": "done", "T1": "done", "L1": "done"}
    assert st.status == "closed" and st.outcome == "lukket"


def test_hearing_ending_within_four_weeks_gives_no_warning_and_measures_can_be_dropped():
    w = walk("2026-04-16")
    w.complete("M1", M1_GODKJENT, on=D("2026-04-17"))
    b1 = {"behandler_vurdering": "x", "høringsrunde": True, "høring_deltakere": "Linjeleder",
          "høring_slutt": "2026-05-08"}
    assert w.preview(b1).problems == []
    w.complete("B1", b1, on=D("2026-04-20"))
    out = w.preview({"høring_innspill": "Ingen tiltak nødvendig.", "tiltak": False})
    assert out.next_step == "L1"
    assert ("T1", "det skal ikke gjennomføres tiltak") in out.skipped
    st = w.complete("H1", {"høring_innspill": "Ingen tiltak nødvendig.", "tiltak": False}, on=D("2026-05-08"))
    assert st.current == "L1" and st.steps["T1"].status == "skipped"


def test_b1_with_measures_and_no_hearing_skips_only_the_hearing():
    w = walk("2026-03-05")
    w.complete("M1", M1_GODKJENT, on=D("2026-03-06"))
    out = w.preview({"behandler_vurdering": "x", "høringsrunde": False, "tiltak": True})
    assert out.next_step == "T1"
    assert out.skipped == [("H1", "saken er ikke sendt på høringsrunde")]
    assert "Hopper over H1: saken er ikke sendt på høringsrunde." in describe(out, w.wf)


def test_b1_hearing_needs_participants_and_a_valid_end_date():
    w = walk("2026-03-05")
    w.complete("M1", M1_GODKJENT, on=D("2026-03-06"))
    got = problems(w, {"behandler_vurdering": "x", "høringsrunde": True, "høring_slutt": "31.02.2026"})
    assert got == {
        "høring_deltakere": "«Deltakere i høringsrunden» må fylles ut",
        "høring_slutt": "'31.02.2026' er ikke en gyldig dato (bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)",
    }
    # Without a hearing the measures question must be answered in B1 itself.
    assert problems(w, {"behandler_vurdering": "x", "høringsrunde": False}) == {
        "tiltak": "«Skal det gjennomføres korrigerende tiltak?» må fylles ut"}


# -- hearings and measures are part of the flow (issue 10, «Hearings and measures float free») --

HEARING_B1 = {"behandler_vurdering": "Må avklares.", "høringsrunde": True, "høring_deltakere": "kari, per",
              "høring_slutt": "2026-12-04", "høring_spørsmål": "Er rutinen god nok?",
              "høring_formål": ["avklare_linjeleder"]}


def at_b1(**kw) -> Walk:
    w = walk("2026-11-16", **kw)
    w.complete("M1", M1_GODKJENT, on=D("2026-11-17"))
    return w


def at_l1(**kw) -> Walk:
    w = at_b1(**kw)
    w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-11-18"))
    return w


def test_b1_hearing_is_a_real_hearing_with_participants_question_and_end_date():
    w = at_b1(users={"kari", "per", "nora"})
    out = w.preview(HEARING_B1, on=D("2026-11-23"))
    assert out.ok, out.problems
    assert out.hearing is not None
    assert (out.hearing.participants, out.hearing.ends_on) == (["kari", "per"], D("2026-12-04"))
    assert out.hearing.question == "Er rutinen god nok?\nAvklare tiltak med linjeleder før gjennomføring"
    assert "Høringsrunde opprettes med kari, per til og med 04.12.2026: de får tilgang til saken til da." \
        in describe(out, w.wf)
    # No hearing chosen: none is made.
    assert w.preview({**B1_RETT_TIL_LUKKING}, on=D("2026-11-23")).hearing is None


def test_b1_hearing_participants_must_be_registered_approved_users():
    w = at_b1(users={"kari", "nora"})
    got = {p.field: p.message for p in w.preview({**HEARING_B1, "høring_deltakere": "kari; Instituttleder"},
                                                 on=D("2026-11-23")).problems}
    assert got == {"høring_deltakere": "«Instituttleder» er ikke en registrert, godkjent bruker"}


def test_b1_hearing_must_end_after_today():
    w = at_b1(users={"kari"})
    for ends in ("2026-11-23", "2026-11-20"):
        out = w.preview({**HEARING_B1, "høring_deltakere": "kari", "høring_slutt": ends}, on=D("2026-11-23"))
        assert [(p.field, p.message) for p in out.problems if p.severity == "error"] == [
            ("høring_slutt", f"«Høringsrunden avsluttes (dato)» må være etter 2026-11-23 (dagen skjemaet sendes inn): {ends}")]
    # without the form's own rule, the hearing still cannot end today
    w.wf.step("B1").form.field("høring_slutt").date_is = None  # type: ignore[union-attr]
    out = w.preview({**HEARING_B1, "høring_deltakere": "kari", "høring_slutt": "2026-11-23"}, on=D("2026-11-23"))
    assert [(p.field, p.message) for p in out.problems if p.severity == "error"] == [
        ("høring_slutt", "høringsrunden må slutte etter i dag (23.11.2026)")]


def test_h1_ends_the_hearing_it_treats():
    w = at_b1(users={"kari"})
    w.complete("B1", {**HEARING_B1, "høring_deltakere": "kari"}, on=D("2026-11-23"))
    w.open_hearings = ["høringsrunde #1 (kari, til 04.12.2026)"]
    out = w.preview({"høring_innspill": "Ingen tiltak.", "tiltak": False}, on=D("2026-11-30"))
    assert out.ok and out.ends_hearings == ["høringsrunde #1 (kari, til 04.12.2026)"]
    assert "Høringsrunde #1 (kari, til 04.12.2026) avsluttes; deltakernes tilgang opphører." in describe(out, w.wf)


def test_closing_is_refused_while_a_hearing_is_open():
    w = at_l1(open_hearings=["høringsrunde #1 (kari, til 04.12.2026)"])
    out = w.preview(L1_LUKK, on=D("2026-11-23"))
    assert not out.ok
    assert [(p.field, p.message) for p in out.problems] == [(
        "", "Saken kan ikke avsluttes mens høringsrunde #1 (kari, til 04.12.2026) pågår: avslutt høringsrunden "
            "først (H på saken, eller varsel case hearing close).")]
    # Not even after a notice of missing follow-up: ending the hearing is one step away.
    assert not w.preview({**L1_LUKK, "varsel_om_manglende_oppfølging": True}, on=D("2026-11-23")).ok


def test_closing_is_refused_while_a_measure_is_not_carried_out():
    w = at_l1(measures=[RecordedMeasure(1, "Rutine for vedlegg", done=False),
                        RecordedMeasure(2, "Nytt skjema", done=True)])
    out = w.preview(L1_LUKK, on=D("2026-11-23"))
    assert [(p.field, p.message) for p in out.problems] == [(
        "", "Saken kan ikke avsluttes før tiltak #1 «Rutine for vedlegg» er gjennomført "
            "(T på saken, eller varsel case measure done).")]
    w.measures = [RecordedMeasure(1, "Rutine for vedlegg", done=True)]
    assert w.preview(L1_LUKK, on=D("2026-11-23")).ok


def test_closing_after_notice_of_missing_follow_up_with_open_measures_needs_a_reason():
    w = at_l1(measures=[RecordedMeasure(1, "Rutine for vedlegg", done=False)])
    notice = {**L1_LUKK, "varsel_om_manglende_oppfølging": True}
    got = {p.field: p.message for p in w.preview(notice, on=D("2026-11-23")).problems}
    assert got == {"lukking_åpne_tiltak": "tiltak #1 «Rutine for vedlegg» er ikke gjennomført: skriv hvorfor saken "
                                          "likevel avsluttes, eller marker tiltaket som gjennomført først"}
    out = w.preview({**notice, "lukking_åpne_tiltak": "Følges opp i varslingssaken."}, on=D("2026-11-23"))
    assert out.ok, out.problems
    assert (out.closes_with_open, out.close_reason) == (["tiltak #1 «Rutine for vedlegg»"],
                                                        "Følges opp i varslingssaken.")
    assert "Saken avsluttes selv om tiltak #1 «Rutine for vedlegg» ikke er gjennomført; begrunnelsen journalføres." \
        in describe(out, w.wf)
    # The reason is asked for only when a measure is open.
    w.measures = []
    assert {p.field for p in w.preview(notice, on=D("2026-11-23")).problems} == set()


@pytest.mark.parametrize("vurdering", ["ikke_godkjent", "avvist_varslingssak"])
def test_receipt_closing_with_an_open_measure_needs_a_reason(vurdering):
    w = walk("2026-11-16", measures=[RecordedMeasure(3, "Ny rutine", done=False)])
    answers = {"sensitive_opplysninger": False, "kritikkverdige_forhold": vurdering == "avvist_varslingssak",
               "vurdering": vurdering, "begrunnelse": "Ikke et avvik."}
    if vurdering == "avvist_varslingssak":
        answers["varslingsrutine"] = "uio-varsling"  # the officer picks the procedure (no default)
    got = {p.field: p.message for p in w.preview(answers, on=D("2026-11-23")).problems}
    assert got == {"lukking_åpne_tiltak": "tiltak #3 «Ny rutine» er ikke gjennomført: skriv hvorfor saken "
                                          "likevel avsluttes, eller marker tiltaket som gjennomført først"}
    out = w.preview({**answers, "lukking_åpne_tiltak": "Tiltaket hører ikke til et avvik."}, on=D("2026-11-23"))
    assert out.ok and out.closes and out.closes_with_open == ["tiltak #3 «Ny rutine»"]


def test_t1_chooses_among_the_recorded_measures():
    w = at_b1()
    w.complete("B1", {**B1_RETT_TIL_LUKKING, "tiltak": True}, on=D("2026-11-18"))
    w.measures = []
    assert {p.field: p.message for p in w.preview({"tiltak_oppfølging": "x"}).problems} == {
        "tiltak_gjennomført": "saken har ingen registrerte tiltak ennå: legg til tiltaket først "
                              "(t, eller varsel case measure add)"}
    w.measures = [RecordedMeasure(1, "Rutine for vedlegg", done=False), RecordedMeasure(2, "Nytt skjema", done=False)]
    assert {p.field: p.message for p in w.preview({"tiltak_gjennomført": "#7", "tiltak_oppfølging": "x"}).problems} \
        == {"tiltak_gjennomført": "saken har ikke tiltak #7 (registrerte: #1 Rutine for vedlegg, #2 Nytt skjema)"}
    out = w.preview({"tiltak_gjennomført": ["2"], "tiltak_oppfølging": "Skjemaet er tatt i bruk."})
    assert out.ok and out.answers["tiltak_gjennomført"] == [2]
    assert [m.id for m in out.measures_done] == [2]
    assert "Tiltak #2 «Nytt skjema» markeres som gjennomført." in describe(out, w.wf)
    assert "tiltak_beskrivelse" not in {f.id for f in w.wf.step("T1").form.fields}  # nothing to retype


# -- ENDRE ANSVARLIG ENHET: transfer and a new receipt assessment --------------------------------

def test_transfer_to_another_faculty_goes_back_to_receipt_with_the_same_deadline():
    # Received Monday 27 April 2026; 4 weeks → 25 May = 2. pinsedag → Tuesday 26 May.
    w = walk("2026-04-27")
    transfer = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                "vurdering": "endre_enhet", "ny_enhet": "IE"}
    out = w.preview(transfer)
    assert out.ok and out.new_body == "IE" and out.next_step == "M1"
    lines = describe(out, w.wf)
    assert lines[0].startswith("Saken overføres til ny ansvarlig enhet. Meldingsansvarlig der vurderer")
    assert "Saken overføres til IE." in lines
    assert out.letters == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-til-meldingsansvarlig"]

    st = w.complete("M1", transfer, on=D("2026-04-28"))
    assert st.current == "M1" and st.body == "IE" and st.status == "open"
    assert st.steps["M1"].status == "active" and st.steps["M1"].visits == 1
    assert st.steps["M1"].due == D("2026-05-26")

    st = w.complete("M1", M1_GODKJENT, on=D("2026-04-30"))
    assert st.current == "B1" and st.body == "IE"
    assert st.steps["M1"].visits == 2
    assert st.steps["B1"].due == D("2026-05-26")


def test_transfer_needs_the_new_unit():
    w = walk("2026-04-27")
    assert problems(w, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                        "vurdering": "endre_enhet"}) == {"ny_enhet": "«Ny ansvarlig enhet (fakultet)» må fylles ut"}


def test_transfer_refuses_the_unit_that_already_has_the_case():
    # Symptom «Re-registration is broken»: ENDRE ANSVARLIG ENHET accepted the unit that has the case.
    w = Walk("ntnu-avvik", received=D("2026-04-27"), intake={"melder_type": "student", "mottakende_enhet": "IE"})
    assert w.state.body == "IE"
    assert problems(w, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                        "vurdering": "endre_enhet", "ny_enhet": "IE"}) == {
        "ny_enhet": "Saken er allerede hos IE; velg en annen enhet"}


# -- NEI, IKKE GODKJENT: close with a reason --------------------------------------------------

def test_ikke_godkjent_closes_with_reason_and_tells_the_reporter():
    # Received Thursday 27 November 2025; 4 weeks → 25 December (1. juledag), 26th is 2. juledag,
    # then a weekend → Monday 29 December.
    w = walk("2025-11-27")
    assert w.state.steps["M1"].due == D("2025-12-29")
    answers = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "ikke_godkjent"}
    assert problems(w, answers) == {"begrunnelse": "«Begrunnelse (gis til melder)» må fylles ut"}

    answers["begrunnelse"] = "Gjelder ønske om nytt emne, ikke et avvik."
    out = w.preview(answers)
    assert out.closes and out.outcome == "ikke godkjent" and out.letters == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-ikke-godkjent"]
    assert describe(out, w.wf)[0] == ("Meldingen godkjennes ikke som avvik, og saken lukkes. "
                                      "E-posten til melder om at meldingen er lukket, med begrunnelsen, lages som utkast.")

    st = w.complete("M1", answers, on=D("2025-12-01"))
    assert st.status == "closed" and st.outcome == "ikke godkjent" and st.closed_on == D("2025-12-01")
    for sid in ("B1", "H1", "T1", "L1"):
        assert st.steps[sid].status == "skipped"
        assert st.steps[sid].reason == "meldingen er ikke godkjent som avvik"
    assert st.spawns == []
    assert st.statutory[0].met


# -- NEI, AVVIST VARSLINGSSAK: close and re-register as whistleblowing ------------------------------

AVVIST = {"sensitive_opplysninger": True, "sensitiv_håndtering": "Navn fjernet; behandles i ePhorte.",
          "kritikkverdige_forhold": True, "vurdering": "avvist_varslingssak",
          "begrunnelse": "Meldingen gjelder trakassering."}


def test_avvist_varslingssak_has_no_silent_target_procedure():
    # Symptom «Re-registration is broken»: the officer picks the procedure; no default to UiO.
    w = walk("2026-03-05")
    assert problems(w, AVVIST) == {"varslingsrutine": "«Omregistreres som varslingssak i» må fylles ut"}


def test_avvist_varslingssak_reregisters_in_the_chosen_procedure():
    w = walk("2026-03-05")
    chosen = {**AVVIST, "varslingsrutine": "uio-varsling"}
    out = w.preview(chosen)
    assert out.ok and out.closes and out.spawn_workflow == "uio-varsling"
    assert out.answers["varslingsrutine"] == "uio-varsling"
    assert out.letters == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-avvist-varslingssak"]
    lines = describe(out, w.wf)
    assert "omregistreres som varslingssak, og melder får beskjed" in lines[0]
    assert "Saken registreres på nytt som ny sak i «uio-varsling», lenket begge veier." in lines

    st = w.complete("M1", chosen, on=D("2026-03-06"))
    assert st.status == "closed" and st.outcome == "avvist varslingssak"
    assert st.spawns == [("M1", "uio-varsling")]
    assert st.steps["B1"].reason == "meldingen er avvist som avvikssak og omregistrert som varslingssak"
    assert statuses(w) == {"M1": "done", "B1": "skipped", "H1": "skipped", "T1": "skipped", "L1": "skipped"}


def test_avvist_varslingssak_can_go_to_stinn_varsling():
    w = walk("2026-03-05")
    st = w.complete("M1", {**AVVIST, "varslingsrutine": "stinn-varsling"}, on=D("2026-03-06"))
    assert st.spawns == [("M1", "stinn-varsling")]
    assert problems(Walk("ntnu-avvik", received=D("2026-03-05")), {**AVVIST, "varslingsrutine": "ephorte"}) == {
        "varslingsrutine": "'ephorte' er ikke et av valgene: uio-varsling, stinn-varsling"}


def test_critical_matters_must_be_rejected_as_whistleblowing_and_only_those():
    w = walk("2026-03-05")
    got = w.preview({**M1_GODKJENT, "kritikkverdige_forhold": True}).problems
    assert [(p.field, p.severity) for p in got] == [("vurdering", "error")]
    assert "velg «NEI, AVVIST VARSLINGSSAK»" in got[0].message

    got = w.preview({**AVVIST, "varslingsrutine": "uio-varsling", "kritikkverdige_forhold": False}).problems
    assert [(p.field, p.severity) for p in got] == [("kritikkverdige_forhold", "error")]


def test_sensitive_information_must_say_how_it_is_kept_out_of_eqs():
    w = walk("2026-03-05")
    assert problems(w, {**M1_GODKJENT, "sensitive_opplysninger": True}) == {
        "sensitiv_håndtering": "«Hvordan håndteres de sensitive opplysningene utenfor EQS?» må fylles ut"}
    # Not sensitive: the field is hidden and a stale answer is dropped.
    out = w.preview({**M1_GODKJENT, "sensitiv_håndtering": "gammel tekst"})
    assert out.ok and "sensitiv_håndtering" not in out.answers


def test_receipt_form_refuses_missing_and_unknown_answers():
    w = walk("2026-03-05")
    assert problems(w, {}) == {
        "sensitive_opplysninger": "«Inneholder meldingen personopplysninger eller annen sensitiv informasjon?» må fylles ut",
        "kritikkverdige_forhold": "«Gjelder meldingen alvorlige og kritikkverdige forhold?» må fylles ut",
        "vurdering": "«Meldingsansvarligs vurdering» må fylles ut",
    }
    assert problems(w, {**M1_GODKJENT, "vurdering": "kanskje"})["vurdering"].startswith("'kanskje' er ikke et av valgene")


# -- closing after a whistleblowing notice about missing follow-up -----------------------------

def test_closing_after_notice_of_missing_follow_up():
    w = walk("2026-03-05")
    w.complete("M1", M1_GODKJENT, on=D("2026-03-06"))
    w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-03-09"))
    answers = {"varsel_om_manglende_oppfølging": True,
               "lukkekommentar": "Varsel mottatt via Sifra; behandles som varslingssak."}
    out = w.preview(answers)
    assert out.letters == ["ntnu-avvik-lukket"]
    assert describe(out, w.wf)[0].startswith("Avviket lukkes med kommentar fordi det er kommet varsel")
    assert problems(w, {"varsel_om_manglende_oppfølging": True}) == {
        "lukkekommentar": "«Kommentar ved lukking» må fylles ut"}
    st = w.complete("L1", answers, on=D("2026-04-20"))
    assert st.outcome == "lukket med kommentar (varsel om manglende oppfølging)"


# -- the 4-week rule (fvl. § 11a): preliminary reply -------------------------------------------

@pytest.mark.parametrize(("today", "warn"), [
    ("2026-03-25", False),  # 6 working days left (26, 27, 30, 31 March, 1 and 7 April)
    ("2026-03-26", True),   # 5 left: Easter eats 2, 3 and 6 April
    ("2026-04-08", True),   # overdue
])
def test_preliminary_reply_is_flagged_a_week_before_four_weeks(today, warn):
    w = walk("2026-03-05")
    w.complete("M1", M1_GODKJENT, on=D("2026-03-06"))
    w.today = D(today)
    [st] = w.state.statutory
    assert st.due == D("2026-04-07") and not st.met
    assert st.warn is warn
    assert w.state.needs_preliminary_reply is warn


def test_preliminary_reply_not_needed_once_closed():
    w = walk("2026-03-05")
    w.complete("M1", M1_GODKJENT, on=D("2026-03-06"))
    w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-03-09"))
    w.complete("L1", L1_LUKK, on=D("2026-03-10"))
    w.today = D("2026-04-08")
    assert w.state.statutory[0].met and not w.state.needs_preliminary_reply


# -- dates guarded by the calendar ------------------------------------------------------------------

def test_b1_hearing_must_end_after_the_day_b1_is_completed():
    # Received Thursday 16 April 2026, M1 Friday 17 April, B1 Friday 24 April.
    w = walk("2026-04-16")
    w.complete("M1", M1_GODKJENT, on=D("2026-04-17"))
    b1 = {"behandler_vurdering": "x", "høringsrunde": True, "høring_deltakere": "Linjeleder"}
    on = D("2026-04-24")
    for ends in ("2020-01-01", "2026-04-24"):
        got = {p.field: p.message for p in w.preview({**b1, "høring_slutt": ends}, on).problems}
        assert got == {"høring_slutt": f"«Høringsrunden avsluttes (dato)» må være etter 2026-04-24 (dagen skjemaet sendes "
                                       f"inn): {ends}"}
    assert w.preview({**b1, "høring_slutt": "2026-04-27"}, on).ok  # Monday after


def test_a_step_is_not_completed_before_the_step_it_follows():
    from varsel_tui.domain.engine import EngineError

    w = walk("2026-04-16")
    with pytest.raises(EngineError, match=r"før forrige hendelse i saken \(saken ble mottatt 2026-04-16\)"):
        w.complete("M1", M1_GODKJENT, on=D("2026-04-15"))
    w.complete("M1", M1_GODKJENT, on=D("2026-04-17"))
    with pytest.raises(EngineError, match=r"steg M1 ble fullført 2026-04-17"):
        w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-04-16"))
    w.today = D("2026-04-20")
    with pytest.raises(EngineError, match="etter i dag"):
        w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-04-21"))
    assert w.complete("B1", B1_RETT_TIL_LUKKING, on=D("2026-04-20")).current == "L1"
