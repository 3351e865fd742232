"""Users, bodies and their members: who exists and who sits where.

Registering is self-service; everything else here is an administrator's act, signed with the
unlocked administrator's key (store/trust.py) and journalled under their name: approving users,
adding bodies, adding and removing members, resetting a user's keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from . import journal, trust
from .db import StoreError
from .errors import NotApproved, NotFound
from .models import Body, Case, CaseKey, Member, Setting, User, row_id
from .secrets import SECRET, user_recipient
from .server import grant_login, has_function
from .trust import NotAdmin, Tampering
from .unit import Db


def add_user(db: Db, name: str, display_name: str = "", public_key: bytes | None = None,
             sealed_private_key: bytes | None = None, *, private_key: Any = None) -> User:
    """Register `name` (self-service). With `private_key` (the X25519 key just made, never
    stored) their signing key is derived; the first user of a fresh database becomes its
    administrator and trust anchor, everyone else waits for an administrator's approval."""
    from ..crypto.signing import signing_public_bytes

    signing = signing_public_bytes(private_key) if private_key is not None else None

    def work(s: Session) -> User:
        if s.exec(select(User).where(User.name == name)).first():
            raise StoreError(f"user '{name}' already exists")
        first = trust.anchor(s) is None and _may_anchor(s)
        user = User(name=name, display_name=display_name or name, public_key=public_key,
                    sealed_private_key=sealed_private_key, created_at=db.now(), signing_public_key=signing)
        if first and private_key is not None:
            trust.make_anchor(s, user, private_key)
        s.add(user)
        journal.append(db, s, None, name, "user", f"bruker {name} registrert"
                       + (" som administrator (første bruker, tillitsanker)" if user.approval_sig else
                          ", venter på godkjenning"))
        return user

    return db.writing(work)


def _may_anchor(s: Session) -> bool:
    """Who registers first becomes the administrator: on a committee's server the login that
    `varsel server init --admin` made one (whoever registers before them waits for approval);
    elsewhere the first user of a fresh database."""
    if has_function(s, "varsel_is_admin()"):
        return bool(s.execute(text("SELECT varsel_is_admin()")).scalar())
    return s.exec(select(func.count()).select_from(User)).one() == 0


def register_user(db: Db, name: str, passphrase: str, display_name: str = "",
                  kdf_params: dict[str, Any] | None = None) -> User:
    """A user with a new key pair sealed by `passphrase` (Argon2id calibrated to ~0.5 s)."""
    from ..crypto.keys import new_user_keys

    private, public, sealed = new_user_keys(passphrase, kdf_params)
    return add_user(db, name, display_name, public_key=public, sealed_private_key=sealed, private_key=private)


def approve_user(db: Db, name: str, role: str = "officer") -> User:
    """Approve a registered user (or change their role), signed by the unlocked administrator.

    A database from before approvals has users but no administrator: there, the first user to
    approve themselves as administrator becomes it (and the trust anchor)."""
    def work(s: Session) -> User:
        user = s.exec(select(User).where(User.name == name)).first()
        if user is None:
            raise NotFound(f"unknown user '{name}' (they register with 'varsel user add {name}')")
        root = trust.anchor(s)
        if root is None:
            session = db.codec.session
            if db.codec.unlocked_as != user_recipient(name) or role != "admin":
                raise NotAdmin("this database has no administrator yet: the first to run "
                               "'varsel user approve THEIR-NAME --role admin' becomes it")
            if session.public_key != bytes(user.public_key or b""):
                raise Tampering(f"{name}'s public key in the database is not the one that was unlocked")
            from ..crypto.signing import signing_public_bytes

            user.signing_public_key = signing_public_bytes(session.private_key)
            trust.make_anchor(s, user, session.private_key)
            by = name
        else:
            by, key = trust.admin_key(s, db.codec, "approve users")
            if user.signing_public_key and bytes(user.signing_public_key) == root and role != "admin":
                raise StoreError(f"{name} is the first administrator (the trust anchor) and stays one")
            trust.sign_approval(user, role, by, key)
        s.add(user)
        if has_function(s, "varsel_grant_login(text, text)"):  # a committee's server: the login's role too
            grant_login(s, name, role)
        journal.append(db, s, None, by, "user", f"{name} godkjent som {role}")
        return user

    return db.writing(work)


def trust_state(db: Db) -> trust.Trust:
    """Approved users, signed memberships, and what does not verify (tampering)."""
    with db.reading() as s:
        return trust.read(s)


def require_approved(db: Db, name: str, *, admin_for: str | None = None) -> None:
    """NotApproved unless `name` is an approved user; NotAdmin unless an administrator when
    `admin_for` (what they are about to do) is given."""
    with db.reading() as s:
        signed = trust.read(s)
        if name in signed.users:
            if admin_for and signed.users[name].role != "admin":
                raise NotAdmin(f"only an administrator may {admin_for}; {name} is not one")
            return
        if admin_for and trust.anchor(s) is None:
            return  # a database from before approvals: approve_user decides
        user = s.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotApproved(f"{name} is not a registered user (register with 'varsel user add {name}')")
    if user.approval_sig or user.approved_by or user.approved_at:
        raise Tampering(f"{name}'s approval, role or keys were changed outside varsel; an administrator "
                        f"must approve {name} again")
    raise NotApproved(f"{name} is waiting for an administrator's approval ('varsel user approve {name}')")


def check_anchor_pin(db: Db) -> None:
    """Refuse a database whose trust anchor differs from the one this OS account pinned when it
    first used it (store/anchor_pin.py); pin it on first use."""
    from . import anchor_pin

    with db.reading() as s:
        root = trust.anchor(s)
    anchor_pin.check(db.loc, root)


def get_user(db: Db, name: str) -> User:
    with db.reading() as s:
        user = s.exec(select(User).where(User.name == name)).first()
        if user is None:
            raise NotFound(f"unknown user '{name}' (register with 'varsel user add {name}')")
        return user


def update_user_keys(db: Db, name: str, sealed_private_key: bytes) -> None:
    """The same key pair sealed under a new passphrase (the public keys stay as approved)."""
    from ..crypto.keys import sealed_public_key

    def work(s: Session) -> None:
        user = s.exec(select(User).where(User.name == name)).one()
        if sealed_public_key(sealed_private_key) != bytes(user.public_key or b""):
            raise StoreError("a new passphrase must seal the same key pair")
        user.sealed_private_key = sealed_private_key
        s.add(user)

    db.writing(work)


def reset_user_keys(db: Db, name: str, public_key: bytes, sealed_private_key: bytes, *,
                    signing_public_key: bytes) -> None:
    """A new key pair for a user who lost their passphrase (an unlocked administrator's act).
    Their old wraps open nothing now and are removed; `sync_access` with the recovery key wraps
    their cases for the new key. The administrator signs the user's approval again, and what the
    user signed as an administrator, since their signing key changes too."""
    def work(s: Session) -> None:
        by, key = trust.admin_key(s, db.codec, "reset a user's keys")
        signed = trust.read(s)
        user = s.exec(select(User).where(User.name == name)).one()
        if user.signing_public_key and bytes(user.signing_public_key) == trust.anchor(s):
            raise StoreError(f"{name} is the first administrator: their key is the trust anchor and cannot be "
                             "reset")
        # Never leave a case without anyone who can open it.
        mine = s.exec(select(CaseKey.case_id, CaseKey.key_version).where(CaseKey.recipient == user_recipient(name)))
        for case_id, generation in set(mine):
            others = s.exec(select(func.count()).select_from(CaseKey).where(
                CaseKey.case_id == case_id, CaseKey.key_version == generation,
                CaseKey.recipient != user_recipient(name))).one()
            if not others:
                case = s.get(Case, case_id)  # a key row's case exists (foreign key)
                number = case.number if case is not None else f"id {case_id}"
                raise StoreError(f"{name} is the only key holder of case {number}: a reset would make it "
                                 "unreadable for good; set up a recovery key ('varsel recovery init') and run "
                                 "'varsel access sync' first, or let someone else with access change it")
        user.public_key, user.sealed_private_key = public_key, sealed_private_key
        user.signing_public_key = signing_public_key
        if name in signed.users:
            trust.sign_approval(user, user.role, by, key)
            for other in signed.users.values():  # approvals they signed were under the old key
                if other.approved_by == name and other.name != name:
                    trust.sign_approval(other, other.role, by, key)
                    s.add(other)
            for body, m in s.exec(select(Body.name, Member).join(Member, col(Member.body_id) == Body.id)
                                  .where(Member.signed_by == name)):
                if m.person in signed.members.get(body, set()):
                    trust.sign_membership(m, body, by, key)
                    s.add(m)
        s.add(user)
        s.execute(delete(CaseKey).where(col(CaseKey.recipient) == user_recipient(name)))
        journal.append(db, s, None, by, "user", f"ny nøkkel for {name} (passfrase tapt)")

    db.writing(work)


def users(db: Db) -> list[User]:
    with db.reading() as s:
        return list(s.exec(select(User).order_by(User.name)))


def approved_users(db: Db) -> list[tuple[str, str]]:
    """(user name, full name) of the approved users: whom a form's `users` field may name."""
    with db.reading() as s:
        return sorted((name, u.display_name or "") for name, u in trust.verified_users(s).items())


def ensure_body(db: Db, name: str, title: str = "") -> Body:
    with db.reading() as s:
        body = s.exec(select(Body).where(Body.name == name)).first()
    return body or add_body(db, name, title)


def add_body(db: Db, name: str, title: str = "") -> Body:
    """An unlocked administrator's act."""
    def work(s: Session) -> Body:
        by, _ = trust.admin_key(s, db.codec, "add bodies")
        if s.exec(select(Body).where(Body.name == name)).first():
            raise StoreError(f"body '{name}' already exists")
        body = Body(name=name, title=title)
        s.add(body)
        journal.append(db, s, None, by, "body", f"organ {name} opprettet")
        return body

    return db.writing(work)


MAILBOX = "body_address."  # settings key prefix: a body's e-mail address, for the letters


def set_body_address(db: Db, name: str, address: str) -> None:
    """An unlocked administrator's act: the body's e-mail address for letters ('' removes it)."""
    from ..domain.letters import valid_address

    address = address.strip()
    if address and not valid_address(address):
        raise StoreError(f"'{address}' is not an e-mail address (name@domain.no)")

    def work(s: Session) -> None:
        by, _ = trust.admin_key(s, db.codec, "set bodies' addresses")
        find_body(s, name)
        row = s.get(Setting, MAILBOX + name)
        if address:
            row = row or Setting(key=MAILBOX + name)
            row.value = address
            s.add(row)
        elif row is not None:
            s.delete(row)
        journal.append(db, s, None, by, "body", f"e-postadresse for {name}: {address or '(ingen)'}")

    db.writing(work)


def body_addresses(s: Session) -> dict[str, str]:
    """Each body's e-mail address for letters, where the organisation has set one."""
    rows = s.exec(select(Setting).where(col(Setting.key).startswith(MAILBOX, autoescape=True)))
    return {r.key[len(MAILBOX):]: r.value for r in rows if r.value}


def find_body(s: Session, name: str) -> Body:
    body = s.exec(select(Body).where(Body.name == name)).first()
    if body is None:
        raise NotFound(f"unknown body '{name}' (add it with 'varsel body add {name}')")
    return body


def add_member(db: Db, body_name: str, person: str) -> Member:
    """An unlocked administrator's act: the membership is signed with their key."""
    def work(s: Session) -> Member:
        by, key = trust.admin_key(s, db.codec, "change bodies' members")
        body = find_body(s, body_name)
        m = s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first()
        if m is not None and person in trust.verified_members(s, body.name):
            raise StoreError(f"{person} is already a member of {body_name}")
        if m is None:  # else an unsigned row (from before signing, or put there behind the app's back)
            user = s.exec(select(User).where(User.name == person)).first()
            m = Member(body_id=row_id(body), person=person, user_id=user.id if user else None)
        trust.sign_membership(m, body.name, by, key)
        s.add(m)
        journal.append(db, s, None, by, "body", f"{person} lagt til i {body_name}")
        s.flush()
        trust.forget(s)  # the signed membership counts from here on in this transaction
        follow_membership(db, s, body_name)
        return m

    return db.writing(work)


def remove_member(db: Db, body_name: str, person: str) -> list[str]:
    """Take `person` out of the body (an unlocked administrator's act). Their strictly secret
    cases are re-keyed at once where this process holds the key; the others are returned, for
    'varsel access sync'."""
    def work(s: Session) -> list[str]:
        by, _ = trust.admin_key(s, db.codec, "change bodies' members")
        body = find_body(s, body_name)
        m = s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first()
        if m is None:
            raise NotFound(f"{person} is not a member of {body_name}")
        s.delete(m)
        journal.append(db, s, None, by, "body", f"{person} fjernet fra {body_name}")
        s.flush()
        trust.forget(s)
        return follow_membership(db, s, body_name)

    return db.writing(work)


def follow_membership(db: Db, s: Session, body_name: str) -> list[str]:
    """After the body's members changed: the cases it handles or is concerned by get their access
    rows anew at commit, and their key wraps now where this process holds the key. Returns the
    strictly secret cases whose wraps are left for 'varsel access sync'."""
    from . import access, case_state

    pending = []
    for case in s.exec(select(Case).where((col(Case.body) == body_name) | col(Case.concerns).contains(body_name))):
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
        rows = s.exec(select(Body.name).join(Member, col(Member.body_id) == Body.id).where(Member.person == person))
        return sorted(rows)
