"""Unlock: the passphrase, asked once per session when a strictly secret case is opened.

Opening the private key runs Argon2id (about half a second by design), so it runs in a thread
worker. A wrong passphrase is said on the screen and the field is cleared; nothing else changes.
Dismisses with True when unlocked, False when cancelled (Esc).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from ..app_access import VarselAppMixin
from ..i18n import register, t
from ..plain import plain
from ..widgets.case_util import localize_bindings

register({
    "unlock.title": ("🔒 Lås opp strengt hemmelige saker", "🔒 Unlock strictly secret cases"),
    "unlock.why": ("Sak {number} er strengt hemmelig. Innholdet er kryptert og åpnes med passfrasen din.",
                   "Case {number} is strictly secret. Its content is encrypted and opens with your passphrase."),
    "unlock.scope": ("Opplåsingen gjelder til du avslutter eller har vært inaktiv i {minutes} min.",
                     "It stays unlocked until you quit or are idle for {minutes} min."),
    "unlock.label": ("Passfrase for {user}", "Passphrase for {user}"),
    "unlock.hint": ("Demodatabasen: alle demobrukere har passfrasen «{hint}».",
                    "Demo database: every demo user's passphrase is “{hint}”."),
    "unlock.working": ("Åpner nøkkelen …", "Opening the key …"),
    "unlock.wrong": ("Feil passfrase. Prøv igjen, eller Esc for å avbryte.",
                     "Wrong passphrase. Try again, or Esc to cancel."),
    "unlock.empty": ("Skriv passfrasen din.", "Type your passphrase."),
    "unlock.key.submit": ("Lås opp", "Unlock"),
    "unlock.key.cancel": ("Avbryt", "Cancel"),
    "unlock.done": ("Låst opp.", "Unlocked."),
})


class UnlockScreen(VarselAppMixin, ModalScreen[bool]):
    """Asks for the passphrase and unlocks `app.store` with it."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "unlock.key.cancel", id="unlock.cancel"),
    ]

    class Result(Message):
        def __init__(self, error: str | None, wrong: bool = False) -> None:
            self.error, self.wrong = error, wrong
            super().__init__()

    def __init__(self, number: str) -> None:
        super().__init__(classes="case-dialog")
        self.number = number
        self._busy = False
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box", classes="dialog-box"):
            yield Static(Text(t("unlock.title"), style="bold"), classes="dialog-title")
            yield Static(t("unlock.why", number=self.number))
            yield Static(t("unlock.scope", minutes=self.varsel.idle_lock_minutes or "∞"), classes="unlock-scope")
            yield Static(plain(t("unlock.label", user=self.varsel.user)), classes="form-label")
            yield Input(password=True, compact=True, id="unlock-passphrase")
            if getattr(self.app, "passphrase_hint", ""):
                yield Static(t("unlock.hint", hint=self.varsel.passphrase_hint), classes="unlock-hint")
            yield Static("", id="unlock-status", classes="dialog-error")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#unlock-passphrase", Input).focus()

    @on(Input.Submitted, "#unlock-passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._busy:
            return
        if not event.value:
            self._status(t("unlock.empty"))
            return
        self._busy = True
        self._status(t("unlock.working"))
        self._unlock(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, passphrase: str) -> None:
        from ...store.service import WrongPassphrase
        from ..widgets.case_util import error_text

        try:
            self.varsel.store.unlock(self.varsel.user, passphrase)
        except WrongPassphrase:
            self.post_message(self.Result(t("unlock.wrong"), wrong=True))
        except Exception as exc:  # noqa: BLE001 - said on the screen, never a crash
            self.post_message(self.Result(error_text(exc)))
        else:
            self.post_message(self.Result(None))

    @on(Result)
    def _result(self, message: Result) -> None:
        self._busy = False
        field = self.query_one("#unlock-passphrase", Input)
        field.value = ""  # the passphrase does not stay in the widget either way
        if message.error is None:
            self.varsel.note_activity()
            self.notify(t("unlock.done"))
            self.dismiss(True)
            return
        self._status(message.error)
        self.notify(message.error, severity="error")
        field.focus()

    def _status(self, text: str) -> None:
        self.query_one("#unlock-status", Static).update(plain(text))

    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(False)
