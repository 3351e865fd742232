"""What a redacted (sensurert) report leaves out, as pure rules.

A redacted report is meant for people who may not learn who reported or testified (StInn 3.12
«en sensurert versjon», UiO's anonymised reporting). It leaves out:
- the answers to form fields the workflow marks `identifying = true` (a notifier's account,
  witnesses, contact details);
- anonymous parties' names, wherever they occur in free text (notes, answers, measures), so a
  name typed into a minute does not survive redaction.
The text itself is changed before anything is rendered: nothing to uncover under a black box.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .workflow import Workflow

REMOVED = "[fjernet]"
ANONYMOUS = "[anonym]"


def identifying_fields(wf: Workflow) -> set[str]:
    """Ids of the fields (intake and every step) the workflow marks as identifying."""
    forms = [wf.intake.form] + [s.form for s in wf.steps if s.form is not None]
    return {f.id for form in forms for f in form.fields if f.identifying}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def name_scrubber(names: Iterable[str]) -> "re.Pattern[str] | None":
    """One pattern matching any of `names` (case-insensitive, after NFC; whitespace inside a name
    may vary), longest first so «Kari Nordmann» goes before «Kari»; None without names."""
    parts = sorted({_nfc(n).strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not parts:
        return None
    alternatives = [r"\s+".join(re.escape(w) for w in p.split()) for p in parts]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def scrub(text: str, pattern: "re.Pattern[str] | None") -> str:
    """`text` with every match of `pattern` (anonymous parties' names) replaced by ANONYMOUS."""
    text = _nfc(text)
    return pattern.sub(ANONYMOUS, text) if pattern is not None else text
