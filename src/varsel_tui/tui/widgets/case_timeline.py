"""The procedure as a timeline: every step of the workflow, grouped by phase, with its status.

  ✓ done (with the day it was done)   ▶ active (with its due date and working days left)
  ⤼ skipped (with why, once per run)  ○ pending (with its due date once it has one,
  else what the deadline will count from: the event has not happened yet)
"""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ...domain.engine import CaseState
from ...domain.workflow import Workflow
from ..i18n import lang, register, t
from .case_util import days_left, days_left_text, fmt_date, wf_text

register({
    "timeline.phase": ("Fase {id}", "Phase {id}"),
    "timeline.done_on": ("utført {date}", "done {date}"),
    "timeline.due": ("frist {date}", "due {date}"),
    "timeline.counts_from": ("frist: {text}", "due: {text}"),
    "timeline.skipped": ("hoppet over: {reason}", "skipped: {reason}"),
    "timeline.phase_skipped": ("hele fasen hoppet over: {reason}", "whole phase skipped: {reason}"),
    "timeline.phase_forecast": ("fasen hoppes over: {reason}", "the phase will be skipped: {reason}"),
    "timeline.paused": ("(satt på vent)", "(paused)"),
})

MARKS = {"done": ("✓", "green"), "active": ("▶", "bold"), "skipped": ("⤼", "dim"), "pending": ("○", "dim")}


def _due_style(n: int) -> str:
    if n < 0:
        return "bold red"
    if n <= 2:
        return "yellow"
    return ""


def timeline_renderable(wf: Workflow, state: CaseState, today: date) -> RenderableType:
    parts: list[RenderableType] = []
    for phase in wf.phases:
        head = Text(t("timeline.phase", id=phase.id) + "  ", style="bold")
        head.append(wf_text(phase, "title"), style="bold")
        if phase.body:
            head.append(f"  · {phase.body}", style="dim")
        head.no_wrap, head.overflow = True, "ellipsis"
        statuses = [state.steps[s.id] for s in phase.steps]
        reasons = {st.reason for st in statuses}
        whole_skipped = all(st.status == "skipped" for st in statuses) and len(reasons) == 1
        parts.append(head)
        if whole_skipped:
            line = Text("  ⤼ ", style="dim")
            line.append(t("timeline.phase_skipped", reason=statuses[0].reason), style="italic")
            parts.append(line)
        elif statuses and all(st.forecast for st in statuses):
            line = Text("  ⤼ ", style="dim")
            line.append(t("timeline.phase_forecast", reason=statuses[0].forecast), style="italic")
            parts.append(line)
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=2, no_wrap=True)
        grid.add_column(width=5, no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right", max_width=48, overflow="ellipsis")
        for n, step in enumerate(phase.steps):
            st = statuses[n]
            mark, style = MARKS.get(st.status, ("?", ""))
            when = Text("")
            if st.status == "done" and st.done_on:
                when = Text(t("timeline.done_on", date=fmt_date(st.done_on)), style="dim")
            elif st.status in ("active", "pending") and st.due:
                when = Text(t("timeline.due", date=fmt_date(st.due)))
                if st.status == "active":
                    left = days_left(today, st.due)
                    when.append(f" · {days_left_text(left)}")
                    when.stylize(_due_style(left))
                else:
                    when.stylize("dim")
            elif st.status in ("active", "pending") and st.counts_from:
                # No date yet: the event it counts from has not happened (KKV has not got the case).
                text = step.deadline.counts_from_in(st.counts_from, lang()) if step.deadline else st.counts_from
                when = Text(t("timeline.counts_from", text=text), style="dim italic")
            title_style = "bold" if st.status == "active" else ("dim" if st.status in ("skipped", "pending") else "")
            grid.add_row(Text(mark, style=style or title_style), Text(step.id, style=title_style),
                         Text(wf_text(step, "title"), style=title_style), when)
            if st.status == "skipped" and not whole_skipped:
                nxt = statuses[n + 1] if n + 1 < len(statuses) else None
                if not (nxt is not None and nxt.status == "skipped" and nxt.reason == st.reason):
                    reason = Text(t("timeline.skipped", reason=st.reason), style="italic dim", no_wrap=False,
                                  overflow="fold")
                    grid.add_row("", "", reason, "")
        parts.append(grid)
    return Group(*parts)


class CaseTimeline(Static):
    """The timeline; call `show` with the replayed state."""

    def show(self, wf: Workflow, state: CaseState, today: date) -> None:
        self.update(timeline_renderable(wf, state, today))
