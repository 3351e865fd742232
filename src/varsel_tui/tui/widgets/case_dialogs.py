"""Small modal dialogs used on the case screens: add a party, write a journal note, add a measure
(tiltak), start a hearing (høringsrunde), pick one of several, confirm.

Each returns its result through `dismiss` (None when cancelled with Esc); none writes to the
store itself — the screen that opened it does, in a worker.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Checkbox, Footer, Input, OptionList, Select, Static, TextArea

from ..i18n import register, t
from ..plain import plain
from .case_util import fmt_date, invalid_text, localize_bindings, today

register({
    "dialog.party.title": ("Legg til part", "Add party"),
    "dialog.party.role": ("Rolle", "Role"),
    "dialog.party.name": ("Navn (med e-postadresse for brevene: Ola Olsen <ola@uni.no>)",
                          "Name (with an e-mail address for the letters: Ola Olsen <ola@uni.no>)"),
    "dialog.party.name_hint": ("tomt for ukjent", "empty if unknown"),
    "dialog.party.anonymous": ("Anonym (navnet holdes hemmelig for de involverte)",
                               "Anonymous (the name is kept from those involved)"),
    "dialog.party.body": ("Er parten et organ, eller medlem av et? (brukes for inhabilitet)",
                          "Is the party a body, or a member of one? (used for conflicts)"),
    "dialog.party.no_body": ("Ingen", "None"),
    "dialog.party.need_role": ("Velg en rolle for parten.", "Choose a role for the party."),
    "dialog.note.title": ("Nytt journalnotat", "New journal note"),
    "dialog.comment.label": ("Kommentar (journalføres)", "Comment (journalled)"),
    "dialog.comment.empty": ("Skriv en kommentar; den kreves.", "Write a comment; it is required."),
    "dialog.note.kind": ("Type", "Kind"),
    "dialog.note.kind.note": ("notat", "notat (note)"),
    "dialog.note.kind.minutes": ("møtereferat", "møtereferat (minutes)"),
    "dialog.note.kind.decision": ("vedtak", "vedtak (decision)"),
    "dialog.note.empty": ("Notatet er tomt; ingenting er lagret.", "The note is empty; nothing was saved."),
    "dialog.measure.title": ("Nytt tiltak", "New measure"),
    "dialog.measure.text": ("Beskrivelse av tiltaket", "Description of the measure"),
    "dialog.measure.responsible": ("Ansvarlig", "Responsible"),
    "dialog.measure.responsible_hint": ("person eller enhet (valgfritt)", "person or unit (optional)"),
    "dialog.measure.due": ("Frist", "Due date"),
    "dialog.measure.empty": ("Tiltaket trenger en beskrivelse.", "The measure needs a description."),
    "dialog.hearing.title": ("Ny høringsrunde", "New hearing"),
    "dialog.hearing.participants": ("Deltakere (brukernavn, skilt med komma)",
                                    "Participants (user names, separated by commas)"),
    "dialog.hearing.ends": ("Høringsfrist (siste dag)", "End date (last day)"),
    "dialog.hearing.question": ("Spørsmål til høringen", "Question for the hearing"),
    "dialog.hearing.no_participants": ("Høringen trenger minst én deltaker.",
                                       "The hearing needs at least one participant."),
    "dialog.hearing.no_end": ("Høringen trenger en sluttdato.", "The hearing needs an end date."),
    "dialog.hearing.past": ("Sluttdatoen {date} er ikke etter i dag; en høringsrunde slutter tidligst i morgen.",
                            "The end date {date} is not after today; a hearing ends tomorrow at the earliest."),
    "dialog.date_hint": ("DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD", "DD.MM.YYYY or YYYY-MM-DD"),
    "dialog.optional": ("valgfritt", "optional"),
    "dialog.pick_hint": ("Enter velger, Esc avbryter.", "Enter chooses, Esc cancels."),
    "dialog.choose": ("Velg …", "Choose …"),
    "dialog.save": ("Lagre", "Save"),
    "dialog.cancel": ("Avbryt", "Cancel"),
    "dialog.yes": ("Ja", "Yes"),
    "dialog.no": ("Nei", "No"),
})

NOTE_KINDS = ("note", "minutes", "decision")


class PartyDialog(ModalScreen[dict | None]):
    """Role, name, anonymity and (optionally) the body the party is or belongs to."""

    BINDINGS = [
        Binding("ctrl+s", "save", "dialog.save", id="dialog.save", priority=True),
        Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel"),
    ]

    def __init__(self, roles: Iterable[str], bodies: Iterable[str] = ()) -> None:
        super().__init__(classes="case-dialog")
        self.roles = list(roles)
        self.bodies = list(bodies)
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="party-dialog"):
            yield Static(Text(t("dialog.party.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.party.role"), classes="form-label")
            yield Select([(r, r) for r in self.roles], prompt=t("dialog.choose"), compact=True,
                         id="party-role")
            yield Static(t("dialog.party.name"), classes="form-label")
            yield Input(placeholder=t("dialog.party.name_hint"), compact=True, id="party-name")
            yield Checkbox(t("dialog.party.anonymous"), compact=True, id="party-anonymous")
            if self.bodies:
                yield Static(t("dialog.party.body"), classes="form-label")
                yield Select([(t("dialog.party.no_body"), "")] + [(plain(b), b) for b in self.bodies],
                             value="", allow_blank=False, compact=True, id="party-body")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#party-role", Select).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        role = self.query_one("#party-role", Select).value
        if role is Select.NULL:
            self.notify(t("dialog.party.need_role"), severity="error")
            self.query_one("#party-role", Select).focus()
            return
        body = self.query_one("#party-body", Select).value if self.bodies else ""
        self.dismiss({
            "role": str(role),
            "name": self.query_one("#party-name", Input).value.strip(),
            "anonymous": self.query_one("#party-anonymous", Checkbox).value,
            "body": (str(body) or None) if body is not Select.NULL else None,
        })

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(ModalScreen[tuple[str, str] | None]):
    """A journal note: a note, meeting minutes or a decision. Returns (kind, text)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "dialog.save", id="dialog.save", priority=True),
        Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="case-dialog")
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="note-dialog"):
            yield Static(Text(t("dialog.note.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.note.kind"), classes="form-label")
            yield Select([(t(f"dialog.note.kind.{k}"), k) for k in NOTE_KINDS], value="note", allow_blank=False,
                         compact=True, id="note-kind")
            yield TextArea("", soft_wrap=True, tab_behavior="focus", compact=True, id="note-text")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#note-text", TextArea).text
        if not text.strip():
            self.notify(t("dialog.note.empty"), severity="warning")
            return
        self.dismiss((str(self.query_one("#note-kind", Select).value), text.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CommentDialog(ModalScreen[str | None]):
    """A case action that needs a comment (close with a comment): the question, the action's
    help, and the comment, which is journalled. Returns the comment."""

    BINDINGS = [
        Binding("ctrl+s", "save", "dialog.save", id="dialog.save", priority=True),
        Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel"),
    ]

    def __init__(self, question: str, detail: str = "", *, text: str = "", error: str = "") -> None:
        super().__init__(classes="case-dialog")
        self.question = question
        self.detail = detail
        self.text, self.error = text, error  # reopened after a refusal: what was typed, and why
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="comment-dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(plain(self.detail, multiline=True), classes="dialog-detail")
            if self.error:
                yield Static(plain(self.error, style="bold red", multiline=True), classes="dialog-error")
            yield Static(t("dialog.comment.label"), classes="form-label")
            yield TextArea(self.text, soft_wrap=True, tab_behavior="focus", compact=True, id="comment-text")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#comment-text", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#comment-text", TextArea).text.strip()
        if not text:
            self.notify(t("dialog.comment.empty"), severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_optional_date(text: str) -> date | None:
    """An optional date field: None when empty; ValueError (`invalid_text` says it) when not a date."""
    from ...domain.forms import parse_date

    return parse_date(text) if text.strip() else None


class _FieldsDialog(ModalScreen[dict | None]):
    """A dialog of a few fields with Ctrl+S / Esc and an inline error line.

    A refused save keeps the dialog open with everything typed; `initial` refills the fields when
    the screen opens the dialog again after the store refused the write.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "dialog.save", id="dialog.save", priority=True),
        Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel"),
    ]

    def __init__(self, initial: dict | None = None, error: str = "") -> None:
        super().__init__(classes="case-dialog")
        self.initial = dict(initial or {})
        self.error = error
        localize_bindings(self)

    def _error_line(self) -> Static:
        line = Static(plain(self.error, style="bold red"), classes="dialog-error", id="dialog-error")
        line.display = bool(self.error)
        return line

    def show_error(self, message: str, focus: str | None = None) -> None:
        """Say what is wrong, inline and as a notification; keep what was typed."""
        line = self.query_one("#dialog-error", Static)
        line.update(plain(message, style="bold red"))
        line.display = True
        self.notify(message, severity="error")
        if focus:
            self.query_one(focus).focus()

    def value(self, selector: str) -> str:
        widget = self.query_one(selector)
        if isinstance(widget, TextArea):
            return widget.text
        assert isinstance(widget, Input)  # the dialogs' fields are Inputs and TextAreas
        return widget.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)


class MeasureDialog(_FieldsDialog):
    """Tiltak: a description (required), who is responsible, and a due date. Returns
    {"title", "responsible", "due" (date | None)}."""

    def compose(self) -> ComposeResult:
        init = self.initial
        due = init.get("due")
        with Vertical(classes="dialog-box", id="measure-dialog"):
            yield Static(Text(t("dialog.measure.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.measure.text"), classes="form-label")
            yield Input(init.get("title", ""), compact=True, id="measure-title")
            yield Static(t("dialog.measure.responsible"), classes="form-label")
            yield Input(init.get("responsible", ""), placeholder=t("dialog.measure.responsible_hint"), compact=True,
                        id="measure-responsible")
            yield Static(t("dialog.measure.due"), classes="form-label")
            yield Input(fmt_date(due) if isinstance(due, date) else str(due or ""),
                        placeholder=f"{t('dialog.date_hint')} ({t('dialog.optional')})", compact=True,
                        id="measure-due")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#measure-title", Input).focus()

    def action_save(self) -> None:
        title = self.value("#measure-title").strip()
        if not title:
            self.show_error(t("dialog.measure.empty"), "#measure-title")
            return
        try:
            due = parse_optional_date(self.value("#measure-due"))
        except ValueError as exc:
            self.show_error(invalid_text(exc), "#measure-due")
            return
        self.dismiss({"title": title, "responsible": self.value("#measure-responsible").strip(), "due": due})


class NamesSuggester(Suggester):
    """Completes the last of comma-separated names from `names` (→ accepts the completion)."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = sorted(names)

    async def get_suggestion(self, value: str) -> str | None:
        stem = value.rpartition(",")[2].lstrip()
        if not stem:
            return None
        found = next((n for n in self.names if n.casefold().startswith(stem.casefold()) and n != stem), None)
        return value[:len(value) - len(stem)] + found if found else None


class HearingDialog(_FieldsDialog):
    """Høringsrunde: participants (comma-separated user names, completed from the approved users),
    the last day (required, not in the past) and a question. Returns {"participants": list[str],
    "ends_on": date, "question"}."""

    def __init__(self, initial: dict | None = None, error: str = "", users: Iterable[str] = ()) -> None:
        super().__init__(initial, error)
        self.users = list(users)

    def compose(self) -> ComposeResult:
        init = self.initial
        ends = init.get("ends_on")
        people = init.get("participants", "")
        with Vertical(classes="dialog-box", id="hearing-dialog"):
            yield Static(Text(t("dialog.hearing.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.hearing.participants"), classes="form-label")
            yield Input(", ".join(people) if isinstance(people, list) else str(people), compact=True,
                        suggester=NamesSuggester(self.users), id="hearing-participants")
            yield Static(t("dialog.hearing.ends"), classes="form-label")
            yield Input(fmt_date(ends) if isinstance(ends, date) else str(ends or ""),
                        placeholder=t("dialog.date_hint"), compact=True, id="hearing-ends")
            yield Static(t("dialog.hearing.question"), classes="form-label")
            yield TextArea(init.get("question", ""), soft_wrap=True, tab_behavior="focus", compact=True,
                           id="hearing-question")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hearing-participants", Input).focus()

    def action_save(self) -> None:
        people = [p.strip() for p in self.value("#hearing-participants").split(",") if p.strip()]
        if not people:
            self.show_error(t("dialog.hearing.no_participants"), "#hearing-participants")
            return
        text = self.value("#hearing-ends")
        if not text.strip():
            self.show_error(t("dialog.hearing.no_end"), "#hearing-ends")
            return
        try:
            ends_on = parse_optional_date(text)
        except ValueError as exc:
            self.show_error(invalid_text(exc), "#hearing-ends")
            return
        assert ends_on is not None
        if ends_on <= today():  # the store refuses it too: access that ends today gives nobody time
            self.show_error(t("dialog.hearing.past", date=fmt_date(ends_on)), "#hearing-ends")
            return
        self.dismiss({"participants": people, "ends_on": ends_on,
                      "question": self.value("#hearing-question").strip()})


class PickDialog(ModalScreen[int | None]):
    """Choose one of several items (Enter), or cancel (Esc). Returns the chosen item's id."""

    BINDINGS = [
        Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, items: list[tuple[int, str]]) -> None:
        super().__init__(classes="case-dialog")
        self.title_text = title
        self.items = list(items)
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        from textual.widgets.option_list import Option

        with Vertical(classes="dialog-box", id="pick-dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield OptionList(*[Option(plain(label), id=str(ident)) for ident, label in self.items], compact=True,
                             id="pick-list")
            yield Static(Text(t("dialog.pick_hint"), style="dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id) if event.option.id is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: j/y or Enter confirms, n or Esc declines."""

    BINDINGS = [
        Binding("j,y,enter", "answer(True)", "dialog.yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "dialog.no", id="dialog.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="case-dialog")
        self.question = question
        self.detail = detail
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="confirm-dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(plain(self.detail, multiline=True), classes="dialog-detail")
            with Horizontal(classes="dialog-keys"):
                yield Static(Text(f"j  {t('dialog.yes')}    n  {t('dialog.no')}", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
