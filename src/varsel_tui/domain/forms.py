"""Dynamic forms: fields whose visibility and requiredness depend on other answers.

Every field carries the help text that explains it (the procedure's "?"). Validation returns
messages per field and never throws away what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .conditions import GRADE_SCALE, Condition, Context, evaluate

FieldType = Literal["text", "longtext", "choice", "multichoice", "bool", "date", "grade", "number",
                    "examiners", "body"]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str
    label: str
    help: str = ""


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
    type: FieldType = "text"
    help: str = ""
    options: list[Option] = []
    required: bool = False
    required_if: Condition | None = None
    visible_if: Condition | None = None
    default: Any = None
    examiners: ExaminerRules | None = None
    min_length: int = 0
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
    severity: Literal["error", "warning"] = "error"


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: list[FormField] = []
    rules: list[Rule] = []

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: str = "error"


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
        raise ValueError(f"'{text}' er ikke en gyldig dato (bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)") from None


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
        raise ValueError(f"'{raw}' er ikke ja/nei")
    if f.type == "date":
        return raw.isoformat() if isinstance(raw, date) else parse_date(str(raw)).isoformat()
    if f.type == "number":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"'{raw}' er ikke et tall") from None
    if f.type == "grade":
        text = str(raw).strip().upper()
        if text not in GRADE_SCALE:
            raise ValueError(f"'{raw}' er ikke en karakter (A–F)")
        return text
    if f.type == "choice":
        values = [o.value for o in f.options]
        if str(raw) not in values:
            raise ValueError(f"'{raw}' er ikke et av valgene: {', '.join(values)}")
        return str(raw)
    if f.type == "multichoice":
        items = raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",") if s.strip()]
        values = [o.value for o in f.options]
        bad = [i for i in items if i not in values]
        if bad:
            raise ValueError(f"ukjente valg: {', '.join(bad)}")
        return items
    if f.type == "examiners":
        return parse_examiners(raw)
    return str(raw)


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


def _examiner_problems(f: FormField, value: list[dict]) -> list[str]:
    rules = f.examiners or ExaminerRules()
    problems = []
    if len(value) < rules.min_count:
        problems.append(f"klagekommisjonen må ha minst {rules.min_count} sensorer")
    if sum(1 for e in value if e["external"]) < rules.min_external:
        problems.append(f"minst {rules.min_external} sensor må være ekstern")
    if rules.forbid_original:
        originals = [e["name"] for e in value if e["original"]]
        if originals:
            problems.append(
                "klagekommisjonen kan ikke ha sensor fra den opprinnelige kommisjonen: " + ", ".join(originals)
            )
    return problems


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
    merged = Context({**ctx.answers, **lenient}, ctx.concerns, ctx.dates, ctx.bodies)
    for f in visible_fields(form, merged):
        raw = raw_answers.get(f.id, f.default)
        try:
            value = coerce(f, raw)
        except ValueError as exc:
            problems.append(Problem(f.id, str(exc)))
            continue
        if value is None or value == []:
            if is_required(f, merged):
                problems.append(Problem(f.id, f"«{f.label}» må fylles ut"))
            continue
        if f.min_length and isinstance(value, str) and len(value.strip()) < f.min_length:
            problems.append(Problem(f.id, f"«{f.label}» må ha minst {f.min_length} tegn"))
        if f.type == "examiners":
            problems.extend(Problem(f.id, m) for m in _examiner_problems(f, value))
        if f.type == "body" and ctx.bodies is not None and value not in ctx.bodies:
            # The answer routes the case and is stored as plain metadata: a free text here could
            # send the case nowhere, or put a person's name in every list.
            problems.append(Problem(f.id, f"«{value}» er ikke et registrert organ (registrerte: "
                                          f"{', '.join(sorted(ctx.bodies)) or 'ingen'})"))
            continue
        clean[f.id] = value
    checked = Context({**ctx.answers, **clean}, ctx.concerns, ctx.dates, ctx.bodies)
    for rule in form.rules:
        if evaluate(rule.when, checked):
            problems.append(Problem(rule.field, rule.message, rule.severity))
    return clean, problems
