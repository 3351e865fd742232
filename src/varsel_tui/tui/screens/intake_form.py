"""The intake a re-registered case still lacks (its procedure's intake form, with what carried over).

A case re-registered in another procedure keeps the answers that procedure's intake asks for too;
the rest is asked for here before its first step is active. Submitting starts the case where its
procedure says and classifies it by its rules (a written StInn notification becomes strictly
secret, at 2.1). Keys (binding ids):

  ctrl+s  intake.submit  give the answers
  escape  intake.back    back to the case (nothing is saved)
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.forms import Problem
from ..app_access import VarselAppMixin
from ..i18n import register, t
from ..plain import plain
from ..widgets.case_util import error_text, localize_bindings, post_case_changed, user_name
from ..widgets.form_view import DynamicForm

register({
    "intake.key.submit": ("Lagre", "Save"),
    "intake.key.back": ("Tilbake", "Back"),
    "intake.header": ("{number} · mottaksopplysninger ({workflow})", "{number} · intake answers ({workflow})"),
    "intake.explain": ("Saken er omregistrert hit. Svar som passet, er overført; resten må gis før første steg.",
                       "The case was re-registered here. Answers that fit were carried over; the rest must be "
                       "given before the first step."),
    "intake.saved": ("Mottaksopplysningene er lagret; saken er i gang.", "The intake answers are saved; the case "
                                                                          "has started."),
    "intake.invalid": ("Ikke lagret: {problems}", "Not saved: {problems}"),
    "intake.confirm_leave": ("Lagre? Du mister tilgangen til saken.", "Save? You will lose access to the case."),
})


class IntakeFormScreen(VarselAppMixin, Screen):
    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "intake.key.submit", id="intake.submit", priority=True),
        Binding("escape", "back", "intake.key.back", id="intake.back"),
    ]

    class Loaded(Message):
        def __init__(self, detail: Any, bodies: list[str]) -> None:
            self.detail, self.bodies = detail, bodies
            super().__init__()

    class NeedsConfirm(Message):
        def __init__(self, answers: dict[str, Any], lines: list[str]) -> None:
            self.answers, self.lines = answers, lines
            super().__init__()

    class Done(Message):
        def __init__(self, error: str = "", problems: list[Problem] | None = None) -> None:
            self.error, self.problems = error, problems
            super().__init__()

    def __init__(self, number: str) -> None:
        super().__init__(classes="form-screen")
        self.number = number
        self.version: int | None = None
        self.form: DynamicForm | None = None
        self._busy = False
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="form-header")
        with VerticalScroll(id="form-body"):
            yield Static(Text(t("intake.explain"), style="dim"), id="form-description")
            yield VerticalScroll(id="form-fields")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="intake-load")
    def _load(self) -> None:
        try:
            detail = self.varsel.store.get_case(self.number)
            bodies = [b.name for b, _members in self.varsel.store.bodies()]
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.post_message(self.Done(error_text(exc)))
            return
        self.post_message(self.Loaded(detail, bodies))

    @on(Loaded)
    async def _on_loaded(self, message: Loaded) -> None:
        d = message.detail
        self.version = d.case.version
        self.query_one("#form-header", Static).update(
            plain(t("intake.header", number=self.number, workflow=d.workflow.name), style="bold"))
        self.form = DynamicForm(d.workflow.intake.form, initial=d.intake, bodies=message.bodies, id="dynamic-form")
        await self.query_one("#form-fields").mount(self.form)
        missing = [w for w in self.form.field_widgets() if w.display and w.field.id in d.state.awaiting_intake]
        if missing:
            missing[0].input_widget.focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return None if self.form is None or self._busy else True
        return True

    def action_submit(self) -> None:
        if self.form is None or self._busy:
            return
        self._busy = True
        self.refresh_bindings()
        self._submit(self.form.raw_answers())

    @work(thread=True, exclusive=True, group="intake-submit")
    def _submit(self, answers: dict[str, Any], confirmed: bool = False) -> None:
        from ...store.service import ValidationFailed

        if not confirmed:
            try:  # where the case goes once it starts: asked first if it leaves this user
                effect = self.varsel.store.intake_effect(self.number, answers)
            except Exception:  # noqa: BLE001 - the save below reports what is wrong
                effect = None
            if effect is not None and effect.loses_access:
                self.post_message(self.NeedsConfirm(answers, effect.lines))
                return
        try:
            self.varsel.store.complete_intake(self.number, answers, by=user_name(self.app),
                                              expected_version=self.version)
        except ValidationFailed as exc:
            self.post_message(self.Done(str(exc), list(exc.problems)))
            return
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.post_message(self.Done(error_text(exc)))
            return
        self.post_message(self.Done())

    @on(NeedsConfirm)
    def _on_needs_confirm(self, message: NeedsConfirm) -> None:
        from ..widgets.case_dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._submit(message.answers, True)
                return
            self._busy = False
            self.refresh_bindings()

        self.app.push_screen(ConfirmDialog(t("intake.confirm_leave"), "\n".join(message.lines)), answered)

    @on(Done)
    def _on_done(self, message: Done) -> None:
        self._busy = False
        self.refresh_bindings()
        if message.problems is not None and self.form is not None:
            self.form.show_all_problems = True
            self.form.set_problems(message.problems)
            self.notify(t("intake.invalid", problems=message.error), severity="error")
            return
        if message.error:
            self.notify(message.error, severity="error")
            if self.form is None:
                self.app.pop_screen()
            return
        post_case_changed(self.app, self.number)
        self.notify(t("intake.saved"))
        self.app.pop_screen()  # the case screen reads the case again (or closes, if it left this user)

    def action_back(self) -> None:
        self.app.pop_screen()
