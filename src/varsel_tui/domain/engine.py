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
from .forms import Problem, text_in, validate
from .workflow import Branch, DeadlineRule, Step, Workflow

StepStatus = Literal["pending", "active", "done", "skipped"]
CaseStatus = Literal["open", "closed", "withdrawn"]


class EngineError(ValueError):
    """A history item that the workflow does not allow (wrong step, action out of time)."""


@dataclass(frozen=True)
class HistoryItem:
    kind: Literal["complete", "action"]
    ref: str  # step id or action id
    on: date
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseFacts:
    received: date
    intake: dict[str, Any] = field(default_factory=dict)
    concerns: Callable[[str], bool] = lambda body: False
    events: dict[str, date] = field(default_factory=dict)  # recorded outside steps: foreløpig_svar
    bodies: frozenset[str] | None = None  # registered bodies a `body` answer must name (None: unchecked)


@dataclass
class StepState:
    id: str
    status: StepStatus = "pending"
    due: date | None = None
    done_on: date | None = None
    reason: str = ""
    visits: int = 0
    forecast: str = ""  # a pending step that will be skipped as things stand, and why


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

    @property
    def current_due(self) -> date | None:
        return self.steps[self.current].due if self.current else None

    @property
    def needs_preliminary_reply(self) -> bool:
        return any(s.warn for s in self.statutory) and "foreløpig_svar" not in self.events


def resolve_start(rule: DeadlineRule, received: date, events: dict[str, date], answers: dict[str, Any],
                  done: dict[str, date]) -> date | None:
    """The latest of the named dates that have happened; None while none has."""
    found: list[date] = []
    for name in rule.starts:
        d: date | None = None
        if name == "mottatt":
            d = received
        elif name.startswith("step:"):
            d = done.get(name[5:])
        elif name in events:
            d = events[name]
        elif isinstance(answers.get(name), str):
            try:
                d = date.fromisoformat(answers[name])
            except ValueError:
                d = None
        if d is not None:
            found.append(d)
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
    def __init__(self, wf: Workflow, facts: CaseFacts):
        self.wf = wf
        self.facts = facts
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
        self.spawns: list[tuple[str, str]] = []
        self.classification: str | None = None

    # -- helpers ---------------------------------------------------------------------------
    def ctx(self, extra: dict[str, Any] | None = None) -> Context:
        return Context({**self.answers, **(extra or {})}, self.facts.concerns, {**self.named_dates(), **self.events},
                       self.facts.bodies)

    def named_dates(self) -> dict[str, date]:
        out = {}
        for nd in self.wf.dates:
            d = due_date(nd.deadline, self.facts.received, self.events, self.answers, self.done_on)
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
            self.events[rec.event] = date.fromisoformat(d) if isinstance(d, str) else item.on
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
        if limit is not None and item.on > limit:
            raise EngineError(f"«{act.title}» er ikke lenger mulig: fristen var {limit.isoformat()}")
        if act.allowed_until_step and self.states[act.allowed_until_step].status == "done":
            raise EngineError(f"«{act.title}» er ikke lenger mulig: steg {act.allowed_until_step} er fullført")
        if act.allowed_after_step and self.states[act.allowed_after_step].status != "done":
            raise EngineError(f"«{act.title}» er ikke mulig ennå: steg {act.allowed_after_step} er ikke fullført")
        if act.kind == "withdraw":
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

    def status_text(self) -> str:
        return {"open": "åpen", "closed": "avsluttet", "withdrawn": "trukket"}[self.status]

    def run(self, history: list[HistoryItem]) -> None:
        self.settle(history[0].ref if history and history[0].kind == "complete" else None)
        for n, item in enumerate(history):
            if item.kind == "complete":
                self.complete(item)
            else:
                self.action(item)
            nxt = history[n + 1] if n + 1 < len(history) else None
            if self.status == "open":
                self.settle(nxt.ref if nxt and nxt.kind == "complete" else None)

    # -- result ----------------------------------------------------------------------------
    def state(self, today: date) -> CaseState:
        for sid in self.order:
            st = self.states[sid]
            st.due = due_date(self.wf.step(sid).deadline, self.facts.received, self.events, self.answers,
                              self.done_on)
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
        if cur is not None or self.paused_cursor is not None:
            phase = self.wf.phase_of(cur or self.order[self.paused_cursor])  # type: ignore[index]
            chosen = next((str(self.answers[f]) for f in phase.body_from if self.answers.get(f)), None) \
                or next((b for b in phase.body_first_unconcerned if not self.facts.concerns(b)), None)
            body = chosen or self.body_override or phase.body
        else:
            body = self.body_override
        return CaseState(
            status=self.status, outcome=self.outcome, current=cur, body=body, steps=self.states,
            answers=self.answers, events=self.events, dates=self.named_dates(),
            statutory=self.statutory(today), spawns=self.spawns, closed_on=self.closed_on,
            classification=self.classification,
        )

    def statutory(self, today: date) -> list[StatutoryState]:
        from .calendar import working_days_between

        out = []
        for st in self.wf.statutory:
            due = due_date(st.deadline, self.facts.received, self.events, self.answers, self.done_on)
            if st.until_step:
                met = self.states[st.until_step].status == "done" or self.status != "open"
            else:
                met = self.status != "open"
            warn = (not met and due is not None and working_days_between(today, due) <= st.warn_working_days)
            out.append(StatutoryState(st.title, st.law, due, met, warn))
        return out


def replay(wf: Workflow, facts: CaseFacts, history: list[HistoryItem], today: date) -> CaseState:
    """The case's state after its history. Raises EngineError on a history the workflow forbids."""
    r = _Replay(wf, facts)
    r.run(history)
    return r.state(today)


def preview(wf: Workflow, facts: CaseFacts, history: list[HistoryItem], step_id: str,
            raw_answers: dict[str, Any], today: date) -> Outcome:
    """Validate a step's answers and say what submitting them will do, without doing it."""
    r = _Replay(wf, facts)
    r.run(history)
    if r.status != "open" or r.current_id() != step_id:
        raise EngineError(f"steg {step_id} er ikke aktivt (aktivt steg er {r.current_id() or 'ingen'})")
    step = wf.step(step_id)
    clean, problems = validate(step.form, raw_answers, r.ctx()) if step.form else ({}, [])
    branch, target, skipped, closes = r.plan(step, clean)
    spawn_wf = None
    if branch is not None and branch.spawn is not None:
        spawn_wf = branch.spawn.workflow or str({**r.answers, **clean}.get(branch.spawn.workflow_field or "", "")) or None
    new_body = None
    if branch is not None and branch.set_body_from:
        new_body = str(clean.get(branch.set_body_from) or "") or None
    letters = list(step.letters) + (list(branch.letters) if branch else [])
    next_step = None
    if not closes and target is not None and target < len(r.order):
        # Run the would-be state forward to see which phases get skipped on the way.
        trial = _Replay(wf, facts)
        trial.run(history + [HistoryItem("complete", step_id, today, clean)])
        next_step = trial.current_id()
        for sid in r.order[target:trial.cursor if trial.cursor is not None else len(r.order)]:
            if trial.states[sid].status == "skipped":
                skipped.append((sid, trial.states[sid].reason))
        if trial.status == "closed":
            closes = True
    return Outcome(
        problems=problems, branch=branch, next_step=next_step, skipped=skipped, closes=closes,
        outcome=((branch.outcome if branch else "") or ("avsluttet" if closes else "")),
        spawn_workflow=spawn_wf, new_body=new_body, letters=letters, answers=clean,
    )


# The preview's sentences, (nb, en) templates for str.format.
SENTENCES: dict[str, tuple[str, str]] = {
    "transfer": ("Saken overføres til {body}.", "The case is transferred to {body}."),
    "spawn": ("Saken registreres på nytt som ny sak i «{workflow}», lenket begge veier.",
              "The case is re-registered as a new case in «{workflow}», linked both ways."),
    "skip": ("Hopper over {span}: {reason}.", "Skips {span}: {reason}."),
    "closes": ("Saken avsluttes ({outcome}).", "The case is closed ({outcome})."),
    "next": ("Neste steg: {step} {title}.", "Next step: {step} {title}."),
    # Say only what happens: no letter is drafted yet (the outputs issue), so the preview says
    # which letter the procedure requires and that the officer sends it.
    "letter": ("Prosedyren krever en e-post her ({letter}); varsel lager den ikke ennå – send den selv.",
               "The procedure requires an e-mail here ({letter}); varsel does not draft it yet – send it yourself."),
}


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
    if outcome.spawn_workflow:
        lines.append(_say("spawn", lang, workflow=outcome.spawn_workflow))
    if outcome.skipped:
        by_reason: dict[str, list[str]] = {}
        for sid, reason in outcome.skipped:
            by_reason.setdefault(reason, []).append(sid)
        for reason, ids in by_reason.items():
            span = ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"
            lines.append(_say("skip", lang, span=span, reason=reason))
    if outcome.closes:
        lines.append(_say("closes", lang, outcome=outcome.outcome))
    elif outcome.next_step:
        lines.append(_say("next", lang, step=outcome.next_step,
                          title=text_in(wf.step(outcome.next_step), "title", lang)))
    for letter in outcome.letters:
        lines.append(_say("letter", lang, letter=letter))
    return lines
