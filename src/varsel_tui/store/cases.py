"""Writing cases: registering, completing steps, actions, parties, notes, measures, hearings,
the preliminary reply and form drafts.

The workflow engine is the only authority on what a step does; this module persists its history
and caches the replayed metadata on the case row for the queue.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..domain.conditions import Context
from ..domain.engine import (
    ACTION_COMMENT,
    CaseState,
    EngineError,
    HistoryItem,
    Outcome,
    check_event_date,
    preview,
    replay,
)
from ..domain.forms import date_problems, validate
from ..domain.policy import (
    PARTY_ROLES,
    SECRET,
    UnknownClassification,
    classify,
    prelim_warn_from,
    raises_classification,
)
from ..domain.reregister import carried_intake
from ..domain.workflow import Workflow
from . import access, journal, letters, trust
from .db import StoreError
from .directory import find_body
from .documents import document_search_text
from .errors import ConcurrentEdit, NotFound, ValidationFailed
from .models import VOID, Case, Draft, Hearing, History, Measure, Party, row_id
from .reads import (
    CaseDetail,
    answer_facts,
    detail,
    facts,
    hearing_label,
    history_items,
    load_case,
    open_hearings,
    registered_bodies,
    today,
)
from .unit import Db


def next_number(s: Session, year: int) -> tuple[int, str]:
    last = s.exec(select(func.max(Case.seq)).where(Case.year == year)).one()
    seq = (last or 0) + 1
    return seq, f"{year}-{seq:04d}"


def classification_for(wf: Workflow, intake: dict[str, Any], given: str | None, secret: bool) -> str:
    try:
        return classify(wf, intake, given, secret)
    except UnknownClassification as exc:
        raise StoreError(str(exc)) from None


def create_case(db: Db, workflow_id: str, title: str, received: date, *, by: str,
                classification: str | None = None, secret: bool = False,
                intake: dict[str, Any] | None = None, parties: list[dict] | None = None,
                linked_from: int | None = None) -> CaseDetail:
    wf = db.workflow(workflow_id)
    raw_intake = dict(intake or {})
    with db.reading() as s:
        bodies = registered_bodies(s)
    clean_intake, problems = validate(wf.intake.form, raw_intake, Context({}, bodies=bodies))
    errors = [p for p in problems + date_problems(wf.intake.form, clean_intake, today()) if p.severity == "error"]
    if errors:
        raise ValidationFailed(errors)
    if not title.strip():
        raise StoreError("a case needs a title")
    if received > today():
        raise StoreError(f"the received date {received.isoformat()} is after today ({today().isoformat()}); "
                         "a case is registered when it has come in")
    level = classification_for(wf, clean_intake, classification, secret)

    def work(s: Session) -> CaseDetail:
        seq, number = next_number(s, received.year)
        case = Case(number=number, year=received.year, seq=seq, workflow_id=wf.id,
                    classification=level, received=received, created_by=by,
                    created_at=db.now(), updated_at=db.now(), linked_from=linked_from)
        access.start_keys(db, case)
        db.codec.seal_row(case, case, "title", title)
        db.codec.seal_row(case, case, "intake_json", json.dumps(clean_intake))
        s.add(case)
        s.flush()
        for p in parties or []:
            add_party_row(db, s, case, **p)
        journal.append(db, s, case, by, "created", f"sak {number} opprettet ({wf.name})")
        refresh(db, s, case, wf, by=by)
        # Before commit: a clerk registering a case for another body sees what they registered once.
        return detail(db, s, case)

    for attempt in range(5):
        try:
            made = db.writing(work)
            break
        except IntegrityError:  # another writer took the number: take the next one
            if attempt == 4:
                raise StoreError("could not allocate a case number; try again") from None
    return made


def add_party_row(db: Db, s: Session, case: Case, role: str, name: str = "", anonymous: bool = False,
                  body: str | None = None) -> Party:
    if role not in PARTY_ROLES:
        raise StoreError(f"unknown party role '{role}' (use one of: {', '.join(PARTY_ROLES)})")
    if body:
        find_body(s, body)
    p = Party(case_id=row_id(case), role=role, anonymous=anonymous, concerns_body=body)
    s.add(p)
    s.flush()
    db.codec.seal_row(case, p, "name", name or None)
    return p


def concerned_bodies(db: Db, s: Session, case: Case) -> list[str]:
    """Bodies the case concerns: an accused party that is a body, or a member of one."""
    found: set[str] = set()
    for p in s.exec(select(Party).where(Party.case_id == case.id, Party.role == "anklagede")):
        if p.concerns_body:
            found.add(p.concerns_body)
        found.update(bodies_of_person(s, db.codec.open_row(case, p, "name") or ""))
    return sorted(found)


def bodies_of_person(s: Session, name: str) -> set[str]:
    """The bodies a person named `name` sits in: by user name or by an approved user's full name
    ("Nora Nordmann" is nora), signed memberships only, names compared in Python (SQLite's
    lower() is ASCII-only)."""
    if not name.strip():
        return set()
    signed = trust.read(s)
    people = trust.people_named(signed, name.strip())
    return {body for body, members in signed.members.items() if members & people}


def refresh(db: Db, s: Session, case: Case, wf: Workflow, *, by: str = "") -> CaseState:
    """Replay the history, cache the queue's metadata on the case row, and bring the case's
    key wraps in line with who is entitled now."""
    case.concerns = ",".join(concerned_bodies(db, s, case))
    state = replay(wf, facts(db, case), history_items(db, s, case), today())
    if case.status != VOID:  # a void case stays void, whatever its history (store/corrections.py)
        case.status, case.outcome, case.closed_on = state.status, state.outcome, state.closed_on
    if state.classification is not None and raises_classification(case.classification, state.classification):
        if state.classification == SECRET:
            access.seal_existing(db, s, case, by)
        else:
            case.classification = state.classification  # only ever raised, never lowered
    case.current_step = state.current
    case.current_step_title = wf.step(state.current).title if state.current else \
        ("venter på mottaksopplysninger" if state.awaiting_intake and state.status == "open" else "")
    case.body = state.body
    case.due = state.current_due
    open_limits = [(st.due, spec) for st, spec in zip(state.statutory, wf.statutory, strict=False) if not st.met and st.due]
    if open_limits:
        due, spec = min(open_limits, key=lambda x: x[0])
        case.statutory_due = due
        case.prelim_warn_from = prelim_warn_from(due, spec.warn_working_days)
    else:
        case.statutory_due = case.prelim_warn_from = None
    if case.status == VOID:  # out of the queue and the due lists
        case.current_step, case.current_step_title, case.due = None, "", None
        case.statutory_due = case.prelim_warn_from = None
    case.search = search_text(s, case, wf)
    case.updated_at = db.now()
    s.add(case)
    access.sync(db, s, case, by)
    return state


def search_text(s: Session, case: Case, wf: Workflow) -> str:
    parts = [case.number, wf.id, case.current_step or "", case.current_step_title, case.body or ""]
    if case.classification != SECRET:
        parts.append(case.title or "")
        parts.extend(p.name or "" for p in s.exec(select(Party).where(Party.case_id == case.id)))
        parts.extend(document_search_text(s, case))
    return " ".join(parts).lower()


def claim(db: Db, s: Session, case: Case, expected_version: int | None) -> None:
    """Claim the case for a step completion or an action: refused if the case changed since the
    caller read it at `expected_version` (None: the version just read under this write's lock)."""
    want = case.version if expected_version is None else expected_version
    res = s.exec(update(Case).where(col(Case.id) == case.id, col(Case.version) == want)
                 .values(version=want + 1))
    if res.rowcount != 1:
        raise ConcurrentEdit(f"case {case.number} was changed by someone else since you opened it; "
                             "reload it and try again (nothing was saved)")
    case.version = want + 1
    # Whoever lost entitlement since the last write loses it before anything new is sealed.
    access.sync(db, s, case, "")


def touch(db: Db, s: Session, case: Case) -> None:
    """Note an append (a party, a measure, a hearing, …) on the case: it conflicts with nothing,
    so it is never refused; the version still moves on, because a step form may depend on it (a
    party can move the case, a form picks among measures), so a form submitted against the old
    version is refused. A note does not come here (add_note)."""
    s.execute(update(Case).where(col(Case.id) == case.id).values(version=col(Case.version) + 1))
    case.version += 1  # exact: the row is held by this write (see store/unit.py)
    # Whoever lost entitlement since the last write loses it before anything new is sealed.
    access.sync(db, s, case, "")


def checked_date(db: Db, s: Session, case: Case, on: date, *, after_history: bool = True) -> None:
    """Refuse a date after today or before the case's previous event (its receipt, when the
    thing dated does not follow the steps: a measure, a hearing, a preliminary reply)."""
    try:
        check_event_date(facts(db, case), history_items(db, s, case) if after_history else [], on, today())
    except EngineError as exc:
        raise StoreError(str(exc)) from None


def advance(db: Db, number: str, answers: dict[str, Any], *, by: str, step_id: str | None = None,
            on: date | None = None, expected_version: int | None = None) -> tuple[CaseDetail, Outcome]:
    """Complete the active step with form answers; returns the new detail and what happened."""
    on = on or today()

    def work(s: Session) -> tuple[CaseDetail, Outcome]:
        case = load_case(db, s, number, for_update=True)
        wf = db.workflow(case.workflow_id)
        current = case.current_step
        waiting = facts(db, case).awaiting_intake
        if current is None and waiting:
            raise StoreError(f"case {number} is waiting for intake answers before its first step "
                             f"(missing: {', '.join(waiting)}); give them with "
                             f"`varsel case intake {number} --set FIELD=VALUE`")
        if current is None:
            raise StoreError(f"case {number} has no active step (it is {case.status})")
        if step_id is not None and step_id != current:
            raise StoreError(f"step {step_id} is not active in case {number} (active step: {current})")
        checked_date(db, s, case, on)
        try:
            outcome = preview(wf, answer_facts(db, s, case, on), history_items(db, s, case), current, answers, on)
        except EngineError as exc:
            raise StoreError(str(exc)) from None
        if not outcome.ok:
            raise ValidationFailed([p for p in outcome.problems if p.severity == "error"])
        claim(db, s, case, expected_version)
        payload = json.dumps(outcome.answers, ensure_ascii=False)
        h = History(case_id=row_id(case), kind="complete", ref=current, on_date=on, by=by, at=db.now())
        s.add(h)
        s.flush()
        db.codec.seal_row(case, h, "answers_json", payload)
        step = wf.step(current)
        journal.append(db, s, case, by, "step", f"{current} {step.title}: fullført")
        if outcome.new_body:
            journal.append(db, s, case, by, "transfer", f"overført til {outcome.new_body}")
        step_work(db, s, case, outcome, by=by, on=on)
        # Before refresh: the writer still holds the key if completing the step ends their access.
        letters.draft(db, s, case, wf, outcome.letters, step_id=current, by=by, on=on)
        state = refresh(db, s, case, wf, by=by)
        if outcome.spawn_workflow:
            spawn(db, s, case, outcome.spawn_workflow, by, on)
        if state.status != "open":
            journal.append(db, s, case, by, "closed", f"saken er {state.outcome}")
        return detail(db, s, case), outcome  # before commit: the writer may have just lost access

    return db.writing(work)


def step_work(db: Db, s: Session, case: Case, outcome: Outcome, *, by: str, on: date) -> None:
    """What a completed step does to the case's hearings and measures (domain/engine.py
    `_open_work`): each is journalled as if done by hand, so the preview's sentences are true."""
    for h in open_hearings(s, case, on) if outcome.ends_hearings else []:
        if h.closed_on is None:  # one closed by hand since keeps its own date
            end_hearing(db, s, case, h, by=by, on=on)
    if outcome.hearing is not None:
        hearing_row(db, s, case, outcome.hearing.participants, outcome.hearing.ends_on,
                    question=outcome.hearing.question, by=by)
    for m in outcome.measures_done:
        row = s.get(Measure, m.id)
        if row is not None and row.case_id == case.id and row.done_on is None:
            row.done_on = on
            s.add(row)
            journal.append(db, s, case, by, "measure", f"tiltak #{m.id} gjennomført {on.isoformat()}")
    if outcome.closes_with_open:
        journal.append(db, s, case, by, "close_override", f"avsluttet selv om {' og '.join(outcome.closes_with_open)} "
                                                         f"ikke er gjennomført; begrunnelse: {outcome.close_reason}")


def spawn(db: Db, s: Session, case: Case, workflow_id: str, by: str, on: date) -> str:
    """Re-register the case as a new case of another workflow, linked both ways. The new case
    keeps the received date, carries the intake answers the target asks for too, and is
    classified by the target's rules (never below the original); what the target's intake still
    requires is asked for before it becomes active (`complete_intake`)."""
    wf = db.workflow(workflow_id)
    state = replay(db.workflow(case.workflow_id), facts(db, case), history_items(db, s, case), on)
    intake = carried_intake(wf.intake.form, state.answers)
    seq, number = next_number(s, on.year)
    title = db.codec.open_row(case, case, "title") or ""
    new = Case(number=number, year=on.year, seq=seq, workflow_id=wf.id, received=case.received, created_by=by,
               classification=classification_for(wf, intake, None, case.classification == SECRET),
               created_at=db.now(), updated_at=db.now(), linked_from=case.id)
    access.start_keys(db, new)
    db.codec.seal_row(new, new, "title", title)
    db.codec.seal_row(new, new, "intake_json", json.dumps(intake, ensure_ascii=False))
    s.add(new)
    s.flush()
    for p in list(s.exec(select(Party).where(Party.case_id == case.id))):
        add_party_row(db, s, new, p.role, db.codec.open_row(case, p, "name") or "", p.anonymous, p.concerns_body)
    case.linked_to = new.id
    s.add(case)
    journal.append(db, s, new, by, "spawned", f"omregistrert fra sak {case.number}"
                   + (f"; mottaksopplysninger overført: {', '.join(intake)}" if intake else ""))
    journal.append(db, s, case, by, "spawned", f"omregistrert som sak {number} ({wf.name})")
    # In the same transaction: if nobody could read the new secret case, nothing is saved.
    refresh(db, s, new, wf, by=by)
    return number


def complete_intake(db: Db, number: str, answers: dict[str, Any], *, by: str,
                    expected_version: int | None = None) -> CaseDetail:
    """Give a re-registered case the intake answers it lacks; then it starts where its procedure
    says, classified by its rules (a written StInn notification becomes strictly secret)."""

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        wf = db.workflow(case.workflow_id)
        if not facts(db, case).awaiting_intake or history_items(db, s, case):
            raise StoreError(f"case {number} is not waiting for intake answers")
        known = json.loads(db.codec.open_row(case, case, "intake_json") or "{}")
        clean, problems = validate(wf.intake.form, {**known, **answers}, Context({}, bodies=registered_bodies(s)))
        errors = [p for p in problems + date_problems(wf.intake.form, clean, today()) if p.severity == "error"]
        if errors:
            raise ValidationFailed(errors)
        claim(db, s, case, expected_version)
        db.codec.seal_row(case, case, "intake_json", json.dumps(clean, ensure_ascii=False))
        journal.append(db, s, case, by, "intake", "mottaksopplysninger gitt: "
                       + ", ".join(k for k in clean if clean[k] != known.get(k)))
        level = classification_for(wf, clean, None, False)
        if level == SECRET and case.classification != SECRET:
            access.seal_existing(db, s, case, by, why="gradert strengt hemmelig etter mottaksopplysningene")
        elif raises_classification(case.classification, level):
            case.classification = level
        refresh(db, s, case, wf, by=by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def act(db: Db, number: str, action_id: str, *, by: str, on: date | None = None,
        expected_version: int | None = None, comment: str | None = None) -> CaseDetail:
    """A case action outside the step order (withdraw / reopen a complaint, close with a comment).
    The comment is kept as the action's answer and in the journal (both sealed for a secret case)."""
    on = on or today()
    answers = {ACTION_COMMENT: comment.strip()} if comment and comment.strip() else {}

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        if case.status == VOID:
            raise StoreError(f"case {number} is void (registered in error); nothing was recorded")
        wf = db.workflow(case.workflow_id)
        try:
            action = wf.action(action_id)
        except KeyError:
            known = ", ".join(a.id for a in wf.actions) or "none"
            raise StoreError(f"workflow {wf.id} has no action '{action_id}' (actions: {known})") from None
        checked_date(db, s, case, on)
        if action.kind == "close":
            # As with a closing step: a hearing's participants take part before the case closes.
            still_open = [hearing_label(h) for h in open_hearings(s, case, on)]
            if still_open:
                raise StoreError(f"«{action.title}»: saken kan ikke avsluttes mens {' og '.join(still_open)} pågår; "
                                 "avslutt høringsrunden først (H på saken, eller varsel case hearing close)")
        history = history_items(db, s, case) + [HistoryItem("action", action_id, on, answers)]
        try:
            replay(wf, facts(db, case), history, on)
        except EngineError as exc:
            raise StoreError(str(exc)) from None
        claim(db, s, case, expected_version)
        if action.kind == "close":
            left = [f"tiltak #{row_id(m)}" for m in s.exec(select(Measure).where(Measure.case_id == case.id)
                                                           .order_by(col(Measure.id))) if m.done_on is None]
            if left:  # the comment is the reason the procedure asks for; the journal names what is left
                journal.append(db, s, case, by, "close_override",
                               f"avsluttet selv om {' og '.join(left)} ikke er gjennomført; begrunnelse: "
                               f"{answers.get(ACTION_COMMENT, '')}")
        h = History(case_id=row_id(case), kind="action", ref=action_id, on_date=on, by=by, at=db.now())
        s.add(h)
        s.flush()
        db.codec.seal_row(case, h, "answers_json", json.dumps(answers, ensure_ascii=False))
        journal.append(db, s, case, by, "action",
                       action.title + (f": {answers[ACTION_COMMENT]}" if answers else ""))
        refresh(db, s, case, wf, by=by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def add_party(db: Db, number: str, role: str, name: str = "", *, anonymous: bool = False,
              body: str | None = None, by: str, expected_version: int | None = None) -> CaseDetail:
    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        touch(db, s, case)
        add_party_row(db, s, case, role, name, anonymous, body)
        s.flush()
        journal.append(db, s, case, by, "party", f"part lagt til: {role}" + (" (anonym)" if anonymous else ""))
        refresh(db, s, case, db.workflow(case.workflow_id), by=by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def add_note(db: Db, number: str, text: str, *, by: str, kind: str = "note",
             expected_version: int | None = None) -> CaseDetail:
    if not text.strip():
        raise StoreError("an empty note was not saved")

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        # A note changes nothing a step form depends on, so the version stays: a form opened before
        # it is still current (open screens see the note by the journal's newest id, changes.py).
        access.sync(db, s, case, "")
        journal.append(db, s, case, by, kind, text)
        case.updated_at = db.now()
        s.add(case)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def add_measure(db: Db, number: str, title: str, *, responsible: str = "", due: date | None = None,
                by: str, expected_version: int | None = None) -> CaseDetail:
    """Tiltak: a corrective measure, who carries it out and by when."""
    if not title.strip():
        raise StoreError("a measure needs a description")

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        touch(db, s, case)
        m = Measure(case_id=row_id(case), due=due)
        s.add(m)
        s.flush()
        db.codec.seal_row(case, m, "title", title)
        db.codec.seal_row(case, m, "responsible", responsible)
        journal.append(db, s, case, by, "measure", f"tiltak opprettet: {title}"
                       + (f" (ansvarlig {responsible}" + (f", frist {due.isoformat()})" if due else ")")
                          if responsible else ""))
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def complete_measure(db: Db, number: str, measure_id: int, *, by: str, on: date | None = None) -> CaseDetail:
    on = on or today()

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        m = s.get(Measure, measure_id)
        if m is None or m.case_id != case.id:
            raise NotFound(f"case {number} has no measure #{measure_id}")
        checked_date(db, s, case, on, after_history=False)
        touch(db, s, case)
        m.done_on = on
        s.add(m)
        journal.append(db, s, case, by, "measure", f"tiltak #{measure_id} gjennomført {on.isoformat()}")
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def add_hearing(db: Db, number: str, participants: list[str], ends_on: date, *, question: str = "",
                by: str, expected_version: int | None = None) -> CaseDetail:
    """Høringsrunde: temporary access for others, until `ends_on`."""
    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        touch(db, s, case)
        hearing_row(db, s, case, participants, ends_on, question=question, by=by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def hearing_row(db: Db, s: Session, case: Case, participants: list[str], ends_on: date, *, question: str,
                by: str) -> Hearing:
    """A hearing whose participants, registered and approved users, see the case until `ends_on`."""
    people = list(dict.fromkeys(p.strip() for p in participants if p.strip()))
    if not people:
        raise StoreError("a hearing needs at least one participant")
    if ends_on <= today():
        raise StoreError(f"a hearing must end after today ({today().isoformat()}), not {ends_on.isoformat()}: "
                         "it gives access until its end date")
    # A name nobody logs in with would be a hearing of nobody, while the journal says otherwise.
    unknown = [p for p in people if p not in trust.verified_users(s)]
    if unknown:
        raise StoreError(f"not a registered, approved user: {', '.join(unknown)}; a hearing's participants "
                         "must be users who can log in (see 'varsel user list')")
    h = Hearing(case_id=row_id(case), participants=",".join(people), ends_on=ends_on)
    s.add(h)
    s.flush()
    db.codec.seal_row(case, h, "question", question or None)
    journal.append(db, s, case, by, "hearing", f"høringsrunde til {ends_on.isoformat()}: {', '.join(people)}")
    access.sync(db, s, case, by)
    return h


def end_hearing(db: Db, s: Session, case: Case, h: Hearing, *, by: str, on: date) -> None:
    h.closed_on = on
    s.add(h)
    s.flush()
    journal.append(db, s, case, by, "hearing", f"høringsrunde #{h.id} avsluttet {on.isoformat()}")
    access.sync(db, s, case, by)


def close_hearing(db: Db, number: str, hearing_id: int, *, by: str, on: date | None = None) -> CaseDetail:
    on = on or today()

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        h = s.get(Hearing, hearing_id)
        if h is None or h.case_id != case.id:
            raise NotFound(f"case {number} has no hearing #{hearing_id}")
        checked_date(db, s, case, on, after_history=False)
        touch(db, s, case)
        end_hearing(db, s, case, h, by=by, on=on)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def record_preliminary_reply(db: Db, number: str, *, by: str, on: date | None = None) -> CaseDetail:
    on = on or today()

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, for_update=True)
        checked_date(db, s, case, on, after_history=False)
        touch(db, s, case)
        case.prelim_sent = on
        journal.append(db, s, case, by, "prelim_reply", f"foreløpig svar sendt {on.isoformat()}")
        refresh(db, s, case, db.workflow(case.workflow_id), by=by)
        return detail(db, s, case)  # before commit: the writer may have just lost access

    return db.writing(work)


def save_draft(db: Db, number: str, step_id: str, user: str, answers: dict[str, Any]) -> None:
    def work(s: Session) -> None:
        case = load_case(db, s, number, for_update=True)
        d = s.exec(select(Draft).where(Draft.case_id == case.id, Draft.step_id == step_id,
                                       Draft.user == user)).first() or Draft(case_id=row_id(case), step_id=step_id,
                                                                             user=user, updated_at=db.now())
        access.sync(db, s, case, user)  # a draft is new content too: revocations first
        s.add(d)
        s.flush()
        db.codec.seal_row(case, d, "answers_json", json.dumps(answers, ensure_ascii=False))
        d.updated_at = db.now()
        s.add(d)

    db.writing(work)


def load_draft(db: Db, number: str, step_id: str, user: str) -> dict[str, Any] | None:
    with db.reading() as s:
        case = load_case(db, s, number)
        d = s.exec(select(Draft).where(Draft.case_id == case.id, Draft.step_id == step_id,
                                       Draft.user == user)).first()
        if d is None:
            return None
        text = db.codec.open_row(case, d, "answers_json")
        return json.loads(text) if text else None
