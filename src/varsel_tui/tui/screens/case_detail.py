"""Case detail: where a case stands in its procedure, and what can be done with it.

The case is read in a thread worker and posted back as a message; the screen never blocks on
the database. Every action is a key with a stable binding id (remappable in the config file):

  f  case.form      fill in the current step's form
  a  case.party     add a party
  j  case.note      add a journal note (note, minutes, decision)
  t  case.measure   add a measure (tiltak): description, responsible, due date
  T  case.measure_done  mark an open measure as done (asks which when there are several)
  h  case.hearing   start a hearing (høringsrunde): participants, last day, question
  H  case.hearing_close  close an open hearing (asks which when there are several)
  p  case.prelim    record that a preliminary reply (foreløpig svar) was sent
  w  case.withdraw  withdraw (when the workflow has such an action, e.g. a complaint)
  o  case.reopen    reopen a withdrawn case (when the workflow allows it)
  l  case.linked    open the linked case (re-registered from / as)
  b  case.letters   the case's letters: preview, edit, mark sent, write .eml/PDF
  r  case.reload    read the case again
  1/2/3 case.goto_timeline / case.goto_parties / case.goto_journal  scroll to that section
  escape case.back  back to the queue

Corrections (e E x X V) and documents (d D): see case_corrections.py.

Live: when the app reports a commit (`DatabaseChanged`), a worker compares the case's mark with
the database and reads the case again if it moved. While the screen is open it keeps a presence
row for the user ("viewing", or "editing:STEP" while the step form is on top) and shows who else
has the case open (store/presence.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...store.changes import mark_of
from ...textsafe import printable
from ..app_access import VarselAppMixin
from ..i18n import register, t
from ..live import DatabaseChanged, PresenceBar, describe_activity
from ..plain import plain
from ..widgets.case_dialogs import ConfirmDialog, HearingDialog, MeasureDialog, NoteDialog, PartyDialog, PickDialog
from ..widgets.case_letters import LettersDialog, LettersSection
from ..widgets.case_timeline import CaseTimeline
from ..widgets.case_util import (
    answer_text,
    classification_label,
    days_left,
    days_left_text,
    error_text,
    fmt_date,
    fmt_time,
    localize_bindings,
    post_case_changed,
    today,
    user_name,
    wf_text,
)
from .case_corrections import CORRECTION_BINDINGS, CaseCorrections

register({
    "case.key.form": ("Fyll ut steg", "Fill in step"),
    "case.key.party": ("Legg til part", "Add party"),
    "case.key.note": ("Journalnotat", "Journal note"),
    "case.key.prelim": ("Foreløpig svar sendt", "Preliminary reply sent"),
    "case.key.measure": ("Tiltak", "Measure"),
    "case.key.measure_done": ("Tiltak utført", "Measure done"),
    "case.key.hearing": ("Høring", "Hearing"),
    "case.key.hearing_close": ("Avslutt høring", "Close hearing"),
    "case.key.withdraw": ("Trekk saken", "Withdraw"),
    "case.key.close": ("Lukk saken", "Close case"),
    "case.key.reopen": ("Gjenåpne", "Reopen"),
    "case.key.linked": ("Åpne lenket sak", "Open linked case"),
    "case.key.reload": ("Oppdater", "Reload"),
    "case.key.back": ("Tilbake", "Back"),
    "case.key.goto_timeline": ("Gå til prosedyren", "Go to the procedure"),
    "case.key.goto_parties": ("Gå til partene", "Go to the parties"),
    "case.key.goto_journal": ("Gå til journalen", "Go to the journal"),
    "case.loading": ("Leser sak {number} …", "Reading case {number} …"),
    "case.load_failed": ("Kunne ikke lese sak {number}: {error}", "Could not read case {number}: {error}"),
    "case.phase_step": ("Fase {phase} {phase_title} · steg {step} {step_title}",
                        "Phase {phase} {phase_title} · step {step} {step_title}"),
    "case.body": ("Ansvarlig: {body}", "Responsible: {body}"),
    "case.due": ("Frist {date} ({left})", "Due {date} ({left})"),
    "case.no_due": ("Ingen frist ennå for dette steget", "No due date yet for this step"),
    "case.deadline_text": ("«{text}»", "«{text}»"),
    "case.statutory": ("Lovfestet frist: {title} ({law}) {date}", "Statutory limit: {title} ({law}) {date}"),
    "case.statutory_met": ("Lovfestet frist overholdt: {title}", "Statutory limit met: {title}"),
    "case.prelim_needed": ("⚠ Foreløpig svar bør sendes ({law}) – trykk p når det er sendt.",
                           "⚠ A preliminary reply (foreløpig svar) should be sent ({law}) – press p once it is sent."),
    "case.prelim_sent": ("Foreløpig svar sendt {date}.", "Preliminary reply sent {date}."),
    "case.status.closed": ("Avsluttet {date}: {outcome}", "Closed {date}: {outcome}"),
    "case.status.withdrawn": ("Trukket {date}: {outcome}", "Withdrawn {date}: {outcome}"),
    "case.received": ("Mottatt {date}", "Received {date}"),
    "case.section.procedure": ("Prosedyre", "Procedure"),
    "case.section.intake": ("Mottak", "Intake"),
    "case.section.parties": ("Parter", "Parties"),
    "case.section.journal": ("Journal", "Journal"),
    "case.section.measures": ("Tiltak og høringer", "Measures and hearings"),
    "case.section.linked": ("Lenkede saker", "Linked cases"),
    "case.section.answers": ("Utfylte skjema", "Completed forms"),
    "case.none": ("Ingen.", "None."),
    "case.anonymous": ("anonym", "anonym (anonymous)"),
    "case.unnamed": ("(uten navn)", "(no name)"),
    "case.party_body": ("gjelder {body}", "concerns {body}"),
    "case.measure": ("Tiltak: {title} · {who} · frist {due}{done}", "Measure: {title} · {who} · due {due}{done}"),
    "case.measure_done": (" · utført {date}", " · done {date}"),
    "case.hearing": ("Høringsrunde: {who} til {ends}{closed}", "Hearing: {who} until {ends}{closed}"),
    "case.hearing_closed": (" · avsluttet {date}", " · closed {date}"),
    "case.linked_from": ("Omregistrert fra sak {number} ({workflow})", "Re-registered from case {number} ({workflow})"),
    "case.linked_to": ("Omregistrert som sak {number} ({workflow})", "Re-registered as case {number} ({workflow})"),
    "case.linked_hint": ("Trykk l for å åpne.", "Press l to open."),
    "case.saved_party": ("Part lagt til.", "Party added."),
    "case.saved_note": ("Notat lagret i journalen.", "Note saved in the journal."),
    "case.saved_measure": ("Tiltak lagt til.", "Measure added."),
    "case.saved_measure_done": ("Tiltak merket som utført {date}.", "Measure marked as done {date}."),
    "case.saved_hearing": ("Høringsrunde startet (til {date}).", "Hearing started (until {date})."),
    "case.saved_hearing_close": ("Høringsrunde avsluttet {date}.", "Hearing closed {date}."),
    "case.no_open_measure": ("Saken har ingen åpne tiltak.", "The case has no open measures."),
    "case.no_open_hearing": ("Saken har ingen åpne høringsrunder.", "The case has no open hearings."),
    "case.pick_measure": ("Hvilket tiltak er utført?", "Which measure is done?"),
    "case.pick_hearing": ("Hvilken høringsrunde skal avsluttes?", "Which hearing should be closed?"),
    "case.confirm_measure_done": ("Merke tiltaket som utført i dag?", "Mark the measure as done today?"),
    "case.confirm_hearing_close": ("Avslutte høringsrunden i dag?", "Close the hearing today?"),
    "case.pick_measure_item": ("{title} · {who} · frist {due}", "{title} · {who} · due {due}"),
    "case.pick_hearing_item": ("{who} til {ends}", "{who} until {ends}"),
    "case.saved_prelim": ("Foreløpig svar registrert som sendt {date}.", "Preliminary reply recorded as sent {date}."),
    "case.saved_action": ("{title}: registrert.", "{title}: recorded."),
    "case.confirm_prelim": ("Registrere at foreløpig svar er sendt i dag?",
                            "Record that a preliminary reply was sent today?"),
    "case.confirm_action": ("{title}?", "{title}?"),
    "case.write_failed": ("Ikke lagret: {error}", "Not saved: {error}"),
    "case.concurrent": ("Saken er endret av noen andre siden den ble lest; ingenting ble lagret. Saken er lest på "
                        "nytt – prøv igjen.",
                        "Someone else changed the case since it was read; nothing was saved. The case has been "
                        "read again – try again."),
    "case.concurrent_by": ("Saken er endret av noen andre siden den ble lest ({what}); ingenting ble lagret. Saken "
                           "er lest på nytt – prøv igjen.",
                           "Someone else changed the case since it was read ({what}); nothing was saved. The case "
                           "has been read again – try again."),
    "case.no_active_step": ("Saken har ikke noe aktivt steg.", "The case has no active step."),
    "case.awaiting_intake": ("Venter på mottaksopplysninger før første steg: {fields} – trykk f for å gi dem.",
                             "Waiting for intake answers before the first step: {fields} – press f to give them."),
    "case.lost_access": ("Du har ikke lenger tilgang til sak {number}: den er flyttet bort fra deg, og er lukket "
                         "her.", "You no longer have access to case {number}: it has moved away from you and is "
                                 "closed here."),
    "case.confirm_party": ("Legge til parten?", "Add the party?"),
    "case.journal.intake": ("mottak", "mottak (intake)"),
    "case.journal.created": ("opprettet", "opprettet (created)"),
    "case.journal.step": ("steg", "steg (step)"),
    "case.journal.note": ("notat", "notat (note)"),
    "case.journal.minutes": ("møtereferat", "møtereferat (minutes)"),
    "case.journal.decision": ("vedtak", "vedtak (decision)"),
    "case.journal.party": ("part", "part (party)"),
    "case.journal.prelim_reply": ("foreløpig svar", "foreløpig svar (preliminary reply)"),
    "case.journal.spawned": ("omregistrert", "omregistrert (re-registered)"),
    "case.journal.transfer": ("overført", "overført (transferred)"),
    "case.journal.closed": ("avsluttet", "avsluttet (closed)"),
    "case.journal.action": ("handling", "handling (action)"),
    "case.journal.measure": ("tiltak", "tiltak (measure)"),
    "case.journal.hearing": ("høring", "høring (hearing)"),
})


@dataclass
class CaseView:
    """Everything the screen shows, read (and opened) in the worker."""

    detail: Any  # store.service.CaseDetail
    title: str | None
    parties: list[tuple[Any, str | None]]  # (Party, name)
    journal: list[tuple[Any, str | None]]  # (JournalEntry, text)
    measures: list[tuple[Any, str | None]]  # (Measure, title)
    hearings: list[tuple[Any, str | None]]  # (Hearing, question)
    linked: list[tuple[str, str, str]] = field(default_factory=list)  # (from|to, number, workflow id)
    bodies: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)  # approved users: hearing participants are chosen among them
    answers: list[tuple[str, date, dict]] = field(default_factory=list)  # (step id, done on, answers)
    documents: list = field(default_factory=list)  # [store.documents.DocumentInfo]


def read_case_view(store: Any, number: str, viewer: str | None = None) -> CaseView:
    """Read a case for the detail screen (runs in a worker thread). With `viewer`, the store
    records the view in the case's audit journal."""
    detail = store.get_case(number, viewer=viewer, how=" (TUI)" if viewer else "")
    case = detail.case
    return CaseView(
        detail=detail,
        title=detail.title,
        parties=[(p, detail.text(p, "name")) for p in detail.parties],
        journal=[(e, detail.text(e, "text")) for e in detail.journal],
        measures=[(m, detail.text(m, "title")) for m in detail.measures],
        hearings=[(h, detail.text(h, "question")) for h in detail.hearings],
        linked=_linked_cases(store, case),
        bodies=[b.name for b, _members in store.bodies()],
        users=[name for name, _full in store.approved_users()],
        answers=_step_answers(detail),
        documents=store.documents(number),
    )


def _step_answers(detail: Any) -> list[tuple[str, date, dict]]:
    import json

    out = []
    for h in detail.history:
        if h.kind != "complete":
            continue
        text = detail.text(h, "answers_json")
        try:
            answers = json.loads(text) if text else {}
        except ValueError:
            answers = {}
        out.append((h.ref, h.on_date, answers))
    return out


def _linked_cases(store: Any, case: Any) -> list[tuple[str, str, str]]:
    """The cases this one was re-registered from / as: (direction, number, workflow id)."""
    out = []
    for direction, cid in (("from", case.linked_from), ("to", case.linked_to)):
        if cid:
            number = store.case_number(cid)
            if number:
                try:
                    workflow_id = store.get_case(number).case.workflow_id
                except Exception:  # noqa: BLE001 - the link is still worth showing
                    workflow_id = ""
                out.append((direction, number, workflow_id))
    return out


class CaseDetailScreen(CaseCorrections, VarselAppMixin, Screen):
    """One case: header, procedure timeline, parties, journal, measures, hearings, links."""

    CSS_PATH = "../styles/case.tcss"
    BINDINGS = [
        Binding("f", "fill_form", "case.key.form", id="case.form"),
        Binding("a", "add_party", "case.key.party", id="case.party"),
        Binding("j", "add_note", "case.key.note", id="case.note"),
        # The footer fits 80 columns with the keys above and esc, F1 and ctrl+p; the rest are in
        # the help (F1) and the command palette (ctrl+p), and the header points to p when due.
        Binding("t", "add_measure", "case.key.measure", id="case.measure", show=False),
        Binding("T", "measure_done", "case.key.measure_done", id="case.measure_done", show=False),
        Binding("h", "add_hearing", "case.key.hearing", id="case.hearing", show=False),
        Binding("H", "close_hearing", "case.key.hearing_close", id="case.hearing_close", show=False),
        Binding("p", "preliminary_reply", "case.key.prelim", id="case.prelim", show=False),
        Binding("w", "case_action('withdraw')", "case.key.withdraw", id="case.withdraw", show=False),
        Binding("o", "case_action('reopen')", "case.key.reopen", id="case.reopen", show=False),
        Binding("x", "case_action('close')", "case.key.close", id="case.close", show=False),
        Binding("l", "open_linked", "case.key.linked", id="case.linked", show=False),
        Binding("b", "letters", "case.key.letters", id="case.letters", show=False),
        Binding("r", "reload", "case.key.reload", id="case.reload", show=False),
        Binding("escape", "back", "case.key.back", id="case.back"),
        Binding("1", "goto('case-procedure-title')", "case.key.goto_timeline", id="case.goto_timeline", show=False),
        Binding("2", "goto('case-parties-title')", "case.key.goto_parties", id="case.goto_parties", show=False),
        Binding("3", "goto('case-journal-title')", "case.key.goto_journal", id="case.goto_journal", show=False),
        *CORRECTION_BINDINGS,
    ]

    class Loaded(Message):
        def __init__(self, view: CaseView) -> None:
            self.view = view
            super().__init__()

    class Failed(Message):
        def __init__(self, error: str, *, loading: bool, retry: tuple[str, dict] | None = None) -> None:
            self.error = error
            self.loading = loading
            self.retry = retry  # (what, data): a refused measure/hearing, reopened with what was typed
            super().__init__()

    class NeedsUnlock(Message):
        """The case is strictly secret and the session is locked."""

    class Written(Message):
        def __init__(self, view: CaseView, note: str) -> None:
            self.view = view
            self.note = note
            super().__init__()

    class Moved(Message):
        """The case changed in the database since it was read."""

    class LostAccess(Message):
        """The case moved away from this user (their own write, or someone else's)."""

        def __init__(self, note: str = "") -> None:
            self.note = note
            super().__init__()

    class PartyChecked(Message):
        def __init__(self, data: dict, lines: list[str]) -> None:
            self.data, self.lines = data, lines
            super().__init__()

    class PresenceSeen(Message):
        def __init__(self, present: list) -> None:
            self.present = present  # [store.presence.Present], without this user
            super().__init__()

    def __init__(self, number: str) -> None:
        super().__init__(classes="case-screen")
        self.number = number
        self.view: CaseView | None = None
        self._busy = False
        self._dialog_open = False
        self._viewed = False
        self._mark: Any = None  # store.changes.CaseMark of the case as shown
        self._presence_started = False
        self._presence_lock = threading.Lock()  # a heartbeat in flight never re-adds a row after leaving
        self._left = False
        localize_bindings(self)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(t("case.loading", number=self.number)), id="case-header")
        yield PresenceBar(id="case-presence")
        with VerticalScroll(id="case-body"):
            yield Static(t("case.section.procedure"), classes="case-section-title", id="case-procedure-title")
            yield CaseTimeline("", id="case-timeline")
            yield Static(t("case.section.parties"), classes="case-section-title", id="case-parties-title")
            yield Static("", id="case-parties", classes="case-section")
            yield Static(t("case.section.linked"), classes="case-section-title", id="case-linked-title")
            yield Static("", id="case-linked", classes="case-section")
            yield Static(t("case.section.letters"), classes="case-section-title")
            yield LettersSection(self.number, id="case-letters", classes="case-section")
            yield Static(t("case.section.measures"), classes="case-section-title")
            yield Static("", id="case-measures", classes="case-section")
            yield Static(t("case.section.answers"), classes="case-section-title", id="case-answers-title")
            yield Static("", id="case-answers", classes="case-section")
            yield Static(t("case.section.documents"), classes="case-section-title", id="case-documents-title")
            yield Static("", id="case-documents", classes="case-section")
            yield Static(t("case.section.intake"), classes="case-section-title", id="case-intake-title")
            yield Static("", id="case-intake", classes="case-section")
            yield Static(t("case.section.journal"), classes="case-section-title", id="case-journal-title")
            yield Static("", id="case-journal", classes="case-section")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#case-body").focus()

    def on_screen_resume(self) -> None:
        # First shown, and back from the form or another case: read the case again. Back from one
        # of this screen's dialogs, the write (if any) reads it again itself; a load here could
        # race it and show the case as it was before the write.
        if self._presence_started:
            self._presence_beat()  # back from the form: "viewing" again
        if self._dialog_open:
            self._dialog_open = False
            return
        self.load()

    def on_screen_suspend(self) -> None:
        if self._presence_started:
            self._presence_beat()  # the step form may be on top now: "editing:STEP"

    def _push_dialog(self, screen: Screen, callback) -> None:  # noqa: ANN001
        self._dialog_open = True
        self.app.push_screen(screen, callback)

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="case-load")
    def _load(self) -> None:
        from ...store.access import NoCaseAccess
        from ...store.secrets import CaseLocked

        try:
            # The first read of the screen is the view the audit journal records.
            view = read_case_view(self.varsel.store, self.number, None if self._viewed else self.varsel.user)
        except CaseLocked:
            self.post_message(self.NeedsUnlock())
            return
        except NoCaseAccess as exc:
            # Shown before (a step just submitted, a party added, someone else's transfer): close
            # it rather than keep stale content and keys that can do nothing.
            self.post_message(self.LostAccess() if self.view is not None else self.Failed(error_text(exc), loading=True))
            return
        except Exception as exc:  # noqa: BLE001 - shown as a notification, never a crash
            self.post_message(self.Failed(error_text(exc), loading=True))
            return
        self._viewed = True
        self.post_message(self.Loaded(view))

    @on(NeedsUnlock)
    def _on_needs_unlock(self, message: NeedsUnlock) -> None:
        from .unlock import UnlockScreen

        if self.app.screen is not self:  # removed by the lock meanwhile, or a dialog is open
            return

        def done(unlocked: bool | None) -> None:
            if unlocked:
                self.load()
            else:
                self.app.pop_screen()  # nothing of the case was shown

        self.app.push_screen(UnlockScreen(self.number), done)

    @property
    def shows_secret(self) -> bool:
        """Decrypted content of a strictly secret case is on this screen (the idle lock removes it)."""
        return self.view is not None and self.view.detail.case.classification == "strengt_hemmelig"

    @on(Loaded)
    def _on_loaded(self, message: Loaded) -> None:
        self.query_one("#case-body").display = True
        self.view = message.view
        self._mark = mark_of(message.view.detail)
        self._render_view()
        self.refresh_bindings()
        self._start_presence()
        self.query_one(LettersSection).load()

    @on(Failed)
    def _on_failed(self, message: Failed) -> None:
        self._busy = False
        if message.loading:
            self.query_one("#case-header", Static).update(
                plain(t("case.load_failed", number=self.number, error=message.error), style="bold red"))
            self.query_one("#case-body").display = self.view is not None  # no empty sections
            self.notify(t("case.load_failed", number=self.number, error=message.error), severity="error")
        else:
            self.notify(t("case.write_failed", error=message.error), severity="error")
            self.load()
            if message.retry is not None:
                # The store refused it (e.g. an end date in the past): open the dialog again with
                # everything that was typed, and the reason, so nothing is lost.
                what, data = message.retry
                if what == "measure":
                    self._open_measure_dialog(data, message.error)
                elif what == "hearing":
                    self._open_hearing_dialog(data, message.error)
                elif what == "action":
                    self._open_comment_dialog(data, message.error)

    @on(LostAccess)
    def _on_lost_access(self, message: LostAccess) -> None:
        self._busy = False
        post_case_changed(self.app, self.number)
        self.notify(" ".join(x for x in (message.note, t("case.lost_access", number=self.number)) if x),
                    severity="warning", timeout=10)
        if self in self.app.screen_stack:
            if self.app.screen is self:
                self.app.pop_screen()
            else:  # a dialog or form on top: take them with it
                while self.app.screen is not self:
                    self.app.pop_screen()
                self.app.pop_screen()

    @on(Written)
    def _on_written(self, message: Written) -> None:
        self._busy = False
        self.view = message.view
        self._mark = mark_of(message.view.detail)
        self._render_view()
        self.refresh_bindings()
        post_case_changed(self.app, self.number)
        self.notify(message.note)
        self.query_one(LettersSection).load()  # a completed step may have drafted a letter

    # -- live: other people's changes, presence --------------------------------------------
    def on_database_changed(self, message: DatabaseChanged) -> None:
        if self.view is None or not message.changed.concerns(self.number):
            return
        self._check_moved(self._mark)
        if self._presence_started:
            self._presence_beat(write=False)  # SQLite: someone's heartbeat may be what changed

    @work(thread=True, exclusive=True, group="case-check", exit_on_error=False)
    def _check_moved(self, shown: Any) -> None:
        feed = self.varsel.change_feed
        try:
            now = feed.case_mark(self.number) if feed is not None else None
        except Exception:  # noqa: BLE001 - the next change, or r, tries again
            return
        if now != shown:
            self.post_message(self.Moved())

    @on(Moved)
    def _on_moved(self, message: Moved) -> None:
        self.load()

    def _refusal(self, read_at: tuple[int, int]) -> str:
        """Thread worker: a write refused for a stale version, naming who changed what since."""
        feed = self.varsel.change_feed
        try:
            what = describe_activity(feed.activity_since(self.number, *read_at)) if feed is not None else ""
        except Exception:  # noqa: BLE001 - then the plain message
            what = ""
        return t("case.concurrent_by", what=what) if what else t("case.concurrent")

    def _start_presence(self) -> None:
        """Only once the case was read: someone who may not open it leaves no trace here."""
        if self._presence_started:
            return
        self._presence_started = True
        from ...store.presence import HEARTBEAT

        self._presence_beat()
        self.set_interval(HEARTBEAT, self._presence_beat)

    def _activity(self) -> str:
        from ...store.presence import VIEWING, editing

        for screen in self.app.screen_stack:  # the step form of this case, pushed on top of it
            if type(screen).__name__ == "StepFormScreen" and getattr(screen, "number", None) == self.number:
                return editing(getattr(screen, "step_id", ""))
        return VIEWING

    def _presence_beat(self, write: bool = True) -> None:
        activity = self._activity() if write else None
        self.run_worker(lambda: self._presence_worker(activity), thread=True, group="case-presence",
                        exit_on_error=False)

    def _presence_worker(self, activity: str | None) -> None:
        from ...store import presence

        try:
            store = self.varsel.store
            with self._presence_lock:
                if self._left:
                    return
                if activity is not None:
                    presence.touch(store, self.number, self.varsel.user, activity)
            present = presence.others(store, self.number, self.varsel.user)
        except Exception:  # noqa: BLE001 - presence is a hint; it never gets in the way
            return
        self.post_message(self.PresenceSeen(present))

    @on(PresenceSeen)
    def _on_presence_seen(self, message: PresenceSeen) -> None:
        # This screen keeps the heartbeat for its step form too: the form shows the same line.
        for screen in self.app.screen_stack:
            if screen is self or getattr(screen, "number", None) == self.number:
                for bar in screen.query(PresenceBar):
                    bar.show(message.present)

    def on_unmount(self) -> None:
        if not self._presence_started:
            return
        app, number, user, lock = self.varsel, self.number, self.varsel.user, self._presence_lock

        def leave() -> None:
            from ...store import presence

            with lock:
                self._left = True
                try:
                    presence.leave(app.store, number, user)
                except Exception:  # noqa: BLE001 - the row goes stale in seconds anyway
                    pass

        try:
            app.run_worker(leave, thread=True, group="case-presence-leave", exit_on_error=False)
        except Exception:  # noqa: BLE001 - the app is closing: the row goes stale by itself
            pass

    # -- the one place secret-capable fields become screen text ----------------------------
    MULTILINE_FIELDS = frozenset({"journal", "hearing", "answers", "intake"})

    def reveal(self, field_name: str, value: str | None) -> str:
        """Text of a secret-capable field (title, party names, notes, answers, …) for the screen.

        Every such field is rendered through here. The store decrypts a strictly secret case only
        while unlocked; on the idle lock the app removes this screen (see `shows_secret`). The
        text has its control characters made visible; callers put it in a `Text` (never markup).
        """
        return printable(value or "", multiline=field_name in self.MULTILINE_FIELDS)

    def on_session_locked(self, message: Message) -> None:
        """The app locked the session; a case that is not secret stays as it is."""
        self._render_view()

    # -- rendering -------------------------------------------------------------------------
    def _render_view(self) -> None:
        view = self.view
        if view is None:
            return
        d = view.detail
        self.query_one("#case-header", Static).update(self._header(view))
        self.query_one("#case-timeline", CaseTimeline).show(d.workflow, d.state, today())
        intake = self._intake(view)
        self.query_one("#case-intake", Static).update(intake or "")
        self.query_one("#case-intake").display = intake is not None
        self.query_one("#case-intake-title").display = intake is not None
        self.query_one("#case-parties", Static).update(self._parties(view))
        self.query_one("#case-measures", Static).update(self._measures(view))
        linked = self._linked(view)
        self.query_one("#case-linked", Static).update(linked or "")
        self.query_one("#case-linked").display = linked is not None
        self.query_one("#case-linked-title").display = linked is not None
        answers = self._answers(view)
        self.query_one("#case-answers", Static).update(answers or "")
        self.query_one("#case-answers").display = answers is not None
        self.query_one("#case-answers-title").display = answers is not None
        self.query_one("#case-journal", Static).update(self._journal(view))
        documents = self.documents_section()
        self.query_one("#case-documents", Static).update(documents or "")
        self.query_one("#case-documents").display = documents is not None
        self.query_one("#case-documents-title").display = documents is not None

    def _header(self, view: CaseView) -> RenderableType:
        d = view.detail
        case, wf, state = d.case, d.workflow, d.state
        secret = case.classification == "strengt_hemmelig"
        line1 = Text()
        line1.append(case.number, style="bold")
        line1.append("  ")
        line1.append(("🔒 " if secret else "") + classification_label(case.classification),
                     style="bold red" if secret else "bold")
        line1.append("  ")
        line1.append(printable(wf_text(wf, "name")), style="italic")
        line1.append("  ")
        line1.append(t("case.received", date=fmt_date(case.received)), style="dim")
        lines: list[RenderableType] = [line1]
        title = self.reveal("title", view.title)
        if title:
            lines.append(Text(title, style="bold", no_wrap=True, overflow="ellipsis"))
        if case.status == "void":
            lines.append(plain(t("case.status.void", date=fmt_date(case.closed_on)), style="bold red"))
        elif state.current:
            phase = wf.phase_of(state.current)
            step = wf.step(state.current)
            where = Text(t("case.phase_step", phase=phase.id, phase_title=wf_text(phase, "title"), step=step.id,
                           step_title=wf_text(step, "title")), no_wrap=True, overflow="ellipsis")
            lines.append(where)
            due = Text()
            if state.current_due:
                left = days_left(today(), state.current_due)
                due.append(t("case.due", date=fmt_date(state.current_due), left=days_left_text(left)),
                           style="bold red" if left < 0 else ("yellow" if left <= 2 else ""))
            else:
                due.append(t("case.no_due"), style="dim")
            if state.body:
                due.append("  ·  " + t("case.body", body=printable(state.body)))
            lines.append(due)
        elif state.awaiting_intake and state.status == "open":
            form = wf.intake.form
            labels = [f"«{f.label}»" for f in form.fields if f.id in state.awaiting_intake]
            lines.append(plain(t("case.awaiting_intake", fields=", ".join(labels)), style="bold yellow"))
        elif case.status == "withdrawn" or state.status == "withdrawn":
            lines.append(plain(t("case.status.withdrawn", date=fmt_date(state.closed_on), outcome=state.outcome),
                               style="bold"))
        else:
            lines.append(plain(t("case.status.closed", date=fmt_date(state.closed_on), outcome=state.outcome),
                               style="bold"))
        for st in state.statutory:
            if st.due is None:
                continue
            if st.met:
                continue
            rule = next((s for s in wf.statutory if s.title == st.title), st)  # the workflow's, with title_en
            lines.append(Text(t("case.statutory", title=wf_text(rule, "title"), law=st.law, date=fmt_date(st.due)),
                              style="dim", no_wrap=True, overflow="ellipsis"))
        if state.needs_preliminary_reply:
            law = next((s.law for s in state.statutory if s.warn), "")
            lines.append(Text(t("case.prelim_needed", law=law), style="bold yellow"))
        elif "foreløpig_svar" in state.events:
            lines.append(Text(t("case.prelim_sent", date=fmt_date(state.events["foreløpig_svar"])), style="dim"))
        return Group(*lines)

    def _intake(self, view: CaseView) -> RenderableType | None:
        form = view.detail.workflow.intake.form
        answers = view.detail.intake or {}
        rows = []
        for f in form.fields:
            if f.id in answers and answers[f.id] not in (None, "", []):
                value = answers[f.id]
                label = next((wf_text(o, "label") for o in f.options if o.value == value), None) if f.options else None
                rows.append((wf_text(f, "label"), self.reveal("intake", label or answer_text(value))))
        if not rows:
            return None
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", ratio=1)
        grid.add_column(ratio=1)
        for label, value in rows:
            grid.add_row(plain(label), Text(value))  # Text: a str cell would be read as markup
        return grid

    def _parties(self, view: CaseView) -> RenderableType:
        if not view.parties:
            return Text(t("case.none"), style="dim")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="bold")
        grid.add_column(ratio=1)
        for party, name in view.parties:
            shown = self.reveal("party", name)
            if party.anonymous:
                who = Text(t("case.anonymous"), style="italic")
                if shown:
                    who.append(f" ({shown})", style="dim")
            else:
                who = Text(shown or t("case.unnamed"))
            if party.concerns_body:
                who.append("  " + t("case.party_body", body=printable(party.concerns_body)), style="dim")
            grid.add_row(plain(party.role), who)
        return grid

    def _journal(self, view: CaseView) -> RenderableType:
        if not view.journal:
            return Text(t("case.none"), style="dim")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        for entry, text in reversed(view.journal):  # newest first
            kind = t(f"case.journal.{entry.kind}")
            if kind.startswith("case.journal."):
                kind = entry.kind
            who = f"{entry.by} · {kind}" if entry.by else kind
            grid.add_row(Text(fmt_time(entry.at)),
                         plain(who, style="cyan" if entry.kind in ("note", "minutes", "decision") else ""),
                         Text(self.reveal("journal", text)))
        return grid

    def _measures(self, view: CaseView) -> RenderableType:
        lines: list[RenderableType] = []
        for m, title in view.measures:
            done = t("case.measure_done", date=fmt_date(m.done_on)) if m.done_on else ""
            lines.append(Text(t("case.measure", title=self.reveal("measure", title), who=self._responsible(m),
                                due=fmt_date(m.due) or "–", done=done)))
        for h, question in view.hearings:
            closed = t("case.hearing_closed", date=fmt_date(h.closed_on)) if h.closed_on else ""
            line = Text(t("case.hearing", who=printable(h.participants), ends=fmt_date(h.ends_on), closed=closed))
            q = self.reveal("hearing", question)
            if q:
                line.append(f"\n  {q}", style="dim")
            lines.append(line)
        return Group(*lines) if lines else Text(t("case.none"), style="dim")

    def _answers(self, view: CaseView) -> RenderableType | None:
        """What was answered in each completed step, with the form's labels."""
        wf = view.detail.workflow
        lines: list[RenderableType] = []
        for step_id, done_on, answers in view.answers:
            try:
                step = wf.step(step_id)
            except KeyError:
                continue
            head = plain(f"✓ {step.id} {wf_text(step, 'title')}", style="bold", no_wrap=True, overflow="ellipsis")
            head.append(f"  {fmt_date(done_on)}", style="dim")
            lines.append(head)
            fields = step.form.fields if step.form else []
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=2)
            grid.add_column(style="dim", ratio=2)
            grid.add_column(ratio=3)
            shown = 0
            for f in fields:
                value = answers.get(f.id)
                if value in (None, "", []):
                    continue
                label = next((wf_text(o, "label") for o in f.options if o.value == value), None) if f.options else None
                grid.add_row("", plain(wf_text(f, "label")), Text(self.reveal("answers", label or answer_text(value))))
                shown += 1
            if shown:
                lines.append(grid)
        return Group(*lines) if lines else None

    def _linked(self, view: CaseView) -> RenderableType | None:
        if not view.linked:
            return None
        lines = []
        for direction, number, workflow_id in view.linked:
            key = "case.linked_from" if direction == "from" else "case.linked_to"
            lines.append(Text(t(key, number=number, workflow=workflow_id)))
        lines.append(Text(t("case.linked_hint"), style="dim"))
        return Group(*lines)

    # -- actions ---------------------------------------------------------------------------
    def _workflow_action(self, kind: str):  # noqa: ANN202
        if self.view is None:
            return None
        return next((a for a in self.view.detail.workflow.actions if a.kind == kind), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        decided, answer = self.correction_check(action)
        if decided:
            return answer
        view = self.view
        if action == "case_action":
            kind = str(parameters[0]) if parameters else ""
            if self._workflow_action(kind) is None:
                return False  # the workflow has no such action: not shown
            if view is None:
                return None
            state = view.detail.state
            act = self._workflow_action(kind)
            after = getattr(act, "allowed_after_step", None)
            until = getattr(act, "allowed_until_step", None)
            if (after and state.steps[after].status != "done") or (until and state.steps[until].status == "done"):
                return False  # not possible at this point of the procedure: hidden
            allowed = (state.status == "open") if kind in ("withdraw", "close") else (state.status == "withdrawn")
            return allowed  # not possible in this state: hidden
        if action == "open_linked":
            return bool(view and view.linked) or False
        if action in ("measure_done", "close_hearing"):
            if view is None:
                return False
            return bool(self._open_measures() if action == "measure_done" else self._open_hearings()) or False
        if action in ("fill_form", "add_party", "add_note", "preliminary_reply", "add_measure", "add_hearing"):
            if view is None:
                return None  # shown, greyed out, until the case is read
            state = view.detail.state
            if action == "fill_form":  # the step's form, or the intake a re-registered case lacks
                return state.current is not None or (state.status == "open" and bool(state.awaiting_intake))
            if action == "preliminary_reply":
                return bool(view.detail.workflow.statutory) and state.status == "open" \
                    and "foreløpig_svar" not in state.events
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_goto(self, section_id: str) -> None:
        """Scroll the section's title to the top (the journal sits below a long timeline)."""
        self.query_one(f"#{section_id}").scroll_visible(top=True, animate=False)

    def action_fill_form(self) -> None:
        view = self.view
        if view is not None and view.detail.state.current is None and view.detail.state.awaiting_intake:
            from .intake_form import IntakeFormScreen

            self.app.push_screen(IntakeFormScreen(self.number))
            return
        if view is None or view.detail.state.current is None:
            self.notify(t("case.no_active_step"), severity="warning")
            return
        from .form import StepFormScreen

        self.app.push_screen(StepFormScreen(self.number, view.detail.state.current))

    def action_add_party(self) -> None:
        if self.view is None:
            return
        from ...store.service import PARTY_ROLES

        def done(result: dict | None) -> None:
            if result:
                self._busy = True
                self._check_party(result)

        self._push_dialog(PartyDialog(PARTY_ROLES, self.view.bodies), done)

    @work(thread=True, exclusive=True, group="case-party-check")
    def _check_party(self, data: dict) -> None:
        """Whether the party moves the case away (the conflict rule) — asked before it is added."""
        try:
            effect = self.varsel.store.party_effect(self.number, data["role"], data.get("name", ""), data.get("body"))
            lines = effect.lines
        except Exception:  # noqa: BLE001 - the write itself still decides, and says why
            lines = []
        self.post_message(self.PartyChecked(data, lines))

    @on(PartyChecked)
    def _on_party_checked(self, message: PartyChecked) -> None:
        self._busy = False
        if not message.lines:
            self._write("party", message.data)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._write("party", message.data)

        self._push_dialog(ConfirmDialog(t("case.confirm_party"), "\n".join(message.lines)), confirmed)

    def action_add_note(self) -> None:
        if self.view is None:
            return

        def done(result: tuple[str, str] | None) -> None:
            if result:
                self._write("note", {"kind": result[0], "text": result[1]})

        self._push_dialog(NoteDialog(), done)

    def action_preliminary_reply(self) -> None:
        if self.view is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._write("prelim", {})

        self._push_dialog(ConfirmDialog(t("case.confirm_prelim")), done)

    def action_letters(self) -> None:
        """The case's letters: preview, edit the free text, mark sent, write .eml/PDF."""
        if self.view is None:
            return

        def done(changed: bool | None) -> None:
            self.load()
            if changed:
                post_case_changed(self.app, self.number)

        self._push_dialog(LettersDialog(self.number, Path.home() / "varsel-brev"), done)

    def action_case_action(self, kind: str) -> None:
        action = self._workflow_action(kind)
        if action is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._write("action", {"id": action.id, "title": wf_text(action, "title")})

        title, help_text = wf_text(action, "title"), wf_text(action, "help")
        if action.comment_required:
            self._open_comment_dialog({"id": action.id, "title": title, "help": help_text})
            return
        self._push_dialog(ConfirmDialog(t("case.confirm_action", title=title), help_text), done)

    def _open_comment_dialog(self, data: dict, error: str = "") -> None:
        """A case action that needs a comment; reopened after a refusal with the comment typed."""
        from ..widgets.case_dialogs import CommentDialog

        def commented(comment: str | None) -> None:
            if comment:
                self._write("action", {**data, "comment": comment})

        self._push_dialog(CommentDialog(t("case.confirm_action", title=data["title"]), data.get("help", ""),
                                        text=data.get("comment", ""), error=error), commented)

    def _responsible(self, measure: Any) -> str:
        return self.reveal("measure", self.view.detail.text(measure, "responsible") if self.view else None) or "–"

    def _open_measures(self) -> list[tuple[Any, str | None]]:
        return [(m, title) for m, title in (self.view.measures if self.view else []) if m.done_on is None]

    def _open_hearings(self) -> list[tuple[Any, str | None]]:
        return [(h, q) for h, q in (self.view.hearings if self.view else []) if h.closed_on is None]

    def _open_measure_dialog(self, initial: dict | None = None, error: str = "") -> None:
        def done(result: dict | None) -> None:
            if result:
                self._write("measure", result)

        self._push_dialog(MeasureDialog(initial, error), done)

    def _open_hearing_dialog(self, initial: dict | None = None, error: str = "") -> None:
        def done(result: dict | None) -> None:
            if result:
                self._write("hearing", result)

        self._push_dialog(HearingDialog(initial, error, self.view.users if self.view else []), done)

    def action_add_measure(self) -> None:
        if self.view is None:
            return
        self._open_measure_dialog()

    def action_add_hearing(self) -> None:
        if self.view is None:
            return
        self._open_hearing_dialog()

    def _pick_then(self, what: str, items: list[tuple[int, str]], pick_title: str, confirm: str) -> None:
        """One open item: a yes/no confirm; several: choose which (choosing is the confirmation)."""
        if len(items) == 1:
            ident, label = items[0]

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._write(what, {"id": ident})

            self._push_dialog(ConfirmDialog(confirm, label), confirmed)
            return

        def picked(ident: int | None) -> None:
            if ident is not None:
                self._write(what, {"id": ident})

        self._push_dialog(PickDialog(pick_title, items), picked)

    def action_measure_done(self) -> None:
        items = [(m.id, t("case.pick_measure_item", title=self.reveal("measure", title), who=self._responsible(m),
                          due=fmt_date(m.due) or "–")) for m, title in self._open_measures()]
        if not items:
            self.notify(t("case.no_open_measure"), severity="warning")
            return
        self._pick_then("measure_done", items, t("case.pick_measure"), t("case.confirm_measure_done"))

    def action_close_hearing(self) -> None:
        items = [(h.id, t("case.pick_hearing_item", who=printable(h.participants), ends=fmt_date(h.ends_on)))
                 for h, _q in self._open_hearings()]
        if not items:
            self.notify(t("case.no_open_hearing"), severity="warning")
            return
        self._pick_then("hearing_close", items, t("case.pick_hearing"), t("case.confirm_hearing_close"))

    def action_open_linked(self) -> None:
        if self.view is None or not self.view.linked:
            return
        # Prefer the case this one became; else the one it came from.
        target = next((n for d, n, _ in self.view.linked if d == "to"), self.view.linked[0][1])
        opener = getattr(self.app, "open_case", None)
        if callable(opener):
            opener(target)
        else:
            self.app.push_screen(CaseDetailScreen(target))

    # -- writing ---------------------------------------------------------------------------
    def _write(self, what: str, data: dict) -> None:
        if self.view is None or self._busy:
            return
        self._busy = True
        from ...store.changes import history_mark, journal_mark

        d = self.view.detail
        self._do_write(what, data, d.case.version, (journal_mark(d), history_mark(d)))

    @work(thread=True, exclusive=True, group="case-write")
    def _do_write(self, what: str, data: dict, version: int, read_at: tuple[int, int] = (0, 0)) -> None:
        from ...store.service import ConcurrentEdit, NoCaseAccess

        store = self.varsel.store
        by = user_name(self.app)
        try:
            if what == "party":
                store.add_party(self.number, data["role"], data.get("name", ""), anonymous=data.get("anonymous", False),
                                body=data.get("body"), by=by, expected_version=version)
                note = t("case.saved_party")
            elif what == "note":
                store.add_note(self.number, data["text"], by=by, kind=data.get("kind", "note"),
                               expected_version=version)
                note = t("case.saved_note")
            elif what == "prelim":
                store.record_preliminary_reply(self.number, by=by)
                note = t("case.saved_prelim", date=fmt_date(today()))
            elif what == "measure":
                store.add_measure(self.number, data["title"], responsible=data.get("responsible", ""),
                                  due=data.get("due"), by=by, expected_version=version)
                note = t("case.saved_measure")
            elif what == "measure_done":
                store.complete_measure(self.number, data["id"], by=by)
                note = t("case.saved_measure_done", date=fmt_date(today()))
            elif what == "hearing":
                store.add_hearing(self.number, data["participants"], data["ends_on"],
                                  question=data.get("question", ""), by=by, expected_version=version)
                note = t("case.saved_hearing", date=fmt_date(data["ends_on"]))
            elif what == "hearing_close":
                store.close_hearing(self.number, data["id"], by=by)
                note = t("case.saved_hearing_close", date=fmt_date(today()))
            else:
                store.act(self.number, data["id"], by=by, expected_version=version, comment=data.get("comment"))
                note = t("case.saved_action", title=data["title"])
            try:
                view = read_case_view(store, self.number)
            except NoCaseAccess:  # saved, and the case has left this user with it
                self.post_message(self.LostAccess(note))
                return
        except ConcurrentEdit:
            retry = (what, data) if what in ("measure", "hearing") or data.get("comment") else None
            self.post_message(self.Failed(self._refusal(read_at), loading=False, retry=retry))
            return
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            retry = (what, data) if what in ("measure", "hearing") or data.get("comment") else None
            self.post_message(self.Failed(error_text(exc), loading=False, retry=retry))
            return
        self.post_message(self.Written(view, note))
