"""Re-registration: what a case carries into the procedure it is re-registered in (pure).

The new case keeps what is already known where the target's intake asks the same question (same
field id, a value its field accepts); what the target's intake requires and nobody has answered
is asked for before the new case becomes active.
"""

from __future__ import annotations

from typing import Any

from .conditions import Context
from .forms import Form, coerce, validate


def carried_intake(target: Form, known: dict[str, Any]) -> dict[str, Any]:
    """The answers of `known` that the target's intake form asks for and accepts as they are."""
    out: dict[str, Any] = {}
    for f in target.fields:
        if f.id not in known:
            continue
        try:
            value = coerce(f, known[f.id])
        except ValueError:
            continue  # e.g. UiO's kanal «nettskjema» is not a StInn channel: asked for again
        if value is not None and value != []:
            out[f.id] = value
    return out


def missing_intake(target: Form, intake: dict[str, Any], bodies: frozenset[str] | None = None) -> tuple[str, ...]:
    """Ids of the target intake's fields that still need an answer (required, or refused as given)."""
    _clean, problems = validate(target, intake, Context({}, bodies=bodies))
    return tuple(dict.fromkeys(p.field for p in problems if p.severity == "error"))
