"""Users waiting for an administrator: who registered and is not approved yet, and records that
claim an approval no administrator signed (changed behind the app's back).

Approving is done in the terminal (`varsel user approve NAME [--role admin]`): it needs the
administrator's passphrase to sign, and the screen says so.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..app_access import VarselAppMixin
from ..i18n import register, t
from ..widgets.case_util import localize_bindings

register({
    "approvals.title": ("Brukere som venter på godkjenning", "Users waiting for approval"),
    "approvals.loading": ("Leser brukerne …", "Reading the users …"),
    "approvals.none": ("Ingen venter på godkjenning.", "Nobody is waiting for approval."),
    "approvals.not_admin": ("Bare en administrator ser denne listen.", "Only an administrator sees this list."),
    "approvals.name": ("Bruker", "User"),
    "approvals.full_name": ("Navn", "Name"),
    "approvals.registered": ("Registrert", "Registered"),
    "approvals.state": ("Status", "Status"),
    "approvals.pending": ("venter", "waiting"),
    "approvals.altered": ("ENDRET UTENOM APPEN", "CHANGED OUTSIDE THE APP"),
    "approvals.how": ("Godkjenn i terminalen (krever passfrasen din): varsel user approve NAVN [--role admin]",
                      "Approve in the terminal (needs your passphrase): varsel user approve NAME [--role admin]"),
    "approvals.close": ("Lukk", "Close"),
})


class ApprovalsScreen(VarselAppMixin, ModalScreen[None]):
    """The administrator's list of users who wait for approval (read-only)."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [Binding("escape,f3,q", "close", "approvals.close", id="approvals.close")]

    def __init__(self) -> None:
        super().__init__(classes="help-screen")
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(t("approvals.loading")), id="approvals-list")
            yield Static(Text(t("approvals.how"), style="dim"), classes="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = t("approvals.title")
        self.run_worker(self._load, thread=True, exclusive=True)

    def _load(self) -> None:
        from ...store.db import StoreError

        try:
            self._read()
        except StoreError as exc:
            self.app.call_from_thread(self._show, Text(str(exc)))

    def _read(self) -> None:
        store = self.varsel.store
        signed = store.trust()
        me = signed.users.get(self.varsel.user)
        if me is None or me.role != "admin":
            self.app.call_from_thread(self._show, Text(t("approvals.not_admin")))
            return
        table = Table(expand=True, box=None)
        for column in ("approvals.name", "approvals.full_name", "approvals.registered", "approvals.state"):
            table.add_column(t(column))
        waiting = [u for u in store.users() if u.name not in signed.users]
        for u in waiting:
            altered = bool(u.approval_sig or u.approved_by or u.approved_at)
            table.add_row(Text(u.name), Text(u.display_name or ""), Text(u.created_at.strftime("%Y-%m-%d")),
                          Text(t("approvals.altered" if altered else "approvals.pending"),
                               style="bold red" if altered else ""))
        self.app.call_from_thread(self._show, table if waiting else Text(t("approvals.none")))

    def _show(self, content) -> None:  # noqa: ANN001
        self.query_one("#approvals-list", Static).update(content)

    def action_close(self) -> None:
        self.dismiss(None)
