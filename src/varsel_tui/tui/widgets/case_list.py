"""The queue's list of cases: a Line API `ScrollView` that fetches only the rows it shows.

The list never holds every case. Its height comes from `count()`, and `render_line` looks each
visible row up in a small cache of pages; a missing page is fetched from `store.queue` in a thread
worker, and the line shows a placeholder until it arrives (toolong's log_lines pattern). A query
change (filter, view, sort) or a refresh starts a new generation; answers for an old generation are
dropped, and the old rows stay on screen until the new first page is there, so nothing flickers.

The list knows only plain metadata. A strictly secret case shows a lock mark instead of its title.
Cells are segments of plain text (no markup is parsed), with control characters made visible.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ...textsafe import printable
from ..i18n import register, t

if TYPE_CHECKING:
    from ...store.queue import Prefetch, QueueSource, Row

register({
    "case_list.void": ("annullert (registrert ved en feil)", "void (registered in error)"),
    "case_list.col.number": ("Nummer", "Number"),
    "case_list.col.workflow": ("Arbeidsflyt", "Workflow"),
    "case_list.col.title": ("Tittel", "Title"),
    "case_list.col.step": ("Steg", "Step"),
    "case_list.col.body": ("Organ", "Body"),
    "case_list.col.due": ("Frist", "Due"),
    "case_list.secret": ("strengt hemmelig", "strictly secret"),
    "case_list.loading": ("Henter saker …", "Loading cases …"),
    "case_list.empty": ("Ingen saker her. Trykk n for å registrere en ny sak.",
                        "No cases here. Press n to register a new case."),
    "case_list.no_match": ("Ingen saker passer filteret. Esc tømmer det.",
                           "No cases match the filter. Esc clears it."),
    "case_list.failed": ("Kunne ikke lese sakene: {error}", "Could not read the cases: {error}"),
    "case_list.cursor_up": ("Opp", "Up"),
    "case_list.cursor_down": ("Ned", "Down"),
    "case_list.page_up": ("Side opp", "Page up"),
    "case_list.page_down": ("Side ned", "Page down"),
    "case_list.first": ("Første", "First"),
    "case_list.last": ("Siste", "Last"),
})

LOCK = "🔒"
PRELIM_MARK = "§"  # forvaltningsloven § 11a: a preliminary reply is due
SOON_DAYS = 7  # "due this week": today and the six days after
PAGE_SIZE = 60  # the same as store.queue.FIRST_PAGE, so the prefetched first page is a page
PREFETCH_WAIT = 0.1  # seconds the first frame may wait for the prefetched first page
MAX_PAGES = 40  # pages kept in the cache (2,400 rows at most)

COLUMNS = ("number", "workflow", "title", "step", "body", "due")


@dataclass(frozen=True)
class QueueQuery:
    filter_text: str = ""
    view: str = "open"
    sort_column: str = "due"
    descending: bool = False


def column_widths(width: int) -> dict[str, int]:
    """Column widths for a list `width` cells wide (one space between columns).

    Number, workflow and due keep their width; body shrinks to 8 on narrow screens; title and step
    share what is left (title a little more).
    """
    fixed = {"number": 10, "workflow": 14, "due": 12}
    body = 15 if width >= 120 else 13 if width >= 100 else 9
    rest = max(width - sum(fixed.values()) - body - (len(COLUMNS) - 1), 10)
    # the title gets at least room for the lock mark and "strengt hemmelig" when there is any
    title = max((rest * 3) // 5, min(19, rest - 10))
    return {"number": 10, "workflow": 14, "title": title, "step": rest - title, "body": body, "due": 12}


def _fit(text: str, width: int) -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)
    return set_cell_size(text, width)


class CaseHeader(Widget):
    """The column titles above the list, with the sort column marked ▲ / ▼."""

    DEFAULT_CSS = """
    CaseHeader { height: 1; text-style: bold; }
    """

    def __init__(self, case_list: "CaseList", **kwargs: Any):
        super().__init__(**kwargs)
        self.case_list = case_list

    def render(self) -> Any:
        from rich.text import Text

        cl = self.case_list
        widths = column_widths(cl.list_width)
        text = Text(no_wrap=True, overflow="crop")
        for i, col in enumerate(COLUMNS):
            label = t(f"case_list.col.{col}")
            if col == cl.queue_query.sort_column:
                label += " ▼" if cl.queue_query.descending else " ▲"
            text.append(("" if i == 0 else " ") + _fit(label, widths[col]),
                        style="underline" if col == cl.queue_query.sort_column else "")
        return text


class CaseList(ScrollView, can_focus=True):
    """Rows of the queue, fetched a page at a time from a `QueueSource`."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "case_list.cursor_up", show=False, id="list.cursor_up"),
        Binding("down,j", "cursor_down", "case_list.cursor_down", show=False, id="list.cursor_down"),
        Binding("pageup", "page_up", "case_list.page_up", show=False, id="list.page_up"),
        Binding("pagedown,space", "page_down", "case_list.page_down", show=False, id="list.page_down"),
        Binding("home,g", "first", "case_list.first", show=False, id="list.first"),
        Binding("end,G", "last", "case_list.last", show=False, id="list.last"),
    ]

    COMPONENT_CLASSES = {
        "case-list--cursor",
        "case-list--cursor-blurred",
        "case-list--overdue",
        "case-list--soon",
        "case-list--prelim",
        "case-list--secret",
        "case-list--dim",
    }

    DEFAULT_CSS = """
    CaseList {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .case-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
        & > .case-list--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .case-list--overdue { color: $text-error; text-style: bold; }
        & > .case-list--soon { color: $text-warning; }
        & > .case-list--prelim { color: $text-warning; text-style: bold; }
        & > .case-list--secret { color: $text-muted; }
        & > .case-list--dim { color: $text-muted; }
    }
    """

    class Loaded(Message):
        """A new first page and count are on screen (after a query change or a refresh)."""

        def __init__(self, case_list: "CaseList", count: int) -> None:
            super().__init__()
            self.case_list = case_list
            self.count = count

    class Failed(Message):
        """Reading the queue failed; `error` is one line for the user."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class Selected(Message):
        """A row was chosen with the mouse (double click) — the screen opens it."""

        def __init__(self, row: "Row") -> None:
            super().__init__()
            self.row = row

    def __init__(self, source: "QueueSource", user: str, today: Callable[[], date],
                 query: QueueQuery | None = None, prefetch: "Prefetch | None" = None, **kwargs: Any):
        super().__init__(**kwargs)
        from ..app import localize_bindings

        localize_bindings(self)
        self.source = source
        self.user = user
        self._today_fn = today
        self.today: date | None = None
        self.queue_query = query or QueueQuery()
        self.count: int | None = None  # None until the first answer
        self.cursor = 0
        self.error: str | None = None
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        # (workflow id, step id) → the workflow's English title, with --lang en (the rows carry the
        # Norwegian title the store keeps); set by the queue screen once the workflows are read.
        self.step_titles: dict[tuple[str, str], str] = {}
        self._keep_number: str | None = None
        self._settled = False  # the current generation's first page and count are on screen
        self._reset_len: int | None = None
        self._header: CaseHeader | None = None
        self._prefetch = prefetch  # the first page, read while the app started (used once)

    # -- layout --------------------------------------------------------------------------------
    @property
    def list_width(self) -> int:
        width = self.size.width or 80
        return max(width - (self.styles.scrollbar_size_vertical if self.show_vertical_scrollbar else 0), 20)

    def attach_header(self, header: CaseHeader) -> None:
        self._header = header

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.list_width, max(self.count or 0, 1))

    def on_resize(self) -> None:
        self._update_virtual_size()
        if self._header is not None:
            self._header.refresh()

    # -- data ----------------------------------------------------------------------------------
    def set_query(self, query: QueueQuery) -> None:
        """Show another filter / view / sort: from the top, once its first page is here."""
        if query == self.queue_query:
            return
        sorted_again = (query.sort_column, query.descending) != (self.queue_query.sort_column,
                                                               self.queue_query.descending)
        self.queue_query = query
        if self._header is not None and sorted_again:  # the ▲/▼ mark moves
            self._header.refresh()
        self.reload(keep_number=None)

    def reload(self, keep_number: str | None = None) -> None:
        """Fetch the first page and the count again (a refresh keeps the cursor on `keep_number`)."""
        if self._generation and (self._pending or not self._settled):
            self.source.interrupt()  # the previous query's answer is no longer wanted
        self._generation += 1
        self._pending.clear()
        self._keep_number = keep_number
        self._settled = False
        self._reset_len = None  # rows in this generation's first page, once here
        prefetch, self._prefetch = self._prefetch, None
        q = self.queue_query
        if prefetch is not None and prefetch.key == (q.filter_text, q.view, q.sort_column, q.descending, PAGE_SIZE):
            # Usually here already, or within a few ms: then the first frame shows the rows. A slow
            # database (a server far away) gets the worker instead and the frame says "loading".
            if prefetch.wait(PREFETCH_WAIT):
                self._take_prefetch(self._generation, prefetch)
            else:
                self._pending.add(0)
                generation = self._generation

                def take_when_ready() -> None:
                    prefetch.wait()
                    self._call(self._take_prefetch, generation, prefetch)

                self.run_worker(take_when_ready, thread=True, group="case-list", exit_on_error=False)
            return
        # The worker reads the count after the first page (on the source's second connection):
        # the rows are what the user waits for, and on two cores a count read alongside slows them.
        self._start_fetch(self._generation, 0, reset=True)

    def _take_prefetch(self, generation: int, prefetch: "Prefetch") -> None:
        if generation != self._generation:
            return
        if prefetch.error is not None:
            error = str(prefetch.error).strip().splitlines()[0] if str(prefetch.error).strip() else \
                type(prefetch.error).__name__
            self._fetch_failed(generation, 0, error)
            return
        self._page_loaded(generation, 0, prefetch.rows, prefetch.today or self._today_fn(), True)
        if len(prefetch.rows) == PAGE_SIZE:
            self._count_loaded(generation, prefetch.count)

    def _start_fetch(self, generation: int, page: int, reset: bool = False) -> None:
        self._pending.add(page)
        query = self.queue_query
        self.run_worker(lambda: self._fetch(generation, query, page, reset), thread=True,
                        group="case-list", exit_on_error=False)

    def _fetch_count(self, generation: int, query: QueueQuery) -> None:
        """Thread worker: how many rows the current query has."""
        if generation != self._generation:
            return
        try:
            count = self.source.count(query.filter_text, query.view, self._today_fn(), self.user)
        except Exception as exc:  # noqa: BLE001 - one line for the user, never a crash
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self._call(self._fetch_failed, generation, 0, message)
            return
        self._call(self._count_loaded, generation, count)

    def _fetch(self, generation: int, query: QueueQuery, page: int, reset: bool) -> None:
        """Thread worker: one page."""
        if generation != self._generation:
            return  # superseded before it started
        try:
            today = self._today_fn()
            rows = self.source.page(query.filter_text, query.view, query.sort_column, query.descending,
                                    page * PAGE_SIZE, PAGE_SIZE, today, self.user)
            self._call(self._page_loaded, generation, page, rows, today, reset)
        except Exception as exc:  # noqa: BLE001 - one line for the user, never a crash
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self._call(self._fetch_failed, generation, page, message)
            return
        if reset and len(rows) == PAGE_SIZE:  # a shorter first page is the count already
            self._fetch_count(generation, query)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:
            pass  # the app is closing

    def _page_loaded(self, generation: int, page: int, rows: list[Row], today: date, reset: bool) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self.error = None
        if reset:
            self.today = today
            self._pages.clear()
            self._reset_len = len(rows)
            if len(rows) < PAGE_SIZE:
                self.count = len(rows)
            elif self.count is None:
                self.count = len(rows)  # until the count arrives
            else:
                # The old count until the new one arrives (a moment later): an unchanged virtual
                # size spares the frame that draws the new rows a layout of the whole screen.
                self.count = max(self.count, len(rows))
            cursor = 0
            if self._keep_number is not None:
                for i, row in enumerate(rows):
                    if row.number == self._keep_number:
                        cursor = i
                        break
                else:
                    cursor = min(self.cursor, max((self.count or 1) - 1, 0))
            else:
                self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = cursor
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        self._update_virtual_size()
        self.refresh()
        if reset and len(rows) < PAGE_SIZE:
            self._settled = True
            self.post_message(self.Loaded(self, self.count or 0))

    def _count_loaded(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        # The count is read after the first page (the same worker, or the prefetch), never before.
        if self._reset_len is None or self._reset_len < PAGE_SIZE or self._settled:
            return  # a short first page is the exact count already
        self.count = count
        self.cursor = min(self.cursor, max(count - 1, 0))
        self._update_virtual_size()
        self.refresh()
        self._settled = True
        self.post_message(self.Loaded(self, count))

    def _fetch_failed(self, generation: int, page: int, message: str) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        if page == 0 and self._reset_len is not None and not self._settled:
            # The first page is here, its count failed: the list is what was read (the previous
            # query's count, kept meanwhile, would offer rows that are not there).
            self.count = self._reset_len
            self.cursor = min(self.cursor, max(self.count - 1, 0))
            self._update_virtual_size()
        first = self.error is None
        self.error = message
        if self.count is None:
            self.count = 0
        self._settled = True
        self.refresh()
        if first:
            self.post_message(self.Failed(message))

    def row_at(self, index: int) -> Row | None:
        rows = self._pages.get(index // PAGE_SIZE)
        if rows is None:
            return None
        offset = index % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    @property
    def selected(self) -> Row | None:
        if not self.count:
            return None
        return self.row_at(self.cursor)

    @property
    def loaded(self) -> bool:
        """True once the current query's first page is on screen (and nothing is being fetched)."""
        return self._settled and not self._pending

    def visible_rows(self) -> list[Row]:
        """The loaded rows currently in view (for tests and the screenshot script)."""
        top = int(self.scroll_offset.y)
        out = []
        for index in range(top, min(top + self.size.height, self.count or 0)):
            row = self.row_at(index)
            if row is not None:
                out.append(row)
        return out

    # -- cursor --------------------------------------------------------------------------------
    def _move(self, index: int) -> None:
        if not self.count:
            return
        # Until the new query's count is in, the list shows the previous one's (see _page_loaded):
        # the cursor stays within the rows read.
        last = self.count - 1 if self._settled or self._reset_len is None else min(self.count, self._reset_len) - 1
        index = max(0, min(index, last))
        self.cursor = index
        top, height = int(self.scroll_offset.y), max(self.size.height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        self.refresh()

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        self._move(self.cursor - max(self.size.height - 1, 1))

    def action_page_down(self) -> None:
        self._move(self.cursor + max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move((self.count or 1) - 1)

    def on_click(self, event: Any) -> None:
        index = int(self.scroll_offset.y) + event.y
        if self.count and 0 <= index < self.count:
            self._move(index)
            row = self.row_at(index)
            if event.chain >= 2 and row is not None:
                self.post_message(self.Selected(row))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- rendering -----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.list_width
        base = self.rich_style
        index = int(self.scroll_offset.y) + y
        if self.count is None or (self.count == 0 and y == 0) or (self.error and y == 0):
            if y != 0:
                return Strip.blank(width, base)
            if self.error:
                message = t("case_list.failed", error=self.error)
            elif self.count is None:
                message = t("case_list.loading")
            else:
                message = t("case_list.no_match" if self.queue_query.filter_text.strip() else "case_list.empty")
            dim = base + self.get_component_rich_style("case-list--dim", partial=True)
            return Strip([Segment(_fit(message, width), dim)], width)
        if index >= (self.count or 0):
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            page = index // PAGE_SIZE
            if page in self._pages:  # read, and shorter: past the end (a count not yet in)
                return Strip.blank(width, base)
            if page not in self._pending:
                self._start_fetch(self._generation, page)
            dim = base + self.get_component_rich_style("case-list--dim", partial=True)
            return Strip([Segment(_fit("  …", width), dim)], width)
        return self._render_row(row, index == self.cursor, width, base)

    def _render_row(self, row: Row, is_cursor: bool, width: int, base: Style) -> Strip:
        style = self.get_component_rich_style
        if is_cursor:
            base = base + style("case-list--cursor" if self.has_focus else "case-list--cursor-blurred",
                                partial=True)
        widths = column_widths(width)
        today = self.today or date.today()
        segments: list[Segment] = []

        def add(text: str, col: str, extra: Style | None = None, first: bool = False) -> None:
            if not first:
                segments.append(Segment(" ", base))
            # Stored text: control characters shown, never sent to the terminal (textsafe).
            segments.append(Segment(_fit(printable(text), widths[col]), base + extra if extra else base))

        add(row.number, "number", first=True)
        add(row.workflow_id, "workflow")
        if row.secret:
            add(f"{LOCK} {t('case_list.secret')}", "title", style("case-list--secret", partial=True))
        else:
            add(row.title or "", "title")
        step_title = self.step_titles.get((row.workflow_id, row.step_id or ""), row.step_title)
        step = " ".join(x for x in (row.step_id or "", step_title) if x)
        add(t("case_list.void") if row.status == "void" else step, "step")  # in the closed view
        add(row.body or "", "body")
        # Due: coloured when overdue or due within the week; § when a preliminary reply is due.
        due_w = widths["due"]
        if row.status != "open":
            text = row.closed_on.isoformat() if row.closed_on else "—"
            segments.append(Segment(" ", base))
            segments.append(Segment(_fit(text, due_w), base + style("case-list--dim", partial=True)))
        else:
            segments.append(Segment(" ", base))
            due_text = row.due.isoformat() if row.due else "—"
            due_style = None
            if row.due is not None and row.due < today:
                due_style = style("case-list--overdue", partial=True)
            elif row.due is not None and row.due < today + timedelta(days=SOON_DAYS):
                due_style = style("case-list--soon", partial=True)
            date_w = due_w - 2
            segments.append(Segment(_fit(due_text, date_w), base + due_style if due_style else base))
            segments.append(Segment(" ", base))
            if row.prelim_due:
                segments.append(Segment(PRELIM_MARK, base + style("case-list--prelim", partial=True)))
            else:
                segments.append(Segment(" ", base))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, base)


def with_query(case_list: CaseList, **changes: Any) -> None:
    """Change part of the list's query (filter_text, view, sort_column, descending)."""
    case_list.set_query(replace(case_list.queue_query, **changes))
