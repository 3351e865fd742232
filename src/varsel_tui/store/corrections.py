"""Corrections with a trail: amend intake answers and party details, withdraw a party or a
measure added by mistake, void a case registered in error.

Each correction needs a reason and is one journal event naming what was, what is now and why
(sealed like every journal text of a strictly secret case). Corrections that change what the
deadlines or the entitlement depend on replay the case (`refresh`), so deadlines and who may see
the case follow at once. A void case is kept and marked: its status is `void` — the status is part
of the recorded case state, so an un-voiding behind varsel's back is detected — which takes it out
of the open queue and the due lists; `case show` and a status filter still find it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from ..domain.conditions import Context
from ..domain.engine import EngineError
from ..domain.forms import date_problems, validate
from ..domain.policy import PARTY_ROLES, SECRET, raises_classification
from . import access, journal
from .cases import claim, classification_for, refresh, touch
from .db import StoreError
from .directory import find_body
from .errors import NotFound, ValidationFailed
from .models import VOID, Case, Measure, Party
from .reads import CaseDetail, detail, load_case, registered_bodies, today
from .unit import Db


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise StoreError("a correction needs a reason (--reason); nothing was changed")
    return reason


def _refresh(db: Db, s: Session, case: Case, by: str) -> None:
    try:
        refresh(db, s, case, db.workflow(case.workflow_id), by=by)
    except EngineError as exc:
        raise StoreError(f"the correction does not fit the case's history: {exc}; nothing was changed") from None


def _not_void(case: Case) -> None:
    if case.status == VOID:
        raise StoreError(f"case {case.number} is void (registered in error); nothing was changed")


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "–"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def amend_intake(db: Db, number: str, changes: dict[str, Any], *, reason: str, by: str,
                 expected_version: int | None = None) -> CaseDetail:
    """Change intake answers (an empty value removes one); checked against the intake form as at
    registration. Deadlines and the classification follow (a classification is only ever raised)."""
    why = _reason(reason)
    if not changes:
        raise StoreError("nothing to amend (give FIELD=VALUE)")

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        _not_void(case)
        wf = db.workflow(case.workflow_id)
        known = {f.id for f in wf.intake.form.fields}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise StoreError(f"the intake of {wf.id} has no field {', '.join(unknown)} "
                             f"(fields: {', '.join(sorted(known))})")
        old = json.loads(db.codec.open_row(case, case, "intake_json") or "{}")
        new = {k: v for k, v in {**old, **changes}.items() if v not in (None, "", [])}
        clean, problems = validate(wf.intake.form, new, Context({}, bodies=registered_bodies(s)))
        # as at registration: a date that has to have happened is not after today
        errors = [p for p in problems + date_problems(wf.intake.form, clean, today()) if p.severity == "error"]
        if errors:
            raise ValidationFailed(errors)
        changed = [k for k in sorted(changes) if old.get(k) != clean.get(k)]
        if not changed:
            raise StoreError("the answers are as given already; nothing was changed")
        claim(db, s, case, expected_version)
        db.codec.seal_row(case, case, "intake_json", json.dumps(clean, ensure_ascii=False))
        what = "; ".join(f"{k}: {_shown(old.get(k))} → {_shown(clean.get(k))}" for k in changed)
        journal.append(db, s, case, by, "correction", f"mottak rettet: {what} (begrunnelse: {why})")
        # Only an answer the workflow grades by raises the grade (never lowered): an unrelated
        # correction leaves the grade the officer chose at registration as it is.
        level = classification_for(wf, clean, None, False)
        if level != classification_for(wf, old, None, False) and raises_classification(case.classification, level):
            if level == SECRET:
                access.seal_existing(db, s, case, by, why="omklassifisert til strengt hemmelig ved retting")
            else:
                case.classification = level
            journal.append(db, s, case, by, "correction", f"gradering hevet til {level} etter rettingen")
        _refresh(db, s, case, by)
        return detail(db, s, case)

    return db.writing(work)


def _party(s: Session, case: Case, party_id: int) -> Party:
    p = s.get(Party, party_id)
    if p is None or p.case_id != case.id:
        raise NotFound(f"case {case.number} has no party #{party_id}")
    return p


def _describe(db: Db, case: Case, p: Party) -> str:
    name = db.codec.open_row(case, p, "name") or "(uten navn)"
    return f"{p.role} {name}" + (" (anonym)" if p.anonymous else "") + (f" [{p.concerns_body}]" if p.concerns_body else "")


def edit_party(db: Db, number: str, party_id: int, *, reason: str, by: str, role: str | None = None,
               name: str | None = None, anonymous: bool | None = None, body: str | None = None,
               expected_version: int | None = None) -> CaseDetail:
    """Correct a party's role, name, anonymity or body (`body=""` removes it); who may see the
    case is recomputed."""
    why = _reason(reason)
    if role is not None and role not in PARTY_ROLES:
        raise StoreError(f"unknown party role '{role}' (use one of: {', '.join(PARTY_ROLES)})")

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        _not_void(case)
        p = _party(s, case, party_id)
        before = _describe(db, case, p)
        if body:
            find_body(s, body)
        claim(db, s, case, expected_version)
        if role is not None:
            p.role = role
        if anonymous is not None:
            p.anonymous = anonymous
        if body is not None:
            p.concerns_body = body or None
        if name is not None:
            db.codec.seal_row(case, p, "name", name.strip() or None)
        s.add(p)
        s.flush()
        after = _describe(db, case, p)
        if after == before:
            raise StoreError(f"party #{party_id} is as given already; nothing was changed")
        journal.append(db, s, case, by, "correction", f"part #{party_id} rettet: {before} → {after} "
                                                      f"(begrunnelse: {why})")
        _refresh(db, s, case, by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def remove_party(db: Db, number: str, party_id: int, *, reason: str, by: str,
                 expected_version: int | None = None) -> CaseDetail:
    """Withdraw a party added by mistake: the row goes, the journal keeps who it was and why."""
    why = _reason(reason)

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        _not_void(case)
        p = _party(s, case, party_id)
        claim(db, s, case, expected_version)
        journal.append(db, s, case, by, "correction", f"part #{party_id} fjernet (lagt til ved en feil): "
                                                      f"{_describe(db, case, p)} (begrunnelse: {why})")
        s.delete(p)
        s.flush()
        _refresh(db, s, case, by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def remove_measure(db: Db, number: str, measure_id: int, *, reason: str, by: str,
                   expected_version: int | None = None) -> CaseDetail:
    """Withdraw a measure added by mistake: the row goes, the journal keeps what it was and why."""
    why = _reason(reason)

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        _not_void(case)
        m = s.get(Measure, measure_id)
        if m is None or m.case_id != case.id:
            raise NotFound(f"case {number} has no measure #{measure_id}")
        touch(db, s, case)
        title = db.codec.open_row(case, m, "title") or ""
        done = f", gjennomført {m.done_on.isoformat()}" if m.done_on else ""
        journal.append(db, s, case, by, "correction", f"tiltak #{measure_id} fjernet (lagt til ved en feil): "
                                                      f"{title}{done} (begrunnelse: {why})")
        s.delete(m)
        s.flush()
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def void_case(db: Db, number: str, *, reason: str, by: str, expected_version: int | None = None) -> CaseDetail:
    """Mark a case registered in error as void: kept with everything in it, out of the queue and
    the due lists, closed for further steps; its retention period runs from today."""
    why = _reason(reason)

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        _not_void(case)
        claim(db, s, case, expected_version)
        case.status, case.outcome, case.closed_on = VOID, "annullert (registrert ved en feil)", today()
        journal.append(db, s, case, by, "void", f"saken annullert: registrert ved en feil (begrunnelse: {why})")
        _refresh(db, s, case, by)
        return detail(db, s, case)

    return db.writing(work)
