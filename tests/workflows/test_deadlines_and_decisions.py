"""Issue «Deadlines and decisions»: a deadline counts only from an event that has happened, and
decisions and dates are guarded by the calendar. Pure engine tests, no store.

Dates worked out by hand (Norwegian holidays: 1./2. juledag Fri 25 / Sat 26 Dec 2026; påske 2026
skjærtorsdag 2 Apr, langfredag 3 Apr, 2. påskedag 6 Apr; Kristi himmelfart Thu 14 May 2026).
"""

from __future__ import annotations

from datetime import date

import pytest
from walk import Walk

from varsel_tui.domain.engine import CaseFacts, EngineError, HistoryItem, check_event_date
from varsel_tui.domain.forms import Form, FormField, date_problems

D = date.fromisoformat
SKRIFTLIG = {"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True}
MUNTLIG = {"kanal": "muntlig", "varsler_er_fornærmede": True}
PHASE2 = {"2.1": {"innsendt_via": "nettside"}, "2.2": {"otrs_saksnummer": "1", "kø": "OU"}, "2.3": {},
          "2.4": {"gradert_strengt_hemmelig": True}, "2.5": {"politi_opplyst": True}}


def stinn(received: str, intake: dict = SKRIFTLIG) -> Walk:
    return Walk("stinn-varsling", received=D(received), intake=dict(intake))


def due(w: Walk, sid: str) -> str | None:
    d = w.state.steps[sid].due
    return d.isoformat() if d else None


def ou_decided(received: str = "2026-11-02", vedtak: str = "2026-11-12") -> Walk:
    """A written case OU decided on `vedtak` (no motion of no confidence), 3.13 done the same day."""
    w = stinn(received)
    for sid, answers in PHASE2.items():
        w.complete(sid, answers, on=D(received))
    for sid in ("3.1", "3.2", "3.3", "3.4", "3.5", "3.6"):
        w.complete(sid, on=D(received))
    w.complete("3.7", {"pkvm_2_3_oppfylt": False}, on=D(vedtak))
    w.complete("3.11", {"vedtaksdato": vedtak, "vedtak_tekst": "x"}, on=D(vedtak))
    w.complete("3.12", {"sensurert_rapport": True}, on=D(vedtak))
    w.complete("3.13", {"klageadgang_opplyst": True}, on=D(vedtak))
    return w


# -- 1. deadlines counted from events that have not happened ----------------------------------------

def test_kkv_and_presidentskapet_steps_have_no_date_while_ou_has_the_case():
    w = stinn("2026-11-02")  # a written case just received at OU (Mon 2 Nov)
    assert due(w, "3.1") == "2026-11-04"  # OU's own: 2 virkedager etter varsling er mottatt
    for sid in ("4.2", "4.5", "4.12", "5.2", "5.12"):
        assert due(w, sid) is None, sid
    assert w.state.steps["4.2"].counts_from == "2 virkedager etter at KKV mottar saken"
    assert w.state.steps["5.5"].counts_from == "8 virkedager etter at Presidentskapet mottar saken"
    assert w.state.steps["3.1"].counts_from == ""  # it has a date


def test_phase_6_has_no_date_before_the_appeal_window_closed():
    w = ou_decided()  # decided Thu 12 Nov: the window runs to Thu 3 Dec
    assert due(w, "3.14") == "2026-12-03"
    for sid in ("6.1", "6.3", "6.4"):
        assert due(w, sid) is None, sid  # was 5 virkedager etter vedtaket: 19 Nov, mid-window
    assert w.state.steps["6.3"].counts_from == "5 virkedager etter at vedtaket er endelig"


def test_phase_6_is_not_overdue_after_an_appeal_is_forwarded():
    w = ou_decided()
    w.complete("3.14", {"påklaget": True, "klagedato_ou": "2026-11-30"}, on=D("2026-11-30"))
    w.complete("3.15", on=D("2026-12-01"))
    assert (w.state.current, w.state.body) == ("4.1", "KKV")
    assert due(w, "6.1") is None and due(w, "6.4") is None  # was 7 Dec, while KKV works
    assert due(w, "4.2") == "2026-12-03"  # 2 virkedager etter at KKV fikk saken tirsdag 1. desember


def test_oral_case_has_no_phase_2_and_3_dates_before_a_written_notification():
    w = stinn("2026-11-02", MUNTLIG)
    assert w.state.current == "1.1"
    for sid in ("2.2", "2.3", "2.4", "2.5", "3.1", "3.3", "3.13"):
        assert due(w, sid) is None, sid
    assert w.state.steps["2.2"].counts_from == "Så snart den skriftlige varslingen er mottatt (2.1)"
    assert w.state.steps["3.1"].counts_from == "2 virkedager etter at den skriftlige varslingen er mottatt (2.1)"


def test_first_instance_kkv_counts_from_the_written_notification_once_it_has_the_case():
    w = Walk("stinn-varsling", received=D("2026-11-02"), intake=SKRIFTLIG, concerns={"OU"})
    assert due(w, "4.2") is None  # at 2.1, OU's clerk still registers it
    for sid, answers in PHASE2.items():
        w.complete(sid, {**answers, **({"kø": "KKV"} if sid == "2.2" else {})}, on=D("2026-11-03"))
    assert w.state.current == "4.1"
    assert due(w, "4.2") == "2026-11-04"  # 2 virkedager etter mottak mandag 2. november


# -- 2. an earlier written-receipt date is honoured ---------------------------------------------------

def test_an_earlier_written_receipt_date_counts_not_the_later_registration():
    w = stinn("2026-11-05")  # registered Thu 5 Nov
    w.complete("2.1", {"innsendt_via": "annet", "dato_skriftlig_mottatt": "2026-11-02"}, on=D("2026-11-05"))
    assert w.state.events["varsling_mottatt"] == D("2026-11-02")
    assert due(w, "2.2") == "2026-11-02"
    assert due(w, "3.1") == "2026-11-04"  # 2 virkedager etter mandag 2. november (not 9 Nov)
    assert due(w, "3.13") == "2026-11-16"  # 10 virkedager


def test_a_blank_receipt_date_in_a_written_case_keeps_the_received_date():
    w = stinn("2026-11-02")
    w.complete("2.1", {"innsendt_via": "nettside"}, on=D("2026-11-05"))  # recorded three days late
    assert w.state.events["varsling_mottatt"] == D("2026-11-02")
    assert due(w, "3.1") == "2026-11-04"


def test_a_receipt_date_after_the_completion_day_is_refused():
    w = stinn("2026-11-02")
    out = w.preview({"innsendt_via": "annet", "dato_skriftlig_mottatt": "2026-11-06"}, D("2026-11-05"))
    assert [(p.field, p.severity) for p in out.problems] == [("dato_skriftlig_mottatt", "error")]


# -- 3. decisions before their time --------------------------------------------------------------------

def test_no_appeal_before_the_window_closed_is_refused():
    w = ou_decided()  # window: 3 uker etter torsdag 12. november = torsdag 3. desember
    for day in ("2026-11-13", "2026-12-03"):
        out = w.preview({"påklaget": False}, D(day))
        assert not out.ok
        assert out.problems[0].message == ("«vedtaket ble ikke påklaget» kan først registreres etter 2026-12-03 "
                                           "(Klagefristen for OUs vedtak: 3 uker etter vedtak ble gjort (3.14))")
    assert w.preview({"påklaget": False}, D("2026-12-04")).ok
    # an appeal within the window is not held back
    assert w.preview({"påklaget": True, "klagedato_ou": "2026-11-20"}, D("2026-11-20")).ok


def test_no_complaint_before_the_complaint_deadline_is_refused():
    w = Walk("ntnu-klage", received=D("2026-11-02"),
             intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-10-30", "opprinnelig_karakter": "C"})
    w.complete("1", {"krav_mottatt": "2026-11-02"}, on=D("2026-11-02"))
    w.complete("2", on=D("2026-11-02"))
    w.complete("3", on=D("2026-11-03"))
    w.complete("4", {"begrunnelse_sendt": "2026-11-09"}, on=D("2026-11-09"))
    w.complete("5", on=D("2026-11-09"))
    w.complete("6", on=D("2026-11-09"))
    # «Ny klagefrist»: 3 uker etter mandag 9. november = mandag 30. november
    assert w.state.dates["klagefrist"] == D("2026-11-30")
    assert not w.preview({"klage": "ingen_klage"}, D("2026-11-30")).ok
    assert w.preview({"klage": "ingen_klage"}, D("2026-12-01")).ok


# -- 4. any date goes ----------------------------------------------------------------------------------

def test_a_date_after_today_or_before_the_previous_event_is_refused():
    facts = CaseFacts(D("2026-11-02"))
    history = [HistoryItem("complete", "2.1", D("2026-11-05"))]
    with pytest.raises(EngineError, match="etter i dag"):
        check_event_date(facts, history, D("2026-11-24"), D("2026-11-23"))
    with pytest.raises(EngineError, match=r"før forrige hendelse i saken \(steg 2.1 ble fullført 2026-11-05\)"):
        check_event_date(facts, history, D("2026-11-04"), D("2026-11-23"))
    with pytest.raises(EngineError, match=r"saken ble mottatt 2026-11-02"):
        check_event_date(facts, [], D("2026-11-01"), D("2026-11-23"))
    check_event_date(facts, history, D("2026-11-05"), D("2026-11-23"))  # the same day is fine
    check_event_date(facts, history, D("2026-11-23"), D("2026-11-23"))


def test_a_backdated_withdrawal_cannot_slip_under_the_complaint_deadline():
    w = Walk("ntnu-klage", received=D("2025-12-15"), today=D("2026-01-09"),
             intake={"sakstype": "klage", "karakter_kunngjort": "2025-12-11", "opprinnelig_karakter": "B"})
    w.complete("7", {"klage_mottatt": "2025-12-15"}, on=D("2025-12-15"))
    w.complete("8", {"sperre_satt": False}, on=D("2025-12-17"))
    # klagefrist: 3 uker etter 11.12.2025 = nyttårsdag → fredag 2.1.2026; today is 9 Jan
    with pytest.raises(EngineError, match="ikke lenger mulig: fristen var 2026-01-02"):
        w.act("trekk", D("2026-01-09"))
    with pytest.raises(EngineError, match="før forrige hendelse"):
        w.act("trekk", D("2025-12-16"))  # backdated before the last step


def test_date_fields_that_record_the_past_or_plan_the_future():
    form = Form(fields=[FormField(id="mottatt", label="Mottatt", type="date", date_is="past"),
                        FormField(id="slutt", label="Slutt", type="date", date_is="future")])
    on = D("2026-11-23")
    assert date_problems(form, {"mottatt": "2026-11-23", "slutt": "2026-11-24"}, on) == []
    bad = date_problems(form, {"mottatt": "2026-11-24", "slutt": "2026-11-23"}, on)
    assert [p.field for p in bad] == ["mottatt", "slutt"]


def test_a_hearing_in_the_deviation_form_cannot_end_in_the_past():
    w = Walk("ntnu-avvik", received=D("2026-11-02"), intake={"melder_type": "student"})
    field = w.wf.step("B1").form.field("høring_slutt")  # type: ignore[union-attr]
    assert field is not None and field.date_is == "future"


# -- 5. the 1-month complaint limit is met by the decision reaching the student -----------------------

def test_complaint_limit_is_not_met_at_the_first_new_grade_on_the_v1_v4_path():
    w = Walk("ntnu-klage", received=D("2026-11-02"),
             intake={"sakstype": "klage", "karakter_kunngjort": "2026-10-26", "opprinnelig_karakter": "E"})
    w.complete("7", {"klage_mottatt": "2026-11-02"}, on=D("2026-11-02"))
    w.complete("8", {"sperre_satt": False}, on=D("2026-11-02"))
    w.complete("9", {"fordeling": "automatisk", "klagekommisjon": "K1",
                     "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}, on=D("2026-11-03"))
    w.complete("10", on=D("2026-11-03"))
    w.complete("11", {"ny_karakter": "B"}, on=D("2026-11-20"))  # E → B: vesentlig avvik
    w.complete("12", {"handling": "verifiser"}, on=D("2026-11-20"))
    limit = w.state.statutory[0]
    assert w.state.current == "V1"
    assert limit.due == D("2026-12-02")  # 1 måned etter mandag 2. november
    assert not limit.met  # the student has no decision yet: the new grade awaits the control commission
    w.complete("V1", {"kontrollkommisjon": "KK1", "kontrollkommisjon_sammensetning": "tidligere"},
               on=D("2026-11-23"))
    w.complete("V3", {"endelig_karakter": "C", "vurderingsprotokoll": True}, on=D("2026-11-30"))
    w.complete("V4", {}, on=D("2026-11-30"))
    assert not w.state.statutory[0].met
    w.complete("14", on=D("2026-12-01"))
    assert w.state.statutory[0].met
