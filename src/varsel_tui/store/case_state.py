"""Tamper evidence of a case's plain state, and `case_access`: who may see a case, materialised.

Every write ends the same way, in the same transaction (a `before_commit` hook on the store's
sessions, so no write path can forget it):
1. the digest of the case's plain state (domain/state_digest.py) is recorded in the journal
   entries this write appended (and covered by their hashes);
2. the case's `case_access` rows are replaced with who the entitlement rule gives now — as the
   last statements, so a writer who has just lost access could still read back what they wrote
   in the transaction (also under PostgreSQL row-level security that trusts `case_access`).

A read recomputes the digest and compares it with the newest journal entry's (`check`); `audit`
does it for every case and also reports access rows the rule does not give. What this cannot
catch is someone who rewrites the digest and the journal's hash chain as well (README).
"""

from __future__ import annotations

import struct
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, func, text
from sqlmodel import Session, col, select

from ..domain.state_digest import describe, differences, state_digest
from .models import (
    Case,
    CaseAccess,
    CaseKey,
    Document,
    Draft,
    Hearing,
    History,
    JournalEntry,
    Letter,
    Measure,
    Party,
    Setting,
    User,
    row_id,
)
from .secrets import SECRET, CaseTampered

if TYPE_CHECKING:
    from .unit import Db

_TOUCHED = "varsel_touched_cases"  # Session.info: case id → (case, journal entries appended)
ADOPTED_SETTING = "case_state_recorded"  # set once every existing case has a recorded state


def install(db: "Db", s: Session) -> Session:
    """Make every commit of `s` end with the digest and the access rows of the cases it touched."""
    event.listen(s, "before_commit", lambda session: finish(db, session))
    return s


def touch(s: Session, case: Case) -> None:
    """Mark `case` as written in this transaction: its access rows are replaced at commit."""
    s.info.setdefault(_TOUCHED, {}).setdefault(case.id, (case, []))


def pending(s: Session, case: Case, entry: JournalEntry, text: str) -> None:
    """A journal entry for `case` (not yet added), written by `settle` with its text."""
    s.info.setdefault(_TOUCHED, {}).setdefault(case.id, (case, []))[1].append((entry, text))


def settle(db: "Db", s: Session) -> None:
    """Write this transaction's pending journal entries, each carrying the digest of its case's
    state as it is now (the end of the write) and covered by its hash.

    An entry is inserted and then filled in with one UPDATE (text or ciphertext, whose associated
    data names the row id, the link to the chain's head, the digest and the hash): a committee's
    database lets an entry be filled in only once. Called by `detail` (a write's last step, so the
    detail it returns shows the write's own entries) and at commit."""
    from ..crypto.audit import chain_hash
    from .journal import audit_event

    for case, entries in s.info.get(_TOUCHED, {}).values():
        if not entries:
            continue
        state = digest(s, case)
        prev = s.exec(select(JournalEntry.hash).where(JournalEntry.case_id == case.id)
                      .order_by(col(JournalEntry.id).desc()).limit(1)).first()
        with s.no_autoflush:
            for e, text in entries:
                s.add(e)
                s.flush()  # the row id is part of the ciphertext's associated data
                db.codec.seal_row(case, e, "text", text)
                e.prev_hash, e.state_digest = prev, state
                e.hash = prev = chain_hash(prev, audit_event(e))
                s.flush()
        entries.clear()


def finish(db: "Db", s: Session) -> None:
    settle(db, s)
    touched = s.info.pop(_TOUCHED, {})
    for case, _ in touched.values():  # last: the writer may lose their own access here
        materialise(db, s, case)
    s.flush()


# -- the digest --------------------------------------------------------------------------------

def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


_DIGESTED: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Party, ("id", "role", "anonymous", "concerns_body", "name", "name_ct")),
    (History, ("id", "kind", "ref", "on_date", "answers_json", "answers_ct")),
    (Measure, ("id", "due", "done_on", "title", "title_ct", "responsible", "responsible_ct")),
    (Hearing, ("id", "participants", "ends_on", "closed_on", "question", "question_ct")),
)


def _digest_of(case: Case, rows: dict[Any, list[Any]]) -> str:
    """The digest of `case` given its party, history, measure and hearing rows."""
    case_row = _row(case, ("number", "workflow_id", "status", "classification", "body", "concerns",
                           "key_generation", "received", "created_by", "title", "title_ct", "intake_json",
                           "intake_ct"))
    parties, history, measures, hearings = ([_row(r, columns) for r in rows.get(model, [])]
                                            for model, columns in _DIGESTED)
    return state_digest(case_row, parties, history, measures, hearings)


def digest(s: Session, case: Case) -> str:
    """The case's plain state as stored now (no key needed)."""
    return _digest_of(case, {model: list(s.exec(select(model).where(model.case_id == case.id)))
                             for model, _ in _DIGESTED})


def _generation(ct: bytes | None) -> int:
    return struct.unpack(">I", bytes(ct)[:4])[0] if ct is not None and len(ct) >= 4 else 0


def problems(s: Session, case: Case) -> list[str]:
    """What about the case's stored data no varsel write could have produced ([] if nothing)."""
    found: list[str] = []
    recorded = s.exec(select(JournalEntry.state_digest).where(JournalEntry.case_id == case.id)
                      .order_by(col(JournalEntry.id).desc()).limit(1)).first()
    if recorded is None:
        found.append("no recorded state (its journal's newest entries were removed or emptied)")
    else:
        changed = differences(recorded, digest(s, case))
        if changed:
            found.append(describe(changed))
    if case.classification == SECRET and (case.title is not None or case.intake_json is not None):
        found.append("a plain title or intake on a strictly secret case")
    if case.classification == SECRET and s.exec(select(Document.id).where(
            Document.case_id == case.id, col(Document.content).is_not(None) | col(Document.filename).is_not(None)
            | col(Document.text).is_not(None)).limit(1)).first() is not None:
        found.append("a plain document on a strictly secret case")
    newest = max([_generation(case.title_ct), _generation(case.intake_ct)] + [
        _generation(ct) for model, column in ((Party, Party.name_ct), (History, History.answers_ct),
                                              (JournalEntry, JournalEntry.text_ct), (Draft, Draft.answers_ct),
                                              (Measure, Measure.title_ct), (Hearing, Hearing.question_ct),
                                              (Document, Document.filename_ct), (Letter, Letter.body_ct))
        for ct in s.exec(select(column).where(model.case_id == case.id, col(column).is_not(None)))])
    wrapped = s.exec(select(func.max(CaseKey.key_version)).where(CaseKey.case_id == case.id)).one() or 0
    if max(newest, wrapped) > case.key_generation:
        found.append(f"key generation rolled back to {case.key_generation} "
                     f"(data or key wraps of generation {max(newest, wrapped)} exist)")
    return found


def check(s: Session, case: Case) -> None:
    """CaseTampered if the case's stored data was altered behind varsel's back."""
    found = problems(s, case)
    if found:
        raise CaseTampered(case.number, "; ".join(found))


# -- who may see the case ----------------------------------------------------------------------

def _real_today() -> date:
    from ..clock import real_today

    return real_today()


def materialise(db: "Db", s: Session, case: Case, *, adopting: bool = False) -> None:
    """Replace the case's `case_access` rows with the entitled set.

    A strictly secret case whose accused names this process cannot open (an administrator
    changing a body's members) can only lose rows here: who is named as accused is unknown, so
    nobody is added until someone holding the key writes or runs `varsel access sync`. When
    `adopting` a database from before, rows are given by the rest of the rule (the key layer
    still refuses an accused person their key)."""
    from . import access

    accused = access.accused_names_if_open(db, s, case)
    want = access.entitled_users(db, s, case, accused=accused or set())
    have = {r.user_name: r for r in s.exec(select(CaseAccess).where(CaseAccess.case_id == case.id))}
    if accused is None and not adopting:
        want = {u: until for u, until in want.items() if u in have}
    # Only what changes, grants before removals and the acting user's own row last: under a
    # committee's row-level security a row may be written only while the writer can still see the case.
    for user, until in sorted(want.items()):
        if user not in have:
            s.add(CaseAccess(case_id=row_id(case), user_name=user, until=until))
        elif have[user].until != until:
            have[user].until = until
            s.add(have[user])
    s.flush()
    for user in sorted(set(have) - set(want), key=lambda u: u == db.actor):
        s.delete(have[user])
        s.flush()


def has_row(s: Session, case: Case, user: str) -> bool:
    """Whether `user` has a `case_access` row for the case valid today (real clock)."""
    until = s.exec(select(col(CaseAccess.until), col(CaseAccess.id)).where(CaseAccess.case_id == case.id,
                                                                CaseAccess.user_name == user)).first()
    return until is not None and (until[0] is None or until[0] >= _real_today())


def stray_access(db: "Db", s: Session, case: Case) -> list[str]:
    """Users with a current `case_access` row the entitlement rule does not give them."""
    from . import access

    accused = access.accused_names_if_open(db, s, case) or set()
    want = access.entitled_users(db, s, case, accused=accused)
    today = _real_today()
    return sorted(r.user_name for r in s.exec(select(CaseAccess).where(CaseAccess.case_id == case.id))
                  if r.user_name not in want and (r.until is None or r.until >= today))


def audit(db: "Db", s: Session) -> list[str]:
    """One line per case whose stored state or access rows were altered outside varsel."""
    lines: list[str] = []
    for case in s.exec(select(Case).order_by(Case.number)):
        for problem in problems(s, case):
            lines.append(f"case {case.number}: stored data altered outside varsel: {problem}")
        stray = stray_access(db, s, case)
        if stray:
            lines.append(f"case {case.number}: access rows the workflow does not give (ignored): "
                         f"{', '.join(stray)}")
    return lines


# -- databases from before ---------------------------------------------------------------------

def adopt(db: "Db", s: Session, cases: list[Case]) -> None:
    """Record the state and access rows of cases written without them (a database from before
    this check, bulk demo data): one journal entry each carrying the digest (no text, so none
    needs sealing)."""
    from ..crypto.audit import chain_hash
    from . import access
    from .journal import audit_event

    # In batches, with each table read once per batch: bulk demo data adopts 100,000 cases.
    members: dict[str, set[str]] = {}

    def members_of(body: str) -> set[str]:
        if body not in members:
            members[body] = access.members_of(s, [body])
        return members[body]

    users = {u.name: u.display_name or "" for u in s.exec(select(User))}
    for start in range(0, len(cases), 500):
        batch = cases[start:start + 500]
        ids = [row_id(c) for c in batch]
        rows: dict[int, dict[Any, list[Any]]] = {i: {} for i in ids}
        for model, _ in _DIGESTED:
            for r in s.exec(select(model).where(model.case_id.in_(ids))):
                rows[r.case_id].setdefault(model, []).append(r)
        newest = select(func.max(JournalEntry.id)).where(col(JournalEntry.case_id).in_(ids)).group_by(col(JournalEntry.case_id))
        heads = {cid: h for cid, h in s.exec(select(JournalEntry.case_id, JournalEntry.hash)
                                             .where(col(JournalEntry.id).in_(newest)))}
        s.execute(delete(CaseAccess).where(col(CaseAccess.case_id).in_(ids)))
        for case in batch:
            case_id = row_id(case)
            e = JournalEntry(case_id=case_id, at=db.now(), by="varsel", kind="state", prev_hash=heads.get(case_id),
                             state_digest=_digest_of(case, rows[case_id]))
            e.hash = chain_hash(e.prev_hash, audit_event(e))
            s.add(e)
            # The rule as materialise() applies it; names of a strictly secret case's accused are sealed
            # here (the key layer still refuses an accused person their key).
            accused = set() if case.classification == SECRET else {
                p.name.strip() for p in rows[case_id].get(Party, []) if p.role == "anklagede" and p.name}
            entitled = access.entitled_users(
                db, s, case, accused=accused, users=users, members=members_of,
                hearings=[(h.participants.split(","), h.ends_on, h.closed_on) for h in rows[case_id].get(Hearing, [])])
            s.add_all(CaseAccess(case_id=case_id, user_name=u, until=until) for u, until in sorted(entitled.items()))
        s.flush()


def needs_adoption(s: Session) -> bool:
    """Whether this database has cases from before and the login may record their state (a
    committee's officer may not: an administrator's or the owner's open does it)."""
    if s.get_bind().dialect.name != "sqlite" and not s.execute(
            text("SELECT has_table_privilege('settings', 'INSERT') AND has_table_privilege('journal', 'INSERT')")).one()[0]:
        return False
    return s.get(Setting, ADOPTED_SETTING) is None and s.exec(select(Case.id).limit(1)).first() is not None


def adopt_existing(db: "Db", s: Session) -> None:
    """Once per database: adopt every case that has no recorded state yet (the caller commits).
    Afterwards a case without one is reported as altered, never adopted again (that would
    launder an edit). An empty database stays empty (a restore wants that)."""
    db.lock_chain(s, None)  # processes opening the database at once: one adopts, the others see its flag
    if not needs_adoption(s):
        return
    recorded = select(JournalEntry.case_id).where(col(JournalEntry.state_digest).is_not(None))
    adopt(db, s, list(s.exec(select(Case).where(col(Case.id).not_in(recorded)).order_by(col(Case.id)))))
    s.add(Setting(key=ADOPTED_SETTING, value="1"))
