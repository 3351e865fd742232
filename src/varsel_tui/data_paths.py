"""Where the bundled data lives (workflows, letter templates): one function, so the folder can
move (e.g. to a top-level data/ packaged into the wheel) by changing one line."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    return Path(__file__).parent / "data"
