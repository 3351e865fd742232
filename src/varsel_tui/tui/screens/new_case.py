"""A new case: workflow, title, received date, the workflow's intake form, classification, parties.

The classification starts at what the workflow says (`intake.classification`, or strengt hemmelig
when `intake.secret_if` holds, e.g. a written StInn notification) and follows the intake answers
until the officer raises it; it can never be set below the workflow's default. Keys (binding ids):

  ctrl+s  new.submit  register the case and open it
  ctrl+n  new.party   add a party
  delete  new.remove_party  remove the highlighted party (in the party list)
  f1      new.help    help for the focused field
  escape  new.back    back without registering (asks first when anything was typed)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...domain.conditions import Context, evaluate
from ...domain.forms import parse_date, validate
from ..app_access import VarselAppMixin
from ..i18n import lang, register, t
from ..plain import plain
from ..widgets.case_dialogs import ConfirmDialog, PartyDialog
from ..widgets.case_util import (
    classification_label,
    dom_id,
    error_text,
    fmt_date,
    invalid_text,
    localize_bindings,
    post_case_changed,
    today,
    user_name,
    wf_text,
)
from ..widgets.form_view import DynamicForm

register({
    "new.title": ("Ny sak", "New case"),
    "new.key.submit": ("Registrer sak", "Register case"),
    "new.key.party": ("Legg til part", "Add party"),
    "new.key.remove_party": ("Fjern part", "Remove party"),
    "new.key.help": ("Hjelp til feltet", "Field help"),
    "new.key.back": ("Avbryt", "Cancel"),
    "new.workflow": ("Prosedyre", "Procedure"),
    "new.workflow.help": ("Hvilken rutine saken behandles etter. Stegene, fristene og skjemaene følger av den.",
                          "The procedure the case is handled by. Its steps, deadlines and forms follow from it."),
    "new.case_title": ("Tittel", "Title"),
    "new.case_title.help": ("En kort tittel som sier hva saken gjelder. For en strengt hemmelig sak vises den bare "
                            "for dem som har tilgang.",
                            "A short title saying what the case is about. For a strictly secret case only those "
                            "entitled to it see it."),
    "new.received": ("Mottatt (DD.MM.ÅÅÅÅ)", "Received (DD.MM.YYYY)"),
    "new.received.help": ("Datoen saken kom inn. Fristene regnes fra denne datoen.",
                          "The day the case came in. Deadlines are counted from it."),
    "new.intake": ("Mottak", "Intake"),
    "new.classification": ("Gradering", "Classification"),
    "new.classification.default": ("Prosedyren sier: {label}. Du kan gradere høyere, ikke lavere.",
                                   "The procedure says: {label}. You can raise it, not lower it."),
    "new.classification.help": ("Hvor strengt saken skal beskyttes. Standarden følger prosedyren (en skriftlig "
                                "StInn-varsling er strengt hemmelig); saksbehandler kan gradere høyere.",
                                "How strictly the case is protected. The default follows the procedure (a written "
                                "StInn notification is strictly secret); the officer may raise it."),
    "new.parties": ("Parter", "Parties"),
    "new.parties.none": ("Ingen parter ennå – ctrl+n legger til.", "No parties yet – ctrl+n adds one."),
    "new.parties.help": ("Varsler, fornærmede, anklagede, vitner, melder … Anonyme parter holdes skjult for de "
                         "involverte. Er en anklaget part et organ eller medlem av et, hoppes fasen der organet "
                         "behandler saken over.",
                         "Whistleblower, aggrieved, accused, witnesses, reporter … Anonymous parties are kept from "
                         "those involved. When an accused party is a body or a member of one, the phase that body "
                         "handles is skipped."),
    "new.choose_workflow": ("Velg prosedyre …", "Choose procedure …"),
    "new.pick_workflow": ("Velg en prosedyre først.", "Choose a procedure first."),
    "new.need_title": ("Saken må ha en tittel.", "The case needs a title."),
    "new.bad_date": ("Mottatt-datoen: {error}", "Received date: {error}"),
    "new.invalid": ("Ikke registrert: {n} felt må rettes. Det du har skrevet er beholdt.",
                    "Not registered: {n} field(s) must be fixed. What you typed is kept."),
    "new.failed": ("Ikke registrert: {error}", "Not registered: {error}"),
    "new.created": ("Sak {number} registrert.", "Case {number} registered."),
    "new.loading": ("Leser prosedyrer …", "Reading procedures …"),
    "new.busy": ("Registrerer …", "Registering …"),
    "new.confirm_discard": ("Forkaste den nye saken?", "Discard the new case?"),
    "new.confirm_discard.detail": ("Det du har skrevet blir ikke lagret.", "What you typed is not saved."),
})

CLASS_ORDER = ("ordinær", "fortrolig", "strengt_hemmelig")


def _required_label(label: str) -> Text:
    text = Text(label)
    text.append(" *", style="bold red")
    return text


class _Field(Vertical):
    """A fixed field of the new-case form with help for the help screen."""

    def __init__(self, label: str, help_text: str, *, id: str) -> None:
        super().__init__(id=id, classes="form-field")
        self._label = label
        self._help = help_text

    @property
    def field_help(self) -> tuple[str, str]:
        return self._label, self._help


class PartyList(OptionList):
    BINDINGS = [Binding("delete,backspace", "remove", "new.key.remove_party", id="new.remove_party")]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        localize_bindings(self)

    def action_remove(self) -> None:
        screen = self.screen
        if isinstance(screen, NewCaseScreen) and self.highlighted is not None:
            screen.remove_party(self.highlighted)


class NewCaseScreen(VarselAppMixin, Screen):
    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "new.key.submit", id="new.submit", priority=True),
        Binding("ctrl+n", "add_party", "new.key.party", id="new.party", priority=True),
        Binding("f1", "field_help", "new.key.help", id="new.help", key_display="F1"),  # stands for the app's F1
        Binding("escape", "back", "new.key.back", id="new.back"),
    ]

    class Ready(Message):
        def __init__(self, workflows: dict, bodies: list[str]) -> None:
            self.workflows, self.bodies = workflows, bodies
            super().__init__()

    class Created(Message):
        def __init__(self, number: str) -> None:
            self.number = number
            super().__init__()

    class Failed(Message):
        def __init__(self, error: str, problems: list | None = None) -> None:
            self.error, self.problems = error, problems
            super().__init__()

    def __init__(self) -> None:
        super().__init__(classes="new-case-screen")
        self.workflows: dict = {}
        self.bodies: list[str] = []
        self.forms: dict[str, DynamicForm] = {}
        self.parties: list[dict] = []
        self._class_raised = False
        self._setting_class = False
        self._busy = False
        localize_bindings(self)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(t("new.title"), style="bold"), id="new-header")
        with VerticalScroll(id="new-body"):
            with _Field(t("new.workflow"), t("new.workflow.help"), id="new-workflow-field"):
                yield Static(_required_label(t("new.workflow")), classes="form-label")
                yield Select([], prompt=t("new.loading"), compact=True, id="new-workflow")
            with _Field(t("new.case_title"), t("new.case_title.help"), id="new-title-field"):
                yield Static(_required_label(t("new.case_title")), classes="form-label")
                yield Input(compact=True, id="new-title")
                yield Static("", classes="form-problem", id="new-title-problem")
            with _Field(t("new.received"), t("new.received.help"), id="new-received-field"):
                yield Static(_required_label(t("new.received")), classes="form-label")
                yield Input(fmt_date(today()), compact=True, id="new-received")
                yield Static("", classes="form-problem", id="new-received-problem")
            yield Static(Text(t("new.intake"), style="bold"), classes="case-section-title", id="new-intake-title")
            yield Vertical(id="new-intake")
            with _Field(t("new.classification"), t("new.classification.help"), id="new-class-field"):
                yield Static(Text(t("new.classification")), classes="form-label")
                yield Select([(classification_label(c), c) for c in CLASS_ORDER], value="fortrolig",
                             allow_blank=False, compact=True, id="new-classification")
                yield Static("", classes="form-option-help", id="new-class-default")
            with _Field(t("new.parties"), t("new.parties.help"), id="new-parties-field"):
                yield Static(Text(t("new.parties")), classes="form-label")
                yield PartyList(id="new-parties")
                yield Static(Text(t("new.parties.none"), style="dim"), id="new-parties-none")
        yield Footer()

    def on_mount(self) -> None:
        for pid in ("#new-title-problem", "#new-received-problem", "#new-parties"):
            self.query_one(pid).display = False
        self.query_one("#new-intake-title").display = False
        self._load()

    @work(thread=True, exclusive=True, group="new-load")
    def _load(self) -> None:
        try:
            from ... import workflows

            found = workflows.all_workflows()
            bodies = [b.name for b, _members in self.varsel.store.bodies()]
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Ready(dict(found), bodies))

    @on(Ready)
    def _on_ready(self, message: Ready) -> None:
        self.workflows = message.workflows
        self.bodies = message.bodies
        select = self.query_one("#new-workflow", Select)
        select.prompt = t("new.choose_workflow")
        options = sorted(((wf_text(wf, "name"), wf.id) for wf in self.workflows.values()), key=lambda o: o[0].lower())
        select.set_options(options)
        if len(options) == 1:
            select.value = options[0][1]
        select.focus()

    # -- workflow and intake ---------------------------------------------------------------
    def selected_workflow(self):  # noqa: ANN201
        value = self.query_one("#new-workflow", Select).value
        return self.workflows.get(value) if isinstance(value, str) else None

    @on(Select.Changed, "#new-workflow")
    async def _on_workflow(self, event: Select.Changed) -> None:
        event.stop()
        wf = self.selected_workflow()
        for wf_id, form in self.forms.items():
            form.display = wf is not None and wf_id == wf.id
        if wf is not None and wf.id not in self.forms:
            form = DynamicForm(wf.intake.form, bodies=self.bodies, id=dom_id("intake", wf.id))
            self.forms[wf.id] = form
            await self.query_one("#new-intake").mount(form)
        self.query_one("#new-intake-title").display = bool(wf and wf.intake.form.fields)
        self._class_raised = False
        self._update_classification()

    @on(DynamicForm.Changed)
    def _on_intake_changed(self, event: DynamicForm.Changed) -> None:
        self._update_classification()
        wf = self.selected_workflow()
        if wf is not None and event.form is self.forms.get(wf.id):
            self._check_intake(wf, show=False)

    def default_classification(self) -> str:
        wf = self.selected_workflow()
        if wf is None:
            return "fortrolig"
        form = self.forms.get(wf.id)
        ctx = form.context() if form is not None else Context({})
        if wf.intake.secret_if is not None and evaluate(wf.intake.secret_if, ctx):
            return "strengt_hemmelig"
        return wf.intake.classification if wf.intake.classification in CLASS_ORDER else "fortrolig"

    def _update_classification(self) -> None:
        default = self.default_classification()
        select = self.query_one("#new-classification", Select)
        allowed = CLASS_ORDER[CLASS_ORDER.index(default):]
        current = select.value if isinstance(select.value, str) else default
        keep = current if (self._class_raised and current in allowed) else default
        self._setting_class = True
        select.set_options([(classification_label(c), c) for c in allowed])
        select.value = keep
        self._setting_class = False
        self.query_one("#new-class-default", Static).update(
            Text(t("new.classification.default", label=classification_label(default)), style="italic"))

    @on(Select.Changed, "#new-classification")
    def _on_classification(self, event: Select.Changed) -> None:
        event.stop()
        if not self._setting_class:
            self._class_raised = event.value != self.default_classification()

    def classification(self) -> str:
        value = self.query_one("#new-classification", Select).value
        return value if isinstance(value, str) else self.default_classification()

    # -- parties ---------------------------------------------------------------------------
    def action_add_party(self) -> None:
        from ...store.service import PARTY_ROLES

        def done(result: dict | None) -> None:
            if result:
                self.parties.append(result)
                self._show_parties()

        self.app.push_screen(PartyDialog(PARTY_ROLES, self.bodies), done)

    def remove_party(self, index: int) -> None:
        if 0 <= index < len(self.parties):
            del self.parties[index]
            self._show_parties()

    def _show_parties(self) -> None:
        plist = self.query_one("#new-parties", PartyList)
        plist.clear_options()
        for p in self.parties:
            who = p.get("name") or ""
            if p.get("anonymous"):
                who = (who + " " if who else "") + "(anonym)"
            if p.get("body"):
                who += f" · {p['body']}"
            plist.add_option(Option(plain(f"{p['role']}: {who or '–'}")))
        plist.display = bool(self.parties)
        self.query_one("#new-parties-none").display = not self.parties

    # -- checking and submitting -----------------------------------------------------------
    def _check_intake(self, wf, *, show: bool) -> list:  # noqa: ANN001
        form = self.forms.get(wf.id)
        if form is None:
            return []
        _clean, problems = validate(wf.intake.form, form.raw_answers(), Context({}))
        if show:
            form.show_all_problems = True
        form.set_problems(problems)
        return [p for p in problems if p.severity == "error"]

    def _problem(self, pid: str, message: str | None) -> None:
        box = self.query_one(pid, Static)
        box.update(Text("✗ " + message, style="red") if message else "")
        box.display = bool(message)

    def action_submit(self) -> None:
        if self._busy:
            return
        wf = self.selected_workflow()
        if wf is None:
            self.notify(t("new.pick_workflow"), severity="error")
            self.query_one("#new-workflow").focus()
            return
        errors = 0
        title = self.query_one("#new-title", Input).value.strip()
        self._problem("#new-title-problem", None if title else t("new.need_title"))
        errors += 0 if title else 1
        received: date | None = None
        try:
            received = parse_date(self.query_one("#new-received", Input).value)
            self._problem("#new-received-problem", None)
        except ValueError as exc:
            self._problem("#new-received-problem", invalid_text(exc))
            errors += 1
        errors += len(self._check_intake(wf, show=True))
        if errors:
            self.notify(t("new.invalid", n=errors), severity="error")
            return
        assert received is not None
        self._busy = True
        self.notify(t("new.busy"))
        parties = [{"role": p["role"], "name": p.get("name", ""), "anonymous": bool(p.get("anonymous")),
                    "body": p.get("body")} for p in self.parties]
        self._create(wf.id, title, received, self.classification(), self.forms[wf.id].raw_answers(), parties)

    @work(thread=True, exclusive=True, group="new-create")
    def _create(self, wf_id: str, title: str, received: date, classification: str, intake: dict,
                parties: list[dict]) -> None:
        from ...store.service import ValidationFailed

        try:
            detail = self.varsel.store.create_case(wf_id, title, received, by=user_name(self.app),
                                                classification=classification, intake=intake, parties=parties)
        except ValidationFailed as exc:
            self.post_message(self.Failed(str(exc), list(exc.problems)))
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Created(detail.case.number))

    @on(Failed)
    def _on_failed(self, message: Failed) -> None:
        self._busy = False
        if message.problems:
            wf = self.selected_workflow()
            form = self.forms.get(wf.id) if wf else None
            if form is not None:
                form.show_all_problems = True
                form.set_problems(message.problems)
        error = "; ".join(p.text(lang()) for p in message.problems or [] if p.severity == "error") or message.error
        self.notify(t("new.failed", error=error), severity="error")

    @on(Created)
    def _on_created(self, message: Created) -> None:
        self._busy = False
        post_case_changed(self.app, message.number)
        self.notify(t("new.created", number=message.number))
        app = self.app
        app.pop_screen()
        opener = getattr(app, "open_case", None)
        if callable(opener):
            opener(message.number)
        else:
            from .case_detail import CaseDetailScreen

            app.push_screen(CaseDetailScreen(message.number))

    def action_field_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.focused))

    def typed_anything(self) -> bool:
        """Whether leaving would lose something the officer typed or added."""
        wf = self.selected_workflow()
        form = self.forms.get(wf.id) if wf is not None else None
        return bool(self.query_one("#new-title", Input).value.strip() or self.parties
                    or self.query_one("#new-received", Input).value.strip() != fmt_date(today())
                    or (form is not None and bool(form.touched)))

    def action_back(self) -> None:
        if not self.typed_anything():
            self.app.pop_screen()
            return

        def done(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(ConfirmDialog(t("new.confirm_discard"), t("new.confirm_discard.detail")), done)
