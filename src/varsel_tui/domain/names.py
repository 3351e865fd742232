"""Comparing people's names: the same on every backend.

SQLite's lower() folds ASCII only and a name can arrive composed («Ø») or decomposed («O» +
U+0338), so names are compared in Python after Unicode NFC and casefold, with inner runs of
white space collapsed.
"""

from __future__ import annotations

import unicodedata

__all__ = ["name_key", "same_name"]


def name_key(name: str | None) -> str:
    """The form two names are compared in ("" for none)."""
    if not name:
        return ""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(folded.split())


def same_name(a: str | None, b: str | None) -> bool:
    ka = name_key(a)
    return bool(ka) and ka == name_key(b)
