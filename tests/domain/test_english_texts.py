"""--lang en: form problems and the preview's sentences exist in English; the workflow's own
English (`*_en`) is used where it gives it, its Norwegian where it does not."""

from __future__ import annotations

from varsel_tui.domain.conditions import Context
from varsel_tui.domain.engine import CaseFacts, describe, preview
from varsel_tui.domain.forms import Form, FormField, InvalidAnswer, coerce, text_in, validate
from varsel_tui.workflows import all_workflows


def test_problems_have_an_english_message_with_the_english_label():
    form = Form(fields=[
        FormField(id="navn", label="Navn", label_en="Name", required=True),
        FormField(id="dato", label="Dato", type="date"),
        FormField(id="svar", label="Svar", type="bool"),
    ])
    _clean, problems = validate(form, {"dato": "31.02.2026", "svar": "kanskje"}, Context({}))
    by_field = {p.field: p for p in problems}
    assert by_field["navn"].message == "«Navn» må fylles ut"  # the CLI and the journal keep Norwegian
    assert by_field["navn"].text("en") == "«Name» is required"
    assert by_field["dato"].text("en") == "'31.02.2026' is not a valid date (use YYYY-MM-DD or DD.MM.YYYY)"
    assert by_field["svar"].text("en") == "'kanskje' is not yes/no"
    assert by_field["svar"].text("nb") == "'kanskje' er ikke ja/nei"


def test_a_bad_value_raises_a_value_error_that_says_it_in_both_languages():
    try:
        coerce(FormField(id="karakter", label="Karakter", type="grade"), "G")
    except InvalidAnswer as exc:
        assert str(exc) == "'G' er ikke en karakter (A–F, bestått eller ikke bestått)"
        assert exc.message_en == "'G' is not a grade (A–F, bestått or ikke bestått)"
    else:  # pragma: no cover
        raise AssertionError("G is no grade")


def test_workflow_english_where_given_else_norwegian():
    wf = all_workflows()["ntnu-avvik"]
    assert text_in(wf.step("M1"), "title", "en") == "Assess the report (receipt form)"
    assert text_in(wf.step("M1"), "title", "nb") == "Vurdere meldingen (mottaksskjema)"
    no_english = all_workflows()["ntnu-klage"].intake.form.fields[0]
    assert text_in(no_english, "label", "en") == no_english.label == "Sakstype"


def test_preview_sentences_in_english():
    from datetime import date

    wf = all_workflows()["ntnu-avvik"]
    facts = CaseFacts(date(2026, 11, 16), {"melder_type": "student", "mottakende_enhet": "IE-fakultetet"})
    outcome = preview(wf, facts, [], "M1", {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                             "vurdering": "godkjent", "lokal_enhet": "IE-fakultetet",
                                             "behandler": "Per"}, date(2026, 11, 23))
    english = describe(outcome, wf, "en")
    assert "Next step: B1 Process the report (processing form)." in english
    assert "Neste steg: B1 Behandle meldingen (behandlingsskjema)." in describe(outcome, wf)


def test_every_deadline_that_waits_or_has_words_says_them_in_english_too():
    """What a step's deadline counts from (shown instead of a date) and the deadline's own words."""
    for wf in all_workflows().values():
        for step in wf.steps:
            rule = step.deadline
            if rule is None:
                continue
            for shown in {rule.waiting, rule.text} - {""}:
                english = rule.counts_from_in(shown, "en")
                assert english != shown, (wf.id, step.id, shown)
                assert rule.counts_from_in(shown, "nb") == shown
    kkv = all_workflows()["stinn-varsling"].step("4.2").deadline
    assert kkv is not None
    assert kkv.counts_from_in("2 virkedager etter at KKV mottar saken", "en") == "2 working days after KKV receives the case"
