"""The export dialog behind the palette's «Saksrapport» and «Arkivpakke» commands: where to write
the file (the officer confirms or changes the path), redacted or not, the file's password (required
for a strictly secret case) and, for an archive package when the session is not unlocked, the
officer's own passphrase to sign it. Returns a dict through `dismiss`, None when cancelled."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Footer, Input, Static

from ..i18n import register, t
from .case_dialogs import _FieldsDialog

register({
    "export.report.title": ("Saksrapport (PDF) for sak {number}", "Case report (PDF) for case {number}"),
    "export.archive.title": ("Arkivpakke (zip) for sak {number}", "Archive package (zip) for case {number}"),
    "export.path": ("Lagres som (fil)", "Save as (file)"),
    "export.redacted": ("Sensurert versjon (uten anonyme parters navn og identifiserende felt)",
                        "Redacted version (without anonymous parties' names and identifying fields)"),
    "export.password": ("Passord for filen", "Password for the file"),
    "export.password.required": ("påkrevd: saken er strengt hemmelig", "required: the case is strictly secret"),
    "export.password.optional": ("valgfritt", "optional"),
    "export.repeat": ("Gjenta passordet", "Repeat the password"),
    "export.passphrase": ("Din passfrase (pakken signeres med nøkkelen din)",
                          "Your passphrase (the package is signed with your key)"),
    "export.error.path": ("Skriv hvor filen skal lagres.", "Type where to save the file."),
    "export.error.exists": ("{path} finnes allerede; velg et annet navn.", "{path} exists; choose another name."),
    "export.error.folder": ("Mappen {folder} finnes ikke.", "The folder {folder} does not exist."),
    "export.error.password": ("Saken er strengt hemmelig: filen lagres bare passordbeskyttet.",
                              "The case is strictly secret: the file is only saved password-protected."),
    "export.error.repeat": ("Passordene er ikke like.", "The passwords differ."),
    "export.error.passphrase": ("Skriv passfrasen din for å signere pakken.",
                                "Type your passphrase to sign the package."),
})


class ExportDialog(_FieldsDialog):
    """`kind` "report" or "archive". Returns {"path", "redacted", "password", "passphrase"}."""

    def __init__(self, kind: str, number: str, default_path: str, *, secret: bool, needs_passphrase: bool,
                 redacted: bool = False) -> None:
        super().__init__()
        self.kind, self.number, self.default_path = kind, number, default_path
        self.secret, self.needs_passphrase, self.redacted = secret, needs_passphrase, redacted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="export-dialog"):
            yield Static(Text(t(f"export.{self.kind}.title", number=self.number), style="bold"), classes="dialog-title")
            yield Static(t("export.path"), classes="form-label")
            yield Input(self.default_path, compact=True, id="export-path")
            if self.kind == "report":
                yield Checkbox(t("export.redacted"), self.redacted, compact=True, id="export-redacted")
            need = t("export.password.required") if self.secret else t("export.password.optional")
            yield Static(f"{t('export.password')} ({need})", classes="form-label")
            yield Input(password=True, compact=True, id="export-password")
            yield Static(t("export.repeat"), classes="form-label")
            yield Input(password=True, compact=True, id="export-repeat")
            if self.needs_passphrase:
                yield Static(t("export.passphrase"), classes="form-label")
                yield Input(password=True, compact=True, id="export-passphrase")
            yield self._error_line()
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def action_save(self) -> None:
        raw = self.value("#export-path").strip()
        if not raw:
            self.show_error(t("export.error.path"), "#export-path")
            return
        path = Path(raw).expanduser()
        if path.exists():
            self.show_error(t("export.error.exists", path=str(path)), "#export-path")
            return
        if not path.parent.is_dir():
            self.show_error(t("export.error.folder", folder=str(path.parent)), "#export-path")
            return
        password = self.value("#export-password")
        if self.secret and not password:
            self.show_error(t("export.error.password"), "#export-password")
            return
        if password != self.value("#export-repeat"):
            self.show_error(t("export.error.repeat"), "#export-repeat")
            return
        if password:
            from ...crypto.strength import passphrase_problem

            problem = passphrase_problem(password)
            if problem:
                self.show_error(problem, "#export-password")
                return
        passphrase = self.value("#export-passphrase") if self.needs_passphrase else ""
        if self.needs_passphrase and not passphrase:
            self.show_error(t("export.error.passphrase"), "#export-passphrase")
            return
        redacted = self.query_one("#export-redacted", Checkbox).value if self.kind == "report" else False
        self.dismiss({"path": str(path), "redacted": redacted, "password": password or None,
                      "passphrase": passphrase or None})
