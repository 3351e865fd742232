"""The deadline units a workflow file may use (kept apart from the calendar so that validating
a workflow does not import the holiday tables)."""

UNITS = ("virkedager", "dager", "uker", "måneder")


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"unknown unit '{unit}'; use one of: {', '.join(UNITS)}")
    return unit
