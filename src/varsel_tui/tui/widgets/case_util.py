"""Small helpers shared by the case screens (detail, form, new case, help).

Nothing here touches the database: screens call the store only from thread workers.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from textual.app import App
from textual.dom import DOMNode

from ..i18n import register, t

register({
    "case.class.ordinær": ("ordinær", "ordinær (ordinary)"),
    "case.class.fortrolig": ("fortrolig", "fortrolig (confidential)"),
    "case.class.strengt_hemmelig": ("strengt hemmelig", "strengt hemmelig (strictly secret)"),
    "case.error.unexpected": ("Uventet feil: {error}", "Unexpected error: {error}"),
    "case.error.locked": ("Sak {number} er strengt hemmelig; lås opp med passfrasen din først.",
                          "Case {number} is strictly secret; unlock with your passphrase first."),
    "case.error.no_access": ("Du har ikke tilgang til sak {number} (strengt hemmelig): den ligger ikke hos ditt "
                             "organ nå, eller den gjelder deg.",
                             "You have no access to case {number} (strictly secret): it is not with your body "
                             "now, or it concerns you."),
    "case.error.no_case_access": ("Du har ikke tilgang til sak {number}: den ligger ikke hos ditt organ nå, "
                                  "eller den gjelder deg.",
                                  "You have no access to case {number}: it is not with your body now, or it "
                                  "concerns you."),
    "case.error.tampered_state": ("Dataene i sak {number} er endret utenfor varsel (den lagrede tilstanden stemmer "
                                  "ikke med journalen). Ingenting er endret; si fra til den som drifter systemet.",
                                  "Case {number}'s stored data was altered outside varsel (its state does not match "
                                  "its journal). Nothing was changed; tell whoever runs the system."),
    "case.error.no_key_yet": ("Du hører til organet som har sak {number}, men har ikke fått nøkkel ennå. Den "
                              "kommer når noen med tilgang endrer saken, eller kjører «varsel access sync».",
                              "You belong to the body that has case {number} but have not been given a key yet. It "
                              "comes when someone with access changes the case or runs 'varsel access sync'."),
    "case.error.tampered": ("Dataene i sak {number} er endret utenfor varsel (en kryptert verdi eller nøkkel "
                            "stemmer ikke). Ingenting er endret; si fra til den som drifter systemet.",
                            "Case {number}'s data has been altered outside varsel (an encrypted value or key does "
                            "not check out). Nothing was changed; tell whoever runs the system."),
    "case.answer.yes": ("ja", "yes"),
    "case.answer.no": ("nei", "no"),
    "case.answer.external": ("ekstern", "external"),
    "case.answer.original": ("opprinnelig", "original"),
    "case.days.left.0": ("frist i dag", "due today"),
    "case.days.left.1": ("1 virkedag igjen", "1 working day left"),
    "case.days.left.n": ("{n} virkedager igjen", "{n} working days left"),
    "case.days.over.1": ("forfalt for 1 virkedag siden", "overdue by 1 working day"),
    "case.days.over.n": ("forfalt for {n} virkedager siden", "overdue by {n} working days"),
})

OSLO = "Europe/Oslo"


def fmt_date(d: date | None) -> str:
    """A date as Norwegian officers write it: 02.12.2026."""
    return d.strftime("%d.%m.%Y") if d else ""


def fmt_time(at: datetime | None) -> str:
    """A stored timestamp (UTC, possibly naive from SQLite) in Oslo time."""
    if at is None:
        return ""
    from zoneinfo import ZoneInfo

    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(OSLO)).strftime("%d.%m.%Y %H:%M")


def days_left(today: date, due: date) -> int:
    from ...domain.calendar import working_days_between

    return working_days_between(today, due)


def days_left_text(n: int) -> str:
    if n == 0:
        return t("case.days.left.0")
    if n > 0:
        return t("case.days.left.1") if n == 1 else t("case.days.left.n", n=n)
    return t("case.days.over.1") if n == -1 else t("case.days.over.n", n=-n)


def classification_label(value: str) -> str:
    return t(f"case.class.{value}") if value in ("ordinær", "fortrolig", "strengt_hemmelig") else value


def today() -> date:
    from ...clock import today as _today

    return _today()


def user_name(app: App) -> str:
    """The officer's user name (the app keeps a name or a User row)."""
    user = getattr(app, "user", None)
    return str(getattr(user, "name", user) or "")


def error_text(exc: BaseException) -> str:
    """One clear line for a notification: store and workflow errors carry their own message."""
    from ...domain.workflow import WorkflowError
    from ...store.access import NoCaseAccess
    from ...store.db import StoreError
    from ...store.secrets import CaseLocked, CaseTampered, NoAccess

    if isinstance(exc, NoAccess) and exc.pending:
        return t("case.error.no_key_yet", number=exc.number)
    if isinstance(exc, CaseTampered) and exc.detail:
        return t("case.error.tampered_state", number=exc.number)
    for kind, key in ((CaseLocked, "case.error.locked"), (NoCaseAccess, "case.error.no_case_access"),
                      (NoAccess, "case.error.no_access"),
                      (CaseTampered, "case.error.tampered")):
        if isinstance(exc, kind):
            return t(key, number=exc.number)
    if isinstance(exc, (StoreError, WorkflowError, ValueError)):
        return str(exc)
    return t("case.error.unexpected", error=f"{type(exc).__name__}: {exc}")


def invalid_text(exc: ValueError) -> str:
    """A refused value's message in the UI language (domain.forms.InvalidAnswer says it in both)."""
    from ..i18n import lang

    english = getattr(exc, "message_en", "") if lang() == "en" else ""
    return english or str(exc)


def post_case_changed(app: App, number: str) -> None:
    """Tell the app (and through it the queue) that a case was written."""
    try:
        from ..app import CaseChanged  # declared by the app module
    except ImportError:
        return
    app.post_message(CaseChanged(number))


def wf_text(item: Any, name: str) -> str:
    """A workflow text (`title`, `label`, `help`, …) in the UI language: the workflow's English
    (`title_en`, …) with --lang en where it gives one, else its Norwegian."""
    from ...domain.forms import text_in
    from ..i18n import lang

    return text_in(item, name, lang())


def localize_bindings(node: DOMNode) -> None:
    """Translate binding descriptions written as i18n keys (the app module's helper)."""
    from ..app import localize_bindings as _localize

    _localize(node)


_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "AE", "Ø": "OE", "Å": "AA"})


def dom_id(prefix: str, ident: str) -> str:
    """A Textual DOM id (ASCII only) for a workflow identifier such as 'høring_slutt'."""
    ascii_id = ident.translate(_TRANSLIT)
    ascii_id = "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "_" for c in ascii_id)
    return f"{prefix}-{ascii_id}"


def answer_text(value: Any) -> str:
    """A stored answer for display: ja/nei (yes/no) for booleans, names for examiners, dates as
    dd.mm.yyyy."""
    if value is True:
        return t("case.answer.yes")
    if value is False:
        return t("case.answer.no")
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, dict) and "name" in v:
                tags = [t(f"case.answer.{tag}") for tag in ("external", "original") if v.get(tag)]
                parts.append(v["name"] + (f" ({', '.join(tags)})" if tags else ""))
            else:
                parts.append(str(v))
        return ", ".join(parts)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)
