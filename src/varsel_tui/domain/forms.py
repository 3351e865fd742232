"""Dynamic forms: fields whose visibility and requiredness depend on other answers.

Every field carries the help text that explains it (the procedure's "?"). Validation returns
messages per field and never throws away what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .conditions import GRADE_SCALE, Condition, Context, evaluate
from .names import name_key

FieldType = Literal["text", "longtext", "choice", "multichoice", "bool", "date", "grade", "number",
                    "examiners", "body", "users", "measures"]


def text_in(item: Any, name: str, lang: str) -> str:
    """`item.name` in `lang`: the workflow's English (`name_en`, e.g. `label_en`) when `lang` is en
    and the workflow gives it; else the Norwegian, which every workflow has."""
    if lang == "en":
        english = getattr(item, f"{name}_en", "")
        if english:
            return english
    return getattr(item, name)


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str
    label: str
    label_en: str = ""
    help: str = ""
    help_en: str = ""


class ExaminerRules(BaseModel):
    """Rules for a complaint committee (klagekommisjon)."""

    model_config = ConfigDict(extra="forbid")
    min_count: int = 2
    min_external: int = 1
    forbid_original: bool = True


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-zæøå_][a-zæøå0-9_]*$")
    label: str
    label_en: str = ""
    type: FieldType = "text"
    help: str = ""
    help_en: str = ""
    options: list[Option] = []
    required: bool = False
    required_if: Condition | None = None
    visible_if: Condition | None = None
    default: Any = None
    examiners: ExaminerRules | None = None
    min_length: int = 0
    # A date field: "past" = a day that has happened (not after the day the form is submitted),
    # "future" = a day ahead (after it), e.g. when a hearing ends.
    date_is: Literal["past", "future"] | None = None
    # The answer identifies a person (a notifier's account, witnesses, contact details): left out
    # of a redacted report (outputs/report.py).
    identifying: bool = False

    @model_validator(mode="after")
    def _choices_have_options(self) -> "FormField":
        if self.type in ("choice", "multichoice") and not self.options:
            raise ValueError(f"field '{self.id}' of type {self.type} needs options")
        if self.type == "examiners" and self.examiners is None:
            self.examiners = ExaminerRules()
        return self


class Rule(BaseModel):
    """A cross-field check: when the condition holds, the answer is refused (or warned)."""

    model_config = ConfigDict(extra="forbid")
    when: Condition
    field: str
    message: str
    message_en: str = ""
    severity: Literal["error", "warning"] = "error"


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: list[FormField] = []
    rules: list[Rule] = []

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Problem:
    """A refused (or warned) answer. `message` is Norwegian (the CLI and the journal say it);
    `message_en` is the same in English, for a screen in English."""

    field: str
    message: str
    severity: str = "error"
    message_en: str = ""

    def text(self, lang: str) -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


class InvalidAnswer(ValueError):
    """An answer that cannot be read; str() is the Norwegian message, `message_en` the English."""

    def __init__(self, message: str, message_en: str = "") -> None:
        super().__init__(message)
        self.message_en = message_en


# The messages validation gives, in Norwegian and English: (nb, en) templates for str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_date": ("'{text}' er ikke en gyldig dato (bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)",
                 "'{text}' is not a valid date (use YYYY-MM-DD or DD.MM.YYYY)"),
    "not_yes_no": ("'{raw}' er ikke ja/nei", "'{raw}' is not yes/no"),
    "not_number": ("'{raw}' er ikke et tall", "'{raw}' is not a number"),
    "not_grade": ("'{raw}' er ikke en karakter (A–F, bestått eller ikke bestått)",
                  "'{raw}' is not a grade (A–F, bestått or ikke bestått)"),
    "not_measure": ("'{item}' er ikke et tiltaksnummer (f.eks. #1)", "'{item}' is not a measure number (e.g. #1)"),
    "no_measures": ("saken har ingen registrerte tiltak ennå: legg til tiltaket først (t, eller varsel case measure add)",
                    "the case has no recorded measures yet: add the measure first (t, or varsel case measure add)"),
    "unknown_measures": ("saken har ikke tiltak {ids} (registrerte: {known})",
                         "the case has no measure {ids} (recorded: {known})"),
    "unknown_user": ("{names} er ikke en registrert, godkjent bruker", "{names} is not a registered, approved user"),
    "unknown_users": ("{names} er ikke registrerte, godkjente brukere", "{names} are not registered, approved users"),
    "examiners_repeated": ("klagekommisjonen må ha minst {n} sensorer (samme navn teller bare én gang)",
                           "the complaint committee (klagekommisjon) needs at least {n} examiners (the same name "
                           "counts once)"),
    "date_not_after": ("«{label}» kan ikke være etter {on} (dagen skjemaet sendes inn): {value}",
                       "«{label}» cannot be after {on} (the day the form is submitted): {value}"),
    "date_not_before": ("«{label}» må være etter {on} (dagen skjemaet sendes inn): {value}",
                        "«{label}» must be after {on} (the day the form is submitted): {value}"),
    "not_option": ("'{raw}' er ikke et av valgene: {values}", "'{raw}' is not one of the options: {values}"),
    "unknown_options": ("ukjente valg: {values}", "unknown options: {values}"),
    "required": ("«{label}» må fylles ut", "«{label}» is required"),
    "min_length": ("«{label}» må ha minst {n} tegn", "«{label}» needs at least {n} characters"),
    "examiners_count": ("klagekommisjonen må ha minst {n} sensorer",
                        "the complaint committee (klagekommisjon) needs at least {n} examiners"),
    "examiners_external": ("minst {n} sensor må være ekstern", "at least {n} examiner(s) must be external"),
    "examiners_original": ("klagekommisjonen kan ikke ha sensor fra den opprinnelige kommisjonen: {names}",
                           "the complaint committee cannot include an examiner from the original committee: {names}"),
    "unknown_body": ("«{value}» er ikke et registrert organ (registrerte: {known})",
                     "«{value}» is not a registered body (registered: {known_en})"),
}


def _say(key: str, lang: str, **kw: Any) -> str:
    nb, en = MESSAGES[key]
    return (en if lang == "en" else nb).format(**kw)


def _invalid(key: str, **kw: Any) -> InvalidAnswer:
    return InvalidAnswer(_say(key, "nb", **kw), _say(key, "en", **kw))


def _problem(f: FormField, key: str, **kw: Any) -> Problem:
    """A problem with field `f`, its label in each language."""
    return Problem(f.id, _say(key, "nb", label=f.label, **kw), message_en=_say(key, "en", label=text_in(f, "label", "en"), **kw))


def visible_fields(form: Form, ctx: Context) -> list[FormField]:
    return [f for f in form.fields if f.visible_if is None or evaluate(f.visible_if, ctx)]


def is_required(f: FormField, ctx: Context) -> bool:
    return f.required or (f.required_if is not None and evaluate(f.required_if, ctx))


_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(text: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY; ValueError with a message an officer understands."""
    text = text.strip()
    m = _DMY.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid("bad_date", text=text) from None


def coerce(f: FormField, raw: Any) -> Any:
    """Turn raw input (from a form widget or the CLI) into the stored value; ValueError if bad."""
    if raw is None or raw == "":
        return None
    if f.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("ja", "yes", "true", "1", "j", "y"):
            return True
        if text in ("nei", "no", "false", "0", "n"):
            return False
        raise _invalid("not_yes_no", raw=raw)
    if f.type == "date":
        return raw.isoformat() if isinstance(raw, date) else parse_date(str(raw)).isoformat()
    if f.type == "number":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise _invalid("not_number", raw=raw) from None
    if f.type == "grade":
        return coerce_grade(raw)
    if f.type == "choice":
        values = [o.value for o in f.options]
        if str(raw) not in values:
            raise _invalid("not_option", raw=raw, values=", ".join(values))
        return str(raw)
    if f.type == "multichoice":
        items = raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",") if s.strip()]
        values = [o.value for o in f.options]
        bad = [i for i in items if i not in values]
        if bad:
            raise _invalid("unknown_options", values=", ".join(bad))
        return items
    if f.type == "examiners":
        return parse_examiners(raw)
    if f.type == "users":
        return _items(raw)
    if f.type == "measures":
        return [_measure_id(i) for i in _items(raw)]
    return str(raw)


def _items(raw: Any) -> list[str]:
    """A list answer typed as text: names separated by commas or semicolons."""
    items = raw if isinstance(raw, list) else re.split(r"[,;]", str(raw))
    return [str(i).strip() for i in items if str(i).strip()]


def _measure_id(item: str) -> int:
    try:
        return int(item.removeprefix("#"))
    except ValueError:
        raise _invalid("not_measure", item=item) from None


_PASS_FAIL_WORDS = {"bestått": "bestått", "ikke bestått": "ikke bestått", "passed": "bestått", "pass": "bestått",
                    "failed": "ikke bestått", "fail": "ikke bestått", "not passed": "ikke bestått"}


def coerce_grade(raw: Any) -> str:
    """A letter grade A–F (stored upper-case) or pass/fail (stored «bestått» / «ikke bestått»)."""
    text = " ".join(str(raw).strip().split())
    if text.upper() in GRADE_SCALE:
        return text.upper()
    word = _PASS_FAIL_WORDS.get(text.casefold())
    if word is None:
        raise _invalid("not_grade", raw=raw)
    return word


def parse_examiners(raw: Any) -> list[dict]:
    """Examiners as a list of {name, external, original}; text form: 'Navn (ekstern), Navn2'."""
    if isinstance(raw, list):
        return [
            {"name": str(e["name"]), "external": bool(e.get("external")), "original": bool(e.get("original"))}
            for e in raw
        ]
    people = []
    for part in str(raw).split(","):
        part = part.strip()
        if not part:
            continue
        tags = re.findall(r"\(([^)]*)\)", part)
        name = re.sub(r"\s*\([^)]*\)", "", part).strip()
        flags = {t.strip().lower() for tag in tags for t in tag.split("/")}
        people.append({
            "name": name,
            "external": bool(flags & {"ekstern", "external"}),
            "original": bool(flags & {"opprinnelig", "original"}),
        })
    return people


def distinct_examiners(value: list[dict]) -> list[dict]:
    """One entry per person: the same name written twice («Kari Nordmann, kari  nordmann») is one
    examiner, external or original if any of the entries says so."""
    people: dict[str, dict] = {}
    for e in value:
        key = name_key(e["name"])
        if not key:
            continue
        if key in people:
            seen = people[key]
            seen["external"] = seen["external"] or e["external"]
            seen["original"] = seen["original"] or e["original"]
        else:
            people[key] = dict(e)
    return list(people.values())


def _examiner_problems(f: FormField, value: list[dict]) -> list[Problem]:
    rules = f.examiners or ExaminerRules()
    problems = []
    people = distinct_examiners(value)
    if len(people) < rules.min_count:
        key = "examiners_repeated" if len(people) < len(value) else "examiners_count"
        problems.append(_problem(f, key, n=rules.min_count))
    value = people
    if sum(1 for e in value if e["external"]) < rules.min_external:
        problems.append(_problem(f, "examiners_external", n=rules.min_external))
    if rules.forbid_original:
        originals = [e["name"] for e in value if e["original"]]
        if originals:
            problems.append(_problem(f, "examiners_original", names=", ".join(originals)))
    return problems


def _unknown_choices(f: FormField, value: Any, ctx: Context) -> Problem | None:
    """What a `users` or `measures` answer names that the store does not know (None if nothing)."""
    if f.type == "users" and ctx.users is not None:
        # Participants get access to the case: a name nobody logs in with would be a hearing of nobody.
        bad = [u for u in value if u not in ctx.users]
        if bad:
            return _problem(f, "unknown_user" if len(bad) == 1 else "unknown_users",
                            names=", ".join(f"«{u}»" for u in bad))
    if f.type == "measures" and ctx.measures is not None:
        if not ctx.measures:
            return _problem(f, "no_measures")
        bad_ids = [f"#{m}" for m in value if m not in ctx.measures]
        if bad_ids:
            return _problem(f, "unknown_measures", ids=", ".join(bad_ids),
                            known=", ".join(f"#{i} {label}" for i, label in sorted(ctx.measures.items())))
    return None


def validate(form: Form, raw_answers: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], list[Problem]]:
    """Coerce and check the visible fields. Returns (clean answers, problems).

    Answers of hidden fields are dropped from the clean result (they no longer apply) but the
    caller keeps its raw input, so nothing typed is lost when a choice is changed back.
    """
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    # Visibility can depend on answers in this same form: evaluate against the raw input merged
    # over what the case already knows.
    # Conditions see coerced values ("ja" typed on the CLI is True), so coerce leniently first.
    lenient: dict[str, Any] = {}
    for f in form.fields:
        if f.id in raw_answers:
            try:
                lenient[f.id] = coerce(f, raw_answers[f.id])
            except ValueError:
                lenient[f.id] = raw_answers[f.id]
    merged = replace(ctx, answers={**ctx.answers, **lenient})
    for f in visible_fields(form, merged):
        raw = raw_answers.get(f.id, f.default)
        try:
            value = coerce(f, raw)
        except ValueError as exc:
            problems.append(Problem(f.id, str(exc), message_en=getattr(exc, "message_en", "")))
            continue
        if value is None or value == []:
            if is_required(f, merged):
                problems.append(_problem(f, "no_measures" if f.type == "measures" and ctx.measures == {}
                                         else "required"))
            continue
        if f.min_length and isinstance(value, str) and len(value.strip()) < f.min_length:
            problems.append(_problem(f, "min_length", n=f.min_length))
        if f.type == "examiners":
            problems.extend(_examiner_problems(f, value))
            value = distinct_examiners(value)
        if f.type == "body" and ctx.bodies is not None and value not in ctx.bodies:
            # The answer routes the case and is stored as plain metadata: a free text here could
            # send the case nowhere, or put a person's name in every list.
            known = ", ".join(sorted(ctx.bodies))
            problems.append(_problem(f, "unknown_body", value=value, known=known or "ingen", known_en=known or "none"))
            continue
        unknown = _unknown_choices(f, value, ctx)
        if unknown is not None:
            problems.append(unknown)
            continue
        clean[f.id] = value
    checked = replace(ctx, answers={**ctx.answers, **clean})
    for rule in form.rules:
        if evaluate(rule.when, checked):
            problems.append(Problem(rule.field, rule.message, rule.severity, rule.message_en))
    return clean, problems


def date_problems(form: Form, clean: dict[str, Any], on: date) -> list[Problem]:
    """Dates on the wrong side of `on`, the day the form is submitted (see `FormField.date_is`):
    a receipt or decision cannot be dated ahead, a hearing cannot end in the past."""
    problems: list[Problem] = []
    for f in form.fields:
        value = clean.get(f.id)
        if f.date_is is None or not isinstance(value, str):
            continue
        day = date.fromisoformat(value)
        if f.date_is == "past" and day > on:
            problems.append(_problem(f, "date_not_after", on=on.isoformat(), value=value))
        elif f.date_is == "future" and day <= on:
            problems.append(_problem(f, "date_not_before", on=on.isoformat(), value=value))
    return problems
