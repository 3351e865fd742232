"""Dialogs for corrections and documents on the case screen: a reason, an intake answer, a party's
details, a file to attach (a DirectoryTree picker: Textual has none built in), where to save one.

Like the other case dialogs, each returns its result through `dismiss` (None when cancelled with
Esc) and never writes to the store itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DirectoryTree, Footer, Input, Select, Static

from ..i18n import register, t
from ..plain import plain
from .case_dialogs import _FieldsDialog
from .case_util import localize_bindings

register({
    "dialog.reason": ("Begrunnelse (føres i journalen med navnet ditt)", "Reason (journalled with your name)"),
    "dialog.reason.empty": ("En retting trenger en begrunnelse.", "A correction needs a reason."),
    "dialog.amend.title": ("Rett svar i mottaket", "Correct an intake answer"),
    "dialog.amend.field": ("Felt", "Field"),
    "dialog.amend.value": ("Nytt svar (tomt fjerner svaret)", "New answer (empty removes it)"),
    "dialog.amend.options": ("Mulige svar: {options}", "Possible answers: {options}"),
    "dialog.amend.no_field": ("Velg feltet som skal rettes.", "Choose the field to correct."),
    "dialog.party_edit.title": ("Rett part: {who}", "Correct party: {who}"),
    "dialog.party_edit.unchanged": ("Ingenting er endret.", "Nothing was changed."),
    "dialog.file.title": ("Legg ved dokument", "Attach a document"),
    "dialog.file.path": ("Fil eller mappe (Enter), eller velg i treet", "File or folder (Enter), or choose in the tree"),
    "dialog.file.missing": ("{path} finnes ikke.", "{path} does not exist."),
    "dialog.save_as.title": ("Lagre dokument: {name}", "Save document: {name}"),
    "dialog.save_as.path": ("Lagre som (ny fil, bare lesbar for deg)", "Save as (a new file, readable only by you)"),
    "dialog.save_as.empty": ("Skriv hvor filen skal lagres.", "Say where to save the file."),
})


class ReasonDialog(_FieldsDialog):
    """A question, what it concerns, and the reason (required). Returns {"reason"}."""

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="reason-dialog"):
            yield Static(plain(self.title_text, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(plain(self.detail))
            yield Static(t("dialog.reason"), classes="form-label")
            yield Input(compact=True, id="reason")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        reason = self.value("#reason").strip()
        if not reason:
            self.show_error(t("dialog.reason.empty"), "#reason")
            return
        self.dismiss({"reason": reason})


class AmendDialog(_FieldsDialog):
    """One intake answer: the field, its new value (shown with the current one), the reason.
    `fields` are (id, label, current text, option values). Returns {"field", "value", "reason"}."""

    def __init__(self, fields: list[tuple[str, str, str, list[str]]]) -> None:
        super().__init__()
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="amend-dialog"):
            yield Static(Text(t("dialog.amend.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.amend.field"), classes="form-label")
            yield Select([(label, fid) for fid, label, _, _ in self.fields], prompt=t("dialog.choose"),
                         compact=True, id="amend-field")
            yield Static(t("dialog.amend.value"), classes="form-label")
            yield Input(compact=True, id="amend-value")
            yield Static("", id="amend-options", classes="dialog-hint")
            yield Static(t("dialog.reason"), classes="form-label")
            yield Input(compact=True, id="reason")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#amend-field", Select).focus()

    @on(Select.Changed, "#amend-field")
    def _picked(self, event: Select.Changed) -> None:
        field = next((f for f in self.fields if f[0] == event.value), None)
        if field is None:
            return
        self.query_one("#amend-value", Input).value = field[2]
        hint = t("dialog.amend.options", options=", ".join(field[3])) if field[3] else ""
        self.query_one("#amend-options", Static).update(plain(hint, style="dim"))

    def action_save(self) -> None:
        field = self.query_one("#amend-field", Select).value
        if not isinstance(field, str):
            self.show_error(t("dialog.amend.no_field"), "#amend-field")
            return
        reason = self.value("#reason").strip()
        if not reason:
            self.show_error(t("dialog.reason.empty"), "#reason")
            return
        self.dismiss({"field": field, "value": self.value("#amend-value").strip(), "reason": reason})


class PartyEditDialog(_FieldsDialog):
    """A party's role, name, anonymity and body, and the reason. Returns only what changed, with
    {"reason"}: {"role"?, "name"?, "anonymous"?, "body"? ("" for none), "reason"}."""

    def __init__(self, who: str, current: dict[str, Any], roles: Iterable[str], bodies: Iterable[str]) -> None:
        super().__init__()
        self.who = who
        self.current = current
        self.roles = list(roles)
        self.bodies = list(bodies)

    def compose(self) -> ComposeResult:
        cur = self.current
        with Vertical(classes="dialog-box", id="party-edit-dialog"):
            yield Static(plain(t("dialog.party_edit.title", who=self.who), style="bold"), classes="dialog-title")
            yield Static(t("dialog.party.role"), classes="form-label")
            yield Select([(r, r) for r in self.roles], value=cur["role"], allow_blank=False, compact=True,
                         id="party-role")
            yield Static(t("dialog.party.name"), classes="form-label")
            yield Input(cur.get("name") or "", placeholder=t("dialog.party.name_hint"), compact=True, id="party-name")
            yield Checkbox(t("dialog.party.anonymous"), value=bool(cur.get("anonymous")), compact=True,
                           id="party-anonymous")
            yield Static(t("dialog.party.body"), classes="form-label")
            yield Select([(t("dialog.party.no_body"), "")] + [(b, b) for b in self.bodies],
                         value=cur.get("body") or "", allow_blank=False, compact=True, id="party-body")
            yield Static(t("dialog.reason"), classes="form-label")
            yield Input(compact=True, id="reason")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#party-name", Input).focus()

    def action_save(self) -> None:
        cur = self.current
        now = {"role": self.query_one("#party-role", Select).value, "name": self.value("#party-name").strip(),
               "anonymous": self.query_one("#party-anonymous", Checkbox).value,
               "body": self.query_one("#party-body", Select).value or ""}
        changed = {k: v for k, v in now.items() if v != ((cur.get(k) or "") if k in ("name", "body") else cur.get(k))}
        if not changed:
            self.show_error(t("dialog.party_edit.unchanged"), "#party-name")
            return
        reason = self.value("#reason").strip()
        if not reason:
            self.show_error(t("dialog.reason.empty"), "#reason")
            return
        self.dismiss({**changed, "reason": reason})


class FilePickerDialog(ModalScreen[Path | None]):
    """Choose a file: type its path (a folder re-roots the tree) or pick it in the tree."""

    DEFAULT_CSS = """
    FilePickerDialog #file-tree { height: 16; }
    """
    BINDINGS = [Binding("escape", "cancel", "dialog.cancel", id="dialog.cancel")]

    def __init__(self, start: Path | None = None) -> None:
        super().__init__(classes="case-dialog")
        self.start = start or Path.cwd()
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="file-dialog"):
            yield Static(Text(t("dialog.file.title"), style="bold"), classes="dialog-title")
            yield Static(t("dialog.file.path"), classes="form-label")
            yield Input(str(self.start), compact=True, id="file-path")
            yield DirectoryTree(self.start, id="file-tree")
            yield Static("", classes="dialog-error", id="dialog-error")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dialog-error").display = False
        self.query_one("#file-path", Input).focus()

    @on(Input.Submitted, "#file-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            self.query_one("#file-tree", DirectoryTree).path = path
            self.query_one("#file-tree", DirectoryTree).focus()
        elif path.exists():
            self.dismiss(path)
        else:
            line = self.query_one("#dialog-error", Static)
            line.update(plain(t("dialog.file.missing", path=str(path)), style="bold red"))
            line.display = True

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveAsDialog(_FieldsDialog):
    """Where to write a document (a new file). Returns {"path"}."""

    def __init__(self, name: str, suggested: Path) -> None:
        super().__init__()
        self.name_text = name
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="save-as-dialog"):
            yield Static(plain(t("dialog.save_as.title", name=self.name_text), style="bold"), classes="dialog-title")
            yield Static(t("dialog.save_as.path"), classes="form-label")
            yield Input(str(self.suggested), compact=True, id="save-path")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        path = self.value("#save-path").strip()
        if not path:
            self.show_error(t("dialog.save_as.empty"), "#save-path")
            return
        self.dismiss({"path": str(Path(path).expanduser())})
