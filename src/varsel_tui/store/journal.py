"""The audit journal: appending to a hash chain (one per case, one for the organisation) and
verifying the chains."""

from __future__ import annotations

import hashlib
from datetime import timezone
from typing import Any

from sqlmodel import Session, col, select

from .models import Case, JournalEntry, row_id
from .unit import Db


def audit_event(e: JournalEntry) -> dict[str, Any]:
    """What the audit hash covers: everything in the entry but its own hashes."""
    at = e.at.astimezone(timezone.utc).replace(tzinfo=None) if e.at.tzinfo else e.at
    event = {"case": e.case_id, "at": at.isoformat(timespec="microseconds"), "by": e.by, "kind": e.kind,
             "text": e.text, "text_ct": hashlib.sha256(e.text_ct).hexdigest() if e.text_ct else None}
    if e.state_digest is not None:  # entries from before the digest keep verifying
        event["state_digest"] = e.state_digest
    return event


def append(db: Db, s: Session, case: Case | None, by: str, kind: str, text: str) -> None:
    """Append to the case's hash chain (cases without a case id share the global chain).

    A case's entry is written at the end of the write (case_state.settle), because it also
    records the case's state after the whole write."""
    from ..crypto.audit import chain_hash

    case_id = case.id if case is not None else None
    db.lock_chain(s, case_id)  # the chain's head stays the head until this write commits
    e = JournalEntry(case_id=case_id, at=db.now(), by=by, kind=kind)
    if case is not None:
        from .case_state import pending

        pending(s, case, e, text)
        return
    last = s.exec(select(JournalEntry.hash).where(col(JournalEntry.case_id).is_(None))
                  .order_by(col(JournalEntry.id).desc()).limit(1)).first()
    e.text, e.prev_hash = text, last
    e.hash = chain_hash(last, audit_event(e))
    s.add(e)
    s.flush()


def verify(db: Db) -> tuple[int, list[tuple[int, str | None]]]:
    """(entries checked, [(first broken entry id, case number) per broken chain])."""
    from ..crypto.audit import verify_chain

    broken: list[tuple[int, str | None]] = []
    with db.reading() as s:
        entries = list(s.exec(select(JournalEntry).order_by(col(JournalEntry.case_id), col(JournalEntry.id))))
        chains: dict[int | None, list[JournalEntry]] = {}
        for e in entries:
            chains.setdefault(e.case_id, []).append(e)
        for case_id, rows in chains.items():
            bad = verify_chain([(audit_event(e), e.hash or "") for e in rows])
            if bad is not None:
                case = s.get(Case, case_id) if case_id is not None else None
                broken.append((row_id(rows[bad]), case.number if case else None))
    return len(entries), broken
