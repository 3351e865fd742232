"""Exports of a case (a report, an archive package) as journal events: what left the app, in
which form, by whom, and the SHA-256 of the file that was written, so a copy found later can be
matched to its export (StInn 6.3: copies outside the archive are to be shredded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from . import journal, trust
from .db import StoreError
from .reads import load_case
from .unit import Db

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

EXPORT_KIND = "export"


def record_export(db: Db, number: str, *, by: str, what: str, sha256: str) -> None:
    """Journal an export of case `number` (access checked as for any read of the case)."""

    def work(s: Session) -> None:
        case = load_case(db, s, number, viewer=by)
        journal.append(db, s, case, by, EXPORT_KIND, f"eksportert: {what}; SHA-256 {sha256}")

    db.writing(work)


def signing_identity(db: Db) -> tuple[str, "Ed25519PrivateKey"]:
    """(name, Ed25519 signing key) of the unlocked user, who must be approved (their approval
    chains to the trust anchor) and hold the keys that were approved; StoreError otherwise."""
    from ..crypto.signing import signing_key

    who = db.codec.unlocked_as
    if not who or not who.startswith("user:"):
        raise StoreError("signing an archive package needs your passphrase (unlock first)")
    name = who.removeprefix("user:")
    with db.reading() as s:
        user = trust.verified_users(s).get(name)
    if user is None:
        raise StoreError(f"{name} is not an approved user, so cannot sign an archive package")
    key = signing_key(db.codec.session.private_key)
    if key.public_key().public_bytes_raw() != bytes(user.signing_public_key or b""):
        raise trust.Tampering(f"{name}'s keys in the database are not the ones that were approved")
    return name, key


def verified_signing_key(db: Db, name: str) -> bytes | None:
    """The Ed25519 public key of `name` if their approval chains to the trust anchor, else None."""
    with db.reading() as s:
        user = trust.verified_users(s).get(name)
    return bytes(user.signing_public_key) if user is not None and user.signing_public_key else None
