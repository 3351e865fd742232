"""Hash-chained audit journal helpers (hashlib only).

Each row stores ``hash = SHA-256(prev_hash || canonical(event))`` where ``prev_hash``
is the previous row's 32-byte hash (32 zero bytes for the first row). Editing,
deleting, inserting or reordering rows breaks the chain from that point on.

Limits: dropping rows at the *end* leaves a valid shorter chain, and someone with
write access can recompute every hash after an edit. Recording the head hash outside
the database (printed reports, exports, another system) is what closes both gaps.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS", "canonical", "chain_hash", "verify_chain"]

GENESIS = "0" * 64


def canonical(event: dict[str, Any]) -> bytes:
    """Sorted-keys compact JSON in UTF-8. Values must be JSON types (str, int, float, bool, None, list, dict)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def chain_hash(prev_hash_hex: str | None, event: dict[str, Any]) -> str:
    """Hex SHA-256 over the previous hash (raw 32 bytes; zeros if None) and the canonical event."""
    prev = bytes.fromhex(prev_hash_hex if prev_hash_hex is not None else GENESIS)
    if len(prev) != 32:
        raise ValueError("previous hash must be 64 hex characters")
    return hashlib.sha256(prev + canonical(event)).hexdigest()


def verify_chain(rows: list[tuple[dict[str, Any], str]]) -> int | None:
    """Index of the first row whose stored hash does not match, or None if the chain holds."""
    prev: str | None = None
    for index, (event, stored) in enumerate(rows):
        try:
            expected = chain_hash(prev, event)
        except (TypeError, ValueError):  # event no longer serialisable / previous hash garbled
            return index
        if stored != expected:
            return index
        prev = stored
    return None
