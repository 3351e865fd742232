"""Visibility and requiredness follow coerced answers, so text typed on the CLI behaves like a
widget's value."""

from varsel_tui.domain.conditions import Condition, Context
from varsel_tui.domain.forms import Form, FormField, validate


def _form() -> Form:
    return Form(fields=[
        FormField(id="enighet", label="Enighet", type="bool", required=True),
        FormField(id="losning", label="Løsning", required_if=Condition(field="enighet", equals=True),
                  visible_if=Condition(field="enighet", equals=True)),
    ])


def test_text_yes_makes_dependent_field_required():
    clean, problems = validate(_form(), {"enighet": "ja"}, Context({}))
    assert [p.field for p in problems] == ["losning"]
    assert clean == {"enighet": True}


def test_text_no_hides_dependent_field():
    clean, problems = validate(_form(), {"enighet": "nei", "losning": "x"}, Context({}))
    assert problems == [] and clean == {"enighet": False}


def test_a_body_answer_must_name_a_registered_body():
    from varsel_tui.domain.conditions import Context
    from varsel_tui.domain.forms import Form, FormField, validate

    form = Form(fields=[FormField(id="organ", label="Organ", type="body", required=True)])
    clean, problems = validate(form, {"organ": "OU"}, Context({}, bodies=frozenset({"OU", "KKV"})))
    assert clean == {"organ": "OU"} and not problems
    clean, problems = validate(form, {"organ": "Ola Nordmann"}, Context({}, bodies=frozenset({"OU", "KKV"})))
    assert "organ" not in clean and [p.field for p in problems] == ["organ"]
    assert "ikke et registrert organ" in problems[0].message
