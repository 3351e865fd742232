"""Anonymised case statistics for annual reports (UiO: «anonymisert rapport om innmeldte saker» to
LMU): counts per workflow and year of receipt, broken down by quarter, outcome and duration.

Pure counting and suppression, no I/O. A count of 1–4 is shown as «<5». Each breakdown (quarters,
outcomes, durations) adds up to the group's total, which is printed, so one hidden cell could be
worked out by subtraction: then the smallest shown non-zero cell of that breakdown is hidden too
(«x», complementary suppression), and again while the hidden cells' sum would still pin every one
of them down. A group (workflow and year) of fewer than 5 cases shows only «<5» and no breakdown:
"all of them were rejected" is itself a disclosure. No total across workflows or years is printed,
and a median duration is given only over 5 or more closed cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import median

THRESHOLD = 5
SMALL = "<5"  # a count of 1–4
HIDDEN = "x"  # a count hidden so that a «<5» cannot be recovered from the total
OPEN = "åpen"  # the outcome and duration of a case still open
UNKNOWN = "ukjent"  # not kept: rows left after retention destroyed the case
# Working days from received to closed. The limits follow the procedures' own deadlines (2 weeks,
# 4 weeks / forvaltningsloven § 11a, 8 weeks).
DURATION_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 10, "0–10"), (11, 20, "11–20"), (21, 40, "21–40"), (41, None, "over 40"),
)

Shown = int | str  # a count, or SMALL / HIDDEN


@dataclass(frozen=True)
class CaseFact:
    """One case reduced to what is counted (nothing that names a person or holds content)."""

    workflow: str
    year: int  # of receipt
    quarter: int | None  # 1–4; None when not kept (a destroyed case's statistics row)
    outcome: str  # "" while open
    working_days: int | None  # received → closed; None while open or when not kept
    open: bool = False


@dataclass
class Group:
    workflow: str
    year: int
    total: Shown
    quarters: dict[str, Shown] = field(default_factory=dict)
    outcomes: dict[str, Shown] = field(default_factory=dict)
    durations: dict[str, Shown] = field(default_factory=dict)
    median_working_days: float | None = None


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def duration_bucket(fact: CaseFact) -> str:
    if fact.open:
        return OPEN
    if fact.working_days is None:
        return UNKNOWN
    for low, high, label in DURATION_BUCKETS:
        if fact.working_days >= low and (high is None or fact.working_days <= high):
            return label
    return UNKNOWN  # a negative duration (closed before received) is not a duration


def suppress(cells: dict[str, int], total: int) -> dict[str, Shown]:
    """The cells as shown: 1–4 → «<5», plus complementary «x» until the total no longer gives any
    hidden cell away. `total` is the sum of the cells and is printed by the caller."""
    shown: dict[str, Shown] = {k: (SMALL if 0 < v < THRESHOLD else v) for k, v in cells.items()}
    while True:
        small = [k for k, v in shown.items() if v == SMALL]
        hidden = [k for k, v in shown.items() if v == HIDDEN]
        if not small:
            return shown
        rest = total - sum(v for v in shown.values() if isinstance(v, int))
        # The hidden sum is known from the total. It gives a hidden cell away when it is the only
        # one, or when the sum is the least or (with no «x» cell, which has no upper bound) the
        # most the hidden cells can hold.
        least = len(small) + THRESHOLD * len(hidden)
        determined = (len(small) + len(hidden) == 1 or rest == least
                      or (not hidden and rest == (THRESHOLD - 1) * len(small)))
        if not determined:
            return shown
        candidates = sorted((v, k) for k, v in shown.items() if isinstance(v, int) and v > 0)
        if not candidates:
            return {k: (HIDDEN if v not in (0, SMALL) else v) for k, v in shown.items()}
        shown[candidates[0][1]] = HIDDEN


def _categories(facts: list[CaseFact]) -> tuple[Counter, Counter, Counter]:
    quarters: Counter = Counter({f"K{q}": 0 for q in range(1, 5)})
    outcomes: Counter = Counter()
    durations: Counter = Counter({label: 0 for _, _, label in DURATION_BUCKETS})
    for f in facts:
        quarters[f"K{f.quarter}" if f.quarter else UNKNOWN] += 1
        outcomes[OPEN if f.open else (f.outcome or UNKNOWN)] += 1
        durations[duration_bucket(f)] += 1
    return quarters, outcomes, durations


def tabulate(facts: list[CaseFact], year: int | None = None) -> list[Group]:
    """One group per workflow and year of receipt (only `year` when given), suppressed."""
    by_group: dict[tuple[str, int], list[CaseFact]] = {}
    for f in facts:
        if year is None or f.year == year:
            by_group.setdefault((f.workflow, f.year), []).append(f)
    out: list[Group] = []
    for (workflow, y), members in sorted(by_group.items()):
        total = len(members)
        if total < THRESHOLD:
            out.append(Group(workflow, y, SMALL))
            continue
        quarters, outcomes, durations = _categories(members)
        days = [f.working_days for f in members if not f.open and f.working_days is not None
                and f.working_days >= 0]
        out.append(Group(
            workflow, y, total,
            quarters=suppress(dict(quarters), total),
            outcomes=suppress(dict(sorted(outcomes.items())), total),
            durations=suppress(dict(durations), total),
            median_working_days=float(median(days)) if len(days) >= THRESHOLD else None,
        ))
    return out
