"""This process's keys: unlocking as a user or with the recovery key, setting up the recovery
key, and bringing strictly secret cases' key wraps in line with entitlement (store/access.py
holds the entitlement rules)."""

from __future__ import annotations

from sqlmodel import Session, select

from . import access, journal
from .db import StoreError
from .directory import get_user
from .errors import WrongPassphrase
from .models import Case, Setting
from .reads import load_case
from .secrets import RECOVERY, RECOVERY_SETTING, SECRET, CaseLocked, CaseTampered, NoAccess, user_recipient
from .trust import admin_key
from .unit import Db


def has_legacy(db: Db) -> bool:
    """Strictly secret cases still in plain (from before encryption, nobody approved to hold a key)."""
    with db.reading() as s:
        return s.exec(select(Case.id).where(Case.classification == SECRET, Case.key_generation == 0)
                      .limit(1)).first() is not None


def seal_legacy_cases(db: Db) -> list[str]:
    """Strictly secret cases a version before envelope encryption stored in plain: seal them now
    (the entitled users' public keys are enough). Returns those nobody could read, left as they are."""
    with db.reading() as s:
        numbers = list(s.exec(select(Case.number).where(Case.classification == SECRET, Case.key_generation == 0)))
    left = []
    for number in numbers:
        def work(s: Session, number: str = number) -> None:
            case = s.exec(select(Case).where(Case.number == number)).one()
            access.seal_existing(db, s, case, "varsel", why="forseglet ved oppgradering")
            access.sync(db, s, case, "varsel")

        try:
            db.writing(work)
        except StoreError:
            left.append(number)
        finally:
            db.codec.forget_fresh()
    return left


def unlock(db: Db, name: str, passphrase: str, *, idle_timeout: float | None = None) -> None:
    """Open `name`'s private key for this process (strictly secret cases become readable
    where they are entitled). WrongPassphrase (a StoreError) on a wrong passphrase."""
    from ..crypto.errors import FormatError
    from ..crypto.errors import WrongPassphrase as BadPassphrase
    from ..crypto.session import DEFAULT_IDLE_TIMEOUT, UnlockSession, disable_core_dumps

    user = get_user(db, name)
    if not user.sealed_private_key:
        raise StoreError(f"user {name} has no key pair (register again with 'varsel user add')")
    try:
        session = UnlockSession.unlock(user_recipient(name), bytes(user.sealed_private_key), passphrase,
                                       idle_timeout=idle_timeout or DEFAULT_IDLE_TIMEOUT)
    except BadPassphrase:
        raise WrongPassphrase(f"wrong passphrase for {name}") from None
    except FormatError:
        raise StoreError(f"{name}'s stored key is damaged or of an unknown format") from None
    disable_core_dumps()  # keys live in this process's memory from now on
    db.codec.lock()
    db.codec.session = session


def unlock_recovery(db: Db, secret_text: str) -> None:
    """Unlock with the organisation recovery key (a recipient of every strictly secret case)."""
    from ..crypto.errors import InvalidRecoveryKey
    from ..crypto.keys import load_recovery_key, public_bytes
    from ..crypto.session import UnlockSession, disable_core_dumps

    try:
        private = load_recovery_key(secret_text)
    except InvalidRecoveryKey as exc:
        raise StoreError(f"recovery key: {exc}") from None
    with db.reading() as s:
        expected = access.recovery_public_key(s)
    if expected is None:
        raise StoreError("no recovery key is set up for this database ('varsel recovery init')")
    if public_bytes(private) != expected:
        raise WrongPassphrase("that is not this organisation's recovery key")
    disable_core_dumps()
    db.codec.lock()
    db.codec.session = UnlockSession(RECOVERY, private)


def init_recovery(db: Db) -> str:
    """Make the organisation recovery key; returns its secret text (shown once, never stored).
    An unlocked administrator's act."""
    from ..crypto.keys import generate_recovery_key

    def work(s: Session) -> str:
        by, _ = admin_key(s, db.codec, "set up the recovery key")
        if access.recovery_public_key(s) is not None:
            raise StoreError("a recovery key is already set up; it cannot be replaced here")
        public, text = generate_recovery_key()
        s.add(Setting(key=RECOVERY_SETTING, blob=public))
        journal.append(db, s, None, by, "recovery", "gjenopprettingsnøkkel opprettet")
        return text

    return db.writing(work)


def has_recovery(db: Db) -> bool:
    with db.reading() as s:
        return access.recovery_public_key(s) is not None


def sync_access(db: Db, *, by: str) -> dict[str, list[str]]:
    """Bring every strictly secret case the unlocked key can open in line with entitlement
    (grants, revocations after a hearing ended or a member left, the recovery wrap).
    Returns {"synced": [...], "skipped": [...]} case numbers."""
    out: dict[str, list[str]] = {"synced": [], "skipped": []}
    with db.reading() as s:
        numbers = list(s.exec(select(Case.number).where(Case.classification == SECRET).order_by(Case.number)))
    for number in numbers:
        def work(s: Session, number: str = number) -> bool:
            # Only what this key opens is touched, so no access check (and no refusal to journal).
            case = load_case(db, s, number, check_access=False)
            if not db.codec.can_open(case):
                return False
            access.sync(db, s, case, by)
            return True

        try:
            out["synced" if db.writing(work) else "skipped"].append(number)
        except (CaseLocked, NoAccess, CaseTampered):  # an altered case is reported by 'audit verify'
            out["skipped"].append(number)
        finally:
            db.codec.forget_fresh()
    return out


def access_list(db: Db, number: str) -> dict[str, list[int]]:
    """Who holds a key to the case (recipient → key generations)."""
    with db.reading() as s:
        return access.recipients(s, load_case(db, s, number))
