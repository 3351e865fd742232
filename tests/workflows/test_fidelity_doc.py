"""docs/fidelity.md reads every procedure against its workflow rule by rule: every step of every
bundled workflow has a row, so a step cannot be added without saying how it meets its procedure,
and the summary counts are the verdicts the rows give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from varsel_tui.workflows import BUNDLED_DIR, load_file

DOC = Path(__file__).resolve().parents[2] / "docs" / "fidelity.md"
VERDICTS = ("faithful", "partial", "outside", "absent")
BUNDLED = sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def _sections() -> dict[str, list[list[str]]]:
    """Table rows (as cells) under each `## … (`workflow-id`)` heading."""
    out: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            m = re.search(r"\(`([a-z0-9-]+)`\)\s*$", line)
            current = m.group(1) if m else None
            if current:
                out[current] = []
        elif current and line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] != "Rule":
                out[current].append(cells)
    return out


def _verdict(cells: list[str]) -> str | None:
    m = re.search(r"\*\*(" + "|".join(VERDICTS) + r")\*\*", cells[-1])
    return m.group(1) if m else None


def test_every_bundled_workflow_has_a_section() -> None:
    assert set(BUNDLED) <= set(_sections())


@pytest.mark.parametrize("workflow_id", BUNDLED)
def test_every_step_has_a_row(workflow_id: str) -> None:
    wf = load_file(BUNDLED_DIR / f"{workflow_id}.toml")
    named: set[str] = set()
    for cells in _sections().get(workflow_id, []):
        # Step ids are whole tokens of the first cell, after its last «·» when it has one:
        # «3.1 / 4.2 / 5.2», «Item 4 · 4», «Mottak, 5th bullet · M2».
        ids = cells[0].rsplit("·", 1)[-1]
        named.update(re.findall(r"(?<![\w.])([A-Z]?\d+(?:\.\d+)?)(?![\w.])", ids))
    missing = [s.id for s in wf.steps if s.id not in named]
    assert not missing, f"docs/fidelity.md has no row for {workflow_id} step(s) {', '.join(missing)}"


@pytest.mark.parametrize("workflow_id", BUNDLED)
def test_every_row_has_one_verdict(workflow_id: str) -> None:
    rows = _sections()[workflow_id]
    assert rows
    assert [c[0] for c in rows if _verdict(c) is None] == []


def test_summary_counts_are_the_rows_verdicts() -> None:
    sections = _sections()
    text = DOC.read_text(encoding="utf-8")
    for workflow_id, rows in sections.items():
        m = re.search(r"^\| `" + re.escape(workflow_id) + r"` \|([^\n]*)$", text, re.M)
        assert m, f"no summary row for {workflow_id}"
        given = [int(n) for n in re.findall(r"\d+", m.group(1))]
        counted = [sum(1 for c in rows if _verdict(c) == v) for v in VERDICTS]
        assert given == [*counted, len(rows)], workflow_id
