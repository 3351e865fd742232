"""Where the bundled data lives: the top-level data/ folder (workflows, letter templates, report
templates), which the wheel packages as varsel_tui/data (pyproject's force-include)."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).parent / "data"  # an installed wheel
_SOURCE = Path(__file__).resolve().parents[2] / "data"  # a source checkout or an editable install


def data_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE
