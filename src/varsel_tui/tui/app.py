"""The Textual app: the queue first, then case detail, forms, new case and help screens.

Start-up is kept light: this module and the queue import neither SQLAlchemy/SQLModel, Alembic,
pydantic, cryptography, pypdf nor holidays (tests/test_import_hygiene.py checks it). The queue reads
its pages with the stdlib `sqlite3` (store/queue.py); `app.store`, the full Store, is opened on
first use — by a screen, in a thread worker.

What other screens can use:
- `app.db` (the --db string or None), `app.user` (user name), `app.store` (lazily opened
  `varsel_tui.store.service.Store`; first use imports SQLAlchemy, so call it in a thread worker),
  `app.today()` (the app's date, honouring VARSEL_TODAY), `app.config` (tui.config.Config),
  `app.unlocked` (the store holds the user's private key: the unlock screen did it; idle time,
  SIGHUP or `app.lock_session()` forget it).
- `app.open_case(number)`, `app.new_case()`, `app.action_help()`.
- Typed: a screen that mixes in `tui.app_access.VarselAppMixin` reaches all of these as
  `self.varsel` (Textual types `self.app` as a plain App, unknown to mypy).
- Post `CaseChanged(number)` after a write (from a screen: `self.post_message(CaseChanged(n))`;
  it bubbles to the app) and the queue re-reads its page.
- Live updates: every `poll_interval` seconds the app asks `app.change_feed` (store/changes.py) in a
  thread worker whether anything was committed, by anyone; if so every screen in the stack gets
  `tui.live.DatabaseChanged` and compares what it shows (`on_database_changed`).
- Locking: screens that show decrypted content say so with a `shows_secret` attribute and may
  have `before_lock()` (called while the key is still there, e.g. to seal a draft). On lock every
  screen from the lowest such one up is removed, then `SessionLocked` is posted to the rest.
- `localize_bindings(self)` in a screen's or widget's `__init__` translates the binding
  descriptions (written as i18n keys in BINDINGS) into the current language; Textual's own
  widgets get theirs translated when they are focused (tui/textual_text.py). The language is set
  before the app is made (`build_app`).
- The theme chosen in the palette is saved in the config file and applied at start.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

from .config import Config
from .i18n import register, t
from .textual_text import textual_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.notifications import SeverityLevel

    from ..store.changes import ChangeFeed
    from ..store.queue import Prefetch, QueueSource
    from ..store.service import Store

register({
    "app.help": ("Hjelp", "Help"),
    "app.quit": ("Avslutt", "Quit"),
    "app.config_problem": ("Oppsettfilen: {problem}", "Config file: {problem}"),
    "app.broken_workflow": ("Arbeidsflytfilen {file} er utelatt ({n} feil; kjør «varsel workflows --check» på "
                            "den). Første: {first}",
                            "Workflow file {file} was left out ({n} problem(s); run 'varsel workflows --check' "
                            "on it). First: {first}"),
    "app.screen_missing": ("{what} er ikke tilgjengelig i denne versjonen.",
                           "{what} is not available in this version."),
    "app.screen_failed": ("Kunne ikke åpne {what}: {error}", "Could not open {what}: {error}"),
    "app.what.case": ("Saksvisningen", "The case view"),
    "app.what.new_case": ("Ny sak", "New case"),
    "app.what.help": ("Hjelp", "Help"),
    "app.what.approvals": ("Godkjenning av brukere", "User approval"),
    "app.approvals": ("Godkjenning", "Approvals"),
    "app.what.statistics": ("Statistikk", "Statistics"),
    "app.statistics": ("Statistikk", "Statistics"),
    "app.pending_users": ("{n} bruker(e) venter på godkjenning: {names}. F3 viser dem.",
                          "{n} user(s) waiting for approval: {names}. F3 shows them."),
    "app.integrity": ("Integritetskontrollen fant {n} feil: {first} Kjør «varsel check» for å se alle.",
                      "The integrity check found {n} problem(s): {first} Run 'varsel check' for all of them."),
    "app.theme_not_saved": ("Fargetemaet ble ikke lagret: {error}", "The theme was not saved: {error}"),
    "app.locked": ("Låst etter {minutes} min uten aktivitet; det dekrypterte innholdet er fjernet fra skjermen.",
                   "Locked after {minutes} min without activity; decrypted content was cleared from the screen."),
})


STARTUP_CHECK_DELAY = 2.0  # seconds after mount


class CaseChanged(Message):
    """A case was written (step completed, party added, new case, …): the queue re-reads it."""

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number


class SessionLocked(Message):
    """The unlock session was locked (idle timeout): clear decrypted content from the screen."""


def localize_bindings(node: DOMNode) -> None:
    """Translate this node's binding descriptions (and footer groups) into the current language.

    BINDINGS are class attributes, built before `--lang` is known, so their descriptions are i18n
    keys; this rewrites the node's own copy of its bindings. Text that is not a registered key is
    left as it is.
    """
    key_to_bindings = node._bindings.key_to_bindings  # the node's own copy (see DOMNode.__init__)
    for key, bindings in key_to_bindings.items():
        translated = []
        for b in bindings:
            changes: dict[str, Any] = {}
            if b.description:
                changes["description"] = _translated(b.description)
            if b.tooltip:
                changes["tooltip"] = _translated(b.tooltip)
            if b.group is not None:
                changes["group"] = Binding.Group(_translated(b.group.description), b.group.compact)
            translated.append(replace(b, **changes) if changes else b)
        key_to_bindings[key] = translated


def _translated(text: str) -> str:
    """An i18n key's text, or Textual's own English in the UI language, or `text` as it is."""
    out = t(text)
    return textual_text(text) if out == text else out


def _case_commands():  # noqa: ANN202 - a Provider class, imported when the palette opens
    from .commands import CaseCommands

    return CaseCommands


def _command_providers() -> set:
    from importlib.util import find_spec

    extra = {_case_commands} if find_spec("varsel_tui.tui.commands") is not None else set()
    return set(App.COMMANDS) | extra


class VarselApp(App):
    """varsel: the queue of cases first; everything else is pushed on top of it."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "varsel"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = _command_providers()  # ctrl+p: system commands, open case by number, every key's action

    BINDINGS = [
        Binding("f1", "help", "app.help", id="app.help", key_display="F1"),
        # `?` too, but not in the footer: on a form the form's own F1 (the field's help) is shown.
        Binding("question_mark", "help", "app.help", id="app.help_alt", show=False),
        Binding("f3", "approvals", "app.approvals", id="app.approvals", key_display="F3", show=False),
        Binding("f4", "statistics", "app.statistics", id="app.statistics", key_display="F4", show=False),
        Binding("ctrl+q", "quit", "app.quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(self, db: str | None = None, user: str = "", config: Config | None = None, *,
                 poll_interval: float = 0.5, queue_source: "QueueSource | None" = None,
                 prefetch: "Prefetch | None" = None, startup_check: bool = False) -> None:
        super().__init__()
        localize_bindings(self)
        self.db = db
        self.user = user
        self.configure(config or Config())
        self.poll_interval = poll_interval
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self._queue_source = queue_source
        self._prefetch = prefetch
        self._change_feed: ChangeFeed | None = None
        self._polling_changes = False
        self._last_input = time.monotonic()
        self.passphrase_hint = ""
        self.startup_check = startup_check  # run() turns it on: integrity and audit, in a worker
        self._localized: weakref.WeakSet[DOMNode] = weakref.WeakSet()  # Textual widgets translated on focus
        self._theme_applied = False  # the config file's theme is set: later changes are the user's

    def get_line_filters(self):  # noqa: ANN201
        """Textual's filters, then control characters made visible on every line (tui/plain.py)."""
        from .plain import ControlCharacterFilter

        if not hasattr(self, "_control_filter"):
            self._control_filter = ControlCharacterFilter()
        return [*super().get_line_filters(), self._control_filter]

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification as plain text: an error may quote a stored value, which must not be
        read as markup or reach the terminal raw (screens' and widgets' notify come here too)."""
        from ..textsafe import printable

        super().notify(printable(message, multiline=True), title=printable(title), severity=severity,
                       timeout=timeout, markup=False)

    def configure(self, config: Config) -> None:
        """Use `config` (call before the app runs; the keymap is applied at mount)."""
        self.config = config
        self.idle_lock_minutes = config.idle_lock_minutes

    # -- resources ---------------------------------------------------------------------------------
    @property
    def store(self) -> "Store":
        """The full Store, opened on first use (imports SQLAlchemy: use it in a thread worker).

        Raises `varsel_tui.store.db.StoreError` with a one-line message when the database cannot
        be opened; the caller tells the user.
        """
        with self._store_lock:
            if self._store is None:
                from ..store.service import Store

                store = Store.open(self.db, actor=self.user or None)
                store.check_anchor_pin()  # the administrator key this account saw first
                self._store = store
            return self._store

    @property
    def queue_source(self) -> "QueueSource":
        """The queue's light read-only access (stdlib sqlite3 / psycopg), opened lazily."""
        if self._queue_source is None:
            from ..store.db import StoreError
            from ..store.queue import FailedSource, open_source

            try:
                self._queue_source = open_source(self.db)
            except StoreError as exc:
                self._queue_source = FailedSource(str(exc))
        return self._queue_source

    @property
    def change_feed(self) -> "ChangeFeed | None":
        """Change detection and the case metadata reads that go with it (None: no usable database)."""
        if self._change_feed is None:
            from ..store.changes import open_feed
            from ..store.db import StoreError

            try:
                self._change_feed = open_feed(self.db)
            except StoreError:
                return None
        return self._change_feed

    def take_prefetch(self) -> "Prefetch | None":
        """The queue's first page if `run()` started reading it early (handed out once)."""
        prefetch, self._prefetch = self._prefetch, None
        return prefetch

    @property
    def db_display(self) -> str:
        """Where the cases are, for the title bar (a file name, or a URL without its password)."""
        from ..store.db import StoreError, locate

        try:
            loc = locate(self.db)
        except StoreError:
            return self.db or ""
        return loc.path.name if loc.path is not None else loc.display()

    def today(self) -> date:
        from ..clock import today

        return today()

    # -- screens -----------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        from .screens.queue import QueueScreen

        return QueueScreen()

    def on_mount(self) -> None:
        self._watch_hangup()
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        self._theme_applied = True
        if self.config.error:
            self.notify(t("app.config_problem", problem=self.config.error), severity="warning", timeout=10)
        if self.idle_lock_minutes:
            self.set_interval(15, self._check_idle)
        if self.poll_interval:
            self._poll_changes()
            self.set_interval(self.poll_interval, self._poll_changes)
        if self.startup_check:
            # After the first frame and the queue's first page, which need the CPU more.
            self.set_timer(STARTUP_CHECK_DELAY, lambda: self.run_worker(
                self._integrity_check, thread=True, group="integrity", exit_on_error=False))
        self.run_worker(self._tell_pending_users, thread=True, exclusive=True, group="approvals")
        # Reading the workflows imports the validation machinery: after the first page, like the check.
        self.set_timer(STARTUP_CHECK_DELAY, lambda: self.run_worker(
            self._tell_broken_workflows, thread=True, group="workflows", exit_on_error=False))

    def _tell_broken_workflows(self) -> None:
        """A workflow file the loader left out is named at start; the other workflows work."""
        from .. import workflows

        for b in workflows.broken():
            self.call_from_thread(self.notify, t("app.broken_workflow", file=str(b.path), n=len(b.problems),
                                                 first=b.problems[0]), severity="error", timeout=30)

    # -- Textual's own strings, the palette, the theme --------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A Textual widget's bindings (an open Select: "Dismiss menu") in the UI language."""
        widget = event.widget
        if widget not in self._localized:
            self._localized.add(widget)
            localize_bindings(widget)
            widget.screen.refresh_bindings()

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            palette = CommandPalette(id="--command-palette", placeholder=textual_text("Search for commands…"))
            localize_bindings(palette)
            self.push_screen(palette)

    def search_themes(self) -> None:
        from textual.command import CommandPalette
        from textual.theme import ThemeProvider

        palette = CommandPalette(providers=[ThemeProvider], placeholder=textual_text("Search for themes…"))
        localize_bindings(palette)
        self.push_screen(palette)

    def get_system_commands(self, screen: Screen) -> "Iterable[SystemCommand]":
        for command in super().get_system_commands(screen):
            yield command._replace(title=textual_text(command.title), help=textual_text(command.help))

    def watch_theme(self, theme: str) -> None:
        """A theme the user chose is kept for the next start (in the config file)."""
        if not self._theme_applied or theme == self.config.theme or self.config.path is None:
            return
        from .config import save_setting

        self.config.theme = theme
        try:
            save_setting(self.config.path, "theme", theme)
        except OSError as exc:
            self.notify(t("app.theme_not_saved", error=exc.strerror or exc), severity="warning")

    def _integrity_check(self) -> None:
        """The bounded start-up check (store/check.py); a notification if something is wrong."""
        from ..store.check import run
        from ..store.db import StoreError, locate

        try:
            loc = locate(self.db)
            if loc.path is not None and (not loc.path.exists() or loc.path.stat().st_size == 0):
                return  # nothing to check, and the check must not create the database
            report = run(self.store, quick=True)
        except StoreError:
            return  # the screens say why the database cannot be opened
        if not report.ok:
            message = t("app.integrity", n=len(report.problems), first=report.problems[0].message.rstrip(".") + ".")
            self.call_from_thread(self.notify, message, severity="error", timeout=60)

    def _tell_pending_users(self) -> None:
        """An administrator hears at start who waits for approval (read with the light queue source)."""
        try:
            names = self.queue_source.pending_users(self.user)
        except Exception:  # noqa: BLE001 - a hint only; the queue reports database problems itself
            return
        if names:
            shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
            self.call_from_thread(self.notify, t("app.pending_users", n=len(names), names=shown), timeout=15)

    def on_unmount(self) -> None:
        if self._queue_source is not None:
            self._queue_source.close()
        if self._change_feed is not None:
            self._change_feed.close()
        if self._store is not None:
            self._store.close()

    def _push_lazily(self, module: str, name: str, what: str, *args: Any) -> None:
        """Push a screen from a module imported on demand; a missing or broken one is a notice."""
        import importlib

        full = f"varsel_tui.tui.screens.{module}"
        try:
            screen_cls = getattr(importlib.import_module(full), name)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                self.notify(t("app.screen_failed", what=t(what), error=exc), severity="error")
                return
            self.notify(t("app.screen_missing", what=t(what)), severity="warning")
            return
        except Exception as exc:  # noqa: BLE001 - a broken screen must not take the app down
            self.notify(t("app.screen_failed", what=t(what), error=exc), severity="error")
            return
        self.push_screen(screen_cls(*args))

    def open_case(self, number: str) -> None:
        """Show the case detail screen for `number`."""
        self._push_lazily("case_detail", "CaseDetailScreen", "app.what.case", number)

    def new_case(self) -> None:
        """Show the new-case screen."""
        self._push_lazily("new_case", "NewCaseScreen", "app.what.new_case")

    def action_approvals(self) -> None:
        if type(self.screen).__name__ == "ApprovalsScreen":
            return
        self._push_lazily("approvals", "ApprovalsScreen", "app.what.approvals")

    def action_statistics(self) -> None:
        """The anonymised statistics (administrators; the screen says so to others)."""
        if type(self.screen).__name__ == "StatisticsScreen":
            return
        self._push_lazily("statistics", "StatisticsScreen", "app.what.statistics")

    def action_help(self) -> None:
        if type(self.screen).__name__ == "HelpScreen":
            return
        self._push_lazily("help", "HelpScreen", "app.what.help")

    def on_case_changed(self, message: CaseChanged) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_queue", None)
            if refresh is not None:
                refresh()

    # -- live updates ------------------------------------------------------------------------------
    def _poll_changes(self) -> None:
        if self._polling_changes:  # a slow database: never pile up polls
            return
        self._polling_changes = True
        self.run_worker(self._poll_changes_worker, thread=True, group="changes", exit_on_error=False)

    def _poll_changes_worker(self) -> None:
        changed = None
        try:
            feed = self.change_feed
            changed = feed.poll() if feed is not None else None
        except Exception:  # noqa: BLE001 - unreachable now; the screens' own reads say why
            pass
        try:
            self.call_from_thread(self._changes_polled, changed)
        except RuntimeError:
            pass  # the app is closing

    def _changes_polled(self, changed: Any) -> None:
        from .live import DatabaseChanged

        self._polling_changes = False
        if changed is None:
            return
        for screen in self.screen_stack:
            screen.post_message(DatabaseChanged(changed))

    # -- idle lock ---------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def note_activity(self) -> None:
        self._last_input = time.monotonic()

    @property
    def unlocked(self) -> bool:
        """Whether the store holds the user's private key (strictly secret cases readable)."""
        return self._store is not None and self._store.unlocked_as is not None

    def _check_idle(self) -> None:
        if not self.unlocked or not self.idle_lock_minutes:
            return
        if time.monotonic() - self._last_input >= self.idle_lock_minutes * 60:
            self.lock_session()
            self.notify(t("app.locked", minutes=self.idle_lock_minutes), timeout=30)

    def lock_session(self) -> None:
        """Forget the keys and remove every screen that shows decrypted content."""
        stack = self.screen_stack
        first_secret = next((i for i, screen in enumerate(stack) if getattr(screen, "shows_secret", False)), None)
        for screen in reversed(stack):
            before = getattr(screen, "before_lock", None)
            if before is not None and getattr(screen, "shows_secret", False):
                try:
                    before()  # e.g. seal the form's unsaved answers as a draft, while the key is here
                except Exception:  # noqa: BLE001 - locking must never be stopped
                    pass
        if self._store is not None:
            self._store.lock()
        if first_secret is not None:
            for _ in range(len(stack) - max(first_secret, 1)):
                self.pop_screen()
        for screen in self.screen_stack:
            screen.post_message(SessionLocked())

    def _watch_hangup(self) -> None:
        """A dropped SSH connection (SIGHUP): forget the keys at once, then quit."""
        import asyncio
        import signal

        if not hasattr(signal, "SIGHUP"):
            return
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        except (RuntimeError, NotImplementedError, ValueError):  # not the main thread (tests) or no support
            pass

    def _hangup(self) -> None:
        if self._store is not None:
            self._store.lock()
        self.exit(return_code=129)


def build_app(db: str | None, user: str, lang: str | None = None, *, passphrase_hint: str = "") -> VarselApp:
    """The app as `run` starts it. `lang` from --lang wins over the config file's; the default is
    nb. The language is set first: the app and its screens translate their texts when made."""
    from ..store.queue import FIRST_PAGE, Prefetch
    from . import i18n
    from .config import load_config

    config = load_config()
    i18n.set_lang(lang or config.lang or "nb")
    app = VarselApp(db=db, user=user, config=config, poll_interval=0.5, startup_check=True)
    # Read the first page while Textual starts (sqlite3 releases the GIL while it works).
    app._prefetch = Prefetch(app.queue_source, "open", "due", False, FIRST_PAGE, user, app.today)
    app.passphrase_hint = passphrase_hint
    return app


def run(db: str | None, user: str, lang: str | None = None, *, passphrase_hint: str = "") -> None:
    """Open the TUI (see `build_app`). `passphrase_hint` is said on the unlock screen (only the
    demo has one)."""
    build_app(db, user, lang, passphrase_hint=passphrase_hint).run()
