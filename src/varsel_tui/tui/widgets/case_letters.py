"""The case screen's letters: the drafts the procedure's steps made (a section on the case
screen) and a dialog to preview one, edit its free text, mark it sent and write it as .eml or
PDF to a folder the officer chooses.

Every store call runs in a thread worker. Stored text is shown through `printable` inside a
`Text` (never markup): a letter quotes party names and free text other people typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ...textsafe import printable
from ..app_access import VarselAppMixin
from ..i18n import register, t
from .case_util import error_text, localize_bindings, user_name

register({
    "case.key.letters": ("Brev", "Letters"),
    "case.section.letters": ("Brev og e-poster", "Letters and e-mails"),
    "letters.none": ("Ingen brev ennå: steg som krever et brev lager utkastet når de fullføres.",
                     "No letters yet: a step that requires a letter drafts it when completed."),
    "letters.row": ("{id}. {title} – {status} (steg {step}) → {to}", "{id}. {title} – {status} (step {step}) → {to}"),
    "letters.status.draft": ("utkast", "draft"),
    "letters.status.sent": ("sendt {date}", "sent {date}"),
    "letters.step.none": ("frist", "deadline"),
    "letters.title": ("Brev i sak {number}", "Letters in case {number}"),
    "letters.to": ("Til", "To"),
    "letters.cc": ("Kopi", "Cc"),
    "letters.bcc": ("Blindkopi", "Bcc"),
    "letters.subject": ("Emne", "Subject"),
    "letters.free_text": ("Din tekst (settes inn i brevet):", "Your text (goes into the letter):"),
    "letters.folder": ("Mappe for .eml/PDF:", "Folder for .eml/PDF:"),
    "letters.key.save": ("Lagre tekst", "Save text"),
    "letters.key.sent": ("Merk sendt", "Mark sent"),
    "letters.key.eml": ("Skriv .eml", "Write .eml"),
    "letters.key.pdf": ("Skriv PDF", "Write PDF"),
    "letters.key.close": ("Lukk", "Close"),
    "letters.saved": ("Teksten er lagret i brev {id}.", "The text of letter {id} is saved."),
    "letters.marked_sent": ("Brev {id} er merket sendt (SHA-256 {checksum}…).",
                            "Letter {id} is marked sent (SHA-256 {checksum}…)."),
    "letters.written": ("Skrev {path}", "Wrote {path}"),
    "letters.frozen": ("Brevet er sendt og kan ikke endres.", "The letter was sent and cannot be changed."),
    "letters.failed": ("Brev: {error}", "Letters: {error}"),
})


def letter_row(info: Any) -> str:
    status = t("letters.status.sent", date=info.sent_on) if info.status == "sent" else t("letters.status.draft")
    return t("letters.row", id=info.id, title=info.title, status=status, step=info.step or t("letters.step.none"),
             to=", ".join(info.to) or "–")


class LettersSection(VarselAppMixin, Static):
    """The case's letters, one line each; the case screen calls `load()` when it reads the case."""

    def __init__(self, number: str, **kw: Any) -> None:
        super().__init__("", **kw)
        self.number = number

    def load(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="case-letters", exit_on_error=False)
    def _load(self) -> None:
        try:
            found = self.varsel.store.letters(self.number, by=user_name(self.app))
        except Exception as exc:  # noqa: BLE001 - one line in the section, never a crash
            self.app.call_from_thread(self.update, Text(t("letters.failed", error=error_text(exc)), style="red"))
            return
        rows = [printable(letter_row(i)) for i in found] or [t("letters.none")]
        self.app.call_from_thread(self.update, Text("\n".join(rows)))


class LettersDialog(VarselAppMixin, ModalScreen[bool]):
    """Preview, edit, mark sent, write .eml/PDF. Dismissed with True when something was written."""

    BINDINGS = [
        Binding("ctrl+s", "save", "letters.key.save", id="letters.save", priority=True),
        Binding("ctrl+t", "mark_sent", "letters.key.sent", id="letters.sent", priority=True),
        Binding("ctrl+e", "write('eml')", "letters.key.eml", id="letters.eml", priority=True),
        Binding("ctrl+o", "write('pdf')", "letters.key.pdf", id="letters.pdf", priority=True),
        Binding("escape", "close", "letters.key.close", id="letters.close"),
    ]

    def __init__(self, number: str, folder: Path | None = None) -> None:
        super().__init__(classes="case-dialog")
        self.number = number
        self.folder = folder or Path.cwd()
        self.letters: list[Any] = []
        self.changed = False
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="letters-dialog"):
            yield Static(Text(t("letters.title", number=self.number), style="bold"), classes="dialog-title")
            with Horizontal(id="letters-panes"):
                yield OptionList(id="letters-list")
                with VerticalScroll(id="letters-preview-box"):
                    yield Static("", id="letters-preview")
            yield Static(t("letters.free_text"), classes="form-label")
            yield TextArea("", soft_wrap=True, tab_behavior="focus", compact=True, id="letters-free-text")
            yield Static(t("letters.folder"), classes="form-label")
            yield Input(str(self.folder), compact=True, id="letters-folder")
            yield Footer()

    def on_mount(self) -> None:
        self._load()

    # -- reading -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="letters-dialog", exit_on_error=False)
    def _load(self, select: int | None = None) -> None:
        try:
            found = self.varsel.store.letters(self.number, by=user_name(self.app))
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, t("letters.failed", error=error_text(exc)), severity="error")
            return
        self.app.call_from_thread(self._show_list, found, select)

    def _show_list(self, found: list[Any], select: int | None) -> None:
        self.letters = found
        options = self.query_one("#letters-list", OptionList)
        options.clear_options()
        options.add_options([Option(Text(printable(letter_row(i))), id=str(i.id)) for i in found])
        if found:
            index = next((n for n, i in enumerate(found) if i.id == select), 0)
            options.highlighted = index
            self._preview(found[index])
        else:
            self.query_one("#letters-preview", Static).update(Text(t("letters.none")))
        options.focus()

    @property
    def current(self) -> Any | None:
        index = self.query_one("#letters-list", OptionList).highlighted
        return self.letters[index] if index is not None and 0 <= index < len(self.letters) else None

    @on(OptionList.OptionHighlighted, "#letters-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.current is not None:
            self._preview(self.current)

    def _preview(self, info: Any) -> None:
        lines = [f"{t('letters.to')}: {', '.join(info.to) or '–'}"]
        if info.cc:
            lines.append(f"{t('letters.cc')}: {', '.join(info.cc)}")
        if info.bcc:
            lines.append(f"{t('letters.bcc')}: {', '.join(info.bcc)}")
        lines.append(f"{t('letters.subject')}: {info.subject}")
        if info.checksum:
            lines.append(f"SHA-256 {info.checksum}")
        text = Text(printable("\n".join(lines), multiline=True), style="bold")
        text.append("\n\n" + printable(info.body, multiline=True))
        self.query_one("#letters-preview", Static).update(text)
        area = self.query_one("#letters-free-text", TextArea)
        area.text = info.free_text
        area.read_only = info.status == "sent"

    # -- acting --------------------------------------------------------------------------------
    def action_save(self) -> None:
        info = self.current
        if info is None:
            return
        if info.status == "sent":
            self.notify(t("letters.frozen"), severity="warning")
            return
        self._run("save", info.id, self.query_one("#letters-free-text", TextArea).text)

    def action_mark_sent(self) -> None:
        info = self.current
        if info is not None:
            self._run("sent", info.id, "")

    def action_write(self, kind: str) -> None:
        info = self.current
        if info is not None:
            self._run(kind, info.id, self.query_one("#letters-folder", Input).value)

    @work(thread=True, exclusive=True, group="letters-write", exit_on_error=False)
    def _run(self, what: str, letter_id: int, arg: str) -> None:
        store, by = self.varsel.store, user_name(self.app)
        try:
            if what == "save":
                store.edit_letter(self.number, letter_id, arg, by=by)
                note = t("letters.saved", id=letter_id)
            elif what == "sent":
                done = store.letter_sent(self.number, letter_id, by=by)
                note = t("letters.marked_sent", id=letter_id, checksum=(done.checksum or "")[:12])
            else:
                data = store.letter_eml(self.number, letter_id) if what == "eml" else \
                    store.letter_pdf(self.number, letter_id)
                path = write_letter_file(Path(arg).expanduser(), f"{self.number}-brev-{letter_id}.{what}", data)
                note = t("letters.written", path=path)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.app.call_from_thread(self.notify, t("letters.failed", error=error_text(exc)), severity="error")
            return
        if what in ("save", "sent"):
            self.changed = True
        self.app.call_from_thread(self.notify, note)
        self._load(letter_id)

    def action_close(self) -> None:
        self.dismiss(self.changed)


def write_letter_file(folder: Path, name: str, data: bytes) -> Path:
    """Write owner-only into `folder` (made if missing): a letter carries case content."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path
