"""Exporting the open case from the TUI (the palette's report and archive commands): the export
dialog, then the export itself in a thread worker (outputs/exports.py: render, protect, write
owner-only, journal), and one notification saying where the file went or what went wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .i18n import register, t

register({
    "export.done.report": ("Rapporten er lagret: {path}", "The report was saved: {path}"),
    "export.done.archive": ("Arkivpakken er lagret og signert: {path}", "The archive package was saved and signed: {path}"),
    "export.open_case": ("Arkivpakke lages bare for en avsluttet sak.", "Only a closed case gets an archive package."),
})


def default_path(number: str, kind: str, redacted: bool = False) -> str:
    name = f"sak-{number}-arkiv.zip" if kind == "archive" else f"sak-{number}-rapport{'-sensurert' if redacted else ''}.pdf"
    return str(Path.home() / name)


def start(screen: Any, kind: str, *, redacted: bool = False) -> None:
    """Ask where (and with which password), then export case `screen.number` (a case screen with
    its loaded `view`)."""
    from .widgets.case_util import user_name
    from .widgets.export_dialog import ExportDialog

    app = screen.app
    view = getattr(screen, "view", None)
    if view is None:
        return
    d = view.detail
    if kind == "archive" and d.state.status == "open":
        app.notify(t("export.open_case"), severity="warning")
        return
    user = user_name(app)
    store = screen.varsel.store
    dialog = ExportDialog(kind, d.case.number, default_path(d.case.number, kind, redacted),
                          secret=d.case.classification == "strengt_hemmelig",
                          needs_passphrase=kind == "archive" and store.unlocked_as != f"user:{user}",
                          redacted=redacted)

    def chosen(result: dict | None) -> None:
        if result:
            app.run_worker(lambda: _export(app, store, d.case.number, user, kind, result), thread=True,
                           group="case-export", exclusive=True)

    app.push_screen(dialog, chosen)


def _export(app: Any, store: Any, number: str, user: str, kind: str, choice: dict) -> None:
    from ..clock import today
    from ..outputs.exports import export_archive, export_report
    from .widgets.case_util import error_text

    try:
        if choice.get("passphrase"):
            store.unlock(user, choice["passphrase"])
        d = store.get_case(number)
        if kind == "archive":
            done = export_archive(store, d, choice["path"], by=user, password=choice["password"], made_on=today())
        else:
            done = export_report(store, d, choice["path"], by=user, redacted=choice["redacted"],
                                 password=choice["password"], made_on=today())
    except Exception as exc:  # noqa: BLE001 - a notification, never a crash
        app.call_from_thread(app.notify, error_text(exc), severity="error")
        return
    app.call_from_thread(app.notify, t(f"export.done.{kind}", path=done.path))
