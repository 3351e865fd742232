"""A letter as an RFC 5322 message (.eml): UTF-8 text, To/Cc/Bcc, attachments.

Deterministic for a given letter and date (the Message-ID is derived from the case and letter,
the Date from the letter's date), so a sent letter's checksum can be recomputed from what is
stored. A draft carries `X-Unsent: 1`, which makes Outlook open it as a message to send;
Thunderbird opens it with «Rediger som ny». The Bcc header stays in the file: it is the
officer's draft, and their mail client removes Bcc before delivery.
"""

from __future__ import annotations

import mimetypes
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from .letters import Recipients


def build(*, number: str, letter_id: int, subject: str, body: str, recipients: Recipients, on: date,
          sender: str = "", draft: bool = True, attachments: list[tuple[str, bytes]] | None = None) -> bytes:
    msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    if sender:
        msg["From"] = sender
    for header in ("to", "cc", "bcc"):
        people = getattr(recipients, header)
        if people:
            msg[header.capitalize()] = ", ".join(r.header() for r in people)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.combine(on, time(12, 0), ZoneInfo("Europe/Oslo")))
    msg["Message-ID"] = f"<varsel.{number}.{letter_id}@varsel.invalid>"
    if draft:
        msg["X-Unsent"] = "1"
    msg.set_content(body, subtype="plain", charset="utf-8")
    for name, data in attachments or []:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)
