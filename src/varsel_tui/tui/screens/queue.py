"""The queue: the first screen, shown at once, listing the cases with what is due first.

Views (1–6) in a tab-like bar, a filter that narrows the list as you type (`/`), sort by any column
(`s` cycles the column, `S` flips the direction), Enter opens the case, `n` registers a new one,
`y` copies the case number (OSC 52, works over SSH). Every read happens in a thread worker; the
list refreshes itself when someone else changes a case: on the app's `DatabaseChanged` it compares
`changed_marker()` (and once a minute, for a new day) and reloads the page, cursor kept.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from ...store.queue import SORT_COLUMNS, VIEWS
from ..app_access import VarselAppMixin
from ..i18n import lang, register, t
from ..plain import plain
from ..widgets.case_list import CaseHeader, CaseList, QueueQuery, with_query

register({
    "queue.title": ("Saker", "Cases"),
    "queue.view.open": ("Åpne", "Open"),
    "queue.view.mine": ("Mine", "Mine"),
    "queue.view.overdue": ("Forfalt", "Overdue"),
    "queue.view.body": ("Mitt organ", "My body"),
    "queue.view.prelim": ("Foreløpig svar", "Preliminary reply"),
    "queue.view.closed": ("Avsluttet", "Closed"),
    "queue.views": ("Visning", "View"),
    "queue.filter_label": ("Filter", "Filter"),
    "queue.filter_placeholder": ("/ for å søke i nummer, tittel, part, steg",
                                 "/ to search number, title, party, step"),
    "queue.count": ("{n} saker", "{n} cases"),
    "queue.count_one": ("1 sak", "1 case"),
    "queue.open": ("Åpne", "Open"),
    "queue.filter": ("Filter", "Filter"),
    "queue.new": ("Ny sak", "New case"),
    "queue.sort": ("Sorter", "Sort"),
    "queue.reverse": ("Snu sortering", "Reverse sort"),
    "queue.copy": ("Kopier nr.", "Copy no."),
    "queue.refresh": ("Oppdater", "Refresh"),
    "queue.quit": ("Avslutt", "Quit"),
    "queue.escape": ("Tilbake", "Back"),
    "queue.copied": ("Saksnummer {number} er kopiert til utklippstavlen.",
                     "Case number {number} was copied to the clipboard."),
    "queue.nothing_selected": ("Ingen sak er valgt.", "No case is selected."),
    "queue.read_failed": ("Kunne ikke lese sakskøen: {error}", "Could not read the queue: {error}"),
    "queue.sorted_by": ("sortert etter {column}", "sorted by {column}"),
})

FILTER_DEBOUNCE = 0.02  # seconds: keys typed while a query runs wait this long, so fast typing does not
# queue up queries; a key typed while the list is idle filters at once
DAY_CHECK = 60.0  # seconds: how soon after midnight the due colours and views follow the new day


def _format_count(n: int) -> str:
    if n == 1:
        return t("queue.count_one")
    digits = f"{n:,}"
    return t("queue.count", n=digits.replace(",", "\u00a0") if lang() == "nb" else digits)


class ViewBar(Static):
    """The views as tabs: `1 Åpne  2 Mine  …`, the active one highlighted."""

    DEFAULT_CSS = """
    ViewBar { height: 1; }
    """

    def show(self, active: str) -> None:
        from rich.text import Text

        text = Text(no_wrap=True, overflow="ellipsis")
        for i, view in enumerate(VIEWS, 1):
            label = f" {i} {t(f'queue.view.{view}')} "
            text.append(label, style="reverse bold" if view == active else "")
            text.append(" ")
        self.update(text)


class FilterInput(Input):
    """The filter field; ↑/↓/PgUp/PgDn still move the list's cursor while typing (screen bindings),
    and Enter opens the selected case."""

    DEFAULT_CSS = """
    FilterInput { border: none; height: 1; padding: 0 1; width: 1fr; }
    FilterInput:focus { border: none; }
    """

    BINDINGS = [Binding("enter", "submit", "queue.open", id="queue.open")]

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        from ..app import localize_bindings

        localize_bindings(self)


class QueueScreen(VarselAppMixin, Screen):
    BINDINGS = [
        Binding("enter", "open", "queue.open", id="queue.open"),
        Binding("slash,ctrl+f", "focus_filter", "queue.filter", id="queue.filter", key_display="/"),
        Binding("n", "new_case", "queue.new", id="queue.new"),
        Binding("s", "sort_next", "queue.sort", id="queue.sort"),
        Binding("S", "sort_reverse", "queue.reverse", id="queue.reverse", show=False),
        Binding("y", "copy_number", "queue.copy", id="queue.copy", show=False),
        Binding("r,ctrl+r", "refresh", "queue.refresh", id="queue.refresh", show=False),
        Binding("q", "quit", "queue.quit", id="queue.quit"),
        Binding("escape", "escape", "queue.escape", id="queue.escape"),
        *[
            Binding(str(i), f"view('{view}')", f"queue.view.{view}", id=f"queue.view_{view}",
                    group=Binding.Group("queue.views", compact=True))
            for i, view in enumerate(VIEWS, 1)
        ],
        # While the filter has focus, the list's cursor keys still work (same ids as the list's).
        Binding("up", "list('cursor_up')", "case_list.cursor_up", show=False, id="list.cursor_up"),
        Binding("down", "list('cursor_down')", "case_list.cursor_down", show=False, id="list.cursor_down"),
        Binding("pageup", "list('page_up')", "case_list.page_up", show=False, id="list.page_up"),
        Binding("pagedown", "list('page_down')", "case_list.page_down", show=False, id="list.page_down"),
    ]

    def __init__(self, view: str = "open", **kwargs: Any):
        super().__init__(**kwargs)
        from ..app import localize_bindings

        localize_bindings(self)
        self._initial_view = view
        self._filter_timer: Timer | None = None
        self._marker: Any = ...
        self._refocus_list = False
        self._english_titles_asked = False
        self.case_list: CaseList

    # -- building --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.varsel
        with Horizontal(id="title-bar"):
            yield Static(f"varsel · {t('queue.title')}", id="app-title")
            yield Static(plain(f"{app.user} · {app.db_display}"), id="app-where")
        yield ViewBar(id="view-bar")
        with Horizontal(id="filter-bar"):
            yield Static(t("queue.filter_label") + ":", id="filter-label")
            yield FilterInput(placeholder=t("queue.filter_placeholder"), id="filter")
            yield Static("", id="queue-count")
        self.case_list = CaseList(app.queue_source, app.user, app.today,
                                  QueueQuery(view=self._initial_view), prefetch=app.take_prefetch(),
                                  id="case-list")
        header = CaseHeader(self.case_list, id="case-header")
        self.case_list.attach_header(header)
        yield header
        yield self.case_list
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(ViewBar).show(self.case_list.queue_query.view)
        self.case_list.focus()
        self.case_list.reload()
        if getattr(self.app, "poll_interval", 0):
            self._poll()
            self.set_interval(DAY_CHECK, self._poll)

    def on_screen_suspend(self) -> None:
        # A case (or the new-case screen) covers the queue: back from it, keys are commands again
        # (`s` sorts) rather than text for the filter. A dialog or help over the queue keeps focus.
        self._refocus_list = not self.app.screen.is_modal

    def on_screen_resume(self) -> None:
        if self._refocus_list:
            self._refocus_list = False
            self.case_list.focus()

    # -- list and filter ---------------------------------------------------------------------------
    def on_case_list_loaded(self, message: CaseList.Loaded) -> None:
        self.query_one("#queue-count", Static).update(_format_count(message.count))
        if lang() == "en" and not self._english_titles_asked:
            self._english_titles_asked = True  # after the first page: the first frame needs the CPU more
            self.run_worker(self._read_english_titles, thread=True, group="queue-titles", exit_on_error=False)

    def _read_english_titles(self) -> None:
        """The workflows' English step titles for the step column (imports pydantic: in a worker)."""
        from ... import workflows

        try:
            titles = {(wf.id, s.id): s.title_en for wf in workflows.all_workflows().values()
                      for s in wf.steps if s.title_en}
        except Exception:  # noqa: BLE001 - the Norwegian titles stay; opening a case reports a broken workflow
            return
        self.app.call_from_thread(self._show_english_titles, titles)

    def _show_english_titles(self, titles: dict[tuple[str, str], str]) -> None:
        self.case_list.step_titles = titles
        self.case_list.refresh()

    def on_case_list_failed(self, message: CaseList.Failed) -> None:
        self.notify(t("queue.read_failed", error=message.error), severity="error", timeout=8)

    def on_case_list_selected(self, message: CaseList.Selected) -> None:
        self.varsel.open_case(message.row.number)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        elif self.case_list.loaded:
            # Nothing in flight: the first key of a burst filters at once (no debounce wait).
            self._apply_filter()
            return
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        was_empty = not self.case_list.queue_query.filter_text
        value = self.query_one("#filter", Input).value
        with_query(self.case_list, filter_text=value)
        if was_empty != (not value):
            # Esc's footer entry depends on whether there is a filter. Redrawing the footer on
            # every key would cost the main thread a frame while the list's page is read.
            self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            if self._filter_timer is not None:  # Enter right after typing: filter first
                self._filter_timer.stop()
                self._apply_filter()
                self._open_when_loaded()
            else:
                self.action_open()

    def _open_when_loaded(self) -> None:
        if self.case_list.loaded:
            self.action_open()
        else:
            self.set_timer(0.02, self._open_when_loaded)

    # -- actions ---------------------------------------------------------------------------------
    def action_open(self) -> None:
        row = self.case_list.selected
        if row is None:
            self.notify(t("queue.nothing_selected"), severity="warning")
            return
        self.varsel.open_case(row.number)

    def action_new_case(self) -> None:
        self.varsel.new_case()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":  # only offered when there is something to go back from
            try:
                filter_input = self.query_one("#filter", Input)
            except Exception:  # noqa: BLE001 - not composed yet
                return False
            return filter_input.has_focus or bool(filter_input.value)
        return True

    def action_escape(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_focus:
            self.case_list.focus()
        elif filter_input.value:
            filter_input.value = ""
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self._apply_filter()

    def action_sort_next(self) -> None:
        column = self.case_list.queue_query.sort_column
        following = SORT_COLUMNS[(SORT_COLUMNS.index(column) + 1) % len(SORT_COLUMNS)]
        with_query(self.case_list, sort_column=following, descending=False)

    def action_sort_reverse(self) -> None:
        with_query(self.case_list, descending=not self.case_list.queue_query.descending)

    def action_view(self, view: str) -> None:
        if view in VIEWS:
            self.query_one(ViewBar).show(view)
            with_query(self.case_list, view=view)

    def action_list(self, action: str) -> None:
        getattr(self.case_list, f"action_{action}")()

    def action_copy_number(self) -> None:
        row = self.case_list.selected
        if row is None:
            self.notify(t("queue.nothing_selected"), severity="warning")
            return
        self.app.copy_to_clipboard(row.number)
        self.notify(t("queue.copied", number=row.number))

    def action_refresh(self) -> None:
        self.refresh_queue()

    def action_quit(self) -> None:
        self.app.exit()

    def refresh_queue(self, keep_number: str | None = None) -> None:
        """Read the queue again, keeping the cursor on `keep_number` (default: the selected case)."""
        selected = self.case_list.selected
        self.case_list.reload(keep_number=keep_number or (selected.number if selected else None))

    # -- other people's changes -----------------------------------------------------------------------
    def on_database_changed(self, message: Any) -> None:
        """The app saw a commit (store/changes.py). SQLite cannot say what changed — a presence
        heartbeat changes the file too — so the marker decides; PostgreSQL names the cases."""
        numbers = message.changed.numbers
        self._poll(force=numbers is not None and "" not in numbers)

    def _poll(self, force: bool = False) -> None:
        """Read the marker; reload when it moved (or anyway, with `force`)."""
        self.run_worker(lambda: self._poll_worker(force), thread=True, group="queue-poll", exclusive=True,
                        exit_on_error=False)

    def _poll_worker(self, force: bool = False) -> None:
        try:
            marker = self.varsel.queue_source.changed_marker()
            today = self.varsel.today()
        except Exception:  # noqa: BLE001 - the list's own reads report errors
            return
        try:
            self.app.call_from_thread(self._poll_result, marker, today, force)
        except RuntimeError:
            pass

    def _poll_result(self, marker: Any, today: Any, force: bool = False) -> None:
        previous, self._marker = self._marker, marker
        if previous is ... and not force:
            return
        if force or marker != previous or (self.case_list.today is not None and today != self.case_list.today):
            self.refresh_queue()
