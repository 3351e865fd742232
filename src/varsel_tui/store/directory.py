"""Users, bodies and their members: who exists and who sits where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from . import journal
from .db import StoreError
from .errors import NotFound
from .models import Body, Case, CaseKey, Member, User
from .secrets import SECRET, user_recipient
from .unit import Db


def add_user(db: Db, name: str, display_name: str = "", public_key: bytes | None = None,
             sealed_private_key: bytes | None = None) -> User:
    def work(s: Session) -> User:
        if s.exec(select(User).where(User.name == name)).first():
            raise StoreError(f"user '{name}' already exists")
        user = User(name=name, display_name=display_name or name, public_key=public_key,
                    sealed_private_key=sealed_private_key, created_at=db.now())
        s.add(user)
        journal.append(db, s, None, name, "user", f"bruker {name} registrert")
        return user

    return db.writing(work)


def register_user(db: Db, name: str, passphrase: str, display_name: str = "",
                  kdf_params: dict[str, Any] | None = None) -> User:
    """A user with a new key pair sealed by `passphrase` (Argon2id calibrated to ~0.5 s)."""
    from ..crypto.keys import generate_user_keys

    public, sealed = generate_user_keys(passphrase, kdf_params)
    return add_user(db, name, display_name, public_key=public, sealed_private_key=sealed)


def get_user(db: Db, name: str) -> User:
    with db.reading() as s:
        user = s.exec(select(User).where(User.name == name)).first()
        if user is None:
            raise NotFound(f"unknown user '{name}' (register with 'varsel user add {name}')")
        return user


def update_user_keys(db: Db, name: str, sealed_private_key: bytes) -> None:
    def work(s: Session) -> None:
        user = s.exec(select(User).where(User.name == name)).one()
        user.sealed_private_key = sealed_private_key
        s.add(user)

    db.writing(work)


def reset_user_keys(db: Db, name: str, public_key: bytes, sealed_private_key: bytes, *, by: str) -> None:
    """A new key pair for a user who lost their passphrase. Their old wraps open nothing now and
    are removed; `sync_access` with the recovery key wraps their cases for the new key."""
    def work(s: Session) -> None:
        user = s.exec(select(User).where(User.name == name)).one()
        # Never leave a case without anyone who can open it.
        mine = s.exec(select(CaseKey.case_id, CaseKey.key_version).where(CaseKey.recipient == user_recipient(name)))
        for case_id, generation in set(mine):
            others = s.exec(select(func.count()).select_from(CaseKey).where(
                CaseKey.case_id == case_id, CaseKey.key_version == generation,
                CaseKey.recipient != user_recipient(name))).one()
            if not others:
                number = s.get(Case, case_id).number
                raise StoreError(f"{name} is the only key holder of case {number}: a reset would make it "
                                 "unreadable for good; set up a recovery key ('varsel recovery init') and run "
                                 "'varsel access sync' first, or let someone else with access change it")
        user.public_key, user.sealed_private_key = public_key, sealed_private_key
        s.add(user)
        s.execute(delete(CaseKey).where(CaseKey.recipient == user_recipient(name)))
        journal.append(db, s, None, by, "user", f"ny nøkkel for {name} (passfrase tapt)")

    db.writing(work)


def users(db: Db) -> list[User]:
    with db.reading() as s:
        return list(s.exec(select(User).order_by(User.name)))


def ensure_body(db: Db, name: str, title: str = "") -> Body:
    def work(s: Session) -> Body:
        body = s.exec(select(Body).where(Body.name == name)).first()
        if body is None:
            body = Body(name=name, title=title)
            s.add(body)
        return body

    return db.writing(work)


def add_body(db: Db, name: str, title: str = "") -> Body:
    def work(s: Session) -> Body:
        if s.exec(select(Body).where(Body.name == name)).first():
            raise StoreError(f"body '{name}' already exists")
        body = Body(name=name, title=title)
        s.add(body)
        return body

    return db.writing(work)


def find_body(s: Session, name: str) -> Body:
    body = s.exec(select(Body).where(Body.name == name)).first()
    if body is None:
        raise NotFound(f"unknown body '{name}' (add it with 'varsel body add {name}')")
    return body


def add_member(db: Db, body_name: str, person: str) -> Member:
    def work(s: Session) -> Member:
        body = find_body(s, body_name)
        if s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first():
            raise StoreError(f"{person} is already a member of {body_name}")
        user = s.exec(select(User).where(User.name == person)).first()
        m = Member(body_id=body.id, person=person, user_id=user.id if user else None)
        s.add(m)
        journal.append(db, s, None, db.actor or "", "body", f"{person} lagt til i {body_name}")
        s.flush()
        follow_membership(db, s, body_name)
        return m

    return db.writing(work)


def remove_member(db: Db, body_name: str, person: str) -> list[str]:
    """Take `person` out of the body. Their strictly secret cases are re-keyed at once where this
    process holds the key; the others are returned, for 'varsel access sync'."""
    def work(s: Session) -> list[str]:
        body = find_body(s, body_name)
        m = s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first()
        if m is None:
            raise NotFound(f"{person} is not a member of {body_name}")
        s.delete(m)
        journal.append(db, s, None, db.actor or "", "body", f"{person} fjernet fra {body_name}")
        s.flush()
        return follow_membership(db, s, body_name)

    return db.writing(work)


def follow_membership(db: Db, s: Session, body_name: str) -> list[str]:
    """After the body's members changed: the cases it handles or is concerned by get their access
    rows anew at commit, and their key wraps now where this process holds the key. Returns the
    strictly secret cases whose wraps are left for 'varsel access sync'."""
    from . import access, case_state

    pending = []
    for case in s.exec(select(Case).where((Case.body == body_name) | Case.concerns.contains(body_name))):
        if case.body != body_name and body_name not in case.concerns.split(","):
            continue
        case_state.touch(s, case)
        if case.classification == SECRET and case.key_generation:
            access.load_wraps(db, s, case)
            # A re-key records the case's state anew: never over data altered behind varsel's back.
            if db.codec.can_open(case) and not case_state.problems(s, case):
                access.sync(db, s, case, db.actor or "")
            else:
                pending.append(case.number)
    return sorted(pending)


def bodies(db: Db) -> list[tuple[Body, list[str]]]:
    with db.reading() as s:
        out = []
        for b in s.exec(select(Body).order_by(Body.name)):
            members = [m.person for m in s.exec(select(Member).where(Member.body_id == b.id).order_by(Member.person))]
            out.append((b, members))
        return out


def bodies_of(db: Db, person: str) -> list[str]:
    with db.reading() as s:
        rows = s.exec(select(Body.name).join(Member, Member.body_id == Body.id).where(Member.person == person))
        return sorted(rows)
