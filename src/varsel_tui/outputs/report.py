"""The case report (saksrapport): a case as data for the report template, full or redacted.

The data is built from the store's read model (`CaseDetail`) and rendered by outputs/pdf.py
with the template `data/reports/case-report.typ`, which an administrator may edit: every value
reaches it as JSON, never as markup. Redaction (domain/redaction.py) changes the text before
rendering, so what is left out is not in the PDF at all.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from ..data_paths import data_dir
from ..domain.forms import FormField
from ..domain.redaction import ANONYMOUS, REMOVED, identifying_fields, name_scrubber, scrub
from ..store.reads import CaseDetail

TEMPLATES = data_dir() / "reports"
REPORT = "case-report.typ"
JOURNAL = "journal.typ"  # the journal alone, from the same data (archive packages)

_STATUS = {"done": "fullført", "active": "aktivt", "skipped": "hoppet over", "pending": "venter"}
_CASE_STATUS = {"open": "åpen", "closed": "avsluttet", "withdrawn": "trukket"}


def template(name: str = REPORT) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # journal times, shown in UTC as the template's heading says
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="minutes")
    return value.isoformat()


def _shown(f: FormField | None, value: Any) -> str:
    """An answer as an officer would write it: option labels, ja/nei, names of examiners."""
    if value is None or value == "" or value == []:
        return ""
    if f is not None and f.type in ("choice", "multichoice"):
        labels = {o.value: o.label for o in f.options}
        items = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in items)
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, list):
        return ", ".join(
            (v.get("name", "") + (" (ekstern)" if v.get("external") else "")) if isinstance(v, dict) else str(v)
            for v in value)
    return str(value)


def report_data(d: CaseDetail, *, redacted: bool, made_by: str, made_on: date) -> dict[str, Any]:
    """Everything the report template shows, as plain JSON-able values."""
    wf, st = d.workflow, d.state
    anonymous_names = [d.text(p, "name") or "" for p in d.parties if p.anonymous] if redacted else []
    pattern = name_scrubber(anonymous_names)
    hidden = identifying_fields(wf) if redacted else set()

    def txt(value: Any) -> str:
        return scrub(str(value), pattern) if redacted and value else ("" if value is None else str(value))

    def answers(form_fields: list[FormField], values: dict[str, Any]) -> list[dict[str, str]]:
        by_id = {f.id: f for f in form_fields}
        order = [f.id for f in form_fields if f.id in values] + [k for k in values if k not in by_id]
        rows = []
        for key in order:
            f = by_id.get(key)
            shown = _shown(f, values[key])
            if not shown:
                continue
            rows.append({"label": f.label if f else key, "value": REMOVED if key in hidden else txt(shown)})
        return rows

    steps_answered = []
    if d.intake:
        steps_answered.append({"step": "", "title": "Registrering", "on": _iso(d.case.received), "by": d.case.created_by,
                               "answers": answers(wf.intake.form.fields, d.intake)})
    for h in d.history:
        raw = d.text(h, "answers_json")
        values = json.loads(raw) if raw else {}
        if h.kind == "action":
            title = next((a.title for a in wf.actions if a.id == h.ref), h.ref)
            steps_answered.append({"step": "", "title": title, "on": _iso(h.on_date), "by": h.by, "answers": []})
            continue
        step = wf.step(h.ref)
        steps_answered.append({"step": h.ref, "title": step.title, "on": _iso(h.on_date), "by": h.by,
                               "answers": answers(step.form.fields if step.form else [], values)})

    return {
        "number": d.case.number,
        "workflow": wf.name,
        "title": txt(d.title),
        "classification": d.case.classification,
        "status": _CASE_STATUS.get(st.status, st.status),
        "outcome": txt(st.outcome),
        "received": _iso(d.case.received),
        "closed_on": _iso(st.closed_on),
        "body": d.case.body or "",
        "redacted": redacted,
        "made_by": made_by,
        "made_on": _iso(made_on),
        "timeline": [
            {"id": s.id, "title": s.title, "status": _STATUS.get(st.steps[s.id].status, st.steps[s.id].status),
             "due": _iso(st.steps[s.id].due), "done_on": _iso(st.steps[s.id].done_on),
             "reason": txt(st.steps[s.id].reason)}
            for s in wf.steps
        ],
        "answers": steps_answered,
        "parties": [
            {"role": p.role,
             "name": (ANONYMOUS if redacted and p.anonymous else txt(d.text(p, "name"))),
             "anonymous": p.anonymous, "body": p.concerns_body or ""}
            for p in d.parties
        ],
        "measures": [
            {"id": m.id, "title": txt(d.text(m, "title")), "responsible": txt(d.text(m, "responsible")),
             "due": _iso(m.due), "done_on": _iso(m.done_on)}
            for m in d.measures
        ],
        "hearings": [
            {"id": h.id, "participants": h.participants.replace(",", ", "), "ends_on": _iso(h.ends_on),
             "closed_on": _iso(h.closed_on), "question": txt(d.text(h, "question"))}
            for h in d.hearings
        ],
        "journal": [
            {"at": _iso(e.at), "by": e.by, "kind": e.kind, "text": txt(d.text(e, "text"))}
            for e in d.journal
        ],
    }


def render_report(d: CaseDetail, *, redacted: bool, made_by: str, made_on: date, pdfa: bool = False) -> bytes:
    from .pdf import render

    return render(template(), report_data(d, redacted=redacted, made_by=made_by, made_on=made_on), pdfa=pdfa)
