"""A dynamic form: the fields of a workflow form, shown and hidden as the answers change.

Visibility and requiredness are re-evaluated on every change with the same rules the store uses
(`visible_fields`, `is_required`, conditions seeing leniently coerced answers). Hidden fields are
only hidden, so whatever was typed in them comes back when the choice is changed back.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Iterable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ...domain.conditions import Context
from ...domain.forms import Form, Problem, coerce, is_required, visible_fields
from ..i18n import register, t
from .form_field import FormFieldWidget, field_dom_id

register({
    "form.no_fields": ("Dette steget har ikke noe skjema. Send inn (ctrl+s) når steget er utført.",
                       "This step has no form. Submit (ctrl+s) when the step is done."),
})


class DynamicForm(Vertical):
    """Fields of one `Form`. Posts `DynamicForm.Changed` whenever an answer changes."""

    class Changed(Message):
        def __init__(self, form: "DynamicForm", field_id: str) -> None:
            self.form = form
            self.field_id = field_id
            super().__init__()

    def __init__(self, form: Form, *, initial: dict[str, Any] | None = None,
                 base_answers: dict[str, Any] | None = None,
                 concerns: Callable[[str], bool] = lambda body: False,
                 dates: dict[str, date] | None = None, bodies: Iterable[str] = (),
                 picks: dict[str, list[tuple[str, str]]] | None = None, open_measures: bool = False,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=("dynamic-form " + (classes or "")).strip())
        self.form = form
        self.initial = dict(initial or {})
        self.base_answers = dict(base_answers or {})
        self.concerns = concerns
        self.dates = dict(dates or {})
        self.bodies = list(bodies)
        self.picks = dict(picks or {})  # users / measures to pick among (FormFieldWidget)
        self.open_measures = open_measures  # the case has a measure not carried out (conditions)
        self.show_all_problems = False
        self.touched: set[str] = set()
        self._problems: list[Problem] = []

    def compose(self) -> ComposeResult:
        if not self.form.fields:
            yield Static(t("form.no_fields"), classes="form-empty")
        for f in self.form.fields:
            value = self.initial.get(f.id, f.default)
            yield FormFieldWidget(f, value, bodies=self.bodies, picks=self.picks)

    def on_mount(self) -> None:
        self.refresh_visibility()

    # -- reading ---------------------------------------------------------------------------
    def field_widgets(self) -> list[FormFieldWidget]:
        return list(self.query(FormFieldWidget))

    def field_widget(self, field_id: str) -> FormFieldWidget:
        return self.query_one(f"#{field_dom_id(field_id)}", FormFieldWidget)

    def raw_answers(self) -> dict[str, Any]:
        """Every answered field (hidden ones too: the store drops what no longer applies)."""
        return {w.field.id: w.raw_value for w in self.field_widgets() if not w.is_blank}

    def context(self) -> Context:
        """What conditions see: the case's answers with this form's answers coerced leniently."""
        lenient: dict[str, Any] = {}
        answers = self.raw_answers()
        for f in self.form.fields:
            raw = answers.get(f.id)
            if raw is None:
                continue
            try:
                lenient[f.id] = coerce(f, raw)
            except ValueError:
                lenient[f.id] = raw
        return Context({**self.base_answers, **lenient}, self.concerns, self.dates,
                       open_measures=self.open_measures)

    def visible_ids(self) -> set[str]:
        return {f.id for f in visible_fields(self.form, self.context())}

    # -- updating --------------------------------------------------------------------------
    def refresh_visibility(self) -> None:
        ctx = self.context()
        visible = {f.id for f in visible_fields(self.form, ctx)}
        for w in self.field_widgets():
            w.display = w.field.id in visible
            w.set_required(is_required(w.field, ctx))
        self._show_problems()

    def set_problems(self, problems: list[Problem]) -> None:
        self._problems = list(problems)
        self._show_problems()

    def unplaced_problems(self) -> list[Problem]:
        """Problems that name no visible field of this form (shown by the screen elsewhere)."""
        visible = self.visible_ids()
        return [p for p in self._problems if p.field not in visible]

    def _show_problems(self) -> None:
        by_field: dict[str, list[Problem]] = {}
        for p in self._problems:
            by_field.setdefault(p.field, []).append(p)
        for w in self.field_widgets():
            fid = w.field.id
            shown = self.show_all_problems or fid in self.touched
            w.set_problems(by_field.get(fid, []) if shown and w.display else [])

    def first_problem_widget(self) -> FormFieldWidget | None:
        fields = {p.field for p in self._problems if p.severity == "error"}
        for w in self.field_widgets():
            if w.display and w.field.id in fields:
                return w
        return None

    def on_form_field_widget_changed(self, event: FormFieldWidget.Changed) -> None:
        event.stop()
        w = event.field_widget
        if w.changed_from_initial:
            self.touched.add(w.field.id)
        self.refresh_visibility()
        self.post_message(self.Changed(self, w.field.id))
