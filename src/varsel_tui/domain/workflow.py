"""The workflow model: phases and steps as in the procedure text, with declarative branches.

A workflow is loaded from TOML text (see data/workflows/). Parsing and validation are pure; the
caller reads the file. Errors name the file, the step and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
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
    `phase:4` is the day the case came to phase 4 (its first step became active).

    `after` names a date (same vocabulary) that must have happened before the deadline runs at
    all: KKV's steps count from the day KKV got the case, so they have no date while OU has it.
    `waiting` is what is shown instead of a date until then (default: `text`); `waiting_en` and
    `text_en` are their English, shown with --lang en.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    count: int = Field(default=0, ge=0)
    unit: str = "virkedager"
    start: str | list[str] = Field(alias="from")
    asap: bool = False
    text: str = ""
    text_en: str = ""
    after: str | None = None
    waiting: str = ""
    waiting_en: str = ""

    def counts_from_in(self, shown: str, lang: str) -> str:
        """`shown` (a step's counts_from: this rule's `waiting` or `text`) in `lang`, where the
        workflow gives it; else as it is."""
        if lang == "en":
            if shown == self.waiting and self.waiting_en:
                return self.waiting_en
            if shown == self.text and self.text_en:
                return self.text_en
        return shown

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
    # A decision that waits for a window to close ("not appealed"): a named date id; taking the
    # branch on or before that day is refused with `reason` and the date's rule.
    allowed_after: str | None = None
    # Where the procedure closes the case even with measures not carried out, the field whose
    # answer is the officer's reason for doing so (journalled). Without it such a close is refused.
    close_with_open_measures: str | None = None


class HearingSpec(BaseModel):
    """A hearing (høringsrunde) the step's form opens: participants (a `users` field) get access
    to the case until the end date (a `date` field). The question is made of the answers of
    `question` fields (choice labels for choices)."""

    model_config = ConfigDict(extra="forbid")
    when: Condition | None = None  # None: whenever the step is completed
    participants: str
    ends: str
    question: list[str] = []


class EventRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str
    date_field: str | None = None  # else the completion date (or, left blank, the event as already recorded)


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
    hearing: HearingSpec | None = None  # completing the step opens this hearing
    ends_hearings: bool = False  # completing the step ends the case's open hearings (their access)
    completes_measures: str | None = None  # a `measures` field: completing marks those carried out


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
    letters: list[str] = []  # the preliminary reply drafted when the case is flagged, by template id


class NamedDate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    deadline: DeadlineRule


class Action(BaseModel):
    """A case action outside the step order: withdraw and reopen a complaint, or close the case
    at any point (NTNU avvik: «må avviket lukkes med kommentar»)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    title_en: str = ""
    kind: Literal["withdraw", "reopen", "close"]
    help: str = ""
    help_en: str = ""
    comment_required: bool = False  # the officer must say why; the comment is journalled
    allowed_until: str | None = None  # a named date id; after it the action is refused
    allowed_until_step: str | None = None  # refused once this step is done
    allowed_after_step: str | None = None  # refused until this step is done (no complaint yet)
    outcome: str = ""
    rule: str = ""  # the procedure's words for the window, given with a refusal


class IntakeRecord(BaseModel):
    """An event the registration itself records, dated the received date, when `when` holds
    (a written StInn notification has been received the day the case is)."""

    model_config = ConfigDict(extra="forbid")
    event: str
    when: Condition | None = None


class IntakeSpec(BaseModel):
    """The intake form (channel, anonymity, ...) and the classification rules."""

    model_config = ConfigDict(extra="forbid")
    form: Form = Form()
    records: list[IntakeRecord] = []
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



class WorkflowError(ValueError):
    """An invalid workflow file. `problems` holds every problem found, one line each naming the
    file, the TOML path and the step; the message is the first of them (one line for the CLI)."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        first = self.problems[0] if self.problems else "invalid workflow"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))


_LABELS = {"phases": "phase", "steps": "step", "fields": "field", "branches": "branch", "actions": "action",
           "statutory": "statutory", "dates": "date"}
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _is_union_tag(key: str) -> bool:
    """pydantic names the member of a union it tried ('str', 'list[str]', 'Condition'); not a TOML key."""
    return key in ("str", "int", "bool", "float", "none") or "[" in key or "-" in key or key[:1].isupper()


def _toml_path(loc: tuple) -> list[str | int]:
    return [k for k in loc if isinstance(k, int) or not _is_union_tag(str(k))]


def _format_path(tokens: list[str | int]) -> str:
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else str(t))
    return out or "(top level)"


def _label(data: dict, tokens: list[str | int]) -> str:
    """'phase 3, step 3.7': the ids of the tables a path goes through, for a reader of the file."""
    where: list[str] = []
    node: Any = data
    for n, t in enumerate(tokens):
        if isinstance(t, int):
            try:
                node = node[t]
            except (IndexError, KeyError, TypeError):
                break
            prev = tokens[n - 1] if n else None
            if isinstance(prev, str) and prev in _LABELS and isinstance(node, dict) and node.get("id"):
                where.append(f"{_LABELS[prev]} {node['id']}")
        else:
            node = node.get(t) if isinstance(node, dict) else None
            if node is None:
                break
    return ", ".join(where)


def problem_line(filename: str, data: dict, path: str | list[str | int], message: str) -> str:
    tokens = path if isinstance(path, list) else [int(i) if i else k for k, i in _PATH_TOKEN.findall(path)]
    label = _label(data, tokens)
    return f"{filename}: {_format_path(tokens)}{f' ({label})' if label else ''}: {message}"


def parse_workflow(text: str, filename: str = "<workflow>", known_workflows: Collection[str] | None = None) -> Workflow:
    """The workflow in `text`, or WorkflowError listing every problem: the TOML's syntax, each
    table's shape (pydantic), then every cross-reference (workflow_check). Spawn targets are checked
    against `known_workflows` when given."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WorkflowError(f"{filename}: not valid TOML: {exc}") from None
    try:
        wf = Workflow.model_validate(data)
    except ValidationError as exc:
        lines: list[str] = []
        paths: set[str] = set()
        for err in exc.errors():
            tokens = _toml_path(err["loc"])
            if _format_path(tokens) in paths:
                continue  # a union reports each member it tried at one path: the first says enough
            paths.add(_format_path(tokens))
            lines.append(problem_line(filename, data, tokens, err["msg"].removeprefix("Value error, ")))
        raise WorkflowError(lines) from None
    from .workflow_check import check  # it reads the model defined here

    problems = check(wf, known_workflows)
    if problems:
        raise WorkflowError([problem_line(filename, data, p.path, p.message) for p in problems])
    return wf
