"""Exports of a case to a file, shared by the CLI (`varsel report`, `varsel archive`) and the
TUI's palette commands: render, protect, write owner-only, and journal the export with the
file's SHA-256 — the file appears only once the journal has recorded it.

A strictly secret case leaves only password-protected (PasswordRequired without a password).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store.db import StoreError
from ..store.reads import CaseDetail

SECRET = "strengt_hemmelig"


class PasswordRequired(StoreError):
    """A strictly secret case's export needs a password."""


@dataclass
class Exported:
    path: str
    what: str  # as journalled, e.g. "sensurert rapport (PDF, passordbeskyttet)"
    sha256: str
    size: int
    signer: str | None = None


def needs_password(d: CaseDetail) -> bool:
    return d.case.classification == SECRET


def write_journalled(store: Any, number: str, *, by: str, what: str, path: str, data: bytes) -> Exported:
    """Write `data` to `path` (mode 0600) so that it appears only once the export is journalled;
    nothing is left behind when either fails."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise StoreError(f"{path} is a folder; give a file name")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent} is not a folder")
    sha = hashlib.sha256(data).hexdigest()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        store.record_export(number, by=by, what=what, sha256=sha)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Exported(str(target), what, sha, len(data))


def export_report(store: Any, d: CaseDetail, path: str, *, by: str, redacted: bool, password: str | None,
                  made_on: Any) -> Exported:
    """The case report as a PDF at `path` (AES-256 encrypted with `password`)."""
    from .report import render_report

    if needs_password(d) and not password:
        raise PasswordRequired(f"case {d.case.number} is strictly secret: it is exported only password-protected")
    pdf = render_report(d, redacted=redacted, made_by=by, made_on=made_on)
    if password:
        from .protect import encrypt_pdf

        pdf = encrypt_pdf(pdf, password)
    what = ("sensurert" if redacted else "full") + " rapport (PDF" + (", passordbeskyttet)" if password else ")")
    return write_journalled(store, d.case.number, by=by, what=what, path=path, data=pdf)


def export_archive(store: Any, d: CaseDetail, path: str, *, by: str, password: str | None, made_on: Any) -> Exported:
    """The signed archive package of a closed case at `path` (sealed with `password`). The store
    must be unlocked as `by`: the package is signed with their key."""
    from . import archive

    if d.state.status == "open":
        raise StoreError(f"case {d.case.number} is still open: only a closed case is archived")
    if needs_password(d) and not password:
        raise PasswordRequired(f"case {d.case.number} is strictly secret: its archive package is only made "
                               "password-protected")
    signer, key = store.signing_identity()
    if signer != by:
        raise StoreError(f"the package would be signed by {signer}, not by {by}; unlock as {by}")
    package = archive.build(store, d, by=signer, signing_key=key, made_on=made_on, password=password)
    what = "arkivpakke (zip, signert" + (", passordbeskyttet)" if password else ")")
    done = write_journalled(store, d.case.number, by=by, what=what, path=path, data=package)
    done.signer = signer
    return done
