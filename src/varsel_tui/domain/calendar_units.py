"""The deadline units a workflow file may use (kept apart from the calendar so that validating
a workflow does not import the holiday tables)."""

from typing import Literal, cast

Unit = Literal["virkedager", "dager", "uker", "måneder"]
UNITS = ("virkedager", "dager", "uker", "måneder")


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"unknown unit '{unit}'; use one of: {', '.join(UNITS)}")
    return unit


def as_unit(unit: str) -> Unit:
    """A unit already checked when its workflow was loaded, typed as such."""
    return cast(Unit, check_unit(unit))
