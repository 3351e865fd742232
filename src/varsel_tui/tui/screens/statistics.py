"""Anonymised statistics for the annual report (UiO: «anonymisert rapport om innmeldte saker» to
LMU): per workflow and year of receipt, cases by quarter, outcome and duration, with counts under
5 suppressed («<5», and «x» where a total would give a small count away). Administrators only,
one table for the whole organisation (store/stats.py says why). `varsel stats --csv` exports it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..app_access import VarselAppMixin
from ..i18n import register, t
from ..widgets.case_util import localize_bindings

register({
    "stats.title": ("Statistikk (anonymisert)", "Statistics (anonymised)"),
    "stats.loading": ("Teller sakene …", "Counting the cases …"),
    "stats.none": ("Ingen saker å telle.", "No cases to count."),
    "stats.group": ("{name} – mottatt {year}: {total} saker", "{name} – received {year}: {total} cases"),
    "stats.too_few": ("Færre enn 5 saker: ingen fordeling vises.", "Fewer than 5 cases: no breakdown is shown."),
    "stats.quarters": ("Kvartal", "Quarter"),
    "stats.outcomes": ("Utfall", "Outcome"),
    "stats.durations": ("Virkedager fra mottatt til avsluttet", "Working days from received to closed"),
    "stats.median": ("Median: {days:g} virkedager", "Median: {days:g} working days"),
    "stats.legend": ("«<5» = 1–4 saker · «x» = skjult, så en liten celle ikke kan regnes ut av summen · "
                     "«ukjent» = ikke tatt vare på etter sletting. Eksport: varsel stats --csv",
                     "«<5» = 1–4 cases · «x» = hidden, so a small count cannot be worked out from the total · "
                     "«ukjent» = not kept after destruction. Export: varsel stats --csv"),
    "stats.close": ("Lukk", "Close"),
})


def render_group(g: dict[str, Any]) -> Group:
    head = Text(t("stats.group", name=g["workflow_name"], year=g["year"], total=g["total"]), style="bold")
    if not g["quarters"]:
        return Group(head, Text(t("stats.too_few"), style="dim"), Text(""))
    parts: list[Any] = [head]
    for key in ("quarters", "outcomes", "durations"):
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, title_justify="left")
        cells = g[key]
        for category in cells:
            table.add_column(Text(category), justify="right", overflow="fold")
        table.add_row(*[Text(str(v)) for v in cells.values()])
        parts += [Text(t(f"stats.{key}"), style="underline"), table]
    if g["median_working_days"] is not None:
        parts.append(Text(t("stats.median", days=g["median_working_days"])))
    parts.append(Text(""))
    return Group(*parts)


class StatisticsScreen(VarselAppMixin, ModalScreen[None]):
    """The anonymised statistics, read-only."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [Binding("escape,f4,q", "close", "stats.close", id="stats.close")]

    def __init__(self) -> None:
        super().__init__(classes="help-screen")
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(t("stats.loading")), id="stats-body")
            yield Static(Text(t("stats.legend"), style="dim"), classes="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = t("stats.title")
        self.run_worker(self._load, thread=True, exclusive=True)

    def _load(self) -> None:
        from ...store.db import StoreError

        try:
            report = self.varsel.store.statistics_report(by=self.varsel.user)
        except StoreError as exc:  # not an administrator, or the database cannot be read
            self.app.call_from_thread(self._show, Text(str(exc)))
            return
        groups = report["groups"]
        content = Group(*[render_group(g) for g in groups]) if groups else Text(t("stats.none"))
        self.app.call_from_thread(self._show, content)

    def _show(self, content: Any) -> None:
        self.query_one("#stats-body", Static).update(content)

    def action_close(self) -> None:
        self.dismiss(None)
