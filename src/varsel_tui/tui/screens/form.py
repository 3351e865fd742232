"""The form of a case's current step, built from the workflow's form definition.

Fields appear and disappear as answers change; the procedure's help for the focused field is one
key away (F1); after every change (debounced) the store previews the step in a worker, and the
screen shows problems under each field and what submitting will do. Keys (binding ids):

  ctrl+s  form.submit  complete the step with these answers
  ctrl+d  form.draft   save the answers as a draft (resumed when the form is opened again)
  f1      form.help    the focused field's help text and the keys of this screen
  escape  form.back    back to the case (unsaved answers are kept as a draft)

Below the fields, "done on" takes the date the step was really done (empty: today); the engine
checks it and a refusal is a notification like any other.

A failed submit (invalid answers, someone else changed the case, a store error) is a
notification; the typed answers stay in the form. A refused submit names who changed the case and
what they did since the form was opened; a change by someone else while the form is open is a
notification too (the answers are never touched).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from ...domain.engine import Outcome, describe
from ...domain.forms import Problem
from ...textsafe import printable
from ..app_access import VarselAppMixin
from ..i18n import lang, register, t
from ..live import DatabaseChanged, PresenceBar, describe_activity
from ..plain import plain
from ..widgets.case_util import (
    days_left,
    days_left_text,
    error_text,
    fmt_date,
    localize_bindings,
    post_case_changed,
    today,
    user_name,
    wf_text,
)
from ..widgets.form_view import DynamicForm

register({
    "form.measure_done": ("gjennomført {date}", "carried out {date}"),
    "form.key.submit": ("Send inn", "Submit"),
    "form.key.draft": ("Lagre utkast", "Save draft"),
    "form.key.help": ("Hjelp til feltet", "Field help"),
    "form.key.back": ("Tilbake", "Back"),
    "form.loading": ("Leser sak {number} …", "Reading case {number} …"),
    "form.header": ("{number} · steg {step} {title}", "{number} · step {step} {title}"),
    "form.role": ("Ansvarlig: {role}", "Responsible: {role}"),
    "form.due": ("Frist {date} ({left})", "Due {date} ({left})"),
    "form.deadline_text": ("«{text}»", "«{text}»"),
    "form.outcome.title": ("Hva skjer når du sender inn", "What happens when you submit"),
    "form.outcome.wait": ("Beregner …", "Working it out …"),
    "form.outcome.errors": ("{n} felt må rettes før du kan sende inn.", "{n} field(s) must be fixed before you can submit."),
    "form.outcome.error": ("Kunne ikke forhåndsvise: {error}", "Could not preview: {error}"),
    "form.required_note": ("* må fylles ut", "* required"),
    "form.not_active": ("Steg {step} er ikke aktivt i sak {number} lenger (aktivt: {current}).",
                        "Step {step} is no longer active in case {number} (active: {current})."),
    "form.draft_resumed": ("Utkast gjenopptatt.", "Draft resumed."),
    "form.draft_saved": ("Utkast lagret.", "Draft saved."),
    "form.draft_failed": ("Utkastet ble ikke lagret: {error}", "The draft was not saved: {error}"),
    "form.submitted": ("Steg {step} fullført.", "Step {step} completed."),
    "form.invalid": ("Ikke sendt inn: {n} felt må rettes. Svarene dine er beholdt.",
                     "Not submitted: {n} field(s) must be fixed. Your answers are kept."),
    "form.concurrent": ("Ikke sendt inn: saken er endret av noen andre siden du åpnet den. Svarene dine er lagret "
                        "som utkast; gå tilbake (Esc) og åpne skjemaet igjen.",
                        "Not submitted: someone else changed the case since you opened it. Your answers were "
                        "saved as a draft; go back (Esc) and open the form again."),
    "form.failed": ("Ikke sendt inn: {error}. Svarene dine er beholdt.",
                    "Not submitted: {error}. Your answers are kept."),
    "form.busy": ("Sender inn …", "Submitting …"),
    "form.general_problems": ("Andre merknader:", "Other remarks:"),
    "form.confirm_leave": ("Sende inn? Du mister tilgangen til saken.", "Submit? You will lose access to the case."),
    "form.done_on": ("Utført dato (tom: i dag) – for et steg som ble gjort en tidligere dag",
                     "Done on (empty: today) – for a step that was done on an earlier day"),
    "form.bad_date": ("Ikke sendt inn: «{text}» er ikke en dato (DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD).",
                      "Not submitted: «{text}» is not a date (DD.MM.YYYY or YYYY-MM-DD)."),
})


class StepFormScreen(VarselAppMixin, Screen):
    """The dynamic form of step `step_id` in case `number`."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "form.key.submit", id="form.submit", priority=True),
        Binding("ctrl+d", "save_draft", "form.key.draft", id="form.draft", priority=True),
        # Shown: it takes F1 from the app's binding, which the footer would otherwise hide with it.
        Binding("f1", "field_help", "form.key.help", id="form.help", key_display="F1"),
        Binding("escape", "back", "form.key.back", id="form.back"),
    ]
    PREVIEW_DELAY = 0.25

    class Loaded(Message):
        def __init__(self, detail: Any, draft: dict | None, bodies: list[str], users: list[tuple[str, str]]) -> None:
            self.detail, self.draft, self.bodies, self.users = detail, draft, bodies, users
            super().__init__()

    class LoadFailed(Message):
        def __init__(self, error: str) -> None:
            self.error = error
            super().__init__()

    class Previewed(Message):
        def __init__(self, seq: int, outcome: Outcome | None, error: str = "") -> None:
            self.seq, self.outcome, self.error = seq, outcome, error
            super().__init__()

    class SubmitFailed(Message):
        def __init__(self, error: str, problems: list[Problem] | None = None, concurrent: bool = False) -> None:
            self.error, self.problems, self.concurrent = error, problems, concurrent
            super().__init__()

    class NeedsConfirm(Message):
        """The submit moves the case away from this user: ask first."""

        def __init__(self, answers: dict[str, Any], version: int | None, on: date | None, lines: list[str]) -> None:
            self.answers, self.version, self.on, self.lines = answers, version, on, lines
            super().__init__()

    class Submitted(Message):
        def __init__(self, outcome: Outcome) -> None:
            self.outcome = outcome
            super().__init__()

    class Moved(Message):
        """Someone changed the case while the form is open."""

        def __init__(self, mark: Any, activities: list) -> None:
            self.mark, self.activities = mark, activities  # store.changes.CaseMark, [Activity]
            super().__init__()

    def __init__(self, number: str, step_id: str) -> None:
        super().__init__(classes="form-screen")
        self.number = number
        self.step_id = step_id
        self.detail: Any = None
        self.version: int | None = None
        self.form: DynamicForm | None = None
        self.outcome: Outcome | None = None
        self._seq = 0
        self._timer: Timer | None = None
        self._submitting = False
        self._saved_answers: dict[str, Any] = {}
        self._mark: Any = None  # store.changes.CaseMark of the case as read for the form
        self._opened = (0, 0)  # newest journal and history ids when the form was read
        self._seen = (0, 0)  # the same, up to the last change already told
        localize_bindings(self)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(t("form.loading", number=self.number)), id="form-header")
        yield PresenceBar(id="form-presence")  # kept up to date by the case screen underneath
        with VerticalScroll(id="form-body"):
            yield Static("", id="form-description")
            yield Vertical(id="form-fields")
            yield Static("", id="form-general-problems")
            # The step's completion date: the engine checks it against the previous event and today.
            yield Static(t("form.done_on"), id="form-done-on-label")
            yield Input(placeholder=t("dialog.date_hint"), id="form-done-on")
        yield Static("", id="form-outcome")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#form-outcome").border_title = t("form.outcome.title")
        self.query_one("#form-general-problems").display = False
        self._load()

    # -- loading ---------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="form-load")
    def _load(self) -> None:
        store = self.varsel.store
        try:
            detail = store.get_case(self.number)
            draft = store.load_draft(self.number, self.step_id, user_name(self.app))
            bodies = [b.name for b, _members in store.bodies()]
            users = store.approved_users()
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.LoadFailed(error_text(exc)))
            return
        self.post_message(self.Loaded(detail, draft, bodies, users))

    @on(LoadFailed)
    def _on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#form-header", Static).update(plain(message.error, style="bold red"))
        self.notify(message.error, severity="error")

    @on(Loaded)
    async def _on_loaded(self, message: Loaded) -> None:
        detail = message.detail
        state = detail.state
        if state.current != self.step_id:
            self.notify(t("form.not_active", step=self.step_id, number=self.number, current=state.current or "–"),
                        severity="error")
            self.app.pop_screen()
            return
        self.detail = detail
        self.version = detail.case.version
        from ...store.changes import history_mark, journal_mark, mark_of

        self._mark = mark_of(detail)
        self._opened = self._seen = (journal_mark(detail), history_mark(detail))
        wf = detail.workflow
        step = wf.step(self.step_id)
        self._show_header(detail, step)
        concerns = {c for c in (detail.case.concerns or "").split(",") if c}
        draft = message.draft or {}
        self.form = DynamicForm(step.form or _empty_form(), initial=draft, base_answers=state.answers,
                                concerns=lambda body: body in concerns, dates=state.dates,
                                bodies=message.bodies, picks=_picks(detail, message.users),
                                open_measures=any(m.done_on is None for m in detail.measures), id="dynamic-form")
        self.form.show_all_problems = bool(draft)
        await self.query_one("#form-fields").mount(self.form)
        self._saved_answers = self.form.raw_answers()
        if draft:
            self.notify(t("form.draft_resumed"))
        widgets = [w for w in self.form.field_widgets() if w.display]
        if widgets:
            widgets[0].input_widget.focus()
        self._start_preview()

    def _show_header(self, detail: Any, step: Any) -> None:
        lines = [Text(t("form.header", number=detail.case.number, step=step.id, title=wf_text(step, "title")),
                      style="bold",
                      no_wrap=True, overflow="ellipsis")]
        sub = Text(no_wrap=True, overflow="ellipsis")
        if step.role:
            sub.append(t("form.role", role=step.role))
        due = detail.state.current_due
        if due:
            left = days_left(today(), due)
            sub.append(("  ·  " if step.role else "") + t("form.due", date=fmt_date(due), left=days_left_text(left)),
                       style="bold red" if left < 0 else ("yellow" if left <= 2 else ""))
        lines.append(sub)
        self.query_one("#form-header", Static).update(Group(*lines))
        desc = Text(wf_text(step, "description").strip(), style="dim") if step.description else Text("")
        if step.deadline and step.deadline.text:
            desc.append(("\n" if step.description else "") + t("form.deadline_text", text=wf_text(step.deadline, "text")),
                        style="dim italic")
        box = self.query_one("#form-description", Static)
        box.update(desc)
        box.display = bool(desc.plain)

    # -- preview ---------------------------------------------------------------------------
    @on(DynamicForm.Changed)
    def _on_form_changed(self, message: DynamicForm.Changed) -> None:
        self._schedule_preview()

    def _schedule_preview(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.PREVIEW_DELAY, self._start_preview)

    @on(Input.Changed, "#form-done-on")
    def _on_done_on_changed(self, message: Input.Changed) -> None:
        message.stop()
        self._schedule_preview()

    def done_on(self) -> tuple[bool, date | None]:
        """(valid, the date typed for completing the step; None: today)."""
        from ..widgets.case_dialogs import parse_optional_date

        try:
            return True, parse_optional_date(self.query_one("#form-done-on", Input).value)
        except ValueError:
            return False, None

    def _start_preview(self) -> None:
        self._timer = None  # fired: no preview is waiting now
        if self.form is None:
            return
        self._seq += 1
        self._preview(self._seq, self.form.raw_answers(), self.done_on()[1])

    @work(thread=True, group="form-preview")
    def _preview(self, seq: int, answers: dict[str, Any], on: date | None = None) -> None:
        try:
            outcome = self.varsel.store.preview_step(self.number, answers, on)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Previewed(seq, None, error_text(exc)))
            return
        self.post_message(self.Previewed(seq, outcome))

    @on(Previewed)
    def _on_previewed(self, message: Previewed) -> None:
        if message.seq != self._seq or self.form is None:
            return  # a newer preview is on its way
        box = self.query_one("#form-outcome", Static)
        if message.outcome is None:
            box.update(plain(t("form.outcome.error", error=message.error), style="red"))
            return
        self.outcome = message.outcome
        self._show_problems(message.outcome.problems)
        self._show_outcome(message.outcome)

    def _show_outcome(self, outcome: Outcome) -> None:
        text = Text()
        for n, line in enumerate(describe(outcome, self.detail.workflow, lang())):
            if n:
                text.append("\n")
            text.append("• " + printable(line))
        errors = {p.field for p in outcome.problems if p.severity == "error"}
        if errors:
            if text.plain:
                text.append("\n")
            text.append(t("form.outcome.errors", n=len(errors)), style="bold red")
        self.query_one("#form-outcome", Static).update(text)

    def _show_problems(self, problems: list[Problem]) -> None:
        assert self.form is not None
        self.form.set_problems(problems)
        shown = self.form.show_all_problems or bool(self.form.touched)
        general = self.form.unplaced_problems() if shown else []
        box = self.query_one("#form-general-problems", Static)
        if general:
            text = Text(t("form.general_problems") + "\n", style="bold")
            for p in general:
                text.append(("✗ " if p.severity == "error" else "! ") + p.text(lang()) + "\n",
                            style="red" if p.severity == "error" else "yellow")
            box.update(text)
        box.display = bool(general)

    # -- submitting ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("submit", "save_draft"):
            return None if self.form is None or self._submitting else True
        return True

    def action_submit(self) -> None:
        if self.form is None or self._submitting:
            return
        valid, on = self.done_on()
        if not valid:
            self.notify(t("form.bad_date", text=self.query_one("#form-done-on", Input).value), severity="error")
            return
        self._submitting = True
        self.refresh_bindings()
        self.query_one("#form-outcome", Static).update(Text(t("form.busy"), style="bold"))
        self._submit(self.form.raw_answers(), self.version, on)

    @work(thread=True, exclusive=True, group="form-submit")
    def _submit(self, answers: dict[str, Any], version: int | None, on: date | None = None,
                confirmed: bool = False) -> None:
        from ...store.service import ConcurrentEdit, ValidationFailed

        store = self.varsel.store
        by = user_name(self.app)
        if not confirmed:
            try:  # asked on these very answers, not on a preview that may be a keystroke old
                seen = store.preview_step(self.number, answers, on)
            except Exception:  # noqa: BLE001 - the submit below reports what is wrong
                seen = None
            if seen is not None and seen.ok and seen.loses_access:
                self.post_message(self.NeedsConfirm(answers, version, on, describe(seen, self.detail.workflow, lang())))
                return
        try:
            _detail, outcome = store.advance(self.number, answers, by=by, step_id=self.step_id, on=on,
                                             expected_version=version)
        except ValidationFailed as exc:
            self.post_message(self.SubmitFailed(str(exc), problems=list(exc.problems)))
            return
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            # A stale version, or a step someone else has completed meanwhile ("no longer
            # active"): either way the case moved on under the form, and the refusal says who.
            what = self._who_changed()
            if not isinstance(exc, ConcurrentEdit) and not what:
                self.post_message(self.SubmitFailed(error_text(exc)))
                return
            try:
                store.save_draft(self.number, self.step_id, by, answers)
            except Exception:  # noqa: BLE001 - the notification still says what happened
                pass
            message = t("live.concurrent_by", what=what) if what else t("form.concurrent")
            self.post_message(self.SubmitFailed(message, concurrent=True))
            return
        try:  # the step is done: its draft no longer applies (an empty draft reads as none)
            store.save_draft(self.number, self.step_id, by, {})
        except Exception:  # noqa: BLE001
            pass
        self.post_message(self.Submitted(outcome))

    @on(NeedsConfirm)
    def _on_needs_confirm(self, message: NeedsConfirm) -> None:
        from ..widgets.case_dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._submit(message.answers, message.version, message.on, confirmed=True)
                return
            self._submitting = False
            self.refresh_bindings()
            if self.outcome is not None:
                self._show_outcome(self.outcome)

        self.app.push_screen(ConfirmDialog(t("form.confirm_leave"), "\n".join(message.lines)), answered)

    def _who_changed(self) -> str:
        """Thread worker: who did what to the case since the form was read ('' when nobody)."""
        feed = self.varsel.change_feed
        try:
            return describe_activity(feed.activity_since(self.number, *self._opened)) if feed is not None else ""
        except Exception:  # noqa: BLE001 - then the plain message
            return ""

    @on(SubmitFailed)
    def _on_submit_failed(self, message: SubmitFailed) -> None:
        self._submitting = False
        self.refresh_bindings()
        assert self.form is not None
        if message.concurrent:
            self._saved_answers = self.form.raw_answers()
            self.notify(message.error, severity="error", timeout=10)
        elif message.problems is not None:
            self.form.show_all_problems = True
            self._show_problems(message.problems)
            n = len({p.field for p in message.problems if p.severity == "error"}) or 1
            self.notify(t("form.invalid", n=n), severity="error")
            first = self.form.first_problem_widget()
            if first is not None:
                first.input_widget.focus()
                first.scroll_visible()
        else:
            self.notify(t("form.failed", error=message.error), severity="error")
        if self.outcome is not None:
            self._show_outcome(self.outcome)
        self._start_preview()

    @on(Submitted)
    def _on_submitted(self, message: Submitted) -> None:
        self._submitting = False
        post_case_changed(self.app, self.number)
        lines = describe(message.outcome, self.detail.workflow, lang())
        self.notify(t("form.submitted", step=self.step_id) + (" " + lines[-1] if lines else ""))
        self.app.pop_screen()

    # -- someone else's change while the form is open -------------------------------------
    def on_database_changed(self, message: DatabaseChanged) -> None:
        if self.detail is None or self._submitting or not message.changed.concerns(self.number):
            return
        self._check_moved(self._mark, self._seen)

    @work(thread=True, exclusive=True, group="form-check", exit_on_error=False)
    def _check_moved(self, shown: Any, seen: tuple[int, int]) -> None:
        feed = self.varsel.change_feed
        if feed is None:
            return
        try:
            now = feed.case_mark(self.number)
            if now is None or now == shown:
                return
            activities = feed.activity_since(self.number, *seen)
        except Exception:  # noqa: BLE001 - the submit still finds out
            return
        self.post_message(self.Moved(now, activities))

    @on(Moved)
    def _on_moved(self, message: Moved) -> None:
        self._mark = message.mark
        acts = message.activities
        if acts:
            self._seen = (max(a.journal_id for a in acts),
                          max([a.history_id for a in acts if a.history_id is not None] + [self._seen[1]]))
            self.notify(t("live.changed_by", what=describe_activity(acts)), severity="warning", timeout=10)

    # -- drafts, help, leaving -------------------------------------------------------------
    def action_save_draft(self) -> None:
        if self.form is None:
            return
        answers = self.form.raw_answers()
        self._saved_answers = answers
        self._save_draft(answers)

    def _save_draft(self, answers: dict[str, Any]) -> None:
        """Save in an app-level worker, so it finishes even when this screen has been closed."""
        app, number, step_id, by = self.varsel, self.number, self.step_id, user_name(self.app)

        def save() -> None:
            try:
                app.store.save_draft(number, step_id, by, answers)
            except Exception as exc:  # noqa: BLE001
                app.call_from_thread(app.notify, t("form.draft_failed", error=error_text(exc)), severity="error")
                return
            app.call_from_thread(app.notify, t("form.draft_saved"))

        app.run_worker(save, thread=True, group="form-draft", exit_on_error=False)

    def action_field_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.focused))

    @property
    def shows_secret(self) -> bool:
        detail = getattr(self, "detail", None)
        return detail is not None and detail.case.classification == "strengt_hemmelig"

    def before_lock(self) -> None:
        """The idle lock is about to forget the key: seal what was typed as a draft first."""
        if self.form is not None and not self._submitting:
            answers = self.form.raw_answers()
            if answers != self._saved_answers:
                self.varsel.store.save_draft(self.number, self.step_id, user_name(self.app), answers)

    def action_back(self) -> None:
        if self.form is not None and not self._submitting:
            answers = self.form.raw_answers()
            if answers != self._saved_answers:
                self._save_draft(answers)
        self.app.pop_screen()


def _picks(detail: Any, users: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """What a `users` field (the approved users) and a `measures` field (the case's recorded
    measures) pick among, as (value, label)."""
    measures = []
    for m in detail.measures:
        label = f"#{m.id} {detail.text(m, 'title') or ''}"
        responsible = detail.text(m, "responsible")
        if responsible:
            label += f" · {responsible}"
        if m.done_on:
            label += " · " + t("form.measure_done", date=fmt_date(m.done_on))
        measures.append((str(m.id), label))
    return {"users": [(name, f"{name} ({full})" if full else name) for name, full in users], "measures": measures}


def _empty_form():  # noqa: ANN202
    from ...domain.forms import Form

    return Form()
