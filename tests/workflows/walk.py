"""A small driver for walking a case through a workflow in tests, as an officer would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from varsel_tui.domain.engine import (
    CaseFacts,
    CaseState,
    HistoryItem,
    Outcome,
    RecordedMeasure,
    check_event_date,
    preview,
    replay,
)
from varsel_tui.workflows import BUNDLED_DIR, load_file


def bundled(workflow_id: str):
    return load_file(BUNDLED_DIR / f"{workflow_id}.toml")


@dataclass
class Walk:
    workflow_id: str
    received: date
    intake: dict[str, Any] = field(default_factory=dict)
    concerns: set[str] = field(default_factory=set)  # bodies the case concerns
    history: list[HistoryItem] = field(default_factory=list)
    today: date | None = None
    # What a store would know: approved users a `users` answer must name (None: unchecked), the
    # case's measures (None: unchecked) and the labels of its hearings still open.
    users: set[str] | None = None
    measures: list[RecordedMeasure] | None = None
    open_hearings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.wf = bundled(self.workflow_id)

    @property
    def facts(self) -> CaseFacts:
        return CaseFacts(self.received, dict(self.intake), lambda body: body in self.concerns,
                         users=None if self.users is None else frozenset(self.users),
                         measures=None if self.measures is None else list(self.measures),
                         open_hearings=list(self.open_hearings))

    @property
    def state(self) -> CaseState:
        return replay(self.wf, self.facts, self.history, self.today or self.received)

    def preview(self, answers: dict[str, Any] | None = None, on: date | None = None) -> Outcome:
        st = self.state
        assert st.current is not None, f"case is {st.status}, no active step"
        return preview(self.wf, self.facts, self.history, st.current, answers or {}, on or self.received)

    def complete(self, step_id: str, answers: dict[str, Any] | None = None, on: date | None = None) -> CaseState:
        """Complete the active step (which must be `step_id`) with validated answers."""
        st = self.state
        assert st.current == step_id, f"expected {step_id} active, got {st.current}"
        # as the store does: not before the previous event, not after today (the walk's, or `on`)
        check_event_date(self.facts, self.history, on or self.received, self.today or on or self.received)
        out = self.preview(answers, on)
        assert out.ok, f"{step_id}: {out.problems}"
        self.history.append(HistoryItem("complete", step_id, on or self.received, out.answers))
        return self.state

    def act(self, action_id: str, on: date, answers: dict[str, Any] | None = None) -> CaseState:
        check_event_date(self.facts, self.history, on, self.today or on)
        self.history.append(HistoryItem("action", action_id, on, answers or {}))
        try:
            return self.state
        except Exception:
            self.history.pop()
            raise

    def status_of(self, step_id: str) -> str:
        return self.state.steps[step_id].status
