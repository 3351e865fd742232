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

    concerns_body: str | None = None  # the case concerns this body or one of its members
    open_measures: bool | None = None  # the case has (true) / has no (false) measure not carried out

    grade_diff_at_least: int | None = None  # with field (old grade) and other (new grade)
    grade_compare: str | None = None  # "better" | "same" | "worse": other compared with field
    other: str | None = None

    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    not_: "Condition | None" = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _exactly_one_test(self) -> "Condition":
        tests = [
            name
            for name in (
                "equals", "not_equals", "one_of", "is_set", "is_true", "later_than",
                "concerns_body", "open_measures", "grade_diff_at_least", "grade_compare", "all", "any", "not_",
            )
            if getattr(self, name) is not None
        ]
        if len(tests) != 1:
            raise ValueError(
                "a condition needs exactly one test (equals, not_equals, in, is_set, is_true, "
                "later_than, concerns_body, open_measures, grade_diff_at_least, grade_compare, all, any, not); "
                f"found {tests or 'none'}"
            )
        needs_field = {"equals", "not_equals", "one_of", "is_set", "is_true", "later_than",
                       "grade_diff_at_least", "grade_compare"}
        if tests[0] in needs_field and not self.field:
            raise ValueError(f"the test '{tests[0]}' needs 'field'")
        if tests[0] in {"grade_diff_at_least", "grade_compare"} and not self.other:
            raise ValueError(f"the test '{tests[0]}' needs 'other' (the second grade field)")
        if self.grade_compare is not None and self.grade_compare not in {"better", "same", "worse"}:
            raise ValueError("grade_compare must be 'better', 'same' or 'worse'")
        return self

    def fields_used(self) -> set[str]:
        used = {f for f in (self.field, self.other) if f}
        if self.later_than and not self.later_than.start.startswith(("step:", "mottatt")):
            used.add(self.later_than.start)
        for sub in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            used |= sub.fields_used()
        return used


@dataclass
class Context:
    """What a condition may look at: the answers so far, the case's conflicts, named dates.

    `bodies` are the registered bodies a `body`-type answer must name, `users` the registered,
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


def grade_index(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().upper() in GRADE_SCALE:
        return GRADE_SCALE.index(value.strip().upper())
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
    if cond.grade_diff_at_least is not None or cond.grade_compare is not None:
        old, new = grade_index(value), grade_index(ctx.answers.get(cond.other or ""))
        if old is None or new is None:
            return False
        if cond.grade_diff_at_least is not None:
            return abs(new - old) >= cond.grade_diff_at_least
        diff = new - old
        assert cond.grade_compare is not None  # one test per condition (validated)
        return {"better": diff > 0, "same": diff == 0, "worse": diff < 0}[cond.grade_compare]
    raise AssertionError("unreachable: validated to have one test")
