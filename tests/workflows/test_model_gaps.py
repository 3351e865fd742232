"""The model gaps the procedure reading found: close an avvik at any point with a comment (NTNU),
pass/fail grades (NTNU klage), conditions comparing a date with today, one examiner counted once."""

from __future__ import annotations

from datetime import date

import pytest
from walk import Walk

from varsel_tui.domain.conditions import Condition, Context, evaluate
from varsel_tui.domain.engine import EngineError, HistoryItem, replay
from varsel_tui.domain.forms import coerce_grade, distinct_examiners, parse_examiners
from varsel_tui.domain.workflow import parse_workflow

D = date.fromisoformat


# -- NTNU avvik: «må avviket lukkes med kommentar», from any step -------------------------------------

def test_an_avvik_can_be_closed_at_any_step_but_only_with_a_comment():
    w = Walk("ntnu-avvik", received=D("2026-03-05"), intake={"melder_type": "student", "gjelder": "utdanning"})
    assert w.state.current == "M1"
    with pytest.raises(EngineError, match="krever en kommentar"):
        w.act("lukk", D("2026-03-10"))
    with pytest.raises(EngineError, match="krever en kommentar"):
        w.act("lukk", D("2026-03-10"), {"kommentar": "   "})
    st = w.act("lukk", D("2026-03-10"), {"kommentar": "Varsel om manglende oppfølging mottatt i ePhorte."})
    assert st.status == "closed" and st.outcome == "lukket med kommentar" and st.closed_on == D("2026-03-10")
    assert all(s.status == "skipped" for s in st.steps.values())
    assert st.answers["kommentar"] == "Varsel om manglende oppfølging mottatt i ePhorte."
    with pytest.raises(EngineError, match="ikke åpen"):
        w.act("lukk", D("2026-03-11"), {"kommentar": "igjen"})


# -- NTNU klage: bestått / ikke bestått --------------------------------------------------------------

def _pass_fail_complaint(original: str) -> Walk:
    w = Walk("ntnu-klage", received=D("2026-06-15"),
             intake={"sakstype": "klage", "karakter_kunngjort": "2026-06-10", "opprinnelig_karakter": original})
    w.complete("7", {"klage_mottatt": "2026-06-15"}, on=D("2026-06-15"))
    w.complete("8", {"sperre_satt": False}, on=D("2026-06-15"))
    w.complete("9", {"fordeling": "automatisk", "klagekommisjon": "EXPH0300-K1",
                     "klagesensorer": "Kari Nordmann (ekstern), Ola Hansen"}, on=D("2026-06-16"))
    w.complete("10", on=D("2026-06-16"))
    return w


@pytest.mark.parametrize("original, new, vedtak", [
    ("ikke bestått", "Bestått", "til gunst"),
    ("bestått", "ikke bestått", "til ugunst"),
    ("bestått", "bestått", "uendret"),
])
def test_a_pass_fail_complaint_gets_its_decision_and_never_a_significant_deviation(original, new, vedtak):
    w = _pass_fail_complaint(original)
    w.complete("11", {"ny_karakter": new}, on=D("2026-07-01"))
    assert w.state.answers["ny_karakter"] == new.lower()
    st = w.complete("12", {"handling": "verifiser"}, on=D("2026-07-01"))
    assert st.current == "13" and st.answers["vedtak"] == vedtak
    assert all(st.steps[s].status == "skipped" for s in ("V1", "V2", "V3", "V4"))


def test_a_new_grade_on_another_scale_is_refused():
    w = _pass_fail_complaint("bestått")
    out = w.preview({"ny_karakter": "B"}, on=D("2026-07-01"))
    assert [(p.field, p.severity) for p in out.problems] == [("ny_karakter", "error")]
    assert "samme skala" in out.problems[0].message


def test_grade_input_accepts_letters_and_pass_fail_words_only():
    assert coerce_grade(" c ") == "C"
    assert coerce_grade("Ikke  bestått") == "ikke bestått"
    assert coerce_grade("passed") == "bestått"
    with pytest.raises(ValueError, match="bestått"):
        coerce_grade("G")


# -- conditions comparing a date with today -----------------------------------------------------------

@pytest.mark.parametrize("test, expected", [
    ("past", False), ("today_or_past", True), ("today", True), ("today_or_future", True), ("future", False),
])
def test_date_is_compares_with_the_today_it_is_given(test, expected):
    cond = Condition(field="frist", date_is=test)
    assert evaluate(cond, Context({"frist": "2026-11-23"}, today=D("2026-11-23"))) is expected
    assert evaluate(cond, Context({"frist": "2026-11-23"})) is False  # no today given: unknown, never true
    assert evaluate(cond, Context({}, dates={"frist": D("2026-11-23")}, today=D("2026-11-23"))) is expected


WF_TODAY = '''
id = "frist-test"
name = "Frist"
[[intake.form.fields]]
id = "frist"
label = "Frist"
type = "date"
[[phases]]
id = "1"
title = "Fase"
[[phases.steps]]
id = "1.1"
title = "Ingen klage"
[[phases.steps.form.rules]]
when = { field = "frist", date_is = "today_or_future" }
field = "avgjort"
message = "Klagefristen er ikke ute ennå."
[[phases.steps.form.fields]]
id = "avgjort"
label = "Avgjort"
type = "bool"
[[phases.steps.branches]]
when = { field = "frist", date_is = "past" }
end = true
outcome = "fristen ute"
[[phases.steps.branches]]
goto = "1.1"
'''


def test_the_engine_passes_today_to_conditions_and_replays_with_the_day_a_step_was_done():
    from varsel_tui.domain.engine import CaseFacts, preview

    wf = parse_workflow(WF_TODAY)
    facts = CaseFacts(D("2026-11-02"), {"frist": "2026-11-20"})
    early = preview(wf, facts, [], "1.1", {"avgjort": True}, D("2026-11-20"))
    assert [p.message for p in early.problems] == ["Klagefristen er ikke ute ennå."] and not early.closes
    late = preview(wf, facts, [], "1.1", {"avgjort": True}, D("2026-11-23"))
    assert late.ok and late.closes
    # done on the 20th (deadline not passed): the loop back stays taken when replayed later
    history = [HistoryItem("complete", "1.1", D("2026-11-20"), {"avgjort": False})]
    assert replay(wf, facts, history, D("2026-12-01")).status == "open"


def test_a_date_is_condition_on_an_unknown_field_is_caught_by_the_check():
    from varsel_tui.domain.workflow import WorkflowError

    with pytest.raises(WorkflowError, match="unknown field or date 'fristen'"):
        parse_workflow(WF_TODAY.replace('when = { field = "frist", date_is = "past" }',
                                        'when = { field = "fristen", date_is = "past" }'))


# -- NTNU klage: one examiner counted once ------------------------------------------------------------

def test_the_same_examiner_written_twice_counts_once():
    people = parse_examiners("Kari Nordmann (ekstern), kari  NORDMANN")
    assert [e["name"] for e in distinct_examiners(people)] == ["Kari Nordmann"]
    w = Walk("ntnu-klage", received=D("2026-06-15"),
             intake={"sakstype": "klage", "karakter_kunngjort": "2026-06-10", "opprinnelig_karakter": "C"})
    w.complete("7", {"klage_mottatt": "2026-06-15"}, on=D("2026-06-15"))
    w.complete("8", {"sperre_satt": False}, on=D("2026-06-15"))
    out = w.preview({"fordeling": "automatisk", "klagekommisjon": "K1",
                     "klagesensorer": "Kari Nordmann (ekstern), kari  NORDMANN"}, on=D("2026-06-16"))
    assert [p.message for p in out.problems] == [
        "klagekommisjonen må ha minst 2 sensorer (samme navn teller bare én gang)"]
    # composed and decomposed «Å» are one name too; the stored committee lists each person once
    out = w.preview({"fordeling": "automatisk", "klagekommisjon": "K1",
                     "klagesensorer": "Åse Ås (ekstern), A\u030ase Ås, Ola Hansen"}, on=D("2026-06-16"))
    assert out.ok and [e["name"] for e in out.answers["klagesensorer"]] == ["Åse Ås", "Ola Hansen"]
