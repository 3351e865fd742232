"""Declarative branch and visibility conditions — data, never `eval`.

A condition is one small table in a workflow file, e.g. ``{ field = "vurdering", equals = "JA" }``
or ``{ concerns_body = "OU" }``, combined with ``all`` / ``any`` / ``not``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, model_validator

GRADE_SCALE = ["F", "E", "D", "C", "B", "A"]  # worst → best; distance is the number of steps
# Courses graded pass/fail (the klage text's «bestått/ikke bestått»): a scale of its own, worst → best.
# A pass/fail grade is never compared with a letter grade, and «two grades apart» does not apply.
PASS_FAIL_SCALE = ["IKKE BESTÅTT", "BESTÅTT"]
DATE_IS = ("past", "today_or_past", "today", "today_or_future", "future")


class PeriodRef(BaseModel):
    """A period counted from a named date: "1 uke etter karakter_kunngjort"."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=0)
    unit: str
    start: str = Field(alias="from")

    @model_validator(mode="after")
    def _unit_known(self) -> "PeriodRef":
        from .calendar_units import check_unit

        check_unit(self.unit)
        return self


class Condition(BaseModel):
    """Exactly one test per table; combine with all/any/not."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    field: str | None = None
    equals: Any = None
    not_equals: Any = None
    one_of: list[Any] | None = Field(default=None, alias="in")
    is_set: bool | None = None
    is_true: bool | None = None
    later_than: PeriodRef | None = None  # the date in `field` is after the period's end
    date_is: str | None = None  # the date in `field` (an answer, named date or event) vs today

    concerns_body: str | None = None  # the case concerns this body or one of its members
    open_measures: bool | None = None  # the case has (true) / has no (false) measure not carried out

    grade_diff_at_least: int | None = None  # with field (old grade) and other (new grade)
    grade_compare: str | None = None  # "better" | "same" | "worse" | "other_scale": other vs field
    other: str | None = None

    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    not_: "Condition | None" = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _exactly_one_test(self) -> "Condition":
        tests = [
            name
            for name in (
                "equals", "not_equals", "one_of", "is_set", "is_true", "later_than", "date_is",
                "concerns_body", "open_measures", "grade_diff_at_least", "grade_compare", "all", "any", "not_",
            )
            if getattr(self, name) is not None
        ]
        if len(tests) != 1:
            raise ValueError(
                "a condition needs exactly one test (equals, not_equals, in, is_set, is_true, "
                "later_than, date_is, concerns_body, open_measures, grade_diff_at_least, grade_compare, all, any, "
                "not); "
                f"found {tests or 'none'}"
            )
        needs_field = {"equals", "not_equals", "one_of", "is_set", "is_true", "later_than", "date_is",
                       "grade_diff_at_least", "grade_compare"}
        if tests[0] in needs_field and not self.field:
            raise ValueError(f"the test '{tests[0]}' needs 'field'")
        if tests[0] in {"grade_diff_at_least", "grade_compare"} and not self.other:
            raise ValueError(f"the test '{tests[0]}' needs 'other' (the second grade field)")
        if self.grade_compare is not None and self.grade_compare not in {"better", "same", "worse", "other_scale"}:
            raise ValueError("grade_compare must be 'better', 'same', 'worse' or 'other_scale'")
        if self.date_is is not None and self.date_is not in DATE_IS:
            raise ValueError(f"date_is must be one of {', '.join(DATE_IS)}")
        return self

    def fields_used(self) -> set[str]:
        used = {f for f in (self.field, self.other) if f}
        if self.later_than and not self.later_than.start.startswith(("step:", "phase:", "mottatt")):
            used.add(self.later_than.start)
        for sub in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            used |= sub.fields_used()
        return used


@dataclass
class Context:
    """What a condition may look at: the answers so far, the case's conflicts, named dates.

    `today` is passed in (the engine's today), never read from a clock here. `bodies` are the registered bodies a `body`-type answer must name, `users` the registered,
    approved users a `users`-type answer must name (None: not checked, for forms filled in without
    a store, such as the demo's generator). `measures` are the case's recorded measures a
    `measures`-type answer chooses among (id → label; None: not checked); `open_measures` says
    whether any of them is not carried out yet."""

    answers: dict[str, Any]
    concerns: Callable[[str], bool] = lambda body: False
    dates: dict[str, date] = field(default_factory=dict)
    bodies: frozenset[str] | None = None
    users: frozenset[str] | None = None
    measures: dict[int, str] | None = None
    open_measures: bool = False
    today: date | None = None  # for `date_is`; None (no clock given): such a test never holds


def grade_on_scale(value: Any) -> tuple[str, int] | None:
    """("letter", place on A–F) or ("pass_fail", 0/1); None for a value that is no grade."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().upper().split())
    if text in GRADE_SCALE:
        return "letter", GRADE_SCALE.index(text)
    if text in PASS_FAIL_SCALE:
        return "pass_fail", PASS_FAIL_SCALE.index(text)
    return None


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def evaluate(cond: Condition, ctx: Context) -> bool:
    """True when the condition holds. A missing answer never matches equals/in."""
    if cond.all is not None:
        return all(evaluate(c, ctx) for c in cond.all)
    if cond.any is not None:
        return any(evaluate(c, ctx) for c in cond.any)
    if cond.not_ is not None:
        return not evaluate(cond.not_, ctx)
    if cond.concerns_body is not None:
        return bool(ctx.concerns(cond.concerns_body))
    if cond.open_measures is not None:
        return ctx.open_measures == cond.open_measures

    value = ctx.answers.get(cond.field) if cond.field else None
    if cond.equals is not None:
        return _is_set(value) and value == cond.equals
    if cond.not_equals is not None:
        return value != cond.not_equals
    if cond.one_of is not None:
        return value in cond.one_of
    if cond.is_set is not None:
        return _is_set(value) == cond.is_set
    if cond.is_true is not None:
        return bool(value) == cond.is_true
    if cond.later_than is not None:
        from .calendar import add_period
        from .calendar_units import as_unit

        actual = _as_date(value)
        start = ctx.dates.get(cond.later_than.start) or _as_date(ctx.answers.get(cond.later_than.start))
        if actual is None or start is None:
            return False
        return actual > add_period(start, cond.later_than.count, as_unit(cond.later_than.unit))
    if cond.date_is is not None:
        actual = _as_date(value) or (ctx.dates.get(cond.field) if cond.field else None)
        if actual is None or ctx.today is None:
            return False
        return {"past": actual < ctx.today, "today_or_past": actual <= ctx.today, "today": actual == ctx.today,
                "today_or_future": actual >= ctx.today, "future": actual > ctx.today}[cond.date_is]
    if cond.grade_diff_at_least is not None or cond.grade_compare is not None:
        old, new = grade_on_scale(value), grade_on_scale(ctx.answers.get(cond.other or ""))
        if old is None or new is None:
            return False
        if cond.grade_compare == "other_scale":
            return old[0] != new[0]
        if old[0] != new[0]:
            return False  # a letter grade and pass/fail are not better or worse than each other
        if cond.grade_diff_at_least is not None:
            # «two grades apart» is a letter-scale rule; pass/fail has no such distance
            return old[0] == "letter" and abs(new[1] - old[1]) >= cond.grade_diff_at_least
        diff = new[1] - old[1]
        assert cond.grade_compare is not None  # one test per condition (validated)
        return {"better": diff > 0, "same": diff == 0, "worse": diff < 0}[cond.grade_compare]
    raise AssertionError("unreachable: validated to have one test")
