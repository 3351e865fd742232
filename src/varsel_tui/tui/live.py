"""Live updates in the TUI: what the app tells screens when the database changed under them, and
the texts for who else has a case open and who changed it.

The app polls a `store.changes.ChangeFeed` in a thread worker (every `poll_interval` seconds) and
posts `DatabaseChanged` to every screen in the stack. A screen compares what it shows with the
database (the queue its marker, a case screen the case's mark) and reloads only when they differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from ..textsafe import printable
from .i18n import register, t
from .plain import plain

if TYPE_CHECKING:
    from ..store.changes import Activity, Changed
    from ..store.presence import Present

register({
    "live.present": ("Også åpen hos: {who}", "Also open by: {who}"),
    "live.editing": ("{user} (fyller ut {step})", "{user} (filling in {step})"),
    "live.changed_by": ("Saken ble nettopp endret: {what}. Svarene dine er beholdt.",
                        "The case was just changed: {what}. Your answers are kept."),
    "live.concurrent_by": ("Ikke sendt inn: saken er endret siden du åpnet skjemaet ({what}). Svarene dine er "
                           "lagret som utkast; gå tilbake (Esc) og åpne skjemaet igjen.",
                           "Not submitted: the case changed since you opened the form ({what}). Your answers "
                           "were saved as a draft; go back (Esc) and open the form again."),
    "live.by": ("{by} {did}", "{by} {did}"),
    "live.someone": ("noen", "someone"),
    "live.did.step": ("fullførte steg {ref}", "completed step {ref}"),
    "live.did.step_": ("fullførte et steg", "completed a step"),
    "live.did.action": ("utførte handlingen {ref}", "carried out the action {ref}"),
    "live.did.action_": ("utførte en handling", "carried out an action"),
    "live.did.note": ("skrev et notat", "wrote a note"),
    "live.did.minutes": ("skrev et møtereferat", "wrote minutes"),
    "live.did.decision": ("skrev et vedtak", "wrote a decision"),
    "live.did.party": ("la til en part", "added a party"),
    "live.did.prelim_reply": ("registrerte foreløpig svar", "recorded a preliminary reply"),
    "live.did.measure": ("endret tiltak", "changed measures"),
    "live.did.hearing": ("endret høringsrunder", "changed hearings"),
    "live.did.transfer": ("overførte saken", "transferred the case"),
    "live.did.closed": ("avsluttet saken", "closed the case"),
    "live.did.spawned": ("omregistrerte saken", "re-registered the case"),
    "live.did.created": ("opprettet saken", "created the case"),
    "live.did.other": ("endret saken ({kind})", "changed the case ({kind})"),
})


class DatabaseChanged(Message, bubble=False):
    """Someone committed a write (possibly this app): compare and reload what is shown."""

    def __init__(self, changed: "Changed") -> None:
        super().__init__()
        self.changed = changed


def describe_activity(activities: Iterable["Activity"]) -> str:
    """'lars fullførte steg M1, per skrev et notat' — who did what, no case content."""
    parts: list[str] = []
    for a in activities:
        if a.kind in ("step", "action"):
            did = t(f"live.did.{a.kind}", ref=a.ref) if a.ref else t(f"live.did.{a.kind}_")
        else:
            did = t(f"live.did.{a.kind}")
            if did == f"live.did.{a.kind}":
                did = t("live.did.other", kind=a.kind)
        # User names and ids are stored values: shown, never obeyed (tui/plain.py).
        part = t("live.by", by=printable(a.by) if a.by else t("live.someone"), did=printable(did))
        if part not in parts:  # three notes by lars read as one
            parts.append(part)
    return ", ".join(parts)


def presence_text(present: Iterable["Present"]) -> Text | None:
    """'Også åpen hos: lars (fyller ut 3.2), per', or None when nobody else is there."""
    names = [t("live.editing", user=p.user, step=p.editing_step) if p.editing_step else p.user for p in present]
    if not names:
        return None
    return plain(t("live.present", who=", ".join(names)), style="bold", no_wrap=True, overflow="ellipsis")


class PresenceBar(Static):
    """One line under a case header: who else has the case open. Hidden while nobody has."""

    DEFAULT_CSS = """
    PresenceBar { height: 1; padding: 0 1; background: $warning-muted; color: $text; display: none; }
    """

    def show(self, present: Iterable["Present"]) -> None:
        text = presence_text(present)
        self.update(text or "")
        self.display = text is not None
