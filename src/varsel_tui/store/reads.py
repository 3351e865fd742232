"""Read models: a case with its history (decrypted where the key allows), lists and due cases."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterator, Literal, NoReturn, cast

from sqlmodel import Session, col, select

from ..domain.engine import (
    CaseFacts,
    CaseState,
    EngineError,
    HistoryItem,
    Outcome,
    RecordedMeasure,
    check_event_date,
    preview,
    replay,
)
from ..domain.reregister import missing_intake
from ..domain.workflow import Workflow
from . import access, case_state, journal, trust
from .db import StoreError
from .errors import NotFound
from .models import Body, Case, CaseAccess, Hearing, History, JournalEntry, Measure, Party, row_id
from .secrets import RECOVERY
from .unit import Db


def today() -> date:
    from ..clock import today as clock_today

    return clock_today()


def real_today() -> date:
    from ..clock import real_today as clock_real_today

    return clock_real_today()


@dataclass
class CaseDetail:
    case: Case
    workflow: Workflow
    state: CaseState
    parties: list[Party]
    history: list[History]
    journal: list[JournalEntry]
    measures: list[Measure] = field(default_factory=list)
    hearings: list[Hearing] = field(default_factory=list)
    title: str | None = None  # plaintext title
    intake: dict[str, Any] = field(default_factory=dict)
    # Secret-capable columns of the rows above, opened while the key was at hand.
    texts: dict[tuple[str, int, str], str | None] = field(default_factory=dict)

    def text(self, row: Any, column: str) -> str | None:
        """A secret-capable column of one of this detail's rows, as plain text."""
        return self.texts.get((row.__tablename__, row.id, column))


def acting_user(db: Db, viewer: str | None = None) -> str | None:
    """Whose access a read or write is decided by; None for the recovery key (the organisation's
    break-glass key is a recipient of every case) and for trusted code with no actor."""
    if db.codec.unlocked_as == RECOVERY:
        return None
    return viewer or db.actor or ((db.codec.unlocked_as or "").removeprefix("user:") or None)


def load_case(db: Db, s: Session, number: str, *, for_update: bool = False, viewer: str | None = None,
              check_access: bool = True) -> Case:
    """The case row, with the unlocked user's key wraps handed to the codec. `for_update`: a
    write to the case holds its row until it commits (PostgreSQL; see store/unit.py).

    Every read or write of a case comes through here: the acting user must be entitled to it now
    (else NoCaseAccess, journalled as an organisation event, and nothing of the case is told), and
    its stored state must match its journal (else CaseTampered)."""
    q = select(Case).where(Case.number == number)
    case = s.exec(q.with_for_update() if for_update else q).first()
    if case is None:
        raise NotFound(f"no case {number}")
    who = acting_user(db, viewer) if check_access else None
    if who is not None and not case_state.has_row(s, case, who):
        refuse(db, number, who)
    case_state.check(s, case)
    if who is not None and not access.may_see(db, s, case, who):
        refuse(db, number, who)  # an access row the workflow does not give is ignored
    access.load_wraps(db, s, case)
    return case


def refuse(db: Db, number: str, who: str) -> NoReturn:
    """Refuse; the outermost store call journals it once its own transaction is over (a write's
    transaction holds the database, so the refusal cannot be written from inside it)."""
    raise access.NoCaseAccess(number, who)


def record_refusal(db: Db, exc: access.NoCaseAccess) -> None:
    """A refusal as an organisation event: who, and which case number — nothing of its content."""
    if not exc.recorded:
        exc.recorded = True
        db.writing(lambda s: journal.append(db, s, None, exc.who, "refused", f"ingen tilgang til sak {exc.number}"))


def history_items(db: Db, s: Session, case: Case) -> list[HistoryItem]:
    rows = s.exec(select(History).where(History.case_id == case.id).order_by(col(History.id)))
    items = []
    for h in rows:
        answers = db.codec.open_row(case, h, "answers_json")
        # The column is a plain str; only "complete" and "action" are ever written to it.
        kind = cast(Literal["complete", "action"], h.kind)
        items.append(HistoryItem(kind, h.ref, h.on_date, json.loads(answers) if answers else {}))
    return items


def facts(db: Db, case: Case, *, bodies: frozenset[str] | None = None) -> CaseFacts:
    """What the engine needs of the case; `bodies` when new answers are checked."""
    text = db.codec.open_row(case, case, "intake_json")
    intake = json.loads(text) if text else {}
    concerns = set(c for c in case.concerns.split(",") if c)
    events = {"foreløpig_svar": case.prelim_sent} if case.prelim_sent else {}
    # Only a re-registered case can lack intake answers (a registered one was validated whole).
    awaiting = missing_intake(db.workflow(case.workflow_id).intake.form, intake) if case.linked_from else ()
    return CaseFacts(case.received, intake, lambda b: b in concerns, events, bodies, awaiting_intake=awaiting)


def open_hearings(s: Session, case: Case, on: date) -> list[Hearing]:
    """The case's hearings going on on `on`: not past their end date, and not closed by then (a
    hearing closed later was still open on a backdated day)."""
    return [h for h in s.exec(select(Hearing).where(Hearing.case_id == case.id).order_by(col(Hearing.id)))
            if (h.closed_on is None or h.closed_on > on) and h.ends_on >= on]


def hearing_label(h: Hearing) -> str:
    return f"høringsrunde #{h.id} ({h.participants.replace(',', ', ')}, til {h.ends_on.strftime('%d.%m.%Y')})"


def answer_facts(db: Db, s: Session, case: Case, on: date) -> CaseFacts:
    """The case's facts for checking new answers on `on`: the registered bodies and approved users
    a form may name, the case's measures and its hearings still open."""
    f = facts(db, case, bodies=registered_bodies(s))
    f.users = frozenset(trust.verified_users(s))
    f.measures = [RecordedMeasure(row_id(m), db.codec.open_row(case, m, "title") or "", m.done_on is not None)
                  for m in s.exec(select(Measure).where(Measure.case_id == case.id).order_by(col(Measure.id)))]
    f.open_hearings = [hearing_label(h) for h in open_hearings(s, case, on)]
    f.real_today = today()
    return f


def detail(db: Db, s: Session, case: Case) -> CaseDetail:
    # In a write, this is its last step: its journal entries are written now, with the final state.
    case_state.settle(db, s)
    wf = db.workflow(case.workflow_id)
    state = replay(wf, facts(db, case), history_items(db, s, case), today())
    intake = db.codec.open_row(case, case, "intake_json")
    d = CaseDetail(
        case=case, workflow=wf, state=state,
        parties=list(s.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.id)))),
        history=list(s.exec(select(History).where(History.case_id == case.id).order_by(col(History.id)))),
        journal=list(s.exec(select(JournalEntry).where(JournalEntry.case_id == case.id).order_by(col(JournalEntry.id)))),
        measures=list(s.exec(select(Measure).where(Measure.case_id == case.id).order_by(col(Measure.id)))),
        hearings=list(s.exec(select(Hearing).where(Hearing.case_id == case.id).order_by(col(Hearing.id)))),
        title=db.codec.open_row(case, case, "title"),
        intake=json.loads(intake) if intake else {},
    )
    for rows, column in ((d.parties, "name"), (d.history, "answers_json"), (d.journal, "text"),
                         (d.measures, "title"), (d.measures, "responsible"), (d.hearings, "question")):
        for row in rows:
            d.texts[(row.__tablename__, row_id(row), column)] = db.codec.open_row(case, row, column)
    return d


def get_case(db: Db, number: str, *, viewer: str | None = None, how: str = "") -> CaseDetail:
    """The case with its history, decrypted if it is strictly secret (CaseLocked / NoAccess
    otherwise). With `viewer`, the view is recorded in the case's audit journal."""
    if viewer is None:
        with db.reading() as s:
            return detail(db, s, load_case(db, s, number))

    def work(s: Session) -> CaseDetail:
        case = load_case(db, s, number, viewer=viewer)
        d = detail(db, s, case)
        journal.append(db, s, case, viewer, "view", f"saken lest{how}")
        return d

    return db.writing(work)


def case_number(db: Db, case_id: int) -> str | None:
    with db.reading() as s:
        case = s.get(Case, case_id)
        return case.number if case else None


def registered_bodies(s: Session) -> frozenset[str]:
    """What a `body`-type form answer may name."""
    return frozenset(s.exec(select(Body.name)))


def preview_step(db: Db, number: str, answers: dict[str, Any], on: date | None = None) -> Outcome:
    with db.reading() as s:
        case = load_case(db, s, number)
        wf = db.workflow(case.workflow_id)
        if case.current_step is None:
            raise StoreError(f"case {number} has no active step ({case.status})")
        from .foresight import mark_step

        on = on or today()
        known, history = answer_facts(db, s, case, on), history_items(db, s, case)
        try:  # a dry run says what submitting on that day would say
            check_event_date(known, history, on, today())
        except EngineError as exc:
            raise StoreError(str(exc)) from None
        return mark_step(db, s, case, preview(wf, known, history, case.current_step, answers, on))


def _visible(q: Any, viewer: str | None) -> Any:
    """Only the cases `viewer` has a current access row for (None: every case, trusted code).
    The callers also apply the rule to each row found, so an access row inserted behind varsel's
    back shows nothing (with `limit`, such a row can make the page one shorter)."""
    if viewer is None:
        return q
    return q.join(CaseAccess, CaseAccess.case_id == Case.id).where(
        CaseAccess.user_name == viewer, col(CaseAccess.until).is_(None) | (col(CaseAccess.until) >= real_today()))


def list_cases(db: Db, *, status: str | None = None, workflow: str | None = None,
               limit: int | None = None, viewer: str | None = None) -> list[Case]:
    with db.reading() as s:
        q = _visible(select(Case), viewer)
        if status:
            q = q.where(Case.status == status)
        if workflow:
            q = q.where(Case.workflow_id == workflow)
        q = q.order_by(col(Case.due).is_(None), col(Case.due), col(Case.number))
        if limit:
            q = q.limit(limit)
        return [c for c in s.exec(q) if viewer is None or access.may_see(db, s, c, viewer)]


def due_cases(db: Db, on: date, within_days: int = 7, *, viewer: str | None = None) -> Iterator[Case]:
    """Open cases whose current step is due within `within_days` or past, or that need a
    preliminary reply."""
    horizon = on + timedelta(days=within_days)
    with db.reading() as s:
        q = _visible(select(Case), viewer).where(Case.status == "open").where(
            (col(Case.due) <= horizon) | ((col(Case.prelim_warn_from) <= on) & col(Case.prelim_sent).is_(None))
        ).order_by(col(Case.due))
        yield from (c for c in s.exec(q) if viewer is None or access.may_see(db, s, c, viewer))
