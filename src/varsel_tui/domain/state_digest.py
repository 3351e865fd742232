"""A canonical digest of a case's plain state (pure: no I/O).

What access and deadlines depend on — the case row's routing columns, its parties, history,
measures and hearings, and the title and intake (as hashes of the plain text or of the
ciphertext, so no key is needed) — is digested per section and recorded with every journal
entry. A later read recomputes it: a deleted party row, a flipped status or a forged title no
longer matches, and the sections that differ say where.

Format: ``v1 number=H workflow_id=H status=H … title=H parties=H history=H measures=H hearings=H``
with H the first 32 hex digits of SHA-256 over the section's canonical JSON (each case column is
its own section, so a message can say "status" rather than "the case row"). The digest is not keyed: someone who can
write the database and recomputes it (and the journal's hash chain) is not caught by it alone;
see the README's threat model.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Iterable, Mapping

VERSION = "v1"
CASE_FIELDS = ("number", "workflow_id", "status", "classification", "body", "concerns", "key_generation",
               "received", "created_by")
SECTIONS = CASE_FIELDS + ("title", "parties", "history", "measures", "hearings")


def text_hash(value: str | bytes | bytearray | memoryview | None) -> str | None:
    """A plain text or a ciphertext as a hash (None stays None)."""
    if value is None:
        return None
    raw = bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else str(value).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return text_hash(value)
    return value


def _section(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def _rows(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]) -> list[list[Any]]:
    return sorted(([_plain(r.get(f)) for f in fields] for r in rows), key=lambda r: r[0])


def state_digest(case: Mapping[str, Any], parties: Iterable[Mapping[str, Any]], history: Iterable[Mapping[str, Any]],
                 measures: Iterable[Mapping[str, Any]], hearings: Iterable[Mapping[str, Any]]) -> str:
    """The digest of one case. Rows are mappings of column → value (an `id` first in each);
    secret-capable columns are given as both the plain column and its `_ct` twin."""
    sections: dict[str, Any] = {f: _plain(case.get(f)) for f in CASE_FIELDS}
    sections.update({
        "title": [text_hash(case.get("title")), text_hash(case.get("title_ct")),
                  text_hash(case.get("intake_json")), text_hash(case.get("intake_ct"))],
        "parties": _rows(({**p, "name": text_hash(p.get("name")), "name_ct": text_hash(p.get("name_ct"))}
                          for p in parties), ("id", "role", "anonymous", "concerns_body", "name", "name_ct")),
        "history": _rows(({**h, "answers_json": text_hash(h.get("answers_json")),
                           "answers_ct": text_hash(h.get("answers_ct"))} for h in history),
                         ("id", "kind", "ref", "on_date", "answers_json", "answers_ct")),
        "measures": _rows(({**m, "title": text_hash(m.get("title")), "title_ct": text_hash(m.get("title_ct")),
                            "responsible": text_hash(m.get("responsible")),
                            "responsible_ct": text_hash(m.get("responsible_ct"))} for m in measures),
                          ("id", "due", "done_on", "title", "title_ct", "responsible", "responsible_ct")),
        "hearings": _rows(({**h, "question": text_hash(h.get("question")),
                            "question_ct": text_hash(h.get("question_ct"))} for h in hearings),
                          ("id", "participants", "ends_on", "closed_on", "question", "question_ct")),
    })
    return " ".join([VERSION] + [f"{name}={_section(sections[name])}" for name in SECTIONS])


def differences(recorded: str | None, current: str) -> list[str]:
    """The sections whose digest differs (every section if `recorded` is missing or unreadable)."""
    def parse(text: str | None) -> dict[str, str]:
        parts = (text or "").split()
        if not parts or parts[0] != VERSION:
            return {}
        return dict(p.split("=", 1) for p in parts[1:] if "=" in p)

    old, new = parse(recorded), parse(current)
    return [name for name in SECTIONS if old.get(name) != new.get(name)]


SECTION_WORDS = {"workflow_id": "workflow", "key_generation": "key generation", "created_by": "registered by",
                 "title": "title or intake", "history": "step history"}


def describe(sections: list[str]) -> str:
    """What differs, in words for the one-line message."""
    return ", ".join(SECTION_WORDS.get(s, s) for s in sections) + " changed since the last recorded change"
