"""SQLModel tables. Schema changes go through Alembic (store/migrations).

Secret-capable columns come in pairs: `x` (plain, NULL for a strictly secret case) and `x_ct`
(ciphertext, NULL otherwise). The queue reads only plain metadata columns of `cases`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional, Protocol

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class _Stored(Protocol):
    id: Optional[int]


def row_id(row: _Stored) -> int:
    """A stored row's primary key. `id` is Optional only for a row not yet flushed; every caller
    passes a row read from or flushed to the database, so None here is a bug, not user input."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    display_name: str = ""
    public_key: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    sealed_private_key: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime
    role: str = "officer"  # officer | admin
    approved_at: Optional[datetime] = None  # None: registered, waiting for an administrator
    approved_by: Optional[str] = None
    # Ed25519: administrators sign approvals and membership changes with it.
    signing_public_key: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # An administrator's signature over (name, role, public keys, approval time).
    approval_sig: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Body(SQLModel, table=True):
    """An organisational body or role holder group: OU, KKV, a faculty's meldingsansvarlig, …"""

    __tablename__ = "bodies"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    title: str = ""


class Member(SQLModel, table=True):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("body_id", "person"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="bodies.id", index=True)
    person: str  # a user name or a plain person name
    user_id: Optional[int] = Field(default=None, foreign_key="users.id")
    added_at: Optional[datetime] = None
    signed_by: Optional[str] = None  # the administrator who signed the membership
    sig: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


VOID = "void"  # a case registered in error: kept, marked, out of the queue (store/corrections.py)


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("year", "seq"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True)  # 2026-0001
    year: int
    seq: int
    workflow_id: str = Field(index=True)
    classification: str = "fortrolig"  # ordinær | fortrolig | strengt_hemmelig
    title: Optional[str] = None
    title_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    intake_json: Optional[str] = None
    intake_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    received: date
    # Metadata derived from the workflow replay, kept so the queue needs no replay.
    status: str = Field(default="open", index=True)  # open | closed | withdrawn | void
    outcome: str = ""
    current_step: Optional[str] = None
    current_step_title: str = ""
    body: Optional[str] = Field(default=None, index=True)
    due: Optional[date] = Field(default=None, index=True)
    statutory_due: Optional[date] = None
    prelim_warn_from: Optional[date] = Field(default=None, index=True)
    prelim_sent: Optional[date] = None
    closed_on: Optional[date] = None
    concerns: str = ""  # comma-separated bodies the case concerns (conflict rule)
    search: str = ""  # lower-case number, title and party names — empty of secrets
    linked_from: Optional[int] = Field(default=None, foreign_key="cases.id")
    linked_to: Optional[int] = Field(default=None, foreign_key="cases.id")
    created_by: str = ""
    created_at: datetime
    updated_at: datetime
    version: int = 1  # optimistic concurrency: every write checks and bumps it
    # Strictly secret cases: the newest data key generation (0 = no keys). A re-key adds a
    # generation; every ciphertext names the generation that sealed it (store/secrets.py).
    key_generation: int = 0


class Party(SQLModel, table=True):
    __tablename__ = "parties"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    role: str  # varsler | fornærmede | anklagede | vitne | melder | innmelder | student
    name: Optional[str] = None
    name_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    anonymous: bool = False
    concerns_body: Optional[str] = None  # the party is this body (or a member of it)


class History(SQLModel, table=True):
    """Completed steps and case actions, in order: the engine replays these."""

    __tablename__ = "history"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str  # complete | action
    ref: str
    on_date: date
    answers_json: Optional[str] = None
    answers_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    by: str = ""
    at: datetime


class JournalEntry(SQLModel, table=True):
    """Every change is an event in the case's journal (hash-chained for the audit trail)."""

    __tablename__ = "journal"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: Optional[int] = Field(default=None, foreign_key="cases.id", index=True)
    at: datetime
    by: str = ""
    kind: str  # created | step | action | note | party | prelim_reply | spawned | transfer | view
    text: Optional[str] = None
    text_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    prev_hash: Optional[str] = None
    hash: Optional[str] = None
    state_digest: Optional[str] = None  # digest of the case's plain state after this event


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("case_id", "step_id", "user"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    step_id: str
    user: str
    answers_json: Optional[str] = None
    answers_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    updated_at: datetime


class Measure(SQLModel, table=True):
    """Tiltak: a corrective measure with who carries it out and by when."""

    __tablename__ = "measures"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    title: Optional[str] = None
    title_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    responsible: Optional[str] = ""
    responsible_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    due: Optional[date] = None
    done_on: Optional[date] = None


class Hearing(SQLModel, table=True):
    """Høringsrunde: temporary access for others until it ends."""

    __tablename__ = "hearings"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    participants: str  # comma-separated user names
    ends_on: date
    closed_on: Optional[date] = None
    question: Optional[str] = None
    question_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class CaseKey(SQLModel, table=True):
    """One generation of a case's data key wrapped for one recipient ("user:NAME" or "recovery")."""

    __tablename__ = "case_keys"
    __table_args__ = (UniqueConstraint("case_id", "recipient", "key_version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    recipient: str
    wrap: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    key_version: int = 1


class Setting(SQLModel, table=True):
    """Organisation-wide settings, e.g. the recovery public key."""

    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: Optional[str] = None
    blob: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class CaseStatistic(SQLModel, table=True):
    """What is left of a case destroyed under the retention rules: anonymous counts only."""

    __tablename__ = "case_statistics"
    id: Optional[int] = Field(default=None, primary_key=True)
    workflow_id: str = Field(index=True)
    year: int
    classification: str
    outcome: str = ""
    closed_month: Optional[str] = None  # YYYY-MM
    destroyed_on: date


class CaseAccess(SQLModel, table=True):
    """Who may see a case now (any classification), materialised by the app on every write from
    the workflow's entitlement; the queue filters on it and PostgreSQL row-level security enforces it."""

    __tablename__ = "case_access"
    __table_args__ = (UniqueConstraint("case_id", "user_name"), Index("ix_case_access_user_case", "user_name", "case_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    user_name: str
    until: Optional[date] = None  # a hearing participant's access ends after this day


class Presence(SQLModel, table=True):
    """Who has a case open, and whether they are filling in its step (refreshed while open)."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("case_id", "user_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    user_name: str
    activity: str  # "viewing" | "editing:STEP"
    seen_at: datetime


class Document(SQLModel, table=True):
    """A file attached to a case. A strictly secret case's file name, checksum and content are
    sealed with the case key (content as bytes, see store/documents.py); only other cases keep the
    text of a PDF, for the filter."""

    __tablename__ = "documents"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    filename: Optional[str] = None
    filename_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    sha256: Optional[str] = None  # of the plaintext
    sha256_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    size: int
    pages: Optional[int] = None  # PDFs only
    content: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    content_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    text: Optional[str] = None  # a PDF's text; never kept for a strictly secret case
    added_by: str = ""
    added_at: datetime


class Letter(SQLModel, table=True):
    """A letter drafted on the case from a template (data/letters): when a step that names it is
    completed, or when the case needs a preliminary reply. The officer edits the free text and
    marks it sent; a sent letter is frozen and carries the SHA-256 of its .eml."""

    __tablename__ = "letters"
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    template_id: str
    title: str = ""
    step_id: str = ""  # the step that made it; "" for a preliminary reply
    status: str = "draft"  # draft | sent
    created_at: datetime
    created_by: str = ""
    subject: Optional[str] = None
    subject_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    body: Optional[str] = None  # the full text as rendered from the template and the free text
    body_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    free_text: Optional[str] = None
    free_text_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    values_json: Optional[str] = None  # the case values the template was rendered with
    values_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    recipients_json: Optional[str] = None  # {"to": [...], "cc": [...], "bcc": [...]}
    recipients_ct: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    sent_on: Optional[date] = None
    sent_by: Optional[str] = None
    checksum: Optional[str] = None  # SHA-256 of the sent .eml
