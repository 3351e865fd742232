"""Letters on a case: drafts made from templates (data/letters) when a step that names one is
completed or the case needs a preliminary reply; the officer's free text; marking sent, which
freezes the letter and journals the SHA-256 of its .eml; the letter as .eml and as PDF.

Subject, body, free text, the case values and the recipients are secret-capable columns: a
strictly secret case's are sealed with the case key like every other field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from .. import letter_templates
from ..domain import letter_mail
from ..domain.engine import CaseState, replay
from ..domain.letters import (
    MISSING,
    NOTIFIER_ROLES,
    LetterError,
    PartyFact,
    Recipients,
    Template,
    notifier_anonymous,
    party_values,
    recipients,
    render_text,
)
from ..domain.workflow import Workflow
from . import directory, journal
from .db import StoreError
from .errors import NotFound
from .models import Case, Letter, Party, row_id
from .reads import facts, history_items, load_case, today
from .unit import Db


@dataclass
class LetterInfo:
    id: int
    template: str
    title: str
    step: str
    status: str  # draft | sent
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    body: str
    free_text: str
    sent_on: date | None = None
    checksum: str | None = None
    lang: str = "nb"
    sender: str = ""  # the letterhead: the body handling the case when the letter was drafted
    recipients: Recipients = field(default_factory=Recipients)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "template": self.template, "title": self.title, "step": self.step,
                "to": self.to, "cc": self.cc, "bcc": self.bcc, "status": self.status,
                "sent_on": self.sent_on.isoformat() if self.sent_on else None, "checksum": self.checksum}


# -- making drafts ------------------------------------------------------------------------------
def _parties(db: Db, s: Session, case: Case, answers: dict[str, Any]) -> list[PartyFact]:
    """The case's parties; a notifier is anonymous by their party row or by the case's answers."""
    hidden = notifier_anonymous(answers)
    rows = s.exec(select(Party).where(Party.case_id == case.id).order_by(col(Party.id)))
    return [PartyFact(p.role, db.codec.open_row(case, p, "name") or "",
                      p.anonymous or (hidden and p.role in NOTIFIER_ROLES)) for p in rows]


def _values(db: Db, case: Case, wf: Workflow, state: CaseState, step_id: str, parties: list[PartyFact],
            by: str, on: date) -> dict[str, str]:
    limits = [st.due for st in state.statutory if not st.met and st.due]
    step_title, organ = "", state.body or ""
    if step_id:
        try:
            step_title = wf.step(step_id).title
            # A closing step leaves no body handling the case: the letter is from the step's phase's.
            organ = organ or wf.phase_of(step_id).body or ""
        except KeyError:
            step_title = ""
    return {
        "saksnummer": case.number, "sakstittel": db.codec.open_row(case, case, "title") or "",
        "mottatt": case.received.isoformat(), "dato": on.isoformat(), "prosedyre": wf.name,
        "steg": step_id, "steg_tittel": step_title, "organ": organ, "utfall": state.outcome,
        "frist": min(limits).isoformat() if limits else "", "avsender": by,
        **party_values(parties),
    }


def _seal(db: Db, case: Case, row: Letter, *, subject: str, body: str, free_text: str,
          values: dict[str, str], rcpt: Recipients) -> None:
    seal = db.codec.seal_row
    seal(case, row, "subject", subject)
    seal(case, row, "body", body)
    seal(case, row, "free_text", free_text)
    seal(case, row, "values_json", json.dumps(values, ensure_ascii=False))
    seal(case, row, "recipients_json", json.dumps(rcpt.as_dict(), ensure_ascii=False))


def draft(db: Db, s: Session, case: Case, wf: Workflow, template_ids: list[str], *, step_id: str, by: str,
          on: date, state: CaseState | None = None) -> list[Letter]:
    """Draft each named letter on the case (call before the case's access is re-synced, so the
    writer still holds the key). A template that no longer exists is journalled, not fatal:
    the step was completed by the procedure, whatever an administrator did to the templates."""
    if not template_ids:
        return []
    state = state or replay(wf, facts(db, case), history_items(db, s, case), today())
    parties = _parties(db, s, case, state.answers)
    mailboxes = directory.body_addresses(s)
    made: list[Letter] = []
    for tid in template_ids:
        try:
            t = letter_templates.get(tid)
        except LetterError:
            journal.append(db, s, case, by, "letter", f"brevmalen {tid} finnes ikke; ikke noe utkast laget")
            continue
        values = _values(db, case, wf, state, step_id, parties, by, on)
        row = Letter(case_id=row_id(case), template_id=t.id, title=t.title, step_id=step_id,
                     created_at=db.now(), created_by=by)
        s.add(row)
        s.flush()
        _seal(db, case, row, subject=render_text(t.subject, values).strip(),
              body=render_text(t.body, {**values, "fritekst": ""}).strip() + "\n", free_text="", values=values,
              rcpt=recipients(t, parties, state.body, state.answers, mailboxes))
        s.add(row)
        journal.append(db, s, case, by, "letter", f"utkast laget: {t.title} ({t.id})"
                       + (f", steg {step_id}" if step_id else ""))
        made.append(row)
    return made


def preliminary_ids(wf: Workflow, state: CaseState) -> list[str]:
    """The preliminary replies a flagged case needs: those of its warned statutory limits."""
    if not state.needs_preliminary_reply:
        return []
    out: list[str] = []
    for st, spec in zip(state.statutory, wf.statutory, strict=False):
        if st.warn:
            out += [t for t in spec.letters if t not in out]
    return out


def ensure_preliminary(db: Db, number: str, by: str) -> None:
    """Draft the preliminary reply of a case flagged as needing one, once (a read that finds the
    flag writes the draft: the flag comes with the passing of time, not with a write)."""
    with db.reading() as s:
        case = load_case(db, s, number)
        wf = db.workflow(case.workflow_id)
        state = replay(wf, facts(db, case), history_items(db, s, case), today())
        have = {r.template_id for r in s.exec(select(Letter).where(Letter.case_id == case.id))}
        missing = [t for t in preliminary_ids(wf, state) if t not in have]
    if not missing:
        return

    def work(s: Session) -> None:
        from .cases import touch

        case = load_case(db, s, number, for_update=True)
        have = {r.template_id for r in s.exec(select(Letter).where(Letter.case_id == case.id))}
        if any(t not in have for t in missing):
            touch(db, s, case)  # open screens see the new draft
            draft(db, s, case, wf, [t for t in missing if t not in have], step_id="", by=by, on=today())

    db.writing(work)


def add(db: Db, number: str, template_id: str, *, by: str) -> LetterInfo:
    """Draft any template on the case by hand (an English version, a letter to send again)."""
    try:
        letter_templates.get(template_id)
    except LetterError as exc:
        raise StoreError(str(exc)) from None

    def work(s: Session) -> LetterInfo:
        from .cases import touch

        case = load_case(db, s, number, for_update=True)
        touch(db, s, case)
        wf = db.workflow(case.workflow_id)
        [row] = draft(db, s, case, wf, [template_id], step_id=case.current_step or "", by=by, on=today())
        return _info(db, case, row)

    return db.writing(work)


# -- reading ------------------------------------------------------------------------------------
def _info(db: Db, case: Case, row: Letter) -> LetterInfo:
    opened = {c: db.codec.open_row(case, row, c) or "" for c in
              ("subject", "body", "free_text", "recipients_json", "values_json")}
    values = json.loads(opened["values_json"] or "{}")
    rcpt = Recipients.from_dict(json.loads(opened["recipients_json"] or "{}"))
    try:
        lang = letter_templates.get(row.template_id).lang
    except LetterError:
        lang = "nb"
    return LetterInfo(
        id=row_id(row), template=row.template_id, title=row.title, step=row.step_id, status=row.status,
        to=[r.label() for r in rcpt.to], cc=[r.label() for r in rcpt.cc], bcc=[r.label() for r in rcpt.bcc],
        subject=opened["subject"], body=opened["body"], free_text=opened["free_text"], sent_on=row.sent_on,
        checksum=row.checksum, lang=lang, sender=values.get("organ") or values.get("prosedyre", ""),
        recipients=rcpt)


def _rows(s: Session, case: Case) -> list[Letter]:
    return list(s.exec(select(Letter).where(Letter.case_id == case.id).order_by(col(Letter.id))))


def _find(s: Session, case: Case, letter_id: str | int) -> Letter:
    """A letter by its number, or by template id when the case has one letter from it."""
    rows = _rows(s, case)
    ref = str(letter_id)
    if ref.isdigit():
        found = [r for r in rows if r.id == int(ref)]
    else:
        found = [r for r in rows if r.template_id == ref]
        if len(found) > 1:
            raise StoreError(f"case {case.number} has {len(found)} letters from {ref}; name one by its id "
                             f"({', '.join(str(r.id) for r in found)})")
    if not found:
        raise NotFound(f"case {case.number} has no letter {ref} (see 'varsel letter list {case.number}')")
    return found[0]


def list_letters(db: Db, number: str) -> list[LetterInfo]:
    with db.reading() as s:
        case = load_case(db, s, number)
        return [_info(db, case, r) for r in _rows(s, case)]


def get_letter(db: Db, number: str, letter_id: str | int) -> LetterInfo:
    with db.reading() as s:
        case = load_case(db, s, number)
        return _info(db, case, _find(s, case, letter_id))


# -- changing -----------------------------------------------------------------------------------
def edit(db: Db, number: str, letter_id: str | int, free_text: str, *, by: str) -> LetterInfo:
    """The officer's own text, put where the template has $fritekst; a sent letter is frozen."""
    def work(s: Session) -> LetterInfo:
        case = load_case(db, s, number, for_update=True)
        row = _find(s, case, letter_id)
        if row.status == "sent":
            raise StoreError(f"letter {row.id} was sent {row.sent_on}; a sent letter is not changed")
        try:
            t: Template = letter_templates.get(row.template_id)
        except LetterError as exc:
            raise StoreError(str(exc)) from None
        from .cases import touch

        touch(db, s, case)
        values = json.loads(db.codec.open_row(case, row, "values_json") or "{}")
        db.codec.seal_row(case, row, "free_text", free_text)
        db.codec.seal_row(case, row, "body", render_text(t.body, {**values, "fritekst": free_text.strip()}).strip() + "\n")
        s.add(row)
        journal.append(db, s, case, by, "letter", f"utkast endret: {row.title} (brev {row.id})")
        return _info(db, case, row)

    return db.writing(work)


def eml_bytes(info: LetterInfo, number: str, *, attachments: list[tuple[str, bytes]] | None = None) -> bytes:
    sent = info.status == "sent" and info.sent_on is not None
    return letter_mail.build(number=number, letter_id=info.id, subject=info.subject, body=info.body,
                             recipients=info.recipients, on=info.sent_on if sent and info.sent_on else today(),
                             draft=not sent, attachments=attachments)


def mark_sent(db: Db, number: str, letter_id: str | int, *, by: str, on: date | None = None) -> LetterInfo:
    """Freeze the letter as sent on `on` and journal the SHA-256 of its .eml (as `letter_eml`
    writes it without attachments); a preliminary reply also records that one was sent."""
    on = on or today()

    def work(s: Session) -> LetterInfo:
        case = load_case(db, s, number, for_update=True)
        row = _find(s, case, letter_id)
        if row.status == "sent":
            raise StoreError(f"letter {row.id} was already marked sent ({row.sent_on})")
        if on > today():
            raise StoreError(f"a letter cannot be marked sent in the future ({on.isoformat()})")
        from .cases import refresh, touch

        touch(db, s, case)
        row.status, row.sent_on, row.sent_by = "sent", on, by
        info = _info(db, case, row)
        row.checksum = info.checksum = hashlib.sha256(eml_bytes(info, number)).hexdigest()
        s.add(row)
        journal.append(db, s, case, by, "letter", f"sendt {on.isoformat()}: {row.title} (brev {row.id}); "
                                                  f"SHA-256 {row.checksum}")
        try:
            preliminary = letter_templates.get(row.template_id).kind == "preliminary"
        except LetterError:
            preliminary = False
        if preliminary and case.prelim_sent is None:
            case.prelim_sent = on
            journal.append(db, s, case, by, "prelim_reply", f"foreløpig svar sendt {on.isoformat()}")
            refresh(db, s, case, db.workflow(case.workflow_id), by=by)
        return info

    return db.writing(work)


# -- output -------------------------------------------------------------------------------------
def letter_eml(db: Db, number: str, letter_id: str | int, *,
               attachments: list[tuple[str, bytes]] | None = None) -> bytes:
    return eml_bytes(get_letter(db, number, letter_id), number, attachments=attachments)


PDF_LABELS = {"nb": {"cc": "Kopi", "ref": "Vår ref.", "case": "Sak"},
              "nn": {"cc": "Kopi", "ref": "Vår ref.", "case": "Sak"},
              "en": {"cc": "Copy", "ref": "Our ref.", "case": "Case"}}


def pdf_data(info: LetterInfo, number: str) -> dict[str, Any]:
    """What the PDF layout (letter.typ) shows: never the Bcc recipients."""
    labels = PDF_LABELS.get(info.lang, PDF_LABELS["nb"])
    on = info.sent_on or today()
    return {
        "lang": info.lang if info.lang in ("nb", "nn", "en") else "nb",
        "sender": info.sender,
        "subject": info.subject,
        "place_date": on.strftime("%d.%m.%Y"),
        "reference": f"{labels['ref']}: {number}",
        "to": [r.name if r.address == MISSING else f"{r.name} <{r.address}>" for r in info.recipients.to],
        "cc": [r.name for r in info.recipients.cc],
        "cc_label": labels["cc"],
        "paragraphs": [p for p in info.body.split("\n\n") if p.strip()],
        "footer": f"{labels['case']} {number}",
    }


def letter_pdf(db: Db, number: str, letter_id: str | int) -> bytes:
    from ..outputs.pdf import render

    info = get_letter(db, number, letter_id)
    try:
        source = letter_templates.layout()
    except LetterError as exc:
        raise StoreError(str(exc)) from None
    return render(source, pdf_data(info, number))
