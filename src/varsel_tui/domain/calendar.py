"""Deadline calendar: Norwegian working days and deadline arithmetic.

Pure rules, no I/O and no environment reads. The one exception is `oslo_today()`, which reads the
system clock when it is not given a datetime; everything else is a function of its arguments.

A working day (virkedag) is Monday–Friday and not a Norwegian public holiday. The public holidays
(helligdagsfredloven and lov om 1. og 17. mai som høgtidsdager) are:
1. nyttårsdag, skjærtorsdag, langfredag, 1. og 2. påskedag, 1. mai, 17. mai,
Kristi himmelfartsdag, 1. og 2. pinsedag, 1. og 2. juledag.

Both `holidays` (~40 ms) and `pendulum` (~20–25 ms) are imported lazily, inside the functions that
need them, so that importing this module stays cheap for code that only wants the signatures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import get_args

from .calendar_units import Unit

UNITS: tuple[str, ...] = get_args(Unit)

OSLO = "Europe/Oslo"

_ONE_DAY = timedelta(days=1)


def _plain(d: date, name: str = "d") -> date:
    """`d` as a plain `datetime.date`. A datetime is refused: its calendar date depends on the time
    zone, so the caller must decide it (use `oslo_today(dt)`)."""
    if isinstance(d, datetime):
        raise TypeError(f"{name} must be a date, not a datetime ({d!r}); use oslo_today(dt) to get its date in Oslo")
    if not isinstance(d, date):
        raise TypeError(f"{name} must be a date, got {type(d).__name__}")
    return d if type(d) is date else date(d.year, d.month, d.day)


@lru_cache(maxsize=None)
def _public_holidays(year: int) -> frozenset[date]:
    """Norwegian public holidays in `year`.

    `holidays.Norway` counts every Sunday as a holiday unless told otherwise; we switch that off and
    handle weekends by weekday, so this set holds only the named holidays.

    24 December (julaften) and 31 December (nyttårsaften) are NOT public holidays: many offices
    close, but the law does not count them, so they stay working days here. Likewise påskeaften and
    pinseaften are ordinary Saturdays.

    The `holidays` package only knows a fixed range of years (1901–2100 in 0.109) and silently
    returns no holidays outside it; we raise instead of quietly treating every weekday as a
    working day.
    """
    import holidays  # slow to import; only paid on first use

    first, last = getattr(holidays.Norway, "start_year", None), getattr(holidays.Norway, "end_year", None)
    if (first is not None and year < first) or (last is not None and year > last):
        raise ValueError(f"no Norwegian holiday table for {year} (known: {first}–{last})")
    return frozenset(holidays.Norway(years=year, include_sundays=False))


def is_working_day(d: date) -> bool:
    """Monday–Friday and not a Norwegian public holiday."""
    d = _plain(d)
    return d.weekday() < 5 and d not in _public_holidays(d.year)


def next_working_day_on_or_after(d: date) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    d = _plain(d)
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after `d` (`d` itself is not counted).

    "Senest 2 virkedager etter mottak": received Friday → due Tuesday. With n = 0 the result is `d`
    rolled forward to a working day (a deadline cannot end on a day off).
    """
    d = _plain(d)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return next_working_day_on_or_after(d)
    while n:
        d += _ONE_DAY
        if is_working_day(d):
            n -= 1
    return d


def add_period(d: date, count: int, unit: Unit) -> date:
    """The last day of a deadline of `count` `unit` that starts running on `d`.

    - virkedager: `add_working_days(d, count)`.
    - dager / uker / måneder: calendar arithmetic. The start day is not counted; weeks end on the
      same weekday, months on the same day of the month or, when that month is shorter, on its
      last day (31 Jan + 1 måned = 28/29 Feb) — domstolloven § 148.
      If that day is not a working day the deadline moves to the next working day: forvaltningsloven
      § 30 on fristberegning, jf. domstolloven § 149 første ledd ("Ender en frist på en lørdag,
      helgedag eller dag som etter lovgivningen er likestilt med helgedag, forlenges fristen til den
      nærmest følgende virkedag").
    """
    d = _plain(d)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if unit == "virkedager":
        return add_working_days(d, count)
    if unit == "dager":
        raw = d + timedelta(days=count)
    elif unit == "uker":
        raw = d + timedelta(weeks=count)
    elif unit == "måneder":
        import pendulum

        p = pendulum.Date(d.year, d.month, d.day).add(months=count)
        raw = date(p.year, p.month, p.day)
    else:
        raise ValueError(f"unknown unit {unit!r}; use one of: {', '.join(UNITS)}")
    return next_working_day_on_or_after(raw)


def _weekdays_after_upto(a: date, b: date) -> int:
    """Number of Mondays–Fridays in the half-open range (a, b], for a <= b."""
    days = (b - a).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    wd = a.weekday()
    for i in range(1, rest + 1):
        if (wd + i) % 7 < 5:
            count += 1
    return count


def working_days_between(a: date, b: date) -> int:
    """Signed number of working days from `a` to `b`.

    For b >= a it counts the working days in (a, b]: the same day is 0, Friday → Monday is 1, and
    `working_days_between(d, add_working_days(d, n)) == n` for a working day `d`. For b < a it is
    the negative of the count from b to a (so an overdue deadline gives a negative "days left").
    """
    a, b = _plain(a, "a"), _plain(b, "b")
    if b < a:
        return -working_days_between(b, a)
    count = _weekdays_after_upto(a, b)
    for year in range(a.year, b.year + 1):
        count -= sum(1 for h in _public_holidays(year) if a < h <= b and h.weekday() < 5)
    return count


def oslo_today(now: datetime | None = None) -> date:
    """The calendar date in Europe/Oslo at the aware datetime `now` (the current time when None).

    This is the only function in the domain that may read the clock, and only when `now` is None.
    """
    import pendulum

    local: datetime
    if now is None:
        local = pendulum.now(OSLO)
    else:
        if not isinstance(now, datetime):
            raise TypeError(f"now must be a datetime, got {type(now).__name__}")
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware, got naive {now!r}")
        local = now.astimezone(pendulum.timezone(OSLO))
    return date(local.year, local.month, local.day)
