"""The app's clock: "today" and "now" in Europe/Oslo.

Outside `domain/` because it reads the environment: when `VARSEL_TODAY` is set to an ISO date
(YYYY-MM-DD), that is today's date, so tests and screenshots are deterministic. An empty value
counts as unset. `VARSEL_TODAY` shifts deadlines and defaults only: who may see a case (a
hearing's end) is decided by `real_today()`, which no environment variable moves.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Callable

from .domain import calendar

ENV_VAR = "VARSEL_TODAY"


def _fixed_today() -> date | None:
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be a date as YYYY-MM-DD, got {value!r}") from None


# Tests pin the real clock by replacing this function in-process (monkeypatch); production code
# never reads a switch for it, so nobody can move access decisions by setting a variable.
_real_clock: Callable[[], date] = calendar.oslo_today


def real_today() -> date:
    """Today's date in Europe/Oslo by the system clock, for access decisions (ignores `VARSEL_TODAY`)."""
    return _real_clock()


def today() -> date:
    """Today's date: `VARSEL_TODAY` when set, else the current date in Europe/Oslo."""
    fixed = _fixed_today()
    return fixed if fixed is not None else calendar.oslo_today()


def now() -> datetime:
    """The current moment as an aware datetime in Europe/Oslo.

    When `VARSEL_TODAY` is set this is 12:00 Oslo time on that day, so `now().date() == today()`.
    """
    import pendulum

    fixed = _fixed_today()
    if fixed is not None:
        return pendulum.datetime(fixed.year, fixed.month, fixed.day, 12, tz=calendar.OSLO)
    return pendulum.now(calendar.OSLO)
