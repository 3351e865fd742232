"""Foresight: whether a write about to be made moves the case away from the user making it.

The engine's preview knows where a step sends the case; this adds who may see it there (the
entitlement rule), and does the same for a party about to be added (an accused member of OU
moves a StInn case out of OU). Nothing is written: the officer is told, and asked, first.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from ..domain.conditions import Context
from ..domain.engine import Outcome, replay
from ..domain.forms import date_problems, validate
from ..domain.policy import SECRET, classify
from ..domain.reregister import missing_intake
from . import access
from .cases import bodies_of_person, concerned_bodies
from .models import Case
from .reads import acting_user, facts, history_items, load_case, registered_bodies, today
from .unit import Db


@dataclass
class Foresight:
    """What adding a party (or giving a re-registered case its intake) will do to where the case
    is and who may see it."""

    lines: list[str] = field(default_factory=list)
    body_before: str | None = None
    body_after: str | None = None
    loses_access: bool = False


def _accused(db: Db, s: Session, case: Case) -> set[str]:
    return access.accused_names_if_open(db, s, case) or set()


def mark_step(db: Db, s: Session, case: Case, outcome: Outcome) -> Outcome:
    """Set `outcome.loses_access` for the acting user (the one who would submit)."""
    who = acting_user(db)
    if who is not None:
        concerns = [b for b in case.concerns.split(",") if b]
        outcome.loses_access = not access.would_see(db, s, case, who, body=outcome.body_after,
                                                    concerns=concerns, accused=_accused(db, s, case))
    return outcome


def party_effect(db: Db, number: str, role: str, name: str = "", body: str | None = None) -> Foresight:
    """Where the case goes, and whether the acting user keeps it, once this party is added."""
    with db.reading() as s:
        case = load_case(db, s, number)
        wf = db.workflow(case.workflow_id)
        before = set(concerned_bodies(db, s, case))
        after = set(before)
        accused = _accused(db, s, case)
        if role == "anklagede":
            after |= {body} if body else set()
            after |= bodies_of_person(s, name)
            if name.strip():
                accused = accused | {name.strip()}
        base = facts(db, case)
        history = history_items(db, s, case)
        state = replay(wf, dataclasses.replace(base, concerns=lambda b: b in after), history, today())
        out = Foresight(body_before=case.body, body_after=state.body)
        if after != before:
            out.lines.append(f"Saken gjelder da {', '.join(sorted(after))} (konfliktregelen).")
        if state.status == "open" and out.body_after != out.body_before:
            out.lines.append(f"Saken flyttes til {out.body_after or case.created_by}.")
        who = acting_user(db)
        if who is not None and not access.would_see(db, s, case, who, body=state.body, concerns=sorted(after),
                                                    accused=accused):
            out.loses_access = True
            out.lines.append("Du mister tilgangen til saken når parten legges til.")
        return out


def intake_effect(db: Db, number: str, answers: dict[str, Any]) -> Foresight:
    """Where a re-registered case starts, how it is classified, and whether the acting user keeps
    it, once these intake answers are given (nothing when they are not complete yet)."""
    with db.reading() as s:
        case = load_case(db, s, number)
        wf = db.workflow(case.workflow_id)
        known = json.loads(db.codec.open_row(case, case, "intake_json") or "{}")
        clean, problems = validate(wf.intake.form, {**known, **answers}, Context({}, bodies=registered_bodies(s)))
        if any(p.severity == "error" for p in problems + date_problems(wf.intake.form, clean, today())):
            return Foresight(body_before=case.body, body_after=case.body)
        base = dataclasses.replace(facts(db, case), intake=clean, awaiting_intake=missing_intake(wf.intake.form, clean))
        state = replay(wf, base, history_items(db, s, case), today())
        out = Foresight(body_before=case.body, body_after=state.body)
        if state.current:
            out.lines.append(f"Saken starter i steg {state.current} {wf.step(state.current).title}.")
        if classify(wf, clean, None, False) == SECRET and case.classification != SECRET:
            out.lines.append("Saken graderes strengt hemmelig.")
        if out.body_after != out.body_before:
            out.lines.append(f"Saken flyttes til {out.body_after or case.created_by}.")
        who = acting_user(db)
        concerns = [b for b in case.concerns.split(",") if b]
        if who is not None and not access.would_see(db, s, case, who, body=state.body, concerns=concerns,
                                                    accused=_accused(db, s, case)):
            out.loses_access = True
            out.lines.append("Du mister tilgangen til saken når opplysningene lagres.")
        return out
