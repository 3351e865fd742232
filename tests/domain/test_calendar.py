"""Deadline calendar: Norwegian working days, deadline arithmetic, Oslo dates, the app clock.

The holiday dates asserted here are checked independently of the `holidays` package: by the
Easter computus below (anonymous Gregorian algorithm, Meeus/Jones/Butcher) and by the weekday of
each date as printed in a calendar (e.g. Easter Sunday 2025-04-20, 2026-04-05, 2027-03-28).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from varsel_tui import clock
from varsel_tui.domain import calendar as cal
from varsel_tui.domain.calendar import (
    UNITS,
    add_period,
    add_working_days,
    is_working_day,
    next_working_day_on_or_after,
    oslo_today,
    working_days_between,
)

D = date.fromisoformat

# --------------------------------------------------------------------------------------------
# An independent model of the Norwegian public holidays
# --------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def norwegian_holidays(year: int) -> set[date]:
    e = easter_sunday(year)
    return {
        date(year, 1, 1),  # 1. nyttårsdag
        e - timedelta(days=3),  # skjærtorsdag
        e - timedelta(days=2),  # langfredag
        e,  # 1. påskedag
        e + timedelta(days=1),  # 2. påskedag
        date(year, 5, 1),  # 1. mai
        date(year, 5, 17),  # grunnlovsdagen
        e + timedelta(days=39),  # Kristi himmelfartsdag
        e + timedelta(days=49),  # 1. pinsedag
        e + timedelta(days=50),  # 2. pinsedag
        date(year, 12, 25),  # 1. juledag
        date(year, 12, 26),  # 2. juledag
    }


def naive_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in norwegian_holidays(d.year)


def test_computus_matches_known_easter_dates():
    # From a printed calendar, not from the code under test.
    assert easter_sunday(2024) == D("2024-03-31")
    assert easter_sunday(2025) == D("2025-04-20")
    assert easter_sunday(2026) == D("2026-04-05")
    assert easter_sunday(2027) == D("2027-03-28")
    assert easter_sunday(2028) == D("2028-04-16")
    assert easter_sunday(2038) == D("2038-04-25")  # latest possible date
    assert easter_sunday(2285) == D("2285-03-22")  # earliest possible date


def test_is_working_day_agrees_with_independent_model_2000_to_2100():
    d, end = D("2000-01-01"), D("2100-12-31")
    mismatches = []
    while d <= end:
        if is_working_day(d) != naive_working_day(d):
            mismatches.append(d)
        d += timedelta(days=1)
    assert mismatches == []


# --------------------------------------------------------------------------------------------
# Worked examples: which days are working days
# --------------------------------------------------------------------------------------------

HOLIDAYS_ON_WEEKDAYS = [
    # 2025
    "2025-01-01",  # Wed, nyttårsdag
    "2025-04-17",  # skjærtorsdag
    "2025-04-18",  # langfredag
    "2025-04-21",  # 2. påskedag
    "2025-05-01",  # Thu
    "2025-05-29",  # Kristi himmelfartsdag
    "2025-06-09",  # 2. pinsedag
    "2025-12-25",  # Thu
    "2025-12-26",  # Fri
    # 2026
    "2026-01-01",  # Thu
    "2026-04-02",  # skjærtorsdag
    "2026-04-03",  # langfredag
    "2026-04-06",  # 2. påskedag
    "2026-05-01",  # Fri
    "2026-05-14",  # Kristi himmelfartsdag
    "2026-05-25",  # 2. pinsedag
    "2026-12-25",  # Fri
    # 2027
    "2027-01-01",  # Fri
    "2027-03-25",  # skjærtorsdag
    "2027-03-26",  # langfredag
    "2027-03-29",  # 2. påskedag
    "2027-05-06",  # Kristi himmelfartsdag
    "2027-05-17",  # Mon: grunnlovsdagen and 2. pinsedag at once
]


@pytest.mark.parametrize("iso", HOLIDAYS_ON_WEEKDAYS)
def test_public_holidays_on_weekdays_are_not_working_days(iso):
    d = D(iso)
    assert d.weekday() < 5, "the example should be a weekday, or it proves nothing"
    assert not is_working_day(d)


ORDINARY_WORKING_DAYS = [
    "2025-12-24",  # Wed, julaften: not a public holiday
    "2025-12-31",  # Wed, nyttårsaften: not a public holiday
    "2026-12-24",  # Thu, julaften
    "2026-12-31",  # Thu, nyttårsaften
    "2027-12-24",  # Fri, julaften
    "2027-12-31",  # Fri, nyttårsaften
    "2027-12-27",  # Mon after a Christmas that fell on a weekend: no substitute day in Norway
    "2026-04-01",  # Wed before skjærtorsdag
    "2026-04-07",  # Tue after 2. påskedag
    "2026-05-13",  # Wed before Kristi himmelfart
    "2026-05-15",  # Fri after Kristi himmelfart ("inneklemt", but a working day)
    "2026-05-18",  # Mon after 17 May on a Sunday: no substitute day
    "2026-05-26",  # Tue after 2. pinsedag
    "2027-05-18",  # Tue after 17 May / 2. pinsedag
    "2025-01-02",
]


@pytest.mark.parametrize("iso", ORDINARY_WORKING_DAYS)
def test_ordinary_weekdays_are_working_days(iso):
    assert is_working_day(D(iso))


@pytest.mark.parametrize(
    "iso",
    [
        "2025-05-17",  # Sat
        "2026-05-17",  # Sun
        "2026-12-26",  # Sat
        "2027-05-01",  # Sat
        "2027-12-25",  # Sat
        "2027-12-26",  # Sun
        "2025-04-19",  # påskeaften (Sat)
        "2026-04-05",  # 1. påskedag (Sun)
        "2026-05-24",  # 1. pinsedag (Sun)
    ],
)
def test_holidays_and_eves_on_weekends_are_not_working_days(iso):
    assert D(iso).weekday() >= 5
    assert not is_working_day(D(iso))


def test_holiday_table_excludes_sundays_and_eves():
    hol = cal._public_holidays(2026)
    assert len(hol) == 12
    assert D("2026-12-24") not in hol
    assert D("2026-12-31") not in hol
    assert D("2026-04-12") not in hol  # an ordinary Sunday
    assert hol == norwegian_holidays(2026)


def test_next_working_day_on_or_after():
    assert next_working_day_on_or_after(D("2026-04-01")) == D("2026-04-01")
    assert next_working_day_on_or_after(D("2026-04-02")) == D("2026-04-07")  # skjærtorsdag → Tue
    assert next_working_day_on_or_after(D("2025-12-25")) == D("2025-12-29")
    assert next_working_day_on_or_after(D("2026-05-16")) == D("2026-05-18")  # Sat → Mon
    assert next_working_day_on_or_after(D("2027-05-15")) == D("2027-05-18")  # Sat → Tue


# --------------------------------------------------------------------------------------------
# add_working_days
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2025-01-10", 2, "2025-01-14"),  # received Friday, "2 virkedager" → Tuesday
        ("2025-01-10", 1, "2025-01-13"),  # Friday + 1 → Monday
        ("2025-01-11", 1, "2025-01-13"),  # received Saturday + 1 → Monday
        ("2025-01-13", 5, "2025-01-20"),  # a full week
        # Easter
        ("2025-04-16", 1, "2025-04-22"),  # Wed → Tue after 2. påskedag
        ("2026-03-31", 1, "2026-04-01"),
        ("2026-04-01", 1, "2026-04-07"),
        ("2026-04-01", 2, "2026-04-08"),
        ("2027-03-24", 1, "2027-03-30"),
        # Kristi himmelfart
        ("2025-05-28", 1, "2025-05-30"),
        ("2026-05-13", 1, "2026-05-15"),
        ("2026-05-13", 2, "2026-05-18"),
        ("2027-05-05", 1, "2027-05-07"),
        # Whitsun / 17 May
        ("2025-06-06", 1, "2025-06-10"),
        ("2026-05-22", 1, "2026-05-26"),
        ("2027-05-14", 1, "2027-05-18"),
        # 1 May
        ("2026-04-30", 1, "2026-05-04"),  # 1 May is a Friday
        ("2027-04-30", 1, "2027-05-03"),  # 1 May is a Saturday: nothing extra
        # Christmas / New Year
        ("2025-12-23", 1, "2025-12-24"),  # julaften counts
        ("2025-12-23", 2, "2025-12-29"),
        ("2025-12-30", 2, "2026-01-02"),  # nyttårsaften counts, 1 Jan does not
        ("2026-12-23", 2, "2026-12-28"),
        ("2027-12-23", 2, "2027-12-27"),  # 25/26 Dec on a weekend
    ],
)
def test_add_working_days_examples(start, n, due):
    assert add_working_days(D(start), n) == D(due)


def test_add_working_days_zero_rolls_forward():
    assert add_working_days(D("2026-04-01"), 0) == D("2026-04-01")
    assert add_working_days(D("2026-04-03"), 0) == D("2026-04-07")
    assert add_working_days(D("2025-01-11"), 0) == D("2025-01-13")


def test_add_working_days_rejects_negative():
    with pytest.raises(ValueError):
        add_working_days(D("2026-04-01"), -1)


def test_datetimes_are_refused():
    with pytest.raises(TypeError, match="oslo_today"):
        add_working_days(datetime(2026, 4, 1, 12), 1)
    with pytest.raises(TypeError):
        is_working_day("2026-04-01")  # type: ignore[arg-type]


def test_years_without_a_holiday_table_are_refused():
    # `holidays` would silently return no holidays for these years.
    with pytest.raises(ValueError, match="no Norwegian holiday table for 2101"):
        is_working_day(D("2101-01-03"))
    with pytest.raises(ValueError, match="1900"):
        add_working_days(D("1900-12-20"), 1)
    assert is_working_day(D("2100-12-31"))  # a Friday, last year covered


def test_results_are_plain_dates():
    assert type(add_period(D("2026-01-31"), 1, "måneder")) is date
    assert type(add_working_days(D("2026-01-31"), 3)) is date


# --------------------------------------------------------------------------------------------
# add_period
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "count", "unit", "due"),
    [
        # "3 uker" landing on a holiday moves to the next working day (fvl. § 30)
        ("2026-03-12", 3, "uker", "2026-04-07"),  # → skjærtorsdag 2 Apr → Tue 7 Apr
        ("2026-04-23", 3, "uker", "2026-05-15"),  # → Kristi himmelfart 14 May → Fri 15 May
        ("2026-05-04", 3, "uker", "2026-05-26"),  # → 2. pinsedag 25 May → Tue 26 May
        ("2025-12-04", 3, "uker", "2025-12-29"),  # → 25 Dec → (26 Dec, weekend) → Mon 29 Dec
        ("2025-12-03", 3, "uker", "2025-12-24"),  # → julaften, a working day: stays
        ("2025-03-27", 3, "uker", "2025-04-22"),  # 17 Apr skjærtorsdag 2025 → Tue 22 Apr
        ("2026-04-02", 3, "uker", "2026-04-23"),  # start on a holiday: 21 days later, a Thursday
        ("2027-04-19", 4, "uker", "2027-05-18"),  # "4 uker" → 17 May 2027 (Mon) → Tue 18 May
        ("2026-04-10", 3, "uker", "2026-05-04"),  # → 1 May (Fri) → Mon 4 May
        # months: same day of month, clamped to the month's last day, then rolled forward
        ("2025-01-31", 1, "måneder", "2025-02-28"),  # Fri: stays
        ("2026-01-31", 1, "måneder", "2026-03-02"),  # 28 Feb 2026 is a Saturday → Mon 2 Mar
        ("2028-01-31", 1, "måneder", "2028-02-29"),  # leap year, Tuesday
        ("2025-03-31", 1, "måneder", "2025-04-30"),
        ("2026-04-01", 1, "måneder", "2026-05-04"),  # → 1 May (Fri) → Mon 4 May
        ("2026-04-17", 1, "måneder", "2026-05-18"),  # → 17 May (Sun) → Mon 18 May
        ("2026-10-31", 2, "måneder", "2026-12-31"),  # nyttårsaften counts as a working day
        ("2025-11-26", 1, "måneder", "2025-12-29"),  # → 26 Dec (Fri) → Mon 29 Dec
        # calendar days
        ("2026-03-30", 3, "dager", "2026-04-07"),  # → skjærtorsdag → Tue 7 Apr
        ("2026-05-11", 3, "dager", "2026-05-15"),  # → Kristi himmelfart → Fri
        ("2025-01-10", 1, "dager", "2025-01-13"),  # Fri + 1 day = Sat → Mon
        ("2025-01-11", 0, "dager", "2025-01-13"),  # 0 days on a Saturday → Mon
        ("2025-01-06", 10, "dager", "2025-01-16"),
        # working days
        ("2025-01-10", 2, "virkedager", "2025-01-14"),
        ("2026-04-01", 2, "virkedager", "2026-04-08"),
    ],
)
def test_add_period_examples(start, count, unit, due):
    assert add_period(D(start), count, unit) == D(due)


def test_add_period_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown unit"):
        add_period(D("2026-04-01"), 1, "år")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        add_period(D("2026-04-01"), -1, "dager")


def test_units_match_literal():
    assert UNITS == ("virkedager", "dager", "uker", "måneder")


# --------------------------------------------------------------------------------------------
# working_days_between
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "n"),
    [
        ("2026-04-01", "2026-04-01", 0),
        ("2025-01-10", "2025-01-13", 1),  # Fri → Mon: over a weekend
        ("2025-01-10", "2025-01-12", 0),  # Fri → Sun
        ("2025-01-11", "2025-01-13", 1),  # Sat → Mon
        ("2026-03-30", "2026-04-07", 3),  # Tue 31, Wed 1, Tue 7 across Easter
        ("2025-12-23", "2026-01-02", 5),  # 24, 29, 30, 31 Dec, 2 Jan
        ("2026-05-13", "2026-05-26", 7),  # 15, 18, 19, 20, 21, 22, 26 May
        ("2026-04-07", "2026-04-02", -1),  # overdue: deadline passed one working day ago
        # A year back: (13 Jan 2025, 13 Jan 2026] has 52 weeks + Tue 13 Jan 2026 = 261 weekdays;
        # weekday holidays in it: 17, 18, 21 Apr, 1 May, 29 May, 9 Jun, 25, 26 Dec 2025, 1 Jan 2026.
        ("2026-01-13", "2025-01-13", -(261 - 9)),
    ],
)
def test_working_days_between_examples(a, b, n):
    assert working_days_between(D(a), D(b)) == n


def test_a_year_of_working_days():
    # 2025 starts on a Wednesday and has 365 days: 261 weekdays. Of its 12 holidays, 9 fall on a
    # weekday (1 Jan, 17/18/21 Apr, 1 May, 29 May, 9 Jun, 25/26 Dec; 17 May is a Saturday and
    # 1. påske-/pinsedag are Sundays) → 252 working days.
    assert working_days_between(D("2024-12-31"), D("2025-12-31")) == 261 - 9
    # 2026 starts on a Thursday: 261 weekdays; weekday holidays: 1 Jan, 2/3/6 Apr, 1 May, 14 May,
    # 25 May, 25 Dec (17 May Sun, 26 Dec Sat) → 253.
    assert working_days_between(D("2025-12-31"), D("2026-12-31")) == 261 - 8


def _naive_between(a: date, b: date) -> int:
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += naive_working_day(d)
    return sign * n


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

# Kept well inside the holiday table's range (1901–2100) even after adding 300 months.
dates = st.dates(min_value=D("1990-01-01"), max_value=D("2070-12-31"))
counts = st.integers(min_value=0, max_value=300)
units = st.sampled_from(UNITS)


def _raw_calendar_date(d: date, count: int, unit: str) -> date:
    """The deadline's last day before rolling forward, computed without pendulum."""
    if unit == "dager":
        return d + timedelta(days=count)
    if unit == "uker":
        return d + timedelta(days=7 * count)
    if unit == "måneder":
        months = d.month - 1 + count
        year, month = d.year + months // 12, months % 12 + 1
        first_of_next = date(year + (month == 12), month % 12 + 1, 1)
        last_day = (first_of_next - timedelta(days=1)).day
        return date(year, month, min(d.day, last_day))
    return d  # virkedager: the raw date is the start itself


@given(dates)
def test_weekends_are_never_working_days(d):
    saturday = d + timedelta(days=(5 - d.weekday()) % 7)
    assert saturday.weekday() == 5
    assert not is_working_day(saturday)
    assert not is_working_day(saturday + timedelta(days=1))
    if d.weekday() >= 5:
        assert not is_working_day(d)


@given(dates)
def test_is_working_day_matches_model(d):
    assert is_working_day(d) == naive_working_day(d)


@given(dates, st.integers(min_value=1, max_value=300))
def test_add_working_days_is_a_later_working_day(d, n):
    due = add_working_days(d, n)
    assert is_working_day(due)
    assert due > d


@given(dates)
def test_add_working_days_zero_is_next_working_day(d):
    due = add_working_days(d, 0)
    assert due == next_working_day_on_or_after(d) >= d
    assert is_working_day(due)
    assert all(not is_working_day(d + timedelta(days=i)) for i in range((due - d).days))


@given(dates, st.lists(counts, min_size=2, max_size=5))
def test_add_working_days_is_monotone(d, ns):
    ns = sorted(ns)
    results = [add_working_days(d, n) for n in ns]
    for (n1, r1), (n2, r2) in pairwise(zip(ns, results, strict=False)):
        assert r1 <= r2
        if n2 > n1 >= 1:  # (n = 0 and n = 1 coincide when d is not a working day)
            assert r1 < r2
    assert add_working_days(d, 0) < add_working_days(d, 2)


@given(dates, st.integers(min_value=1, max_value=100), st.integers(min_value=0, max_value=100))
def test_add_working_days_is_additive(d, m, n):
    assert add_working_days(add_working_days(d, m), n) == add_working_days(d, m + n)


@given(dates, counts)
def test_between_inverts_add_on_working_days(d, n):
    start = next_working_day_on_or_after(d)
    assert working_days_between(start, add_working_days(start, n)) == n


@given(dates, st.integers(min_value=1, max_value=300))
def test_between_inverts_add_from_any_day(d, n):
    assert working_days_between(d, add_working_days(d, n)) == n


@given(dates, dates)
def test_between_matches_naive_count_and_is_antisymmetric(a, b):
    if abs((b - a).days) > 800:
        b = a + timedelta(days=(b - a).days % 800)
    assert working_days_between(a, b) == _naive_between(a, b)
    assert working_days_between(b, a) == -working_days_between(a, b)


@given(dates, dates, dates)
def test_between_is_additive(a, b, c):
    assert working_days_between(a, c) == working_days_between(a, b) + working_days_between(b, c)


@given(dates, counts, units)
def test_add_period_is_a_working_day_on_or_after_the_raw_date(d, count, unit):
    due = add_period(d, count, unit)
    raw = _raw_calendar_date(d, count, unit)
    assert is_working_day(due)
    assert due >= raw
    if unit != "virkedager":
        # the first working day on or after the raw date, not any later one
        assert all(not is_working_day(raw + timedelta(days=i)) for i in range((due - raw).days))


@given(dates, counts, units, counts)
def test_add_period_is_monotone_in_count(d, c1, unit, c2):
    lo, hi = sorted((c1, c2))
    assert add_period(d, lo, unit) <= add_period(d, hi, unit)


# --------------------------------------------------------------------------------------------
# oslo_today
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-28T22:59:00+00:00", "2026-03-28"),  # 23:59 CET
        ("2026-03-28T23:30:00+00:00", "2026-03-29"),  # 00:30 CET, the night DST begins
        ("2026-06-30T21:30:00+00:00", "2026-06-30"),  # 23:30 CEST
        ("2026-06-30T22:30:00+00:00", "2026-07-01"),  # 00:30 CEST
        ("2026-12-31T23:00:00+00:00", "2027-01-01"),  # midnight New Year in Oslo
        ("2027-01-01T05:00:00+09:00", "2026-12-31"),  # Tokyo morning is Oslo's evening before
    ],
)
def test_oslo_today_of_an_instant(instant, expected):
    result = oslo_today(datetime.fromisoformat(instant))
    assert result == D(expected)
    assert type(result) is date


def test_oslo_today_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        oslo_today(datetime(2026, 4, 1, 12, 0))


def test_oslo_today_without_argument_reads_the_clock():
    before = datetime.now(timezone.utc).date()
    result = oslo_today()
    assert type(result) is date
    assert abs((result - before).days) <= 1


# --------------------------------------------------------------------------------------------
# The app clock (src/varsel_tui/clock.py)
# --------------------------------------------------------------------------------------------


def test_clock_uses_varsel_today(monkeypatch):
    monkeypatch.setenv("VARSEL_TODAY", "2026-04-02")
    assert clock.today() == D("2026-04-02")
    now = clock.now()
    assert now.tzinfo is not None
    assert (now.year, now.month, now.day, now.hour, now.minute) == (2026, 4, 2, 12, 0)
    assert now.utcoffset() == timedelta(hours=2)  # CEST
    assert oslo_today(now) == clock.today()


def test_clock_winter_offset(monkeypatch):
    monkeypatch.setenv("VARSEL_TODAY", "2026-01-15")
    assert clock.now().utcoffset() == timedelta(hours=1)  # CET


def test_clock_without_varsel_today(monkeypatch):
    monkeypatch.delenv("VARSEL_TODAY", raising=False)
    today = clock.today()
    now = clock.now()
    assert type(today) is date
    assert now.tzinfo is not None
    assert oslo_today(now) in {today, today + timedelta(days=1)}  # midnight may pass in between


def test_clock_empty_varsel_today_counts_as_unset(monkeypatch):
    monkeypatch.setenv("VARSEL_TODAY", "")
    assert clock.today() in {oslo_today(), oslo_today() - timedelta(days=1)}


def test_clock_rejects_a_bad_varsel_today(monkeypatch):
    monkeypatch.setenv("VARSEL_TODAY", "2. april 2026")
    with pytest.raises(ValueError, match="VARSEL_TODAY"):
        clock.today()


# --------------------------------------------------------------------------------------------
# Import cost
# --------------------------------------------------------------------------------------------


def test_importing_the_calendar_does_not_import_holidays_or_pendulum():
    code = (
        "import sys, varsel_tui.domain\n"
        "before = set(sys.modules)\n"
        "import varsel_tui.domain.calendar\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(m for m in new if m.split('.')[0] in ('holidays', 'pendulum')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
