"""Documents attached to a case: the written notification, evidence, minutes.

A file is read and checked whole before anything is stored (size, and a PDF must open with
pypdf and not be password-protected), so a refused file leaves nothing half-stored. A strictly
secret case's file name, SHA-256 and content are sealed with the case key like every other
field (the content with the envelope's bytes format); its PDF text is never kept. Other cases keep
a PDF's text, and it joins the case's search text (the queue filter finds a word in it).

Every add and every read of a document's content is a journal event.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlmodel import Session, col, select

from . import journal
from .db import StoreError
from .errors import NotFound
from .models import Case, Document, row_id
from .reads import load_case
from .secrets import SECRET, CaseTampered
from .unit import Db

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024  # a larger file is refused: the database is no file server
MAX_SEARCH_CHARS = 100_000  # of one PDF's text in the case's search text
PDF_MAGIC = b"%PDF-"


class DocumentRefused(StoreError):
    """The file cannot be attached as it is; nothing was stored."""


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    filename: str
    size: int
    sha256: str
    pages: int | None
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class _Checked:
    data: bytes
    sha256: str
    pages: int | None
    text: str | None


def _is_pdf(name: str, data: bytes) -> bool:
    return data.startswith(PDF_MAGIC) or name.lower().endswith(".pdf")


def read_pdf(name: str, data: bytes) -> tuple[int, str]:
    """(pages, text) of a PDF; DocumentRefused for a protected or unreadable one."""
    import logging

    from pypdf import PdfReader  # lazy: only attaching a PDF needs it

    # pypdf logs what it finds wrong with a damaged file, quoting its bytes, to stderr (Python's
    # last-resort handler): one refusal is the message, and a secret file's bytes stay out of logs.
    quiet, hush = logging.getLogger("pypdf"), logging.NullHandler()
    quiet.addHandler(hush)  # its modules' loggers stop here instead of reaching the last resort
    propagate, quiet.propagate = quiet.propagate, False
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentRefused(f"{name} is a password-protected PDF: attach an unprotected copy "
                                  "(nothing was stored)")
        pages = len(reader.pages)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except DocumentRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for a damaged file
        raise DocumentRefused(f"{name} is not a readable PDF ({type(exc).__name__}): it may be damaged or "
                              "truncated (nothing was stored)") from None
    finally:
        quiet.removeHandler(hush)
        quiet.propagate = propagate
    if pages == 0:
        raise DocumentRefused(f"{name} is a PDF without pages (nothing was stored)")
    return pages, text


def check_file(path: Path, *, secret: bool) -> _Checked:
    """Read and check the whole file before a transaction starts."""
    name = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DocumentRefused(f"{path}: not a regular file (nothing was stored)")
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentRefused(f"{name} is {size / 1024 / 1024:.0f} MB; documents larger than "
                                  f"{MAX_DOCUMENT_BYTES // 1024 // 1024} MB are not stored (nothing was stored)")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentRefused(f"{path}: cannot be read ({exc.strerror or exc}); nothing was stored") from None
    if not data:
        raise DocumentRefused(f"{name} is empty (nothing was stored)")
    if len(data) > MAX_DOCUMENT_BYTES:  # it grew while it was read
        raise DocumentRefused(f"{name} is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB (nothing was stored)")
    pages = text = None
    if _is_pdf(name, data):
        pages, text = read_pdf(name, data)
    return _Checked(data, hashlib.sha256(data).hexdigest(), pages, None if secret else text)


def _field(doc: Document) -> str:
    return f"documents.content:{row_id(doc)}"


def _info(db: Db, case: Case, d: Document) -> DocumentInfo:
    return DocumentInfo(id=row_id(d), filename=db.codec.open_row(case, d, "filename") or "", size=d.size,
                        sha256=db.codec.open_row(case, d, "sha256") or "", pages=d.pages, added_by=d.added_by,
                        added_at=d.added_at)


def _case_secret(db: Db, number: str) -> bool:
    with db.reading() as s:
        return load_case(db, s, number).classification == SECRET


def add_document(db: Db, number: str, path: str | Path, *, by: str) -> DocumentInfo:
    from .cases import refresh, touch

    path = Path(path)
    checked = check_file(path, secret=_case_secret(db, number))  # also: may `by` see the case at all

    def work(s: Session) -> DocumentInfo:
        case = load_case(db, s, number, for_update=True)
        touch(db, s, case)
        secret = case.classification == SECRET  # raised meanwhile: the text is dropped
        doc = Document(case_id=row_id(case), size=len(checked.data), pages=checked.pages,
                       text=None if secret else checked.text, added_by=by, added_at=db.now())
        s.add(doc)
        s.flush()  # the row id is part of the ciphertext's associated data
        db.codec.seal_row(case, doc, "filename", path.name)
        db.codec.seal_row(case, doc, "sha256", checked.sha256)
        if secret:
            doc.content_ct = db.codec.seal_bytes(case, _field(doc), checked.data)
        else:
            doc.content = checked.data
        s.add(doc)
        journal.append(db, s, case, by, "document",
                       f"dokument #{doc.id} lagt til: {path.name} ({len(checked.data)} byte"
                       + (f", {checked.pages} sider" if checked.pages else "") + f", SHA-256 {checked.sha256})")
        refresh(db, s, case, db.workflow(case.workflow_id), by=by)  # the search text
        return _info(db, case, doc)

    return db.writing(work)


def documents(db: Db, number: str) -> list[DocumentInfo]:
    with db.reading() as s:
        case = load_case(db, s, number)
        rows = s.exec(select(Document).where(Document.case_id == case.id).order_by(col(Document.id)))
        return [_info(db, case, d) for d in rows]


def document_bytes(db: Db, number: str, doc_id: int, *, by: str | None = None) -> bytes:
    """The document's content, checked against its SHA-256; the read is journalled."""
    def work(s: Session) -> bytes:
        case = load_case(db, s, number)
        d = s.get(Document, doc_id)
        if d is None or d.case_id != case.id:
            raise NotFound(f"case {number} has no document #{doc_id}")
        if d.content_ct is not None:
            data = db.codec.open_bytes(case, _field(d), d.content_ct)
        elif d.content is not None and case.classification != SECRET:
            data = bytes(d.content)
        else:
            raise CaseTampered(number, f"document #{doc_id} has no content of its kind")
        if hashlib.sha256(data).hexdigest() != db.codec.open_row(case, d, "sha256") or len(data) != d.size:
            raise CaseTampered(number, f"document #{doc_id}'s content does not match its SHA-256")
        name = db.codec.open_row(case, d, "filename") or ""
        journal.append(db, s, case, by or db.actor or "", "document", f"dokument #{doc_id} hentet: {name}")
        return data

    return db.writing(work)


def document_search_text(s: Session, case: Case) -> Iterator[str]:
    """File names and PDF text of a case that is not strictly secret, for its search text."""
    for name, text in s.exec(select(Document.filename, Document.text).where(Document.case_id == case.id)):
        yield name or ""
        yield (text or "")[:MAX_SEARCH_CHARS]


def seal_documents(db: Db, s: Session, case: Case) -> None:
    """A case raised to strictly secret: seal its documents and forget their text."""
    for d in s.exec(select(Document).where(Document.case_id == case.id)):
        for column in ("filename", "sha256"):
            db.codec.seal_row(case, d, column, getattr(d, column))
        if d.content is not None:
            d.content_ct, d.content = db.codec.seal_bytes(case, _field(d), bytes(d.content)), None
        d.text = None
        s.add(d)
