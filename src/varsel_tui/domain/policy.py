"""The organisation's case policy: classification levels, party roles, how a new case is
classified and when a preliminary reply is due (pure: no I/O, no store)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the constants are read on the light start-up path: no pydantic there
    from .workflow import Workflow

SECRET = "strengt_hemmelig"
CLASSIFICATIONS = ("ordinær", "fortrolig", SECRET)  # in rising order: a case is only ever raised
PARTY_ROLES = ("varsler", "fornærmede", "anklagede", "vitne", "melder", "student", "annen")


class UnknownClassification(ValueError):
    pass


def classify(wf: "Workflow", intake: dict[str, Any], given: str | None, secret: bool) -> str:
    """A new case's classification: asked for as secret, given explicitly, or the workflow's rule."""
    from .conditions import Context, evaluate

    if secret:
        return SECRET
    if given:
        if given not in CLASSIFICATIONS:
            raise UnknownClassification(
                f"unknown classification '{given}' (use one of: {', '.join(CLASSIFICATIONS)})")
        return given
    if wf.intake.secret_if is not None and evaluate(wf.intake.secret_if, Context(intake)):
        return SECRET
    return wf.intake.classification


def raises_classification(current: str, proposed: str | None) -> bool:
    """Whether a step's classification is above the case's (they are never lowered)."""
    return bool(proposed) and CLASSIFICATIONS.index(proposed) > CLASSIFICATIONS.index(current)


def prelim_warn_from(due: date, working_days: int) -> date:
    """The day a preliminary reply becomes due: `working_days` working days before the limit."""
    from .calendar import is_working_day

    d, n = due, working_days
    while n > 0:
        d -= timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d
