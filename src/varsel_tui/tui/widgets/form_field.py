"""One field of a dynamic form: its label, the input widget for its type, and inline problems.

The widget per type:
  text, date, number, grade, examiners → Input (one line)
  longtext                             → TextArea
  choice, bool (ja/nei), body          → Select (blank = not answered)
  multichoice, users, measures         → SelectionList (users: the approved users; measures: the
                                         case's recorded measures — picked, never retyped)
A field keeps what was typed while hidden; the form only toggles `display`.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, SelectionList, Static, TextArea

from ...domain.forms import FormField, Problem
from ..i18n import lang, register, t
from ..plain import plain
from .case_util import dom_id, wf_text

register({
    "form.choose": ("Velg …", "Choose …"),
    "form.yes": ("Ja", "Ja (yes)"),
    "form.no": ("Nei", "Nei (no)"),
    "form.placeholder.date": ("DD.MM.ÅÅÅÅ", "DD.MM.YYYY"),
    "form.placeholder.grade": ("A–F, bestått eller ikke bestått", "A–F, bestått or ikke bestått (pass/fail)"),
    "form.placeholder.number": ("tall", "number"),
    "form.placeholder.examiners": ("Navn (ekstern), Navn (opprinnelig), …", "Name (ekstern), Name (opprinnelig), …"),
    "form.required_mark": (" *", " *"),
    "form.help.none": ("Feltet har ingen hjelpetekst.", "This field has no help text."),
    "form.help.options": ("Valg:", "Options:"),
})

INPUT_TYPES = ("text", "date", "number", "grade", "examiners")
SELECT_TYPES = ("choice", "bool", "body")
LIST_TYPES = ("multichoice", "users", "measures")


def field_dom_id(field_id: str) -> str:
    return dom_id("field", field_id)


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is Select.NULL


class FormFieldWidget(Vertical):
    """A form field. `raw_value` is what the officer entered (strings/lists), never coerced."""

    class Changed(Message):
        def __init__(self, field_widget: "FormFieldWidget") -> None:
            self.field_widget = field_widget
            super().__init__()

    def __init__(self, field: FormField, value: Any = None, *, bodies: Iterable[str] = (),
                 picks: dict[str, list[tuple[str, str]]] | None = None) -> None:
        """`picks`: for a `users` or `measures` field, by type, the (value, label) to pick among."""
        super().__init__(id=field_dom_id(field.id), classes=f"form-field form-type-{field.type}")
        self.field = field
        self.bodies = list(bodies)
        self.picks = dict(picks or {})
        self._initial = self._to_raw(value)
        self._required = field.required
        self._input: Widget | None = None

    # -- building --------------------------------------------------------------------------
    def _to_raw(self, value: Any) -> Any:
        """A stored/draft/default value in the form the widget holds."""
        f = self.field
        if _is_blank(value):
            return [] if f.type in LIST_TYPES else None
        if f.type == "bool":
            if isinstance(value, bool):
                return "ja" if value else "nei"
            text = str(value).strip().lower()
            return {"true": "ja", "yes": "ja", "j": "ja", "false": "nei", "no": "nei", "n": "nei"}.get(text, text)
        if f.type in LIST_TYPES:
            items = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
            return [str(v).strip().removeprefix("#") for v in items if str(v).strip()]
        if f.type == "examiners" and isinstance(value, list):
            from .case_util import answer_text

            return answer_text(value)
        return str(value)

    def _options(self) -> list[tuple[str | Text, str]]:
        f = self.field
        if f.type == "bool":
            return [(t("form.yes"), "ja"), (t("form.no"), "nei")]
        if f.type == "body":
            return [(plain(b), b) for b in self.bodies]
        if f.type in ("users", "measures"):
            return [(plain(label), value) for value, label in self.picks.get(f.type, [])]
        return [(wf_text(o, "label"), o.value) for o in f.options]

    def compose(self) -> ComposeResult:
        f = self.field
        yield Static(self._label(), classes="form-label", id=f"{self.id}-label")
        raw = self._initial
        if f.type in INPUT_TYPES:
            placeholder = {"date": t("form.placeholder.date"), "grade": t("form.placeholder.grade"),
                           "number": t("form.placeholder.number"),
                           "examiners": t("form.placeholder.examiners")}.get(f.type, "")
            widget: Widget = Input(value=raw or "", placeholder=placeholder, compact=True, id=f"{self.id}-input")
        elif f.type == "longtext":
            widget = TextArea(raw or "", soft_wrap=True, tab_behavior="focus", compact=True,
                              show_line_numbers=False, id=f"{self.id}-input")
        elif f.type in SELECT_TYPES:
            options = self._options()
            value = raw if raw in {v for _, v in options} else Select.NULL
            widget = Select(options, prompt=t("form.choose"), value=value, allow_blank=True, compact=True,
                            id=f"{self.id}-input")
        else:  # multichoice, users, measures
            chosen = set(raw or [])
            widget = SelectionList(*[(label, value, value in chosen) for label, value in self._options()],
                                   compact=True, id=f"{self.id}-input")
        widget.add_class("form-input")
        self._input = widget
        yield widget
        yield Static("", classes="form-option-help", id=f"{self.id}-option-help")
        yield Static("", classes="form-problem", id=f"{self.id}-problem")

    def on_mount(self) -> None:
        self._show_option_help()

    def _label(self) -> Text:
        text = Text(wf_text(self.field, "label"))
        if self._required:
            text.append(t("form.required_mark"), style="bold red")
        return text

    # -- value -----------------------------------------------------------------------------
    @property
    def input_widget(self) -> Widget:
        assert self._input is not None
        return self._input

    @property
    def raw_value(self) -> Any:
        """What the officer entered; None (or [] for multichoice) when blank."""
        w = self._input
        if w is None:
            return self._initial
        if isinstance(w, Input):
            return w.value if w.value.strip() else None
        if isinstance(w, TextArea):
            return w.text if w.text.strip() else None
        if isinstance(w, Select):
            return None if w.value is Select.NULL else w.value
        if isinstance(w, SelectionList):
            return list(w.selected)
        return None

    @property
    def is_blank(self) -> bool:
        return _is_blank(self.raw_value)

    @property
    def changed_from_initial(self) -> bool:
        return self.raw_value != self._initial

    # -- state shown -----------------------------------------------------------------------
    def set_required(self, required: bool) -> None:
        if required != self._required:
            self._required = required
            self.query_one(f"#{self.id}-label", Static).update(self._label())
        self.set_class(required, "-required")

    def set_problems(self, problems: list[Problem]) -> None:
        box = self.query_one(f"#{self.id}-problem", Static)
        if not problems:
            box.update("")
            box.display = False
            self.remove_class("-invalid", "-warning")
            return
        text = Text()
        for n, p in enumerate(problems):
            if n:
                text.append("\n")
            mark = "✗ " if p.severity == "error" else "! "
            text.append(mark + p.text(lang()), style="red" if p.severity == "error" else "yellow")
        box.update(text)
        box.display = True
        self.set_class(any(p.severity == "error" for p in problems), "-invalid")
        self.set_class(all(p.severity != "error" for p in problems), "-warning")

    def _show_option_help(self) -> None:
        """For a choice, the chosen option's own help (e.g. what «skriftlig» means for the case)."""
        box = self.query_one(f"#{self.id}-option-help", Static)
        helps = {o.value: wf_text(o, "help") for o in self.field.options if o.help}
        value = self.raw_value
        text = helps.get(value, "") if isinstance(value, str) else ""
        box.update(Text(text, style="italic"))
        box.display = bool(text)

    # -- help (the procedure's "?") --------------------------------------------------------
    @property
    def field_help(self) -> tuple[str, str]:
        """(title, text) for the help screen."""
        f = self.field
        parts = [wf_text(f, "help") or t("form.help.none")]
        with_help = [o for o in f.options if o.help]
        if with_help:
            parts.append(t("form.help.options") + "\n" + "\n".join(
                f"• {wf_text(o, 'label')}: {wf_text(o, 'help')}" for o in with_help))
        return wf_text(f, "label"), "\n\n".join(parts)

    # -- events ----------------------------------------------------------------------------
    def _changed(self, event: Message) -> None:
        event.stop()
        self._show_option_help()
        self.post_message(self.Changed(self))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in a one-line field moves on, as in a paper form.
        event.stop()
        self.screen.focus_next()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed(event)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._changed(event)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._changed(event)
