"""Who the organisation trusts: administrator-signed approvals and memberships.

The first user of a database is its administrator and its *trust anchor*: their Ed25519
signing public key (crypto/signing.py, derived from their X25519 key) is recorded in
`settings` under ``trust_anchor`` when they register. From then on:

- a user counts only when their approval — name, full name, role, X25519 public key, Ed25519
  public key and approval time — is signed by the anchor or by a user who counts and is an administrator;
- a membership counts only when (body, person, added_at) is signed by such an administrator.

Everything that decides access (store/access.py) reads users and members through
:func:`verified_users` and :func:`verified_members`, so a member row inserted behind the app's
back, a replaced public key or a role edited to ``admin`` gives nothing, and
:func:`problems` names it for `varsel audit verify`.

What the signatures do not cover: replaying an older signed row (a membership that was removed,
a role that was lowered, keys from before a reset) is accepted again; the organisation's
journal records every change. Whoever can replace the anchor *and* every signature (a database
writer with the anchor administrator's passphrase, or one who rewrites the anchor row) is not
stopped here: the anchor setting must be writable only by the database owner (PostgreSQL,
store/server.py) and the SQLite file only by its owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from .db import StoreError
from .models import Body, Member, Setting, User

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ANCHOR_SETTING = "trust_anchor"
ROLES = ("officer", "admin")
_APPROVAL = "varsel-tui/approval/v1"
_MEMBERSHIP = "varsel-tui/membership/v1"


class Tampering(StoreError):
    """Signed records do not verify: someone changed the database behind the app's back."""


class NotAdmin(StoreError):
    """An administrator's act by someone who is not an unlocked administrator."""


def signed_time() -> datetime:
    """Now, as stored with a signature: UTC, whole seconds (the same on both backends)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _ts(at: datetime) -> str:
    """How a stored time is signed: UTC without an offset (a naive value read back is UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="seconds")


def approval_record(name: str, display_name: str, role: str, public_key: bytes, signing_public_key: bytes,
                    approved_at: datetime) -> bytes:
    """The full name is signed too: the conflict rule matches accused parties by it."""
    from ..crypto.signing import record

    return record(_APPROVAL, name, display_name, role, bytes(public_key), bytes(signing_public_key), _ts(approved_at))


def membership_record(body: str, person: str, added_at: datetime) -> bytes:
    from ..crypto.signing import record

    return record(_MEMBERSHIP, body, person, _ts(added_at))


def anchor(s: Session) -> bytes | None:
    row = s.get(Setting, ANCHOR_SETTING)
    return bytes(row.blob) if row is not None and row.blob else None


@dataclass
class Trust:
    """One reading of the users and members tables, checked against the signatures."""

    users: dict[str, User] = field(default_factory=dict)  # verified users by name
    members: dict[str, set[str]] = field(default_factory=dict)  # body → verified members
    problems: list[str] = field(default_factory=list)  # tampering, one line each


def _approval_ok(u: User, signer_public: bytes | None) -> bool:
    from ..crypto.signing import verify

    if (u.role not in ROLES or not u.public_key or not u.signing_public_key or u.approved_at is None
            or signer_public is None):
        return False
    return verify(signer_public, u.approval_sig,
                  approval_record(u.name, u.display_name, u.role, u.public_key, u.signing_public_key, u.approved_at))


def read(s: Session) -> Trust:
    """Verify every approval (a chain from the anchor) and every membership. Read once per
    session (a store operation): the acts that change these tables do not read them afterwards."""
    cached = s.info.get("varsel.trust")
    if cached is None:
        cached = s.info["varsel.trust"] = _read(s)
    return cached


def forget(s: Session) -> None:
    """Read the tables again next time: this session has just changed a user or a membership."""
    s.info.pop("varsel.trust", None)


def _read(s: Session) -> Trust:
    from ..crypto.signing import verify

    root = anchor(s)
    everyone = list(s.exec(select(User).order_by(col(User.id))))
    trust = Trust()
    if root is not None:
        pending = [u for u in everyone if u.approval_sig]
        progress = True
        while progress:  # approvals chain: an administrator counts once their own approval does
            progress = False
            for u in list(pending):
                if u.approved_by == u.name:
                    signer = root if u.signing_public_key and bytes(u.signing_public_key) == root else None
                else:
                    admin = trust.users.get(u.approved_by or "")
                    signer = (bytes(admin.signing_public_key or b"") if admin is not None and admin.role == "admin"
                              else None)
                if _approval_ok(u, signer):
                    trust.users[u.name] = u
                    pending.remove(u)
                    progress = True
        if not any(u.signing_public_key and bytes(u.signing_public_key) == root for u in trust.users.values()):
            trust.problems.append("the first administrator's record (the trust anchor) has been altered")
    elif everyone:
        trust.problems.append("this database has users but no administrator yet: the first to run "
                              "'varsel user approve THEIR-NAME --role admin' becomes it")
    for u in everyone:
        if u.name in trust.users:
            continue
        if u.approval_sig or u.approved_by or u.approved_at:
            trust.problems.append(f"user {u.name}: the approval, role or keys are not signed by an administrator")
        elif u.role != "officer":
            trust.problems.append(f"user {u.name}: role {u.role} was never approved by an administrator")
    rows = s.exec(select(Body.name, Member).join(Member, col(Member.body_id) == Body.id).order_by(Body.name, Member.person))
    for body, m in rows:
        admin = trust.users.get(m.signed_by or "")
        ok = (admin is not None and admin.role == "admin" and m.added_at is not None
              and verify(bytes(admin.signing_public_key or b""), m.sig, membership_record(body, m.person, m.added_at)))
        if ok:
            trust.members.setdefault(body, set()).add(m.person)
        else:
            trust.problems.append(f"membership of {m.person} in {body} is not signed by an administrator")
    return trust


def verified_users(s: Session) -> dict[str, User]:
    return read(s).users


def verified_members(s: Session, body: str) -> set[str]:
    return set(read(s).members.get(body, set()))  # a copy: callers add to it


def problems(s: Session) -> list[str]:
    return read(s).problems


def people_named(signed: Trust, name: str) -> set[str]:
    """User names and member names that `name` denotes: itself, or an approved user's full name
    («Ørjan Ås» is orjan), compared after NFC and casefold."""
    from ..domain.names import name_key

    key = name_key(name)
    if not key:
        return set()
    people = {p for members in signed.members.values() for p in members if name_key(p) == key}
    people.update(u.name for u in signed.users.values() if key in (name_key(u.name), name_key(u.display_name)))
    return people


# -- acting as an administrator ------------------------------------------------------------------
def admin_key(s: Session, codec: Any, what: str) -> tuple[str, "Ed25519PrivateKey"]:
    """(name, signing key) of the administrator the codec is unlocked as; NotAdmin otherwise."""
    from ..crypto.signing import signing_key

    who = codec.unlocked_as
    if not who or not who.startswith("user:"):
        raise NotAdmin(f"only an administrator may {what}; unlock with your passphrase first")
    name = who.removeprefix("user:")
    user = verified_users(s).get(name)
    if user is None or user.role != "admin":
        raise NotAdmin(f"only an administrator may {what}; {name} is not one")
    key = signing_key(codec.session.private_key)
    if (codec.session.public_key != bytes(user.public_key or b"")
            or key.public_key().public_bytes_raw() != bytes(user.signing_public_key or b"")):
        raise Tampering(f"{name}'s keys in the database are not the ones that were approved")
    return name, key


def sign_approval(user: User, role: str, by: str, key: "Ed25519PrivateKey") -> None:
    """Approve `user` with `role`, signed by administrator `by` (the caller checked `by`)."""
    if role not in ROLES:
        raise StoreError(f"unknown role '{role}' (use one of: {', '.join(ROLES)})")
    if not user.public_key or not user.signing_public_key:
        raise StoreError(f"user {user.name} has no key pair; they register with 'varsel user add {user.name}'")
    at = signed_time()
    user.role, user.approved_by, user.approved_at = role, by, at
    user.approval_sig = key.sign(approval_record(user.name, user.display_name, role, user.public_key,
                                                 user.signing_public_key, at))


def sign_membership(m: Member, body: str, by: str, key: "Ed25519PrivateKey") -> None:
    at = signed_time()
    m.added_at, m.signed_by = at, by
    m.sig = key.sign(membership_record(body, m.person, at))


def make_anchor(s: Session, user: User, x25519_private: Any) -> None:
    """The first user of a fresh database: administrator, self-approved, and the trust anchor."""
    from ..crypto.signing import signing_key

    key = signing_key(x25519_private)
    s.add(Setting(key=ANCHOR_SETTING, blob=key.public_key().public_bytes_raw()))
    sign_approval(user, "admin", user.name, key)
