"""The workflow model: phases and steps as in the procedure text, with declarative branches.

A workflow is loaded from TOML text (see data/workflows/). Parsing and validation are pure; the
caller reads the file. Errors name the file, the step and the field.
"""

from __future__ import annotations

import tomllib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .calendar_units import check_unit
from .conditions import Condition
from .forms import Form


class DeadlineRule(BaseModel):
    """"2 virkedager etter mottatt", "3 uker etter vedtak", "så snart klage er mottatt".

    `from` names the date counted from: `mottatt` (the case's received date), an event a step
    records (`vedtak`), a date field of a form (`karakter_kunngjort`), or `step:1.1` (the day step
    1.1 was completed). A list means the latest of those that have happened. `asap` = as soon as
    the date has happened (due the same working day). `text` keeps the source's own words.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    count: int = Field(default=0, ge=0)
    unit: str = "virkedager"
    start: str | list[str] = Field(alias="from")
    asap: bool = False
    text: str = ""

    @model_validator(mode="after")
    def _check(self) -> "DeadlineRule":
        check_unit(self.unit)
        return self

    @property
    def starts(self) -> list[str]:
        return [self.start] if isinstance(self.start, str) else list(self.start)


class SpawnSpec(BaseModel):
    """Re-register the case as a new case of another workflow, linked both ways."""

    model_config = ConfigDict(extra="forbid")
    workflow: str | None = None
    workflow_field: str | None = None  # take the workflow id from this answer
    reason: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> "SpawnSpec":
        if not (self.workflow or self.workflow_field):
            raise ValueError("spawn needs 'workflow' or 'workflow_field'")
        return self


class Branch(BaseModel):
    """Where a completed step leads. The first branch whose `when` holds is taken."""

    model_config = ConfigDict(extra="forbid")
    when: Condition | None = None  # None = always (a default branch, put it last)
    goto: str | None = None  # a step id; steps passed over are skipped with `reason`
    end: bool = False  # close the case; all remaining steps are skipped with `reason`
    outcome: str = ""  # the closing outcome, e.g. "løst i fase 1", "avvist"
    reason: str = ""  # why steps are skipped ("organet stiller ikke mistillitsforslag")
    set: dict[str, Any] = {}  # answers this branch records, e.g. vedtak = "til gunst"
    set_body_from: str | None = None  # the responsible body becomes this answer (transfer)
    spawn: SpawnSpec | None = None
    letters: list[str] = []  # e-mail drafts to make, by template id
    effect: str = ""  # what the officer is told before submitting
    effect_en: str = ""


class EventRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str
    date_field: str | None = None  # else the completion date


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    title_en: str = ""  # every *_en field: the same in English, for --lang en (optional)
    description: str = ""
    description_en: str = ""
    role: str = ""
    deadline: DeadlineRule | None = None
    form: Form | None = None
    branches: list[Branch] = []
    records: list[EventRecord] = []
    skip_if: Condition | None = None
    skip_reason: str = ""
    letters: list[str] = []
    classify: str | None = None  # completing the step raises the case to this classification


class Phase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    title_en: str = ""
    description: str = ""
    body: str | None = None  # the body that handles the case in this phase (OU, KKV, ...)
    body_from: list[str] = []  # else the first of these answers that is set (a unit chosen per case)
    body_first_unconcerned: list[str] = []  # else the first of these bodies the case does not concern
    skip_if: Condition | None = None
    skip_reason: str = ""
    steps: list[Step]


class Statutory(BaseModel):
    """A statutory limit, e.g. forvaltningsloven § 11a: a preliminary reply if it will be missed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    title: str
    title_en: str = ""
    law: str = ""
    deadline: DeadlineRule
    warn_working_days: int = 5
    until_step: str | None = None  # the limit is met when this step is done (else: case closed)


class NamedDate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    deadline: DeadlineRule


class Action(BaseModel):
    """A case action outside the step order: withdraw and reopen a complaint."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    title_en: str = ""
    kind: Literal["withdraw", "reopen"]
    help: str = ""
    help_en: str = ""
    allowed_until: str | None = None  # a named date id; after it the action is refused
    allowed_until_step: str | None = None  # refused once this step is done
    allowed_after_step: str | None = None  # refused until this step is done (no complaint yet)
    outcome: str = ""


class IntakeSpec(BaseModel):
    """The intake form (channel, anonymity, ...) and the classification rules."""

    model_config = ConfigDict(extra="forbid")
    form: Form = Form()
    classification: str = "fortrolig"
    secret_if: Condition | None = None  # e.g. a written StInn notification is strengt hemmelig


class Workflow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    name_en: str = ""
    source: str = ""
    description: str = ""
    retention_days: int = 0  # 0 = keep until an archivist decides (see the procedure)
    roles: dict[str, str] = {}  # abbreviation → meaning
    bodies: list[str] = []  # bodies this workflow refers to (created in the store if missing)
    intake: IntakeSpec = IntakeSpec()
    phases: list[Phase]
    statutory: list[Statutory] = []
    dates: list[NamedDate] = []
    actions: list[Action] = []

    # -- lookups -----------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        return [s for p in self.phases for s in p.steps]

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def phase_of(self, step_id: str) -> Phase:
        for p in self.phases:
            if any(s.id == step_id for s in p.steps):
                return p
        raise KeyError(step_id)

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    @model_validator(mode="after")
    def _references_resolve(self) -> "Workflow":
        ids = [s.id for s in self.steps]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(sorted(dupes))}")
        known = set(ids)
        for step in self.steps:
            for n, b in enumerate(step.branches):
                if b.goto is not None and b.goto not in known:
                    raise ValueError(f"step {step.id}: branch {n + 1} goes to unknown step '{b.goto}'")
                if b.goto and b.end:
                    raise ValueError(f"step {step.id}: branch {n + 1} has both goto and end")
            for n, b in enumerate(step.branches[:-1]):
                if b.when is None:
                    raise ValueError(f"step {step.id}: branch {n + 1} has no 'when' but is not the last")
        for st in self.statutory:
            if st.until_step and st.until_step not in known:
                raise ValueError(f"statutory '{st.title}': unknown until_step '{st.until_step}'")
        date_ids = {d.id for d in self.dates}
        for a in self.actions:
            if a.allowed_until and a.allowed_until not in date_ids:
                raise ValueError(f"action {a.id}: unknown date '{a.allowed_until}'")
            for ref in (a.allowed_until_step, a.allowed_after_step):
                if ref and ref not in known:
                    raise ValueError(f"action {a.id}: unknown step '{ref}'")
        return self


class WorkflowError(ValueError):
    """An invalid workflow file; the message names file, step and field."""


def _describe_location(data: dict, loc: tuple) -> str:
    """Turn pydantic's ('phases', 2, 'steps', 0, 'deadline', 'unit') into 'step 3.1, field deadline.unit'."""
    where: list[str] = []
    node: Any = data
    rest: list[str] = []
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in ("phases", "steps", "fields", "branches", "actions", "statutory", "dates") and i + 1 < len(loc) \
                and isinstance(loc[i + 1], int):
            try:
                item = node[key][loc[i + 1]]
            except (KeyError, IndexError, TypeError):
                item = {}
            label = {"phases": "phase", "steps": "step", "fields": "field", "branches": "branch",
                     "actions": "action", "statutory": "statutory", "dates": "date"}[key]
            ident = item.get("id") if isinstance(item, dict) else None
            where.append(f"{label} {ident}" if ident else f"{label} #{loc[i + 1] + 1}")
            node = item
            i += 2
            continue
        rest.append(str(key))
        node = node.get(key, {}) if isinstance(node, dict) else {}
        i += 1
    if rest:
        where.append("field " + ".".join(rest))
    return ", ".join(where) or "top level"


def parse_workflow(text: str, filename: str = "<workflow>") -> Workflow:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WorkflowError(f"{filename}: not valid TOML: {exc}") from None
    try:
        return Workflow.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise WorkflowError(f"{filename}: {_describe_location(data, err['loc'])}: {msg}{more}") from None
