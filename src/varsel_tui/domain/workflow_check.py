"""Cross-references in a workflow, checked like code: every name a workflow file uses must exist.

Pydantic checks each table on its own (a unit, a condition with one test); this checks what one
table says about another: a `goto` step, a condition's field and the option it compares with, a
deadline's `from` event, a body a phase names, a classification, a spawn target. A reference that
resolves to nothing would otherwise fail later or silently never match. All problems are
returned, each with the TOML path it sits at (`phases[2].steps[0].branches[1].when.field`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from .conditions import Condition
from .forms import Form, FormField
from .policy import CLASSIFICATIONS
from .workflow import DeadlineRule, Workflow

# Events the store records outside any step (store/reads.py: a preliminary reply was sent).
STORE_EVENTS = frozenset({"foreløpig_svar"})


@dataclass(frozen=True)
class Problem:
    path: str  # the TOML path, e.g. phases[2].steps[0].deadline.from
    message: str


class _Names:
    """Everything in the workflow a reference may name."""

    def __init__(self, wf: Workflow):
        self.steps = {s.id for s in wf.steps}
        self.fields: dict[str, FormField] = {}
        for form in self._forms(wf):
            for f in form.fields:
                self.fields.setdefault(f.id, f)
        # Answers a branch records (`set = { vedtak = "til gunst" }`): name → the values it may take.
        self.set_values: dict[str, set[Any]] = {}
        for s in wf.steps:
            for b in s.branches:
                for key, value in b.set.items():
                    self.set_values.setdefault(key, set()).add(_hashable(value))
        self.events = ({r.event for s in wf.steps for r in s.records} | {r.event for r in wf.intake.records}
                       | STORE_EVENTS)
        self.phases = {p.id for p in wf.phases}
        self.date_fields = {fid for fid, f in self.fields.items() if f.type == "date"}
        self.named_dates = {d.id for d in wf.dates}
        self.bodies = set(wf.bodies)

    @staticmethod
    def _forms(wf: Workflow) -> Iterator[Form]:
        yield wf.intake.form
        for s in wf.steps:
            if s.form is not None:
                yield s.form

    def answer(self, name: str) -> bool:
        return name in self.fields or name in self.set_values

    def date_source(self, name: str) -> bool:
        """A name a deadline may count from (see DeadlineRule)."""
        if name == "mottatt":
            return True
        if name.startswith("step:"):
            return name[5:] in self.steps
        if name.startswith("phase:"):
            return name[6:] in self.phases
        return name in self.events or name in self.date_fields


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class _Checker:
    def __init__(self, wf: Workflow, known_workflows: Collection[str] | None):
        self.wf = wf
        self.names = _Names(wf)
        self.known_workflows = known_workflows
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # -- pieces ----------------------------------------------------------------------------
    def deadline(self, rule: DeadlineRule, path: str) -> None:
        for n, start in enumerate(rule.starts):
            where = f"{path}.from" if isinstance(rule.start, str) else f"{path}.from[{n}]"
            if not self.names.date_source(start):
                self.add(where, f"unknown date '{start}' (use mottatt, step:ID, phase:ID, an event a step "
                                "records, or a date field of a form)")
        if rule.after is not None and not self.names.date_source(rule.after):
            self.add(f"{path}.after", f"unknown date '{rule.after}' (use mottatt, step:ID, phase:ID, an event a "
                                      "step records, or a date field of a form)")

    def classification(self, value: str | None, path: str) -> None:
        if value is not None and value not in CLASSIFICATIONS:
            self.add(path, f"unknown classification '{value}' (known: {', '.join(CLASSIFICATIONS)})")

    def field_ref(self, name: str, path: str) -> None:
        if not self.names.answer(name):
            self.add(path, f"unknown field '{name}' (not in any form, nor set by a branch)")

    def condition(self, cond: Condition, path: str) -> None:
        for key, subs in (("all", cond.all), ("any", cond.any)):
            for n, sub in enumerate(subs or []):
                self.condition(sub, f"{path}.{key}[{n}]")
        if cond.not_ is not None:
            self.condition(cond.not_, f"{path}.not")
        if cond.concerns_body is not None and cond.concerns_body not in self.names.bodies:
            self.add(f"{path}.concerns_body", f"unknown body '{cond.concerns_body}' (not in the workflow's bodies)")
        if cond.field is not None:
            if cond.date_is is not None:
                # a date answer, or a named date / recorded event ("klagefrist has passed")
                if not (self.names.answer(cond.field) or cond.field in self.names.named_dates
                        or cond.field in self.names.events):
                    self.add(f"{path}.field", f"unknown field or date '{cond.field}'")
            else:
                self.field_ref(cond.field, f"{path}.field")
            self.compared_values(cond, path)
        if cond.other is not None:
            self.field_ref(cond.other, f"{path}.other")
        if cond.later_than is not None:
            start = cond.later_than.start
            if not (self.names.date_source(start) or start in self.names.named_dates):
                self.add(f"{path}.later_than.from", f"unknown date '{start}'")

    def compared_values(self, cond: Condition, path: str) -> None:
        """`equals` / `not_equals` / `in` compare with a value the field can actually hold."""
        assert cond.field is not None
        compared = [(key, v) for key, v in (("equals", cond.equals), ("not_equals", cond.not_equals))
                    if v is not None]
        compared += [(f"in[{n}]", v) for n, v in enumerate(cond.one_of or [])]
        if not compared:
            return
        f = self.names.fields.get(cond.field)
        allowed: set[Any] | None = None
        if f is not None and f.type in ("choice", "multichoice"):
            allowed = {o.value for o in f.options}
        elif f is not None and f.type == "bool":
            allowed = {True, False}
        if cond.field in self.names.set_values and (f is None or allowed is not None):
            allowed = (allowed or set()) | self.names.set_values[cond.field]
        if allowed is None:
            return  # free text, dates, numbers: any value may be typed
        for key, value in compared:
            if _hashable(value) not in allowed:
                shown = ", ".join(sorted(repr(a) if not isinstance(a, str) else a for a in allowed))
                self.add(f"{path}.{key}", f"field '{cond.field}' has no option {value!r} (options: {shown})")

    def form(self, form: Form, path: str) -> None:
        seen: set[str] = set()
        ids = {f.id for f in form.fields}
        for n, f in enumerate(form.fields):
            fp = f"{path}.fields[{n}]"
            if f.id in seen:
                self.add(f"{fp}.id", f"field id '{f.id}' repeated in this form")
            seen.add(f.id)
            if f.visible_if is not None:
                self.condition(f.visible_if, f"{fp}.visible_if")
            if f.required_if is not None:
                self.condition(f.required_if, f"{fp}.required_if")
        for n, rule in enumerate(form.rules):
            self.condition(rule.when, f"{path}.rules[{n}].when")
            if rule.field not in ids:
                self.add(f"{path}.rules[{n}].field", f"unknown field '{rule.field}' (not in this form)")

    # -- the workflow ----------------------------------------------------------------------
    def run(self) -> list[Problem]:
        wf = self.wf
        self.classification(wf.intake.classification, "intake.classification")
        if wf.intake.secret_if is not None:
            self.condition(wf.intake.secret_if, "intake.secret_if")
        self.form(wf.intake.form, "intake.form")
        intake_fields = {f.id for f in wf.intake.form.fields}
        for n, rec in enumerate(wf.intake.records):
            if rec.when is not None:
                self.condition(rec.when, f"intake.records[{n}].when")
                # decided at registration, on the intake answers alone
                for name in sorted(rec.when.fields_used() - intake_fields):
                    if self.names.answer(name):
                        self.add(f"intake.records[{n}].when", f"'{name}' is not an intake field (an intake "
                                                              "record is decided on the intake answers alone)")
        seen_steps: set[str] = set()
        seen_phases: set[str] = set()
        for i, phase in enumerate(wf.phases):
            pp = f"phases[{i}]"
            if phase.id in seen_phases:
                self.add(f"{pp}.id", f"phase id '{phase.id}' repeated")
            seen_phases.add(phase.id)
            self.phase_bodies(phase, pp)
            if phase.skip_if is not None:
                self.condition(phase.skip_if, f"{pp}.skip_if")
            for j, step in enumerate(phase.steps):
                sp = f"{pp}.steps[{j}]"
                if step.id in seen_steps:
                    self.add(f"{sp}.id", f"step id '{step.id}' repeated (step ids must be unique)")
                seen_steps.add(step.id)
                self.step(step, sp)
        for n, st in enumerate(wf.statutory):
            self.deadline(st.deadline, f"statutory[{n}].deadline")
            if st.until_step and st.until_step not in self.names.steps:
                self.add(f"statutory[{n}].until_step", f"unknown step '{st.until_step}'")
        for n, nd in enumerate(wf.dates):
            self.deadline(nd.deadline, f"dates[{n}].deadline")
            if nd.id in (d.id for d in wf.dates[:n]):
                self.add(f"dates[{n}].id", f"date id '{nd.id}' repeated")
        for n, a in enumerate(wf.actions):
            ap = f"actions[{n}]"
            if a.id in (b.id for b in wf.actions[:n]):
                self.add(f"{ap}.id", f"action id '{a.id}' repeated")
            if a.allowed_until and a.allowed_until not in self.names.named_dates:
                self.add(f"{ap}.allowed_until", f"unknown date '{a.allowed_until}' (not in [[dates]])")
            for key in ("allowed_until_step", "allowed_after_step"):
                ref = getattr(a, key)
                if ref and ref not in self.names.steps:
                    self.add(f"{ap}.{key}", f"unknown step '{ref}'")
        return self.problems

    def phase_bodies(self, phase: Any, pp: str) -> None:
        if phase.body is not None and phase.body not in self.names.bodies:
            self.add(f"{pp}.body", f"unknown body '{phase.body}' (not in the workflow's bodies)")
        for n, b in enumerate(phase.body_first_unconcerned):
            if b not in self.names.bodies:
                self.add(f"{pp}.body_first_unconcerned[{n}]", f"unknown body '{b}' (not in the workflow's bodies)")
        for n, name in enumerate(phase.body_from):
            self.field_ref(name, f"{pp}.body_from[{n}]")

    def step(self, step: Any, sp: str) -> None:
        self.classification(step.classify, f"{sp}.classify")
        if step.deadline is not None:
            self.deadline(step.deadline, f"{sp}.deadline")
        if step.skip_if is not None:
            self.condition(step.skip_if, f"{sp}.skip_if")
        if step.form is not None:
            self.form(step.form, f"{sp}.form")
        own_dates = {f.id for f in step.form.fields if f.type == "date"} if step.form else set()
        for n, rec in enumerate(step.records):
            if rec.date_field is not None and rec.date_field not in own_dates:
                self.add(f"{sp}.records[{n}].date_field", f"'{rec.date_field}' is not a date field of this step's form")
        last = len(step.branches) - 1
        for n, b in enumerate(step.branches):
            bp = f"{sp}.branches[{n}]"
            if b.when is None and n != last:
                self.add(bp, "a branch without 'when' must be the last")
            if b.when is not None:
                self.condition(b.when, f"{bp}.when")
            if b.goto is not None and b.goto not in self.names.steps:
                self.add(f"{bp}.goto", f"unknown step '{b.goto}'")
            if b.goto and b.end:
                self.add(bp, "a branch has both goto and end")
            if b.set_body_from is not None:
                self.field_ref(b.set_body_from, f"{bp}.set_body_from")
            if b.spawn is not None:
                self.spawn(b.spawn, f"{bp}.spawn")
            if b.allowed_after is not None and b.allowed_after not in self.names.named_dates:
                self.add(f"{bp}.allowed_after", f"unknown date '{b.allowed_after}' (not in [[dates]])")
            if b.close_with_open_measures:
                self.own_field(step, b.close_with_open_measures, ("text", "longtext"),
                               f"{bp}.close_with_open_measures")
        self.work(step, sp)

    def own_field(self, step: Any, field_id: str, types: tuple[str, ...], path: str) -> None:
        """A field of the step's own form of one of `types` (what a hearing or measure key names)."""
        f = step.form.field(field_id) if step.form else None
        if f is None or f.type not in types:
            self.add(path, f"'{field_id}' is not a field of type {' or '.join(types)} in this step's form")

    def work(self, step: Any, sp: str) -> None:
        """The hearing a step opens and the measures it completes name fields of the right type."""
        if step.hearing is not None:
            hp = f"{sp}.hearing"
            if step.hearing.when is not None:
                self.condition(step.hearing.when, f"{hp}.when")
            self.own_field(step, step.hearing.participants, ("users",), f"{hp}.participants")
            self.own_field(step, step.hearing.ends, ("date",), f"{hp}.ends")
            for n, q in enumerate(step.hearing.question):
                self.own_field(step, q, ("text", "longtext", "choice", "multichoice"), f"{hp}.question[{n}]")
        if step.completes_measures:
            self.own_field(step, step.completes_measures, ("measures",), f"{sp}.completes_measures")

    def spawn(self, spec: Any, path: str) -> None:
        known = self.known_workflows
        if spec.workflow is not None and known is not None and spec.workflow not in known:
            self.add(f"{path}.workflow", f"unknown workflow '{spec.workflow}' (known: {', '.join(sorted(known))})")
        if spec.workflow_field is not None:
            f = self.names.fields.get(spec.workflow_field)
            if f is None:
                self.add(f"{path}.workflow_field", f"unknown field '{spec.workflow_field}'")
            elif known is not None:
                for o in f.options:
                    if o.value not in known:
                        self.add(f"{path}.workflow_field",
                                 f"field '{f.id}' offers workflow '{o.value}', which is not loaded")


def check(wf: Workflow, known_workflows: Collection[str] | None = None) -> list[Problem]:
    """Every unresolved reference in `wf`. Spawn targets are checked when `known_workflows` is
    given (the ids loaded alongside it)."""
    return _Checker(wf, known_workflows).run()
