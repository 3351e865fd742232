"""Corrections and documents on the case screen (a mixin of CaseDetailScreen).

Keys (binding ids, remappable; not in the footer, listed in F1 and the command palette):

  e  case.amend           correct an intake answer (field, new answer, reason)
  E  case.party_edit      correct a party's role, name, anonymity or body (reason)
  x  case.party_remove    withdraw a party added by mistake (reason)
  X  case.measure_remove  withdraw a measure added by mistake (reason)
  V  case.void            void a case registered in error (reason): kept, out of the queue
  d  case.doc_add         attach a file (a folder tree to pick it from)
  D  case.doc_save        save an attached document to a new, owner-only file

Every correction asks for a reason and is journalled by the store with who made it; a refusal
(no access any longer, a wrong answer, someone else's change) is a notification. The writes run
in a thread worker and end in the screen's own Written / Failed messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.binding import Binding

from ...textsafe import printable
from ..i18n import register, t
from ..widgets.case_util import error_text, fmt_time, user_name

VOID = "void"

register({
    "case.key.amend": ("Rett mottak", "Correct intake"),
    "case.key.party_edit": ("Rett part", "Correct party"),
    "case.key.party_remove": ("Fjern part", "Withdraw party"),
    "case.key.measure_remove": ("Fjern tiltak", "Withdraw measure"),
    "case.key.void": ("Annuller sak", "Void case"),
    "case.key.doc_add": ("Legg ved dokument", "Attach document"),
    "case.key.doc_save": ("Lagre dokument", "Save document"),
    "case.section.documents": ("Dokumenter", "Documents"),
    "case.document": ("#{id} {name} · {size}{pages} · {who} {at}", "#{id} {name} · {size}{pages} · {who} {at}"),
    "case.document_pages": (" · {n} s.", " · {n} p."),
    "case.status.void": ("Annullert {date}: registrert ved en feil (se journalen)",
                         "Void since {date}: registered in error (see the journal)"),
    "case.pick_party": ("Hvilken part?", "Which party?"),
    "case.pick_measure_remove": ("Hvilket tiltak skal fjernes?", "Which measure should be withdrawn?"),
    "case.pick_document": ("Hvilket dokument?", "Which document?"),
    "case.confirm_party_remove": ("Fjerne parten (lagt til ved en feil)?", "Withdraw the party (added by mistake)?"),
    "case.confirm_measure_remove": ("Fjerne tiltaket (lagt til ved en feil)?",
                                    "Withdraw the measure (added by mistake)?"),
    "case.confirm_void": ("Annullere saken som registrert ved en feil?", "Void the case as registered in error?"),
    "case.void_detail": ("Saken beholdes med alt innhold, men tas ut av køen og fristlistene og kan ikke føres videre.",
                         "The case is kept with everything in it, but leaves the queue and the due lists and cannot "
                         "be taken further."),
    "case.no_parties": ("Saken har ingen parter.", "The case has no parties."),
    "case.no_measures": ("Saken har ingen tiltak.", "The case has no measures."),
    "case.no_documents": ("Saken har ingen dokumenter.", "The case has no documents."),
    "case.no_intake": ("Mottaket har ingen felt.", "The intake has no fields."),
    "case.saved_amend": ("Mottaket er rettet.", "The intake was corrected."),
    "case.saved_party_edit": ("Parten er rettet.", "The party was corrected."),
    "case.saved_party_remove": ("Parten er fjernet.", "The party was withdrawn."),
    "case.saved_measure_remove": ("Tiltaket er fjernet.", "The measure was withdrawn."),
    "case.saved_void": ("Saken er annullert.", "The case is void."),
    "case.saved_doc_add": ("Dokumentet {name} er lagt ved.", "The document {name} was attached."),
    "case.saved_doc_save": ("Dokumentet er lagret i {path}.", "The document was saved to {path}."),
    "case.journal.correction": ("retting", "retting (correction)"),
    "case.journal.void": ("annullert", "annullert (void)"),
    "case.journal.document": ("dokument", "dokument (document)"),
})

CORRECTION_BINDINGS = [
    Binding("e", "amend_intake", "case.key.amend", id="case.amend", show=False),
    Binding("E", "edit_party", "case.key.party_edit", id="case.party_edit", show=False),
    Binding("R", "remove_party", "case.key.party_remove", id="case.party_remove", show=False),
    Binding("X", "remove_measure", "case.key.measure_remove", id="case.measure_remove", show=False),
    Binding("V", "void_case", "case.key.void", id="case.void", show=False),
    Binding("d", "add_document", "case.key.doc_add", id="case.doc_add", show=False),
    Binding("D", "save_document", "case.key.doc_save", id="case.doc_save", show=False),
]

# What a void case still allows: reading, notes, documents, going back.
VOID_ALLOWS = frozenset({"add_note", "add_document", "save_document", "open_linked", "reload", "back"})


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else (f"{n / 1024:.0f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB")


class CaseCorrections:
    """Actions, dialogs and the documents section; mixed into CaseDetailScreen, whose `view`,
    `number`, `varsel`, `_push_dialog`, `_pick_then`-style helpers and messages it uses."""

    view: Any
    number: str

    # -- what the keys may do -----------------------------------------------------------------
    def correction_check(self, action: str) -> tuple[bool, bool | None]:
        """(decided, answer) for check_action: a void case allows only reading, notes and documents."""
        view = self.view
        if view is not None and view.detail.case.status == VOID and action not in VOID_ALLOWS:
            return True, False
        if action in ("amend_intake", "edit_party", "remove_party", "remove_measure", "void_case", "save_document"):
            if view is None:
                return True, None
            have = {"edit_party": view.parties, "remove_party": view.parties, "remove_measure": view.measures,
                    "save_document": view.documents}.get(action, [True])
            return True, bool(have) or None
        return False, None

    # -- the documents section ------------------------------------------------------------------
    def documents_section(self) -> RenderableType | None:
        docs = self.view.documents if self.view is not None else []
        if not docs:
            return None
        lines = []
        for d in docs:
            pages = t("case.document_pages", n=d.pages) if d.pages else ""
            lines.append(Text(t("case.document", id=d.id, name=printable(d.filename), size=_size(d.size), pages=pages,
                                who=printable(d.added_by), at=fmt_time(d.added_at))))
        return Group(*lines)

    # -- actions --------------------------------------------------------------------------------
    def action_amend_intake(self) -> None:
        from ..widgets.case_util import answer_text
        from ..widgets.correction_dialogs import AmendDialog

        if self.view is None:
            return
        d = self.view.detail
        fields = [(f.id, f.label, answer_text(d.intake.get(f.id)) if d.intake.get(f.id) not in (None, "") else "",
                   [o.value for o in f.options]) for f in d.workflow.intake.form.fields]
        if not fields:
            self.notify(t("case.no_intake"), severity="warning")  # type: ignore[attr-defined]
            return
        self._dialog(AmendDialog(fields), lambda r: self._correct("amend", r))

    def _pick(self, title: str, items: list[tuple[int, str]], then: Any) -> None:
        from ..widgets.case_dialogs import PickDialog

        if len(items) == 1:
            then(items[0][0])
            return
        self._dialog(PickDialog(title, items), lambda ident: ident is not None and then(ident))

    def _party_items(self) -> list[tuple[int, str]]:
        out = []
        for p, name in self.view.parties:
            who = printable(name or "") or t("case.unnamed")
            out.append((p.id, f"{p.role}: {who}" + (f" ({t('case.anonymous')})" if p.anonymous else "")))
        return out

    def action_edit_party(self) -> None:
        from ...store.service import PARTY_ROLES
        from ..widgets.correction_dialogs import PartyEditDialog

        if self.view is None or not self.view.parties:
            self.notify(t("case.no_parties"), severity="warning")  # type: ignore[attr-defined]
            return
        items = dict(self._party_items())

        def edit(party_id: int) -> None:
            p, name = next((p, n) for p, n in self.view.parties if p.id == party_id)
            current = {"role": p.role, "name": name or "", "anonymous": p.anonymous, "body": p.concerns_body or ""}
            self._dialog(PartyEditDialog(items[party_id], current, PARTY_ROLES, self.view.bodies),
                         lambda r: self._correct("party_edit", {**r, "id": party_id}))

        self._pick(t("case.pick_party"), list(items.items()), edit)

    def action_remove_party(self) -> None:
        if self.view is None or not self.view.parties:
            self.notify(t("case.no_parties"), severity="warning")  # type: ignore[attr-defined]
            return
        items = dict(self._party_items())
        self._pick(t("case.pick_party"), list(items.items()),
                   lambda pid: self._ask_reason(t("case.confirm_party_remove"), items[pid], "party_remove", pid))

    def action_remove_measure(self) -> None:
        if self.view is None or not self.view.measures:
            self.notify(t("case.no_measures"), severity="warning")  # type: ignore[attr-defined]
            return
        items = {m.id: printable(title or "") for m, title in self.view.measures}
        self._pick(t("case.pick_measure_remove"), list(items.items()),
                   lambda mid: self._ask_reason(t("case.confirm_measure_remove"), items[mid], "measure_remove", mid))

    def action_void_case(self) -> None:
        if self.view is None:
            return
        self._ask_reason(t("case.confirm_void"), t("case.void_detail"), "void", None)

    def _ask_reason(self, question: str, detail: str, what: str, ident: int | None) -> None:
        from ..widgets.correction_dialogs import ReasonDialog

        self._dialog(ReasonDialog(question, detail), lambda r: self._correct(what, {**r, "id": ident}))

    def action_add_document(self) -> None:
        from ..widgets.correction_dialogs import FilePickerDialog

        if self.view is None:
            return
        self._dialog(FilePickerDialog(), lambda path: self._correct("doc_add", {"path": path}))

    def action_save_document(self) -> None:
        from ..widgets.correction_dialogs import SaveAsDialog

        if self.view is None or not self.view.documents:
            self.notify(t("case.no_documents"), severity="warning")  # type: ignore[attr-defined]
            return
        docs = {d.id: d for d in self.view.documents}

        def ask(doc_id: int) -> None:
            name = docs[doc_id].filename
            target = Path.home() / (Path(name).name or f"dokument-{doc_id}")
            self._dialog(SaveAsDialog(printable(name), target),
                         lambda r: self._correct("doc_save", {**r, "id": doc_id}))

        self._pick(t("case.pick_document"), [(i, printable(d.filename)) for i, d in docs.items()], ask)

    def _dialog(self, screen: Any, then: Any) -> None:
        def done(result: Any) -> None:
            if result:
                then(result)

        self._push_dialog(screen, done)  # type: ignore[attr-defined]

    # -- writing --------------------------------------------------------------------------------
    def _correct(self, what: str, data: dict) -> None:
        if self.view is None or getattr(self, "_busy", False):
            return
        self._busy = True
        self._do_correct(what, data, self.view.detail.case.version)

    @work(thread=True, exclusive=True, group="case-write")
    def _do_correct(self, what: str, data: dict, version: int) -> None:
        from ...outputs.files import OutputExists, write_new_private
        from .case_detail import read_case_view

        screen: Any = self
        store = screen.varsel.store
        by = user_name(screen.app)
        number = self.number
        try:
            if what == "amend":
                store.amend_intake(number, {data["field"]: data["value"]}, reason=data["reason"], by=by,
                                   expected_version=version)
                note = t("case.saved_amend")
            elif what == "party_edit":
                store.edit_party(number, data["id"], reason=data["reason"], by=by, role=data.get("role"),
                                 name=data.get("name"), anonymous=data.get("anonymous"), body=data.get("body"),
                                 expected_version=version)
                note = t("case.saved_party_edit")
            elif what == "party_remove":
                store.remove_party(number, data["id"], reason=data["reason"], by=by, expected_version=version)
                note = t("case.saved_party_remove")
            elif what == "measure_remove":
                store.remove_measure(number, data["id"], reason=data["reason"], by=by, expected_version=version)
                note = t("case.saved_measure_remove")
            elif what == "void":
                store.void_case(number, reason=data["reason"], by=by, expected_version=version)
                note = t("case.saved_void")
            elif what == "doc_add":
                info = store.add_document(number, data["path"], by=by)
                note = t("case.saved_doc_add", name=printable(info.filename))
            else:
                if os.path.lexists(data["path"]):  # before the read, so a refused write journals no read
                    raise OutputExists(f"{data['path']} exists; nothing was written (choose a new file)")
                write_new_private(data["path"], store.document_bytes(number, data["id"], by=by))
                note = t("case.saved_doc_save", path=printable(data["path"]))
            view = read_case_view(store, number)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            screen.post_message(screen.Failed(error_text(exc), loading=False))
            return
        screen.post_message(screen.Written(view, note))
