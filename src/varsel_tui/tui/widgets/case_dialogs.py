"""Small modal dialogs used on the case screens: add a party, write a journal note, confirm.

Each returns its result through `dismiss` (None when cancelled with Esc); none writes to the
store itself — the screen that opened it does, in a worker.
"""

from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Select, Static, TextArea

from ..i18n import register, t
from .case_util import localize_bindings

register({
    "dialog.party.title": ("Legg til part", "Add party"),
    "dialog.party.role": ("Rolle", "Role"),
    "dialog.party.name": ("Navn", "Name"),
    "dialog.party.name_hint": ("tomt for ukjent", "empty if unknown"),
    "dialog.party.anonymous": ("Anonym (navnet holdes hemmelig for de involverte)",
                               "Anonymous (the name is kept from those involved)"),
    "dialog.party.body": ("Er parten et organ, eller medlem av et? (brukes for inhabilitet)",
                          "Is the party a body, or a member of one? (used for conflicts)"),
    "dialog.party.no_body": ("Ingen", "None"),
    "dialog.party.need_role": ("Velg en rolle for parten.", "Choose a role for the party."),
    "dialog.note.title": ("Nytt journalnotat", "New journal note"),
    "dialog.note.kind": ("Type", "Kind"),
    "dialog.note.kind.note": ("notat", "notat (note)"),
    "dialog.note.kind.minutes": ("møtereferat", "møtereferat (minutes)"),
    "dialog.note.kind.decision": ("vedtak", "vedtak (decision)"),
    "dialog.note.empty": ("Notatet er tomt; ingenting er lagret.", "The note is empty; nothing was saved."),
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
                yield Select([(t("dialog.party.no_body"), "")] + [(b, b) for b in self.bodies],
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
                yield Static(Text(self.detail), classes="dialog-detail")
            with Horizontal(classes="dialog-keys"):
                yield Static(Text(f"j  {t('dialog.yes')}    n  {t('dialog.no')}", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
