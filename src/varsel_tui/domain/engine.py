"""The workflow engine: a case's state is a pure replay of its history through its workflow.

History is the list of completed steps (with their form answers) and case actions (withdraw,
reopen), in order. Replaying it gives every step's status (pending / active / done / skipped, with
why), due dates, the current step and body, and the statutory limits. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Literal

from .calendar_units import as_unit
from .conditions import Context, evaluate
from .forms import Problem, date_problems, text_in, validate
from .workflow import Action, Branch, DeadlineRule, Step, Workflow

StepStatus = Literal["pending", "active", "done", "skipped"]
CaseStatus = Literal["open", "closed", "withdrawn"]


ACTION_COMMENT = "kommentar"  # the answer a case action's comment is kept under


class EngineError(ValueError):
    """A history item that the workflow does not allow (wrong step, action out of time)."""


@dataclass(frozen=True)
class HistoryItem:
    kind: Literal["complete", "action"]
    ref: str  # step id or action id
    on: date
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedMeasure:
    """A measure (tiltak) recorded on the case, as a form may refer to it."""

    id: int
    title: str
    done: bool

    @property
    def label(self) -> str:
        return f"tiltak #{self.id} «{self.title}»"


@dataclass(frozen=True)
class NewHearing:
    """The hearing completing a step opens (Step.hearing)."""

    participants: list[str]
    ends_on: date
    question: str


@dataclass
class CaseFacts:
    received: date
    intake: dict[str, Any] = field(default_factory=dict)
    concerns: Callable[[str], bool] = lambda body: False
    events: dict[str, date] = field(default_factory=dict)  # recorded outside steps: foreløpig_svar
    bodies: frozenset[str] | None = None  # registered bodies a `body` answer must name (None: unchecked)
    users: frozenset[str] | None = None  # registered, approved users a `users` answer must name
    measures: list[RecordedMeasure] | None = None  # the case's measures (None: not known, unchecked)
    open_hearings: list[str] = field(default_factory=list)  # labels of the case's hearings not ended
    # Required intake answers a re-registered case still lacks: until they are given no step is
    # active (the procedure the case came into decides where it starts and how it is classified).
    awaiting_intake: tuple[str, ...] = ()
    # Today by the clock, when the step may be dated earlier: a hearing gives access until its end,
    # so it must end after the real today even when the step that opens it is backdated.
    real_today: date | None = None


@dataclass
class StepState:
    id: str
    status: StepStatus = "pending"
    due: date | None = None
    done_on: date | None = None
    reason: str = ""
    visits: int = 0
    forecast: str = ""  # a pending step that will be skipped as things stand, and why
    counts_from: str = ""  # no due date yet: what the deadline will count from (the rule's words)


@dataclass
class StatutoryState:
    title: str
    law: str
    due: date | None
    met: bool
    warn: bool  # not met and due within the warning window (or past)


@dataclass
class Outcome:
    """What completing a step with given answers will do — shown before submitting."""

    problems: list[Problem]
    branch: Branch | None
    next_step: str | None
    skipped: list[tuple[str, str]]  # (step id, reason)
    closes: bool
    outcome: str
    spawn_workflow: str | None
    new_body: str | None
    letters: list[str]
    answers: dict[str, Any]
    hearing: NewHearing | None = None  # opened by the step
    ends_hearings: list[str] = field(default_factory=list)  # labels of hearings the step ends
    measures_done: list[RecordedMeasure] = field(default_factory=list)  # marked carried out by the step
    closes_with_open: list[str] = field(default_factory=list)  # measures left open by an allowed close
    close_reason: str = ""  # the officer's reason for that close (journalled)
    body_before: str | None = None  # the body handling the case now
    body_after: str | None = None  # … and once the step is completed
    loses_access: bool = False  # the submitting user may not see the case afterwards (set by the store)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class CaseState:
    status: CaseStatus
    outcome: str
    current: str | None
    body: str | None
    steps: dict[str, StepState]
    answers: dict[str, Any]
    events: dict[str, date]
    dates: dict[str, date]
    statutory: list[StatutoryState]
    spawns: list[tuple[str, str]]  # (step id, workflow id) re-registrations made
    closed_on: date | None = None
    classification: str | None = None  # raised by a completed step (StInn 2.4), else None
    awaiting_intake: tuple[str, ...] = ()  # see CaseFacts.awaiting_intake

    @property
    def current_due(self) -> date | None:
        return self.steps[self.current].due if self.current else None

    @property
    def needs_preliminary_reply(self) -> bool:
        return any(s.warn for s in self.statutory) and "foreløpig_svar" not in self.events


def _named_start(name: str, received: date, events: dict[str, date], answers: dict[str, Any],
                 done: dict[str, date]) -> date | None:
    """The day `name` happened (see DeadlineRule), None while it has not. `phase:ID` entries are
    in `events` under that key (the replay puts them there)."""
    if name == "mottatt":
        return received
    if name.startswith("step:"):
        return done.get(name[5:])
    if name in events:
        return events[name]
    if isinstance(answers.get(name), str):
        try:
            return date.fromisoformat(answers[name])
        except ValueError:
            return None
    return None


def resolve_start(rule: DeadlineRule, received: date, events: dict[str, date], answers: dict[str, Any],
                  done: dict[str, date]) -> date | None:
    """The latest of the named dates that have happened; None while none has, or while the
    rule's `after` has not happened (the deadline does not run yet)."""
    if rule.after is not None and _named_start(rule.after, received, events, answers, done) is None:
        return None
    found = [d for name in rule.starts if (d := _named_start(name, received, events, answers, done)) is not None]
    return max(found) if found else None


def due_date(rule: DeadlineRule | None, received: date, events: dict[str, date], answers: dict[str, Any],
             done: dict[str, date]) -> date | None:
    if rule is None:
        return None
    from .calendar import add_period, next_working_day_on_or_after

    start = resolve_start(rule, received, events, answers, done)
    if start is None:
        return None
    if rule.asap:
        return next_working_day_on_or_after(start)
    return add_period(start, rule.count, as_unit(rule.unit))


class _Replay:
    def __init__(self, wf: Workflow, facts: CaseFacts, today: date | None = None):
        self.wf = wf
        self.facts = facts
        # The day conditions compare dates with (`date_is`): while history replays, the day of the
        # item being replayed (a branch taken then stays taken); afterwards, today.
        self.today = today
        self.now = today
        self.order = [s.id for s in wf.steps]
        self.states = {sid: StepState(sid) for sid in self.order}
        self.answers: dict[str, Any] = dict(facts.intake)
        self.events: dict[str, date] = dict(facts.events)
        self.done_on: dict[str, date] = {}
        self.status: CaseStatus = "open"
        self.outcome = ""
        self.closed_on: date | None = None
        self.cursor: int | None = 0
        self.paused_cursor: int | None = None
        self.body_override: str | None = None
        self.last_step: str | None = None  # where the case was when the last history item was applied
        self.spawns: list[tuple[str, str]] = []
        self.classification: str | None = None
        self.on = facts.received  # the day of the history item being applied
        self.entered: dict[str, date] = {}  # phase:ID → the day the case came to that phase
        self.active_phase: str | None = None
        ictx = Context(dict(facts.intake), facts.concerns)
        for rec in wf.intake.records:
            if rec.event not in self.events and (rec.when is None or evaluate(rec.when, ictx)):
                self.events[rec.event] = facts.received

    # -- helpers ---------------------------------------------------------------------------
    def ctx(self, extra: dict[str, Any] | None = None) -> Context:
        known = self.facts.measures
        # every date a condition may name (workflow_check accepts the same): the received date,
        # steps done, phases entered, named dates and recorded events
        dates = {"mottatt": self.facts.received, **{f"step:{k}": v for k, v in self.done_on.items()},
                 **self.entered, **self.named_dates(), **self.events}
        return Context({**self.answers, **(extra or {})}, self.facts.concerns, dates,
                       self.facts.bodies, self.facts.users,
                       None if known is None else {m.id: m.title for m in known},
                       any(not m.done for m in known or []), self.now)

    def starts(self) -> dict[str, date]:
        """Recorded events and the days the case came to each phase: what deadlines count from."""
        return {**self.entered, **self.events}

    def named_dates(self) -> dict[str, date]:
        out = {}
        for nd in self.wf.dates:
            d = due_date(nd.deadline, self.facts.received, self.starts(), self.answers, self.done_on)
            if d is not None:
                out[nd.id] = d
        return out

    def current_id(self) -> str | None:
        return self.order[self.cursor] if self.cursor is not None else None

    def _skip_range(self, start: int, stop: int, reason: str) -> None:
        for i in range(start, stop):
            st = self.states[self.order[i]]
            if st.status in ("pending", "active"):
                st.status, st.reason = "skipped", reason

    def settle(self, upcoming: str | None) -> None:
        """Move the cursor past skipped phases/steps; `upcoming` is the next step history names
        (history wins: a step that was done is never skipped retroactively)."""
        while self.cursor is not None and self.cursor < len(self.order):
            sid = self.order[self.cursor]
            step = self.wf.step(sid)
            phase = self.wf.phase_of(sid)
            ctx = self.ctx()
            phase_ids = [s.id for s in phase.steps]
            if phase.skip_if is not None and upcoming not in phase_ids and evaluate(phase.skip_if, ctx):
                end = self.order.index(phase_ids[-1]) + 1
                self._skip_range(self.cursor, end, phase.skip_reason or f"fase {phase.id} hoppes over")
                self.cursor = end
                continue
            if step.skip_if is not None and upcoming != sid and evaluate(step.skip_if, ctx):
                self._skip_range(self.cursor, self.cursor + 1, step.skip_reason or "hoppes over")
                self.cursor += 1
                continue
            self.states[sid].status = "active"
            if phase.id != self.active_phase:
                self.active_phase = phase.id
                self.entered[f"phase:{phase.id}"] = self.on
            return
        self.cursor = None
        if self.status == "open":
            self.status, self.outcome = "closed", self.outcome or "avsluttet"

    def choose_branch(self, step: Step, answers: dict[str, Any]) -> Branch | None:
        ctx = self.ctx(answers)
        for b in step.branches:
            if b.when is None or evaluate(b.when, ctx):
                return b
        return None

    def plan(self, step: Step, answers: dict[str, Any]) -> tuple[Branch | None, int | None, list[tuple[str, str]], bool]:
        """Where completing `step` leads: (branch, next index, skipped with reasons, closes)."""
        here = self.order.index(step.id)
        b = self.choose_branch(step, answers)
        if b is not None and b.end:
            reason = b.reason or b.outcome or "saken er avsluttet"
            skipped = [(self.order[i], reason) for i in range(here + 1, len(self.order))
                       if self.states[self.order[i]].status == "pending"]
            return b, None, skipped, True
        if b is not None and b.goto:
            target = self.order.index(b.goto)
            skipped = [(self.order[i], b.reason or f"går til {b.goto}") for i in range(here + 1, target)]
            return b, target, skipped, False
        return b, here + 1, [], here + 1 >= len(self.order)

    # -- applying history ------------------------------------------------------------------
    def complete(self, item: HistoryItem) -> None:
        if self.status != "open":
            raise EngineError(f"saken er {self.status_text()}; steg {item.ref} kan ikke fullføres")
        if item.ref != self.current_id():
            raise EngineError(f"steg {item.ref} er ikke aktivt (aktivt steg er {self.current_id()})")
        step = self.wf.step(item.ref)
        branch, target, skipped, closes = self.plan(step, item.answers)
        self.answers.update(item.answers)
        if branch is not None:
            self.answers.update(branch.set)
        st = self.states[step.id]
        st.status, st.done_on, st.reason = "done", item.on, ""
        st.visits += 1
        self.done_on[step.id] = item.on
        if step.classify:
            self.classification = step.classify
        for rec in step.records:
            d = self.answers.get(rec.date_field) if rec.date_field else None
            if isinstance(d, str):
                self.events[rec.event] = date.fromisoformat(d)
            elif rec.date_field is None or rec.event not in self.events:
                # A date field left blank keeps the date already recorded (a written StInn case
                # was received the day it was registered), else the completion date.
                self.events[rec.event] = item.on
        if branch is not None and branch.set_body_from:
            self.body_override = str(self.answers.get(branch.set_body_from) or "") or self.body_override
        if branch is not None and branch.spawn is not None:
            wf_id = branch.spawn.workflow or str(self.answers.get(branch.spawn.workflow_field or "", ""))
            if wf_id:
                self.spawns.append((step.id, wf_id))
        for sid, reason in skipped:
            self.states[sid].status, self.states[sid].reason = "skipped", reason
        if closes:
            self.status, self.cursor, self.closed_on = "closed", None, item.on
            self.outcome = (branch.outcome if branch else "") or "avsluttet"
            return
        here = self.order.index(step.id)
        if target is not None and target <= here:  # a loop back, e.g. transfer to another unit
            for i in range(target, len(self.order)):
                s = self.states[self.order[i]]
                s.status, s.reason = "pending", ""
        self.cursor = target

    def action(self, item: HistoryItem) -> None:
        act = self.wf.action(item.ref)
        limit = self.named_dates().get(act.allowed_until) if act.allowed_until else None
        why = f" ({act.rule})" if act.rule else ""
        if limit is not None and item.on > limit:
            raise EngineError(f"«{act.title}» er ikke lenger mulig: fristen var {limit.isoformat()}{why}")
        if act.allowed_until_step and self.states[act.allowed_until_step].status == "done":
            raise EngineError(f"«{act.title}» er ikke lenger mulig: steg {act.allowed_until_step} er fullført{why}")
        if act.allowed_after_step and self.states[act.allowed_after_step].status != "done":
            raise EngineError(f"«{act.title}» er ikke mulig ennå: steg {act.allowed_after_step} er ikke fullført{why}")
        if act.kind == "close":
            self.close_by_action(act, item)
        elif act.kind == "withdraw":
            if self.status != "open":
                raise EngineError(f"«{act.title}»: saken er ikke åpen")
            self.paused_cursor, self.cursor = self.cursor, None
            if self.paused_cursor is not None:
                self.states[self.order[self.paused_cursor]].status = "pending"
            self.status, self.outcome, self.closed_on = "withdrawn", act.outcome or "trukket", item.on
        else:
            if self.status != "withdrawn":
                raise EngineError(f"«{act.title}»: saken er ikke trukket")
            self.status, self.outcome, self.closed_on = "open", "", None
            self.cursor = self.paused_cursor
        self.answers.update(item.answers)

    def close_by_action(self, act: Action, item: HistoryItem) -> None:
        """Close at any point (NTNU avvik: «må avviket lukkes med kommentar»): the steps left are
        skipped with the action as reason; the comment is the action's answer."""
        if self.status != "open":
            raise EngineError(f"«{act.title}»: saken er ikke åpen")
        if act.comment_required and not str(item.answers.get(ACTION_COMMENT) or "").strip():
            raise EngineError(f"«{act.title}» krever en kommentar")
        if self.cursor is not None:
            self._skip_range(self.cursor, len(self.order), act.title.lower())
        self.status, self.cursor, self.closed_on = "closed", None, item.on
        self.outcome = act.outcome or "lukket"

    def status_text(self) -> str:
        return {"open": "åpen", "closed": "avsluttet", "withdrawn": "trukket"}[self.status]

    def run(self, history: list[HistoryItem]) -> None:
        if self.facts.awaiting_intake and not history:
            self.cursor = None  # open, but no step is active until the intake is complete
            return
        self.settle(history[0].ref if history and history[0].kind == "complete" else None)
        for n, item in enumerate(history):
            self.on = self.now = item.on
            at = self.current_id()
            if item.kind == "complete":
                self.complete(item)
            else:
                self.action(item)
            self.last_step = item.ref if item.kind == "complete" else (at or self.last_step)
            nxt = history[n + 1] if n + 1 < len(history) else None
            if self.status == "open":
                self.settle(nxt.ref if nxt and nxt.kind == "complete" else None)
        self.now = self.today

    # -- result ----------------------------------------------------------------------------
    def state(self, today: date) -> CaseState:
        starts = self.starts()
        for sid in self.order:
            st, rule = self.states[sid], self.wf.step(sid).deadline
            st.due = due_date(rule, self.facts.received, starts, self.answers, self.done_on)
            if rule is not None and st.due is None and st.status in ("pending", "active"):
                st.counts_from = rule.waiting or rule.text
        if self.status == "open":
            ctx = self.ctx()
            for phase in self.wf.phases:
                pending = [self.states[s.id] for s in phase.steps]
                if phase.skip_if is not None and all(p.status == "pending" for p in pending) \
                        and evaluate(phase.skip_if, ctx):
                    for p in pending:
                        p.forecast = phase.skip_reason or f"fase {phase.id} hoppes over"
        cur = self.current_id() if self.status == "open" else None
        body = None
        # A closed case stays with the body of the phase it was closed in (its members keep it for
        # the archive and reports), not with nobody: the body of the step it ended at.
        anchor = cur or (self.order[self.paused_cursor] if self.paused_cursor is not None else self.last_step)
        if anchor is not None:
            phase = self.wf.phase_of(anchor)
            chosen = next((str(self.answers[f]) for f in phase.body_from if self.answers.get(f)), None) \
                or next((b for b in phase.body_first_unconcerned if not self.facts.concerns(b)), None)
            body = chosen or self.body_override or phase.body
        else:
            body = self.body_override
        return CaseState(
            status=self.status, outcome=self.outcome, current=cur, body=body, steps=self.states,
            answers=self.answers, events=self.events, dates=self.named_dates(),
            statutory=self.statutory(today), spawns=self.spawns, closed_on=self.closed_on,
            classification=self.classification, awaiting_intake=self.facts.awaiting_intake,
        )

    def statutory(self, today: date) -> list[StatutoryState]:
        from .calendar import working_days_between

        out = []
        for st in self.wf.statutory:
            due = due_date(st.deadline, self.facts.received, self.starts(), self.answers, self.done_on)
            if st.until_step:
                met = self.states[st.until_step].status == "done" or self.status != "open"
            else:
                met = self.status != "open"
            warn = (not met and due is not None and working_days_between(today, due) <= st.warn_working_days)
            out.append(StatutoryState(st.title, st.law, due, met, warn))
        return out


def check_event_date(facts: CaseFacts, history: list[HistoryItem], on: date, today: date) -> None:
    """A new completion or action date lies between the case's previous event and today: a step is
    not done ahead of time, nor before what it follows (which would also move a window, e.g.
    withdrawing "on" a day before the complaint deadline ran out). Raises EngineError."""
    if on > today:
        raise EngineError(f"datoen {on.isoformat()} er etter i dag ({today.isoformat()}); "
                          "det som gjøres i saken, kan ikke dateres fram i tid")
    prev, what = facts.received, "saken ble mottatt"
    for item in history:
        if item.on >= prev:
            prev = item.on
            what = f"steg {item.ref} ble fullført" if item.kind == "complete" else f"handlingen «{item.ref}»"
    if on < prev:
        raise EngineError(f"datoen {on.isoformat()} er før forrige hendelse i saken ({what} {prev.isoformat()})")


def _too_early(wf: Workflow, r: "_Replay", branch: Branch | None, on: date) -> list[Problem]:
    """A decision that waits for a window to close (Branch.allowed_after), taken too soon."""
    if branch is None or branch.allowed_after is None:
        return []
    nd = next(d for d in wf.dates if d.id == branch.allowed_after)
    limit = r.named_dates().get(nd.id)
    rule = f"{nd.title}: {nd.deadline.text}" if nd.deadline.text else nd.title
    if limit is None:
        return [Problem("", f"«{branch.reason}» kan ikke registreres ennå: fristen er ikke kjent ({rule})",
                        message_en=f"«{branch.reason}» cannot be recorded yet: the deadline is not known ({rule})")]
    if on <= limit:
        return [Problem("", f"«{branch.reason}» kan først registreres etter {limit.isoformat()} ({rule})",
                        message_en=f"«{branch.reason}» can be recorded only after {limit.isoformat()} ({rule})")]
    return []


def replay(wf: Workflow, facts: CaseFacts, history: list[HistoryItem], today: date) -> CaseState:
    """The case's state after its history. Raises EngineError on a history the workflow forbids."""
    r = _Replay(wf, facts, today)
    r.run(history)
    return r.state(today)


def preview(wf: Workflow, facts: CaseFacts, history: list[HistoryItem], step_id: str,
            raw_answers: dict[str, Any], today: date) -> Outcome:
    """Validate a step's answers and say what submitting them will do, without doing it.
    `today` is the day the step is completed (dates in the form are checked against it)."""
    r = _Replay(wf, facts, today)
    r.run(history)
    if r.status != "open" or r.current_id() != step_id:
        raise EngineError(f"steg {step_id} er ikke aktivt (aktivt steg er {r.current_id() or 'ingen'})")
    step = wf.step(step_id)
    clean, problems = validate(step.form, raw_answers, r.ctx()) if step.form else ({}, [])
    if step.form:
        problems += date_problems(step.form, clean, today)
    branch, target, skipped, closes = r.plan(step, clean)
    if not any(p.severity == "error" for p in problems):  # with the answers incomplete, no branch is decided
        problems += _too_early(wf, r, branch, today)
    body_before = r.state(today).body
    spawn_wf = None
    if branch is not None and branch.spawn is not None:
        spawn_wf = branch.spawn.workflow or str({**r.answers, **clean}.get(branch.spawn.workflow_field or "", "")) or None
    new_body = None
    if branch is not None and branch.set_body_from:
        new_body = str(clean.get(branch.set_body_from) or "") or None
        if new_body is not None and branch.goto and new_body == body_before:
            # A transfer that sends the case back to itself would restart the step for nothing.
            problems.append(Problem(branch.set_body_from, f"Saken er allerede hos {new_body}; velg en annen enhet",
                                    message_en=f"The case is with {new_body} already; choose another unit"))
    letters = list(step.letters) + (list(branch.letters) if branch else [])
    next_step = None
    # Run the would-be state forward to see where the case lands and which phases get skipped.
    trial = _Replay(wf, facts, today)
    trial.run(history + [HistoryItem("complete", step_id, today, clean)])
    body_after = trial.state(today).body
    if not closes and target is not None and target < len(r.order):
        next_step = trial.current_id()
        for sid in r.order[target:trial.cursor if trial.cursor is not None else len(r.order)]:
            if trial.states[sid].status == "skipped":
                skipped.append((sid, trial.states[sid].reason))
        if trial.status == "closed":
            closes = True
    out = Outcome(
        problems=problems, branch=branch, next_step=next_step, skipped=skipped, closes=closes,
        outcome=((branch.outcome if branch else "") or ("avsluttet" if closes else "")),
        spawn_workflow=spawn_wf, new_body=new_body, letters=letters, answers=clean,
        body_before=body_before, body_after=body_after,
    )
    _open_work(out, step, r.ctx(clean), facts, today)
    return out


def _day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _open_work(out: Outcome, step: Step, ctx: Context, facts: CaseFacts, today: date) -> None:
    """The hearing the step opens, the hearings and measures it ends, and whether the case may
    close with work still open: an open hearing never (its participants take part "before the
    case is closed", NTNU avvik), a measure not carried out only where the branch allows it with
    a reason."""
    if step.hearing is not None and (step.hearing.when is None or evaluate(step.hearing.when, ctx)):
        spec = step.hearing
        people, ends = out.answers.get(spec.participants) or [], out.answers.get(spec.ends)
        if people and ends:
            ends_on = date.fromisoformat(ends)
            limit = max(today, facts.real_today or today)
            if ends_on <= limit and not any(p.field == spec.ends for p in out.problems):  # one message a field
                out.problems.append(Problem(spec.ends, f"høringsrunden må slutte etter i dag ({_day(limit)})",
                                            message_en=f"the hearing must end after today ({_day(limit)})"))
            out.hearing = NewHearing(list(people), ends_on, _question(step, spec.question, out.answers))
    if step.ends_hearings:
        out.ends_hearings = list(facts.open_hearings)
    known = {m.id: m for m in facts.measures or []}
    if step.completes_measures:
        out.measures_done = [known[i] for i in out.answers.get(step.completes_measures, []) if i in known]
    if not out.closes:
        return
    hearings = [h for h in facts.open_hearings if h not in out.ends_hearings]
    if out.hearing is not None:
        hearings.append("høringsrunden dette steget åpner")
    if hearings:
        out.problems.append(Problem("", f"Saken kan ikke avsluttes mens {' og '.join(hearings)} pågår: avslutt "
                                        "høringsrunden først (H på saken, eller varsel case hearing close).",
                                    message_en=f"The case cannot be closed while {' and '.join(hearings)} is going on: "
                                               "end the hearing first (H on the case, or varsel case hearing close)."))
    done = {m.id for m in out.measures_done}
    left = [m.label for m in known.values() if not m.done and m.id not in done]
    if not left:
        return
    reason_field = out.branch.close_with_open_measures if out.branch is not None else None
    reason = str(out.answers.get(reason_field) or "").strip() if reason_field else ""
    if reason:
        out.closes_with_open, out.close_reason = left, reason
    elif reason_field:
        # In place of the form's own "must be filled in": this one names the measures.
        out.problems[:] = [p for p in out.problems if p.field != reason_field]
        out.problems.append(Problem(reason_field, f"{' og '.join(left)} er ikke gjennomført: skriv hvorfor saken "
                                                  "likevel avsluttes, eller marker tiltaket som gjennomført først",
                                    message_en=f"{' and '.join(left)} is not carried out: write why the case is closed "
                                               "anyway, or mark the measure carried out first"))
    else:
        out.problems.append(Problem("", f"Saken kan ikke avsluttes før {' og '.join(left)} er gjennomført "
                                        "(T på saken, eller varsel case measure done).",
                                    message_en=f"The case cannot be closed before {' and '.join(left)} is carried out "
                                               "(T on the case, or varsel case measure done)."))


def _question(step: Step, field_ids: list[str], answers: dict[str, Any]) -> str:
    """The hearing's question: the answers of the named fields, choices by their labels."""
    parts: list[str] = []
    for fid in field_ids:
        f = step.form.field(fid) if step.form else None
        value = answers.get(fid)
        if f is None or value in (None, "", []):
            continue
        labels = {o.value: o.label for o in f.options}
        values = value if isinstance(value, list) else [value]
        parts.extend(labels.get(str(v), str(v)) for v in values)
    return "\n".join(parts)


# The preview's sentences, (nb, en) templates for str.format.
SENTENCES: dict[str, tuple[str, str]] = {
    "transfer": ("Saken overføres til {body}.", "The case is transferred to {body}."),
    "spawn": ("Saken registreres på nytt som ny sak i «{workflow}», lenket begge veier.",
              "The case is re-registered as a new case in «{workflow}», linked both ways."),
    "skip": ("Hopper over {span}: {reason}.", "Skips {span}: {reason}."),
    "closes": ("Saken avsluttes ({outcome}).", "The case is closed ({outcome})."),
    "next": ("Neste steg: {step} {title}.", "Next step: {step} {title}."),
    "moves": ("Saken flyttes til {body}.", "The case moves to {body}."),
    "loses_access": ("Du mister tilgangen til saken når du sender inn: den flyttes bort fra deg.",
                     "You lose access to the case when you submit: it moves away from you."),
    "hearing": ("Høringsrunde opprettes med {people} til og med {ends}: de får tilgang til saken til da.",
                "A hearing (høringsrunde) is opened with {people} until {ends}: they get access to the case "
                "until then."),
    "hearing_ends": ("{label} avsluttes; deltakernes tilgang opphører.",
                     "{label} ends; its participants' access ends."),
    "measure_done": ("{label} markeres som gjennomført.", "{label} is marked carried out."),
    "closes_with_open": ("Saken avsluttes selv om {labels} ikke er gjennomført; begrunnelsen journalføres.",
                         "The case is closed although {labels} is not carried out; the reason is journalled."),
    # Completing the step drafts the letter on the case (store/letters.py); sending is the officer's.
    "letter": ("Lager utkast til brevet «{letter}» på saken: se over, send og merk det som sendt.",
               "Drafts the letter «{letter}» on the case: review it, send it and mark it sent."),
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _say(key: str, lang: str, **kw: str) -> str:
    nb, en = SENTENCES[key]
    return (en if lang == "en" else nb).format(**kw)


def describe(outcome: Outcome, wf: Workflow, lang: str = "nb") -> list[str]:
    """Plain sentences for the officer: what submitting will do (in `lang`: nb or en; the
    workflow's own words in English where it gives them)."""
    lines: list[str] = []
    if outcome.branch is not None and outcome.branch.effect:
        lines.append(text_in(outcome.branch, "effect", lang))
    if outcome.new_body:
        lines.append(_say("transfer", lang, body=outcome.new_body))
    elif outcome.body_after and outcome.body_after != outcome.body_before and not outcome.closes:
        lines.append(_say("moves", lang, body=outcome.body_after))
    if outcome.loses_access:
        lines.append(_say("loses_access", lang))
    if outcome.spawn_workflow:
        lines.append(_say("spawn", lang, workflow=outcome.spawn_workflow))
    if outcome.skipped:
        by_reason: dict[str, list[str]] = {}
        for sid, reason in outcome.skipped:
            by_reason.setdefault(reason, []).append(sid)
        for reason, ids in by_reason.items():
            span = ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"
            lines.append(_say("skip", lang, span=span, reason=reason))
    if outcome.hearing is not None:
        h = outcome.hearing
        lines.append(_say("hearing", lang, people=", ".join(h.participants), ends=_day(h.ends_on)))
    for label in outcome.ends_hearings:
        lines.append(_say("hearing_ends", lang, label=_capital(label)))
    for m in outcome.measures_done:
        lines.append(_say("measure_done", lang, label=_capital(m.label)))
    if outcome.closes_with_open:
        lines.append(_say("closes_with_open", lang, labels=" og ".join(outcome.closes_with_open)))
    if outcome.closes:
        lines.append(_say("closes", lang, outcome=outcome.outcome))
    elif outcome.next_step:
        lines.append(_say("next", lang, step=outcome.next_step,
                          title=text_in(wf.step(outcome.next_step), "title", lang)))
    for letter in outcome.letters:
        lines.append(_say("letter", lang, letter=letter))
    return lines
