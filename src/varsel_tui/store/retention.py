"""Retention: closed cases past their period are destroyed, leaving anonymous statistics.

Destroying a case deletes its key wraps (crypto-shredding: every ciphertext of the case becomes
unreadable, also in copies of the database file), its ciphertext and every other row of it. On
SQLite, `secure_delete` overwrites the freed cells and a WAL checkpoint truncates the -wal file.
Backups made before the destruction still hold the wraps: the README's rule is that backups are
kept at most `backup_max_days` (default 30) days, so a destroyed case is gone everywhere after that.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from . import case_state, journal
from .db import StoreError
from .models import (
    Case,
    CaseAccess,
    CaseKey,
    CaseStatistic,
    Document,
    Draft,
    Hearing,
    History,
    JournalEntry,
    Letter,
    Measure,
    Party,
    Presence,
    Setting,
)
from .server import has_function
from .trust import admin_key
from .unit import Db

DEFAULT_BACKUP_MAX_DAYS = 30


def retention_days(db: Db, workflow_id: str) -> int:
    """The organisation's setting for the workflow, else the workflow file's."""
    with db.reading() as s:
        row = s.get(Setting, f"retention_days.{workflow_id}")
    if row is not None and row.value is not None:
        return int(row.value)
    return db.workflow(workflow_id).retention_days


def set_retention_days(db: Db, workflow_id: str, days: int) -> None:
    """An unlocked administrator's act."""
    db.workflow(workflow_id)  # unknown workflow → one clear error
    if days < 0:
        raise StoreError("a retention period cannot be negative")

    def work(s: Session) -> None:
        by, _ = admin_key(s, db.codec, "set retention periods")
        key = f"retention_days.{workflow_id}"
        row = s.get(Setting, key) or Setting(key=key)
        row.value = str(days)
        s.add(row)
        journal.append(db, s, None, by, "retention",
                       f"oppbevaringstid for {workflow_id}: {days} dager etter avslutning")

    db.writing(work)


def backup_max_days(db: Db) -> int:
    with db.reading() as s:
        row = s.get(Setting, "backup_max_days")
    return int(row.value) if row is not None and row.value else DEFAULT_BACKUP_MAX_DAYS


def expired_cases(db: Db, today: date) -> list[tuple[Case, date]]:
    """Closed cases whose retention period has run out, with the day it ran out."""
    from .. import workflows

    out: list[tuple[Case, date]] = []
    for wf_id in workflows.all_workflows():
        days = retention_days(db, wf_id)
        if days <= 0:
            continue
        cutoff = today - timedelta(days=days)
        with db.reading() as s:
            rows = s.exec(select(Case).where(Case.workflow_id == wf_id, Case.status != "open",
                                             col(Case.closed_on).is_not(None), col(Case.closed_on) <= cutoff)
                          .order_by(col(Case.closed_on), col(Case.number)))
            # The query keeps only closed_on IS NOT NULL; the check narrows the type.
            out.extend((c, c.closed_on + timedelta(days=days)) for c in rows if c.closed_on is not None)
    return out


def destroy_case(db: Db, number: str) -> str:
    """Destroy one expired case for good; an anonymous statistics row is all that is left.
    An unlocked administrator's act."""
    from ..clock import today

    def work(s: Session) -> None:
        by, _ = admin_key(s, db.codec, "destroy cases")
        case = s.exec(select(Case).where(Case.number == number)).first()
        days = retention_days(db, case.workflow_id) if case is not None else 0
        if (case is None or days <= 0 or case.status == "open" or case.closed_on is None
                or case.closed_on + timedelta(days=days) > today()):
            raise StoreError(f"case {number} is not past its retention period; nothing was destroyed")
        case_state.check(s, case)  # a status or closing date altered behind varsel's back destroys nothing
        s.add(CaseStatistic(workflow_id=case.workflow_id, year=case.year, classification=case.classification,
                            outcome=case.outcome, destroyed_on=today(),
                            closed_month=case.closed_on.strftime("%Y-%m") if case.closed_on else None))
        if has_function(s, "varsel_destroy_case(integer)"):  # a committee's: rows officers may not delete
            s.execute(text("SELECT varsel_destroy_case(:id)"), {"id": case.id})
        else:
            # Keys first: once the wraps are gone no copy of the ciphertext can be opened.
            for model in (CaseKey, Draft, History, JournalEntry, Letter, Measure, Hearing, Party, CaseAccess,
                          Presence, Document):
                s.execute(delete(model).where(col(model.case_id) == case.id))
            s.execute(update(Case).where(col(Case.linked_from) == case.id).values(linked_from=None))
            s.execute(update(Case).where(col(Case.linked_to) == case.id).values(linked_to=None))
            s.execute(delete(Case).where(col(Case.id) == case.id))
        journal.append(db, s, None, by, "destroyed", f"sak {number} ({case.workflow_id}) slettet etter "
                                                     "oppbevaringstiden; bare anonym statistikk er igjen")

    db.writing(work)
    db.checkpoint()
    return number


def statistics(db: Db) -> list[CaseStatistic]:
    with db.reading() as s:
        return list(s.exec(select(CaseStatistic).order_by(col(CaseStatistic.id))))


def audit_log(db: Db, *, limit: int = 200) -> list[dict]:
    """The newest journal events of every case and the organisation, without decrypting."""
    with db.reading() as s:
        rows = list(s.exec(select(JournalEntry, Case.number).join(Case, col(Case.id) == JournalEntry.case_id,
                                                                  isouter=True)
                           .order_by(col(JournalEntry.id).desc()).limit(limit)))
    return [{"at": e.at.isoformat(timespec="seconds"), "by": e.by, "kind": e.kind, "case": number,
             "text": e.text if not e.text_ct else None} for e, number in reversed(rows)]

