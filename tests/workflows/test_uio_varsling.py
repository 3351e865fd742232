"""uio-varsling: UiO's procedure for whistleblowing from students or staff.

Every branch is walked end to end: the two ways a case closes at receipt (M3: obviously not a
whistleblowing case; not one but followed up in a new case), the full path for an oral report,
the accusation checks (O4: claims not correct, police investigation → no contradiction in O5),
and anonymous reports with and without contact.

Deadlines: the source sets none, and does not mention forvaltningsloven § 11a. So every step's
due date is None, also for cases received just before Easter (2–6 April 2026), Kristi
himmelfart / 17. mai / pinse 2026 and Christmas 2026 — there is nothing to move.
"""

from __future__ import annotations

from datetime import date

import pytest

from varsel_tui.domain.conditions import Context
from varsel_tui.domain.engine import describe
from varsel_tui.domain.forms import validate

try:  # tests/workflows has no __init__.py: pytest puts the folder itself on sys.path
    from walk import Walk, bundled
except ImportError:  # pragma: no cover - if it becomes a package
    from .walk import Walk, bundled

D = date.fromisoformat

ORAL_STUDENT = {"kanal": "muntlig", "innmelder": "student", "anklage": True}
WEB_STAFF = {"kanal": "nettskjema", "innmelder": "ansatt", "anklage": True}
ANON_WITH_CONTACT = {"kanal": "anonym", "innmelder": "student", "anklage": True}
ANON_NO_ACCUSATION = {"kanal": "anonym", "innmelder": "ansatt", "anklage": False}

M1_ORAL = {
    "innhentet_informasjon": "Trakassering i seminargruppe høsten 2025; navn og tilknytning oppgitt.",
    "skriftlig_bekreftet": True,
    "bekreftet_dato": "31.03.2026",
    "henvist_rødt_mottak": True,
}
M1_ANON_CONTACT = {
    "innhentet_informasjon": "Anonym student melder om diskriminering ved opptak til kurs.",
    "henvist_rødt_mottak": True,
    "kontakt_med_innmelder": True,
    "identitet_av_betydning": True,
    "oppfordret_identifisere": True,
    "informert_begrenset_oppfølging": True,
    "informert_kontradiksjon_innsyn": True,
}
M1_ANON_NO_CONTACT = {
    "innhentet_informasjon": "Anonymt brev om mulig misbruk av offentlige midler i et prosjekt.",
    "kontakt_med_innmelder": False,
}
M2 = {"saksnummer_ephorte": "2026/4711", "beskrivelse": "Varsel om trakassering.", "eir_kopimottaker": True}
M3_CASE = {"vurdering": "varslingssak"}
O1 = {
    "behandlingsenhet": "Institutt for informatikk",
    "ansvarlig_leder": "Instituttleder",
    "delegert": True,
    "delegert_til": "Nestleder for utdanning",
    "varsler_informert": True,
}
O2 = {"syn_fremlagt": "møte", "møtedato": "2026-03-30", "referat": "Hendelser 12.10. og 3.11.; navn og tilknytning."}
O3 = {"regelverk_vurdering": "Likestillings- og diskrimineringsloven § 13 (trakassering)."}
O4_CORRECT = {"undersøkelse": "Samtaler med to vitner.", "påstander_riktige": True, "politietterforskning": False}
O5 = {
    "kjent_med_varslet": True,
    "opplysninger_gitt": "Varselets innhold og referatet fra møtet.",
    "versjon": "Bestrider den ene hendelsen.",
    "personopplysninger_innsamlet": True,
    "informert_pol_20": True,
}
O7 = {
    "dokumentasjon": ["redegjørelse", "undersøkelser", "referater", "rapport"],
    "funn_og_konklusjoner": "Trakassering ved én anledning er sannsynliggjort.",
    "journalført": True,
    "kategori_y_brukt": False,
}
O8_NONE = {"innsyn_begjært": False}
A1 = {"utfall": "Tiltak i seminargruppen.", "tilbakemelding_varsler": True, "tilbakemelding_varslet_om": True}
A2 = {"sluttrapport_journalført": True, "sluttrapport_kopi_eir": True}
A3 = {"lagring": "oppbevares"}

ALL_STEPS = ["M1", "M2", "M3", "O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", "A1", "A2", "A3"]


def walk(received: str, intake: dict) -> Walk:
    return Walk("uio-varsling", received=D(received), intake=dict(intake))


def statuses(w: Walk) -> dict[str, str]:
    return {sid: st.status for sid, st in w.state.steps.items()}


def effects(w: Walk, answers: dict) -> list[str]:
    out = w.preview(answers)
    assert out.ok, out.problems
    return describe(out, w.wf)


def problems(w: Walk, answers: dict) -> dict[str, tuple[str, str]]:
    return {p.field: (p.severity, p.message) for p in w.preview(answers).problems}


def through_m3(w: Walk, m1: dict | None, on: str) -> None:
    if m1 is not None:
        w.complete("M1", m1, on=D(on))
    w.complete("M2", M2, on=D(on))
    w.complete("M3", M3_CASE, on=D(on))


# -- the file itself -----------------------------------------------------------------------------

def test_steps_retention_and_no_invented_deadlines():
    wf = bundled("uio-varsling")
    assert [s.id for s in wf.steps] == ALL_STEPS
    assert [p.id for p in wf.phases] == ["M", "O", "A"]
    assert all(s.deadline is None for s in wf.steps)  # the source has no deadlines
    assert wf.statutory == []  # fvl. § 11a is not in the source
    assert wf.retention_days == 0  # pol. § 28 + «ta kontakt med arkivledelsen»: the archive decides
    assert wf.intake.classification == "fortrolig"
    m3 = wf.step("M3").form.field("ny_sak_arbeidsflyt")
    assert m3.default is None
    assert [o.value for o in m3.options] == ["ntnu-avvik", "ntnu-klage", "stinn-varsling", "uio-varsling"]


def test_intake_form_requires_channel_reporter_and_accusation():
    form = bundled("uio-varsling").intake.form
    _, probs = validate(form, {"kanal": "brev"}, Context({}))
    by_field = {p.field: p.message for p in probs}
    assert "'brev' er ikke et av valgene" in by_field["kanal"]
    assert by_field["innmelder"] == "«Innmelder er» må fylles ut"
    assert "anklage" in by_field
    clean, probs = validate(form, ORAL_STUDENT, Context({}))
    assert probs == [] and clean == ORAL_STUDENT


# -- branches at receipt (M3) --------------------------------------------------------------------

def test_obviously_not_whistleblowing_closes_with_reason_copy_to_eir_and_feedback():
    w = walk("2026-12-23", WEB_STAFF)  # over Christmas: still no due dates
    assert w.state.current == "M2"
    assert w.state.steps["M1"].status == "skipped"
    assert w.state.steps["M1"].reason == "varselet kom inn via nettskjema"
    w.complete("M2", M2, on=D("2026-12-28"))
    answers = {
        "vurdering": "ikke_varslingssak",
        "begrunnelse": "Gjelder egen arbeidssituasjon; tas opp med nærmeste leder.",
        "begrunnelse_kopi_eir": True,
        "tilbakemelding_innmelder": True,
    }
    assert effects(w, answers)[0].startswith("Saken avsluttes: den er åpenbart ikke en varslingssak.")
    st = w.complete("M3", answers, on=D("2026-12-29"))
    assert (st.status, st.outcome, st.closed_on) == ("closed", "ikke varslingssak", D("2026-12-29"))
    assert st.spawns == []
    for sid in ALL_STEPS[3:]:
        assert (st.steps[sid].status, st.steps[sid].reason) == ("skipped", "saken er åpenbart ikke en varslingssak")
    assert all(s.due is None for s in st.steps.values())


def test_not_whistleblowing_but_followed_up_closes_and_spawns_chosen_workflow():
    w = walk("2026-05-13", WEB_STAFF)  # day before Kristi himmelfart
    w.complete("M2", M2, on=D("2026-05-15"))
    answers = {
        "vurdering": "annen_oppfølging",
        "ny_sak_ansvarlig": "Studieseksjonen, MN-fakultetet",
        "ny_sak_arbeidsflyt": "ntnu-avvik",
    }
    out = w.preview(answers)
    assert out.ok and out.closes and out.spawn_workflow == "ntnu-avvik"
    assert describe(out, w.wf)[:2] == [
        "Saken avsluttes som varslingssak. En ny sak opprettes i valgt arbeidsflyt og sendes den som er "
        "ansvarlig for videre oppfølging.",
        "Saken registreres på nytt som ny sak i «ntnu-avvik», lenket begge veier.",
    ]
    st = w.complete("M3", answers, on=D("2026-05-18"))
    assert (st.status, st.outcome) == ("closed", "ikke varslingssak – ny sak opprettet")
    assert st.spawns == [("M3", "ntnu-avvik")]
    assert st.steps["O1"].reason == "saken er ikke en varslingssak, men følges opp i en ny sak"


def test_receipt_decision_effect_for_a_whistleblowing_case():
    w = walk("2026-03-30", WEB_STAFF)
    w.complete("M2", M2)
    assert effects(w, M3_CASE) == [
        "Saken følges opp som varslingssak: ansvarlig leder avgjør hvor i organisasjonen den skal behandles.",
        "Neste steg: O1 Avgjøre hvor saken skal behandles og informere varsler.",
    ]


def test_receipt_decision_problems():
    w = walk("2026-03-30", WEB_STAFF)
    w.complete("M2", M2)
    assert problems(w, {}) == {"vurdering": ("error", "«Er saken en varslingssak?» må fylles ut")}
    assert "er ikke et av valgene" in problems(w, {"vurdering": "kanskje"})["vurdering"][1]
    p = problems(w, {"vurdering": "ikke_varslingssak", "begrunnelse_kopi_eir": False, "tilbakemelding_innmelder": True})
    assert p["begrunnelse"] == ("error", "«Begrunnelse» må fylles ut")
    assert p["begrunnelse_kopi_eir"] == ("error", "Begrunnelsen skal legges til saken med kopi til EIR.")
    p = problems(w, {"vurdering": "annen_oppfølging", "ny_sak_ansvarlig": "Studieseksjonen"})
    assert p == {"ny_sak_arbeidsflyt": ("error", "«Arbeidsflyt for den nye saken» må fylles ut")}


# -- the full path -------------------------------------------------------------------------------

def test_oral_report_full_path_with_contradiction_closes_as_handled():
    w = walk("2026-03-30", ORAL_STUDENT)  # Monday before Easter (2–6 April 2026)
    assert w.state.current == "M1"
    w.complete("M1", M1_ORAL, on=D("2026-03-31"))
    through_m3(w, None, "2026-04-07")
    assert w.state.body is None
    st = w.complete("O1", O1, on=D("2026-04-08"))
    assert st.body == "Institutt for informatikk"  # set_body_from: the unit the leader chose
    w.complete("O2", O2, on=D("2026-04-08"))
    w.complete("O3", O3, on=D("2026-04-20"))
    w.complete("O4", O4_CORRECT, on=D("2026-05-04"))
    assert w.state.current == "O5"
    st = w.complete("O5", O5, on=D("2026-05-13"))
    assert (st.current, st.steps["O6"].status, st.steps["O6"].reason) == ("O7", "skipped", "varselet er ikke anonymt")
    w.complete("O7", O7, on=D("2026-05-18"))
    w.complete("O8", O8_NONE, on=D("2026-05-26"))
    w.complete("A1", A1, on=D("2026-05-26"))
    w.complete("A2", A2, on=D("2026-05-27"))
    assert effects(w, A3)[0].startswith("Saken avsluttes som ferdig behandlet varslingssak.")
    st = w.complete("A3", A3, on=D("2026-05-27"))
    assert (st.status, st.outcome, st.closed_on) == ("closed", "ferdig behandlet", D("2026-05-27"))
    assert statuses(w) == {sid: ("skipped" if sid == "O6" else "done") for sid in ALL_STEPS}
    assert all(s.due is None for s in st.steps.values())
    assert st.statutory == [] and not st.needs_preliminary_reply


def test_delegation_effect_names_the_new_unit():
    w = walk("2026-03-30", WEB_STAFF)
    through_m3(w, None, "2026-03-30")
    lines = effects(w, O1)
    assert lines[0].startswith("Saken behandles videre i valgt enhet. Ansvarlig leder er fortsatt formelt ansvarlig")
    assert "Saken overføres til Institutt for informatikk." in lines
    assert problems(w, {**O1, "delegert_til": ""})["delegert_til"][0] == "error"
    assert problems(w, {**O1, "varsler_informert": False})["varsler_informert"] == (
        "error", "Varsler skal informeres om hvor i organisasjonen saken behandles.")


# -- accusations: O4 gates the contradiction step O5 ------------------------------------------

def to_o4(intake: dict, m1: dict | None, received: str = "2026-03-30") -> Walk:
    w = walk(received, intake)
    through_m3(w, m1, received)
    w.complete("O1", O1)
    if w.state.current == "O2":
        w.complete("O2", O2)
    w.complete("O3", O3)
    return w


def test_claims_not_correct_skip_contradiction():
    w = to_o4(WEB_STAFF, None)
    answers = {"undersøkelse": "Dokumentasjon gjennomgått.", "påstander_riktige": False, "varsler_i_god_tro": True}
    assert effects(w, answers)[0].startswith("Påstandene kan ikke antas å være riktige")
    st = w.complete("O4", answers, on=D("2026-04-01"))
    assert st.steps["O5"].status == "skipped"
    assert st.steps["O5"].reason == ("påstandene kan ikke antas å være riktige; "
                                     "saken forfølges ikke overfor den det er varslet om")
    assert (st.steps["O6"].status, st.current) == ("skipped", "O7")
    assert "politietterforskning" not in st.answers  # hidden when the claims are not correct


def test_police_investigation_skips_contradiction_for_anonymous_report():
    w = to_o4(ANON_WITH_CONTACT, M1_ANON_CONTACT, received="2026-05-22")  # before pinse 25 May
    answers = {"undersøkelse": "Politiet er varslet.", "påstander_riktige": True, "politietterforskning": True}
    lines = effects(w, answers)
    assert lines[0] == ("Av hensyn til politietterforskning gjøres den det er varslet om ikke kjent med varslet: "
                        "kontradiksjon (O5) hoppes over.")
    assert "Neste steg: O6 Undersøke anonyme varsler." in lines
    st = w.complete("O4", answers, on=D("2026-05-26"))
    assert (st.steps["O5"].status, st.steps["O5"].reason) == (
        "skipped", "av hensyn til politietterforskning skal den det er varslet om ikke gjøres kjent med varslet")
    assert st.current == "O6"
    st = w.complete("O6", {"anonym_undersøkt": "Opptakslister kontrollert.", "fakta_stemmer": True,
                           "fakta_beskrivelse": "Forskjellsbehandling bekreftet.", "fakta_kopi_eir": True},
                    on=D("2026-05-26"))
    assert st.current == "O7" and st.steps["O6"].status == "done"


def test_claims_correct_go_to_contradiction_and_its_problems():
    w = to_o4(WEB_STAFF, None)
    assert problems(w, {"undersøkelse": "x", "påstander_riktige": True}) == {
        "politietterforskning": ("error", "«Er det av hensyn til politietterforskning viktig at den det er varslet "
                                          "om ikke gjøres kjent med varslet?» må fylles ut")}
    assert effects(w, O4_CORRECT)[0].startswith("Saken forfølges: den det er varslet om skal gjøres kjent")
    w.complete("O4", O4_CORRECT)
    p = problems(w, {**O5, "kjent_med_varslet": False, "informert_pol_20": False})
    assert p["kjent_med_varslet"][0] == "error"
    assert p["informert_pol_20"] == ("error", "Den det gjelder skal informeres om innsamlingen av opplysninger "
                                              "(personopplysningsloven § 20).")


# -- anonymous reports ---------------------------------------------------------------------------

def test_anonymous_accusation_reporter_must_be_told_of_limits_and_rights():
    w = walk("2026-03-30", ANON_WITH_CONTACT)
    p = problems(w, {**M1_ANON_CONTACT, "informert_begrenset_oppfølging": False,
                     "informert_kontradiksjon_innsyn": None, "oppfordret_identifisere": False})
    assert p["informert_begrenset_oppfølging"][0] == "error"
    assert p["informert_kontradiksjon_innsyn"] == (
        "error", "«Er innmelder informert om den anklagedes rett til kontradiksjon og innsyn?» må fylles ut")
    assert p["oppfordret_identifisere"][0] == "error"
    assert "skriftlig_bekreftet" not in p  # an anonymous report is not confirmed in writing
    assert w.preview(M1_ANON_CONTACT).ok


def test_anonymous_without_contact_and_without_accusation_walks_to_close():
    w = walk("2026-12-21", ANON_NO_ACCUSATION)
    out = w.preview(M1_ANON_NO_CONTACT)
    assert out.ok and set(out.answers) == {"innhentet_informasjon", "kontakt_med_innmelder"}
    through_m3(w, M1_ANON_NO_CONTACT, "2026-12-22")
    o1 = {k: v for k, v in O1.items() if k != "varsler_informert"}  # no one to inform
    assert w.preview(o1).ok
    st = w.complete("O1", o1, on=D("2026-12-28"))
    assert (st.steps["O2"].status, st.steps["O2"].reason) == (
        "skipped", "innmelder er anonym og UiO har ikke kontakt med innmelderen")
    w.complete("O3", O3, on=D("2026-12-28"))
    st = w.state
    for sid in ("O4", "O5"):
        assert (st.steps[sid].status, st.steps[sid].reason) == (
            "skipped", "varselet innebærer ikke anklager mot ansatte eller studenter ved UiO")
    assert st.current == "O6"
    w.complete("O6", {"anonym_undersøkt": "Regnskap gjennomgått.", "fakta_stemmer": False}, on=D("2027-01-04"))
    w.complete("O7", O7, on=D("2027-01-05"))
    w.complete("O8", O8_NONE, on=D("2027-01-05"))
    assert w.preview({"utfall": "Ikke grunnlag for varselet."}).ok  # no feedback fields to answer
    w.complete("A1", {"utfall": "Ikke grunnlag for varselet."}, on=D("2027-01-06"))
    w.complete("A2", A2, on=D("2027-01-06"))
    st = w.complete("A3", A3, on=D("2027-01-07"))
    assert (st.status, st.outcome) == ("closed", "ferdig behandlet")
    assert [sid for sid, s in statuses(w).items() if s == "skipped"] == ["O2", "O4", "O5"]
    assert all(s.due is None for s in st.steps.values())


# -- other problems the officer is told about ---------------------------------------------------

def test_oral_report_must_be_confirmed_in_writing():
    w = walk("2026-03-30", ORAL_STUDENT)
    assert problems(w, {**M1_ORAL, "skriftlig_bekreftet": None})["skriftlig_bekreftet"] == (
        "error", "«Har innmelder bekreftet opplysningene skriftlig?» må fylles ut")
    assert problems(w, {**M1_ORAL, "skriftlig_bekreftet": False})["skriftlig_bekreftet"] == (
        "error", "Et muntlig varsel må bekreftes skriftlig av innmelder før saken går videre "
                 "(Muntlig eller anonymt varsel, 1. punkt).")
    assert problems(w, {**M1_ORAL, "bekreftet_dato": "31.02.2026"})["bekreftet_dato"][0] == "error"
    out = w.preview({**M1_ORAL, "henvist_rødt_mottak": False}, D("2026-03-31"))  # only a warning
    assert out.ok and out.problems[0].severity == "warning"


def test_documentation_access_and_deletion_problems():
    w = to_o4(WEB_STAFF, None)
    w.complete("O4", O4_CORRECT)
    w.complete("O5", O5)
    assert problems(w, {**O7, "kategori_y_brukt": True}) == {"kategori_y_brukt": (
        "error", "Dokumentkategorien «Y» i ePhorte skal ikke benyttes i varslingssaker.")}
    w.complete("O7", O7)
    p = problems(w, {"innsyn_begjært": True, "innsyn_avgjørelse": "delvis", "anklagede_ba_om_innsyn": True,
                     "varslers_identitet_opplyst": False})
    assert set(p) == {"innsyn_unntak_begrunnelse", "identitet_unntak_begrunnelse"}
    w.complete("O8", O8_NONE)
    assert problems(w, {**A1, "tilbakemelding_varslet_om": False})["tilbakemelding_varslet_om"][0] == "error"
    w.complete("A1", A1)
    w.complete("A2", A2)
    assert problems(w, {"lagring": "slettes"})["arkivledelsen_kontaktet"][0] == "error"
    assert problems(w, {"lagring": "slettes", "arkivledelsen_kontaktet": False})["arkivledelsen_kontaktet"] == (
        "error", "Arkivledelsen skal kontaktes før dokumenter i varslingssaker slettes.")
    assert w.preview({"lagring": "slettes", "arkivledelsen_kontaktet": True}).ok


@pytest.mark.parametrize("received", ["2026-04-01", "2026-05-15", "2026-12-23"])
def test_no_due_dates_even_across_holidays(received):
    w = walk(received, ORAL_STUDENT)
    w.complete("M1", M1_ORAL, on=D(received))
    through_m3(w, None, received)
    st = w.state
    assert st.current == "O1" and st.current_due is None
    assert all(s.due is None for s in st.steps.values())


# -- dates guarded by the calendar ------------------------------------------------------------------

def test_meeting_and_confirmation_dates_are_not_after_the_day_the_step_is_done():
    w = walk("2026-03-30", ORAL_STUDENT)  # Monday before Easter
    late = {**M1_ORAL, "bekreftet_dato": "2026-04-07"}  # Tuesday after 2. påskedag
    assert problems(w, late)["bekreftet_dato"] == (
        "error", "«Dato for skriftlig bekreftelse» kan ikke være etter 2026-03-30 (dagen skjemaet sendes inn): "
                 "2026-04-07")
    assert w.preview(late, D("2026-04-07")).ok
    w.complete("M1", late, on=D("2026-04-07"))
    through_m3(w, None, "2026-04-07")
    w.complete("O1", O1, on=D("2026-04-08"))
    bad = w.preview({**O2, "møtedato": "2026-04-09"}, D("2026-04-08"))
    assert [(p.field, p.severity) for p in bad.problems] == [("møtedato", "error")]
    assert w.preview({**O2, "møtedato": "2026-04-08"}, D("2026-04-08")).ok


def test_steps_are_not_dated_before_the_one_they_follow():
    from varsel_tui.domain.engine import EngineError

    w = walk("2026-03-30", WEB_STAFF)
    through_m3(w, None, "2026-04-07")
    with pytest.raises(EngineError, match=r"før forrige hendelse i saken \(steg M3 ble fullført 2026-04-07\)"):
        w.complete("O1", O1, on=D("2026-04-01"))
