"""Help: the keys of the screen below, and the procedure's help for the focused form field.

Any widget can offer help by having a `field_help` property returning (title, text); the form's
fields do, with the help text the workflow file gives each field (the procedure's "?").
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from ..i18n import register, t
from ..widgets.case_util import localize_bindings

register({
    "help.title": ("Hjelp", "Help"),
    "help.keys": ("Taster på dette skjermbildet", "Keys on this screen"),
    "help.app_keys": ("Overalt", "Everywhere"),
    "help.field": ("Om feltet «{title}»", "About the field «{title}»"),
    "help.close": ("Lukk", "Close"),
    "help.footer": ("Esc, F1 eller q lukker hjelpen.", "Esc, F1 or q closes help."),
    "help.disabled": ("(ikke tilgjengelig nå)", "(not available now)"),
    "help.tab": ("Neste / forrige felt", "Next / previous field"),
})


def field_help_of(widget: Widget | None) -> tuple[str, str] | None:
    """The help of the focused widget or the form field it belongs to."""
    node = widget
    while node is not None:
        help_data = getattr(node, "field_help", None)
        if help_data is not None:
            return help_data
        node = node.parent if isinstance(node.parent, Widget) else None
    return None


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened over, and the focused field's help text."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("escape,f1,q,question_mark", "close", "help.close", id="help.close"),
    ]

    def __init__(self, target: Screen | None = None, focused: Widget | None = None) -> None:
        super().__init__(classes="help-screen")
        self._target = target
        self._focused = focused
        localize_bindings(self)

    def _target_screen(self) -> Screen | None:
        if self._target is not None:
            return self._target
        stack = self.app.screen_stack
        below = [s for s in stack if s is not self]
        return below[-1] if below else None

    def compose(self) -> ComposeResult:
        target = self._target_screen()
        focused = self._focused if self._focused is not None else (target.focused if target else None)
        with VerticalScroll(id="help-box"):
            help_data = field_help_of(focused)
            if help_data is not None:
                title, text = help_data
                yield Static(Text(t("help.field", title=title), style="bold"), classes="help-heading")
                yield Static(Text(text), id="help-field-text", classes="help-text")
            yield Static(self._bindings_table(target), id="help-bindings")
            yield Static(Text(t("help.footer"), style="dim"), classes="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = t("help.title")
        self.query_one("#help-box").focus()

    def _bindings_table(self, target: Screen | None) -> Group:
        screen_rows: list[tuple[str, str, bool]] = []
        app_rows: list[tuple[str, str, bool]] = []
        seen: set[tuple[str, str]] = set()
        base = {(b.key, b.action) for b in Binding.make_bindings(Screen.BINDINGS)}
        if target is not None:
            screen_rows.append(("tab / shift+tab", t("help.tab"), True))
            for active in target.active_bindings.values():
                binding = active.binding
                if binding.system or not binding.description or (binding.key, binding.action) in base:
                    continue
                node = active.node
                if not (binding.show or isinstance(node, Screen) or node is self.app):
                    continue  # a text widget's own editing keys
                entry = (self.app.get_key_display(binding), binding.description)
                if entry in seen:
                    continue
                seen.add(entry)
                (app_rows if node is self.app else screen_rows).append((*entry, active.enabled))
        parts: list[RenderableType] = []
        for heading, rows in ((t("help.keys"), screen_rows), (t("help.app_keys"), app_rows)):
            if not rows:
                continue
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True, style="bold", min_width=8)
            table.add_column(ratio=1)
            for key, description, enabled in rows:
                desc = Text(description)
                if not enabled:
                    desc.append(" " + t("help.disabled"), style="dim")
                table.add_row(Text(key), desc)  # Text: a str cell would be read as markup
            parts.append(Text(heading, style="bold underline"))
            parts.append(table)
            parts.append(Text(""))
        return Group(*parts)

    def action_close(self) -> None:
        self.dismiss(None)
