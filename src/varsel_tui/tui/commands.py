"""Command palette (ctrl+p): the actions that fit the current screen, plus opening cases.

`CaseCommands` offers:
  - "Åpne sak 2026-0042" when what is typed looks like a case number (2026-42, 26-42, and 42 or
    0042 alone for this year's case work too);
  - "Ny sak" and "Statistikk";
  - on a case screen: the case report (full or redacted) and the archive package, each written to a
    path the officer confirms in a dialog (tui/exports.py);
  - every enabled key binding of the screen the palette was opened over (its description, with
    the key shown as help), so the views of the queue ("Visning: Forfalt"), the current case's
    actions (fill form, add note, measures, withdraw, go to the journal, …), submit, save draft,
    … are all reachable here, those the footer leaves out included.
The app registers it in `VarselApp.COMMANDS`.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from .i18n import register, t

register({
    "cmd.open_case": ("Åpne sak {number}", "Open case {number}"),
    "cmd.open_case.help": ("Åpner saken med dette nummeret.", "Opens the case with this number."),
    "cmd.new_case": ("Ny sak", "New case"),
    "cmd.new_case.help": ("Registrer en ny sak.", "Register a new case."),
    "cmd.key_help": ("Tast: {keys}", "Key: {keys}"),
    "cmd.statistics": ("Statistikk (anonymisert)", "Statistics (anonymised)"),
    "cmd.statistics.help": ("Antall saker per arbeidsflyt, år, kvartal, utfall og varighet (F4).",
                            "Cases per workflow, year, quarter, outcome and duration (F4)."),
    "cmd.report": ("Saksrapport (PDF) …", "Case report (PDF) …"),
    "cmd.report.help": ("Skriver saken som PDF til en fil du velger; eksporten journalføres.",
                        "Writes the case as a PDF to a file you choose; the export is journalled."),
    "cmd.report_redacted": ("Sensurert saksrapport (PDF) …", "Redacted case report (PDF) …"),
    "cmd.report_redacted.help": ("Uten anonyme parters navn og felt arbeidsflyten merker som identifiserende.",
                                 "Without anonymous parties' names and fields the workflow marks as identifying."),
    "cmd.archive": ("Arkivpakke (zip) …", "Archive package (zip) …"),
    "cmd.archive.help": ("Avsluttet sak: rapport (PDF/A), journal, brev og dokumenter med signert manifest.",
                         "Closed case: report (PDF/A), journal, letters and documents with a signed manifest."),
})

_NUMBER = re.compile(r"^\s*(?:sak\s+|case\s+)?(?:(\d{2}|\d{4})-)?(\d{1,4})\s*$", re.IGNORECASE)


def case_number(text: str, this_year: int | None = None) -> str | None:
    """'2026-42' → '2026-0042'; '26-42' → '2026-0042'; '42' → this year's case 42 (when
    `this_year` is given); anything else → None."""
    m = _NUMBER.match(text)
    if not m or int(m[2]) == 0:
        return None
    if m[1] is None and (this_year is None or (len(m[2]) == 4 and m[2][0] != "0")):
        return None  # a bare "2026" is a year being typed, not case 2026
    year = str(this_year) if m[1] is None else m[1] if len(m[1]) == 4 else f"20{m[1]}"
    return f"{year}-{int(m[2]):04d}"


def _export(screen: Screen, kind: str, redacted: bool) -> None:
    from .exports import start  # the PDF machinery only when asked for

    start(screen, kind, redacted=redacted)


class CaseCommands(Provider):
    """Case actions for the command palette."""

    def _screen_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(title, callback, help) for each enabled binding of the calling screen."""
        screen: Screen = self.screen
        app = self.app
        out: list[tuple[str, Callable[[], object], str]] = []
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if binding.system or not active.enabled or not binding.description:
                continue
            node = active.node
            if not (binding.show or isinstance(node, Screen)) or node is app:
                continue
            # A binding in a group says which ("Visning: Åpne", not a second "Åpne").
            title = f"{binding.group.description}: {binding.description}" if binding.group else binding.description
            if title in seen:
                continue
            seen.add(title)
            callback = partial(app.run_action, binding.action, node)
            out.append((title, callback, t("cmd.key_help", keys=app.get_key_display(binding))))
        return out

    def _app_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        out: list[tuple[str, Callable[[], object], str]] = []
        new_case = getattr(self.app, "new_case", None)
        if callable(new_case):
            out.append((t("cmd.new_case"), new_case, t("cmd.new_case.help")))
        statistics = getattr(self.app, "action_statistics", None)
        if callable(statistics):
            out.append((t("cmd.statistics"), statistics, t("cmd.statistics.help")))
        screen = self.screen
        if getattr(screen, "number", None) and getattr(screen, "view", None) is not None:  # a loaded case
            out.append((t("cmd.report"), partial(_export, screen, "report", False), t("cmd.report.help")))
            out.append((t("cmd.report_redacted"), partial(_export, screen, "report", True),
                        t("cmd.report_redacted.help")))
            out.append((t("cmd.archive"), partial(_export, screen, "archive", False), t("cmd.archive.help")))
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._screen_commands() + self._app_commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        today = getattr(self.app, "today", None)
        number = case_number(query, today().year if callable(today) else None)
        opener = getattr(self.app, "open_case", None)
        if number and callable(opener):
            title = t("cmd.open_case", number=number)
            yield Hit(1.0, title, partial(opener, number), text=title, help=t("cmd.open_case.help"))
        matcher = self.matcher(query)
        for title, callback, help_text in self._screen_commands() + self._app_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
