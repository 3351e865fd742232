"""Anonymised statistics: counts under 5 shown as «<5», and never recoverable from a printed total."""

from __future__ import annotations

import itertools

import pytest

from varsel_tui.domain.statistics import HIDDEN, SMALL, CaseFact, suppress, tabulate


def _recoverable(cells: dict[str, int], shown: dict, total: int) -> bool:
    """Does the printed table pin down any hidden cell? Try every assignment the reader allows."""
    hidden = [k for k, v in shown.items() if v in (SMALL, HIDDEN)]
    ranges = [range(1, 5) if shown[k] == SMALL else range(5, total + 1) for k in hidden]
    rest = total - sum(v for v in shown.values() if isinstance(v, int))
    options = [combo for combo in itertools.product(*ranges) if sum(combo) == rest]
    assert tuple(cells[k] for k in hidden) in options
    return any(len({combo[i] for combo in options}) == 1 for i in range(len(hidden)))


@pytest.mark.parametrize("cells", [
    {"a": 3, "b": 7},                      # one small cell: the total would give it away
    {"a": 1, "b": 1, "c": 9},              # two small cells summing to their least: both 1
    {"a": 4, "b": 4, "c": 9},              # … or to their most: both 4
    {"a": 2, "b": 0, "c": 12, "d": 6},
    {"a": 1, "b": 5, "c": 20},             # «<5» + «x» at their least (1 + 5)
    {"a": 2, "b": 3, "c": 10},
    {"a": 0, "b": 15},
])
def test_no_hidden_cell_can_be_worked_out_from_the_total(cells):
    total = sum(cells.values())
    shown = suppress(cells, total)
    for k, v in cells.items():
        assert shown[k] == v or (shown[k] == SMALL and 0 < v < 5) or (shown[k] == HIDDEN and v >= 5)
    assert not _recoverable(cells, shown, total), shown


def test_the_complementary_cell_is_the_smallest_shown_and_zeros_stay():
    assert suppress({"a": 3, "b": 0, "c": 12, "d": 6}, 21) == {"a": SMALL, "b": 0, "c": 12, "d": HIDDEN}
    assert suppress({"a": 2, "b": 3, "c": 10}, 15) == {"a": SMALL, "b": SMALL, "c": 10}


def _facts(n: int, workflow: str = "ntnu-avvik", **kw) -> list[CaseFact]:
    base = {"year": 2026, "quarter": 1, "outcome": "lukket", "working_days": 8}
    return [CaseFact(workflow=workflow, **{**base, **kw}) for _ in range(n)]


def test_a_group_under_five_shows_only_that_and_no_breakdown():
    [g] = tabulate(_facts(4, outcome="avvist"))
    assert (g.total, g.quarters, g.outcomes, g.durations, g.median_working_days) == (SMALL, {}, {}, {}, None)


def test_groups_per_workflow_and_year_with_rows_kept_after_destruction():
    facts = (_facts(6) + _facts(2, working_days=30, quarter=2) + _facts(1, open=True, outcome="", working_days=None)
             + _facts(5, quarter=None, working_days=None, outcome="lukket")  # destroyed: kept rows
             + _facts(7, year=2025) + _facts(3, workflow="ntnu-klage"))
    groups = tabulate(facts)
    assert [(g.workflow, g.year, g.total) for g in groups] == [
        ("ntnu-avvik", 2025, 7), ("ntnu-avvik", 2026, 14), ("ntnu-klage", 2026, SMALL)]
    g = groups[1]
    assert g.quarters == {"K1": 7, "K2": SMALL, "K3": 0, "K4": 0, "ukjent": HIDDEN}
    assert g.outcomes == {"lukket": HIDDEN, "åpen": SMALL}  # 13 shown would give the «<5» away
    assert g.durations == {"0–10": 6, "11–20": 0, "21–40": SMALL, "over 40": 0, "åpen": SMALL, "ukjent": 5}
    assert g.median_working_days == 8.0  # over the 8 closed cases whose duration was kept
    assert [g.workflow for g in tabulate(facts, 2025)] == ["ntnu-avvik"]


def test_outcome_table_with_a_single_small_cell_hides_a_second():
    g = tabulate(_facts(9) + _facts(2, outcome="avvist"))[0]
    assert g.outcomes == {"avvist": SMALL, "lukket": HIDDEN}


def test_no_median_over_fewer_than_five_closed_cases():
    g = tabulate(_facts(4) + _facts(3, open=True, outcome="", working_days=None))[0]
    assert g.median_working_days is None
