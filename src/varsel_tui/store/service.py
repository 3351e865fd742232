"""The store's operations: users, bodies, cases, steps, parties, journal.

Every write to a case runs in one transaction that checks and bumps the case's version, so two
officers editing the same case never overwrite each other silently. The workflow engine is the
only authority on what a step does; this layer persists its history and caches the replayed
metadata on the case row for the queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from ..domain.engine import CaseFacts, CaseState, EngineError, HistoryItem, Outcome, preview, replay
from ..domain.forms import Problem, validate
from ..domain.workflow import Workflow, WorkflowError
from ..domain.conditions import Context, evaluate
from .db import Location, StoreError, current_revision_sqlite, default_path, HEAD_REVISION, locate, make_engine, \
    prepare_sqlite_file, translate_error, upgrade
from .models import Body, Case, Draft, Hearing, History, JournalEntry, Measure, Member, Party, Setting, User
from .secrets import RECOVERY, RECOVERY_SETTING, SECRET, CaseLocked, CaseTampered, EnvelopeCodec, NoAccess, \
    user_recipient  # noqa: F401 - re-exported
from . import access, trust
from .retention import RetentionOps
from .trust import NotAdmin, Tampering  # noqa: F401 - re-exported
CLASSIFICATIONS = ("ordinær", "fortrolig", SECRET)
PARTY_ROLES = ("varsler", "fornærmede", "anklagede", "vitne", "melder", "student", "annen")


class NotFound(StoreError):
    pass


class ConcurrentEdit(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class NotApproved(StoreError):
    """Someone who is not (or no longer) an approved user tried to work with cases."""


class ValidationFailed(StoreError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems if p.severity == "error"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _today() -> date:
    from ..clock import today

    return today()


@dataclass
class CaseDetail:
    case: Case
    workflow: Workflow
    state: CaseState
    parties: list[Party]
    history: list[History]
    journal: list[JournalEntry]
    measures: list[Measure] = field(default_factory=list)
    hearings: list[Hearing] = field(default_factory=list)
    title: str | None = None  # plaintext title
    intake: dict[str, Any] = field(default_factory=dict)
    # Secret-capable columns of the rows above, opened while the key was at hand.
    texts: dict[tuple[str, int, str], str | None] = field(default_factory=dict)

    def text(self, row: Any, column: str) -> str | None:
        """A secret-capable column of one of this detail's rows, as plain text."""
        return self.texts.get((row.__tablename__, row.id, column))


def operation(fn):  # noqa: ANN001, ANN201
    """A public store call: keys made during it (a new case's, a new generation's) are forgotten
    when the outermost call returns."""
    import functools

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):  # noqa: ANN001, ANN202
        self.codec.depth += 1
        try:
            return fn(self, *args, **kwargs)
        finally:
            self.codec.depth -= 1
            if self.codec.depth == 0:
                self.codec.forget_fresh()
                if self._needs_checkpoint:
                    self.checkpoint()

    return wrapper


def _prelim_warn_from(due: date, working_days: int) -> date:
    from ..domain.calendar import is_working_day

    d, n = due, working_days
    while n > 0:
        d -= timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


class Store(RetentionOps):
    def __init__(self, loc: Location, engine):  # noqa: ANN001
        self.loc = loc
        self.engine = engine
        self.codec = EnvelopeCodec()
        self._needs_checkpoint = False
        self.unsealed_legacy: list[str] = []  # secret cases from before encryption nobody could be given

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True) -> "Store":
        loc = locate(db)
        try:
            if loc.is_sqlite:
                assert loc.path is not None
                if not create and not loc.path.exists():
                    raise StoreError(f"{loc.path}: no database there (run a command that creates it, e.g. "
                                     "'varsel user add NAME')")
                prepare_sqlite_file(loc.path, create_dir=(loc.path == default_path()))
                needs_upgrade = current_revision_sqlite(loc.path) != HEAD_REVISION
            else:
                needs_upgrade = True
            engine = make_engine(loc)
            if needs_upgrade:
                upgrade(engine)
            store = cls(loc, engine)
            if needs_upgrade or store._has_legacy():  # sealed once someone is approved to hold a key
                store.unsealed_legacy = store.seal_legacy_cases()
            return store
        except StoreError:
            raise
        except Exception as exc:  # SQLAlchemy/driver errors → one clear line
            raise translate_error(exc, loc) from None

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def _guard(self):  # noqa: ANN202
        return _Guard(self.loc)

    def _has_legacy(self) -> bool:
        with self._guard(), self.session() as s:
            return s.exec(select(Case.id).where(Case.classification == SECRET, Case.key_generation == 0)
                          .limit(1)).first() is not None

    @operation
    def seal_legacy_cases(self) -> list[str]:
        """Strictly secret cases a version before envelope encryption stored in plain: seal them now
        (the entitled users' public keys are enough). Returns those nobody could read, left as they are."""
        with self._guard(), self.session() as s:
            numbers = list(s.exec(select(Case.number).where(Case.classification == SECRET,
                                                            Case.key_generation == 0)))
        left = []
        for number in numbers:
            try:
                with self._guard(), self.session() as s:
                    case = s.exec(select(Case).where(Case.number == number)).one()
                    access.seal_existing(self, s, case, "varsel", why="forseglet ved oppgradering")
                    access.sync(self, s, case, "varsel")
                    s.commit()
            except StoreError:
                left.append(number)
            finally:
                self.codec.forget_fresh()
        return left

    def checkpoint(self, attempts: int = 30) -> bool:
        """Fold SQLite's WAL into the database and truncate it, so page images holding plaintext
        or keys that were overwritten (secure_delete) do not linger in the -wal file.

        Another connection's open read (a TUI polling its queue) blocks it for a moment, so it is
        retried; False if it never got through (the caller says so)."""
        import time

        self._needs_checkpoint = False
        if not self.loc.is_sqlite:
            return True
        for attempt in range(attempts):
            with self.engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            if not busy:
                return True
            time.sleep(0.1)
        self._needs_checkpoint = True  # try again after the next operation
        return False

    # -- unlocking -----------------------------------------------------------------------------
    def unlock(self, name: str, passphrase: str, *, idle_timeout: float | None = None) -> None:
        """Open `name`'s private key for this process (strictly secret cases become readable
        where they are entitled). WrongPassphrase (a StoreError) on a wrong passphrase."""
        from ..crypto.errors import FormatError, WrongPassphrase as BadPassphrase
        from ..crypto.session import DEFAULT_IDLE_TIMEOUT, UnlockSession, disable_core_dumps

        user = self.get_user(name)
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
        self.codec.lock()
        self.codec.session = session

    def unlock_recovery(self, secret_text: str) -> None:
        """Unlock with the organisation recovery key (a recipient of every strictly secret case)."""
        from ..crypto.errors import InvalidRecoveryKey
        from ..crypto.keys import load_recovery_key, public_bytes
        from ..crypto.session import UnlockSession, disable_core_dumps

        try:
            private = load_recovery_key(secret_text)
        except InvalidRecoveryKey as exc:
            raise StoreError(f"recovery key: {exc}") from None
        with self._guard(), self.session() as s:
            expected = access.recovery_public_key(s)
        if expected is None:
            raise StoreError("no recovery key is set up for this database ('varsel recovery init')")
        if public_bytes(private) != expected:
            raise WrongPassphrase("that is not this organisation's recovery key")
        disable_core_dumps()
        self.codec.lock()
        self.codec.session = UnlockSession(RECOVERY, private)

    def lock(self) -> None:
        """Forget every key this process holds."""
        self.codec.lock()

    @property
    def unlocked_as(self) -> str | None:
        """'user:NAME', 'recovery', or None while locked."""
        return self.codec.unlocked_as

    def init_recovery(self) -> str:
        """Make the organisation recovery key; returns its secret text (shown once, never stored).
        An unlocked administrator's act."""
        from ..crypto.keys import generate_recovery_key

        with self._guard(), self.session() as s:
            by, _ = trust.admin_key(s, self.codec, "set up the recovery key")
            if access.recovery_public_key(s) is not None:
                raise StoreError("a recovery key is already set up; it cannot be replaced here")
            public, text = generate_recovery_key()
            s.add(Setting(key=RECOVERY_SETTING, blob=public))
            self._journal(s, None, by, "recovery", "gjenopprettingsnøkkel opprettet")
            s.commit()
        return text

    def has_recovery(self) -> bool:
        with self._guard(), self.session() as s:
            return access.recovery_public_key(s) is not None

    @operation
    def sync_access(self, *, by: str) -> dict[str, list[str]]:
        """Bring every strictly secret case the unlocked key can open in line with entitlement
        (grants, revocations after a hearing ended or a member left, the recovery wrap).
        Returns {"synced": [...], "skipped": [...]} case numbers."""
        out: dict[str, list[str]] = {"synced": [], "skipped": []}
        with self._guard(), self.session() as s:
            numbers = list(s.exec(select(Case.number).where(Case.classification == SECRET).order_by(Case.number)))
        for number in numbers:
            try:
                with self._guard(), self.session() as s:
                    case = self._case(s, number)
                    if not self.codec.can_open(case):
                        out["skipped"].append(number)
                        continue
                    access.sync(self, s, case, by)
                    s.commit()
                out["synced"].append(number)
            except (CaseLocked, NoAccess):
                out["skipped"].append(number)
            finally:
                self.codec.forget_fresh()
        return out

    def access_list(self, number: str) -> dict[str, list[int]]:
        """Who holds a key to the case (recipient → key generations)."""
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            return access.recipients(s, case)

    # -- users and bodies --------------------------------------------------------------------
    def add_user(self, name: str, display_name: str = "", public_key: bytes | None = None,
                 sealed_private_key: bytes | None = None, *, private_key: Any = None) -> User:
        """Register `name` (self-service). With `private_key` (the X25519 key just made, never
        stored) their signing key is derived; the first user of a fresh database becomes its
        administrator and trust anchor, everyone else waits for an administrator's approval."""
        from ..crypto.signing import signing_public_bytes

        with self._guard(), self.session() as s:
            if s.exec(select(User).where(User.name == name)).first():
                raise StoreError(f"user '{name}' already exists")
            first = trust.anchor(s) is None and s.exec(select(func.count()).select_from(User)).one() == 0
            user = User(name=name, display_name=display_name or name, public_key=public_key,
                        sealed_private_key=sealed_private_key, created_at=_now(),
                        signing_public_key=signing_public_bytes(private_key) if private_key is not None else None)
            if first and private_key is not None:
                trust.make_anchor(s, user, private_key)
            s.add(user)
            self._journal(s, None, name, "user", f"bruker {name} registrert"
                          + (" som administrator (første bruker, tillitsanker)" if user.approval_sig else
                             ", venter på godkjenning"))
            s.commit()
            return user

    def register_user(self, name: str, passphrase: str, display_name: str = "",
                      kdf_params: dict[str, Any] | None = None) -> User:
        """A user with a new key pair sealed by `passphrase` (Argon2id calibrated to ~0.5 s)."""
        from ..crypto.keys import new_user_keys

        private, public, sealed = new_user_keys(passphrase, kdf_params)
        return self.add_user(name, display_name, public_key=public, sealed_private_key=sealed, private_key=private)

    def approve_user(self, name: str, role: str = "officer") -> User:
        """Approve a registered user (or change their role), signed by the unlocked administrator.

        A database from before approvals has users but no administrator: there, the first user
        to approve themselves as administrator becomes it (and the trust anchor)."""
        with self._guard(), self.session() as s:
            user = s.exec(select(User).where(User.name == name)).first()
            if user is None:
                raise NotFound(f"unknown user '{name}' (they register with 'varsel user add {name}')")
            root = trust.anchor(s)
            if root is None:
                if self.codec.unlocked_as != user_recipient(name) or role != "admin":
                    raise NotAdmin("this database has no administrator yet: the first to run "
                                   "'varsel user approve THEIR-NAME --role admin' becomes it")
                if self.codec.session.public_key != bytes(user.public_key or b""):
                    raise Tampering(f"{name}'s public key in the database is not the one that was unlocked")
                from ..crypto.signing import signing_public_bytes

                user.signing_public_key = signing_public_bytes(self.codec.session.private_key)
                trust.make_anchor(s, user, self.codec.session.private_key)
                by = name
            else:
                by, key = trust.admin_key(s, self.codec, "approve users")
                if user.signing_public_key and bytes(user.signing_public_key) == root and role != "admin":
                    raise StoreError(f"{name} is the first administrator (the trust anchor) and stays one")
                trust.sign_approval(user, role, by, key)
            s.add(user)
            self._journal(s, None, by, "user", f"{name} godkjent som {role}")
            s.commit()
            return user

    def check_anchor_pin(self) -> None:
        """Refuse a database whose trust anchor differs from the one this OS account pinned when it
        first used it (store/anchor_pin.py); pin it on first use."""
        from . import anchor_pin

        with self._guard(), self.session() as s:
            root = trust.anchor(s)
        anchor_pin.check(self.loc, root)

    def trust(self) -> "trust.Trust":
        """Approved users, signed memberships, and what does not verify (tampering)."""
        with self._guard(), self.session() as s:
            return trust.read(s)

    def require_approved(self, name: str, *, admin_for: str | None = None) -> None:
        """NotApproved unless `name` is an approved user; NotAdmin unless an administrator when
        `admin_for` (what they are about to do) is given."""
        with self._guard(), self.session() as s:
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

    def get_user(self, name: str) -> User:
        with self._guard(), self.session() as s:
            user = s.exec(select(User).where(User.name == name)).first()
            if user is None:
                raise NotFound(f"unknown user '{name}' (register with 'varsel user add {name}')")
            return user

    def update_user_keys(self, name: str, sealed_private_key: bytes) -> None:
        """The same key pair sealed under a new passphrase (the public keys stay as approved)."""
        from ..crypto.keys import sealed_public_key

        with self._guard(), self.session() as s:
            user = s.exec(select(User).where(User.name == name)).one()
            if sealed_public_key(sealed_private_key) != bytes(user.public_key or b""):
                raise StoreError("a new passphrase must seal the same key pair")
            user.sealed_private_key = sealed_private_key
            s.add(user)
            s.commit()

    def reset_user_keys(self, name: str, public_key: bytes, sealed_private_key: bytes, *,
                        signing_public_key: bytes) -> None:
        """A new key pair for a user who lost their passphrase (an unlocked administrator's act).
        Their old wraps open nothing now and are removed; `sync_access` with the recovery key wraps
        their cases for the new key. The administrator signs the user's approval again, and what
        the user signed as an administrator, since their signing key changes too."""
        from .models import CaseKey

        with self._guard(), self.session() as s:
            by, key = trust.admin_key(s, self.codec, "reset a user's keys")
            signed = trust.read(s)
            user = s.exec(select(User).where(User.name == name)).one()
            if user.signing_public_key and bytes(user.signing_public_key) == trust.anchor(s):
                raise StoreError(f"{name} is the first administrator: their key is the trust anchor and cannot "
                                 "be reset")
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
            user.signing_public_key = signing_public_key
            if name in signed.users:
                trust.sign_approval(user, user.role, by, key)
                for other in signed.users.values():  # approvals they signed were under the old key
                    if other.approved_by == name and other.name != name:
                        trust.sign_approval(other, other.role, by, key)
                        s.add(other)
                for body, m in s.exec(select(Body.name, Member).join(Member, Member.body_id == Body.id)
                                      .where(Member.signed_by == name)):
                    if m.person in signed.members.get(body, set()):
                        trust.sign_membership(m, body, by, key)
                        s.add(m)
            s.add(user)
            s.execute(delete(CaseKey).where(CaseKey.recipient == user_recipient(name)))
            self._journal(s, None, by, "user", f"ny nøkkel for {name} (passfrase tapt)")
            s.commit()

    def users(self) -> list[User]:
        with self._guard(), self.session() as s:
            return list(s.exec(select(User).order_by(User.name)))

    def ensure_body(self, name: str, title: str = "") -> Body:
        with self._guard(), self.session() as s:
            body = s.exec(select(Body).where(Body.name == name)).first()
        return body or self.add_body(name, title)

    def add_body(self, name: str, title: str = "") -> Body:
        """An unlocked administrator's act."""
        with self._guard(), self.session() as s:
            by, _ = trust.admin_key(s, self.codec, "add bodies")
            if s.exec(select(Body).where(Body.name == name)).first():
                raise StoreError(f"body '{name}' already exists")
            body = Body(name=name, title=title)
            s.add(body)
            self._journal(s, None, by, "body", f"organ {name} opprettet")
            s.commit()
            return body

    def _body(self, s: Session, name: str) -> Body:
        body = s.exec(select(Body).where(Body.name == name)).first()
        if body is None:
            raise NotFound(f"unknown body '{name}' (add it with 'varsel body add {name}')")
        return body

    def add_member(self, body_name: str, person: str) -> Member:
        """An unlocked administrator's act: the membership is signed with their key."""
        with self._guard(), self.session() as s:
            by, key = trust.admin_key(s, self.codec, "change bodies' members")
            body = self._body(s, body_name)
            m = s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first()
            if m is not None and person in trust.verified_members(s, body.name):
                raise StoreError(f"{person} is already a member of {body_name}")
            if m is None:  # else an unsigned row (from before signing, or put there behind the app's back)
                user = s.exec(select(User).where(User.name == person)).first()
                m = Member(body_id=body.id, person=person, user_id=user.id if user else None)
            trust.sign_membership(m, body.name, by, key)
            s.add(m)
            self._journal(s, None, by, "body", f"{person} lagt til i {body_name}")
            s.commit()
            return m

    def remove_member(self, body_name: str, person: str) -> None:
        """An unlocked administrator's act."""
        with self._guard(), self.session() as s:
            by, _ = trust.admin_key(s, self.codec, "change bodies' members")
            body = self._body(s, body_name)
            m = s.exec(select(Member).where(Member.body_id == body.id, Member.person == person)).first()
            if m is None:
                raise NotFound(f"{person} is not a member of {body_name}")
            s.delete(m)
            self._journal(s, None, by, "body", f"{person} fjernet fra {body_name}")
            s.commit()

    def bodies(self) -> list[tuple[Body, list[str]]]:
        with self._guard(), self.session() as s:
            out = []
            for b in s.exec(select(Body).order_by(Body.name)):
                members = [m.person for m in s.exec(select(Member).where(Member.body_id == b.id).order_by(Member.person))]
                out.append((b, members))
            return out

    def bodies_of(self, person: str) -> list[str]:
        with self._guard(), self.session() as s:
            rows = s.exec(select(Body.name).join(Member, Member.body_id == Body.id).where(Member.person == person))
            return sorted(rows)

    # -- cases -------------------------------------------------------------------------------
    def _workflow(self, workflow_id: str) -> Workflow:
        from .. import workflows

        return workflows.get(workflow_id)

    def _next_number(self, s: Session, year: int) -> tuple[int, str]:
        last = s.exec(select(func.max(Case.seq)).where(Case.year == year)).one()
        seq = (last or 0) + 1
        return seq, f"{year}-{seq:04d}"

    @operation
    def create_case(self, workflow_id: str, title: str, received: date, *, by: str,
                    classification: str | None = None, secret: bool = False,
                    intake: dict[str, Any] | None = None, parties: list[dict] | None = None,
                    linked_from: int | None = None) -> CaseDetail:
        wf = self._workflow(workflow_id)
        raw_intake = dict(intake or {})
        clean_intake, problems = validate(wf.intake.form, raw_intake, Context({}))
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ValidationFailed(errors)
        if not title.strip():
            raise StoreError("a case needs a title")
        classification = _classify(wf, clean_intake, classification, secret)
        for attempt in range(5):
            try:
                with self._guard(), self.session() as s:
                    seq, number = self._next_number(s, received.year)
                    case = Case(number=number, year=received.year, seq=seq, workflow_id=wf.id,
                                 classification=classification, received=received, created_by=by,
                                 created_at=_now(), updated_at=_now(), linked_from=linked_from)
                    access.start_keys(self, case)
                    self.codec.seal_row(case, case, "title", title)
                    self.codec.seal_row(case, case, "intake_json", json.dumps(clean_intake))
                    s.add(case)
                    s.flush()
                    for p in parties or []:
                        self._add_party(s, case, **p)
                    self._journal(s, case, by, "created", f"sak {number} opprettet ({wf.name})")
                    self._refresh(s, case, wf, by=by)
                    s.commit()
                    number_made = number
                break
            except IntegrityError:
                if attempt == 4:
                    raise StoreError("could not allocate a case number; try again") from None
        return self.get_case(number_made)

    def _add_party(self, s: Session, case: Case, role: str, name: str = "", anonymous: bool = False,
                   body: str | None = None) -> Party:
        if role not in PARTY_ROLES:
            raise StoreError(f"unknown party role '{role}' (use one of: {', '.join(PARTY_ROLES)})")
        if body:
            self._body(s, body)
        p = Party(case_id=case.id, role=role, anonymous=anonymous, concerns_body=body)
        s.add(p)
        s.flush()
        self.codec.seal_row(case, p, "name", name or None)
        return p

    def _concerned_bodies(self, s: Session, case: Case) -> list[str]:
        """Bodies the case concerns: an accused party that is a body, or a member of one."""
        found: set[str] = set()
        signed = None
        for p in s.exec(select(Party).where(Party.case_id == case.id, Party.role == "anklagede")):
            if p.concerns_body:
                found.add(p.concerns_body)
            name = (self.codec.open_row(case, p, "name") or "").strip()
            if name:
                # by user name or by an approved user's full name ("Nora Nordmann" is nora), signed
                # memberships only, names compared in Python (SQLite's lower() is ASCII-only)
                signed = signed or trust.read(s)
                people = trust.people_named(signed, name)
                found.update(body for body, members in signed.members.items() if members & people)
        return sorted(found)

    def _history_items(self, s: Session, case: Case) -> list[HistoryItem]:
        rows = s.exec(select(History).where(History.case_id == case.id).order_by(History.id))
        items = []
        for h in rows:
            answers = self.codec.open_row(case, h, "answers_json")
            items.append(HistoryItem(h.kind, h.ref, h.on_date, json.loads(answers) if answers else {}))
        return items

    def _facts(self, s: Session, case: Case) -> CaseFacts:
        intake = self.codec.open_row(case, case, "intake_json")
        concerns = set(c for c in case.concerns.split(",") if c)
        events = {"foreløpig_svar": case.prelim_sent} if case.prelim_sent else {}
        return CaseFacts(case.received, json.loads(intake) if intake else {}, lambda b: b in concerns, events)

    def _refresh(self, s: Session, case: Case, wf: Workflow, *, by: str = "") -> CaseState:
        """Replay the history, cache the queue's metadata on the case row, and bring the case's
        key wraps in line with who is entitled now."""
        case.concerns = ",".join(self._concerned_bodies(s, case))
        state = replay(wf, self._facts(s, case), self._history_items(s, case), _today())
        case.status, case.outcome, case.closed_on = state.status, state.outcome, state.closed_on
        if state.classification and CLASSIFICATIONS.index(state.classification) > CLASSIFICATIONS.index(case.classification):
            if state.classification == SECRET:
                access.seal_existing(self, s, case, by)
            else:
                case.classification = state.classification  # only ever raised, never lowered
        case.current_step = state.current
        case.current_step_title = wf.step(state.current).title if state.current else ""
        case.body = state.body
        case.due = state.current_due
        open_limits = [(st, spec) for st, spec in zip(state.statutory, wf.statutory) if not st.met and st.due]
        if open_limits:
            st, spec = min(open_limits, key=lambda x: x[0].due)
            case.statutory_due = st.due
            case.prelim_warn_from = _prelim_warn_from(st.due, spec.warn_working_days)
        else:
            case.statutory_due = case.prelim_warn_from = None
        case.search = self._search_text(s, case, wf)
        case.updated_at = _now()
        s.add(case)
        access.sync(self, s, case, by)
        return state

    def _search_text(self, s: Session, case: Case, wf: Workflow) -> str:
        parts = [case.number, wf.id, case.current_step or "", case.current_step_title, case.body or ""]
        if case.classification != SECRET:
            parts.append(case.title or "")
            parts.extend(p.name or "" for p in s.exec(select(Party).where(Party.case_id == case.id)))
        return " ".join(parts).lower()

    def _case(self, s: Session, number: str) -> Case:
        case = s.exec(select(Case).where(Case.number == number)).first()
        if case is None:
            raise NotFound(f"no case {number}")
        access.load_wraps(self, s, case)
        return case

    def _bump(self, s: Session, case: Case, expected_version: int | None) -> None:
        """Claim the case for this write; refuse if someone else changed it since it was read."""
        want = case.version if expected_version is None else expected_version
        res = s.execute(update(Case).where(Case.id == case.id, Case.version == want)
                        .values(version=want + 1))
        if res.rowcount != 1:
            raise ConcurrentEdit(f"case {case.number} was changed by someone else since you opened it; "
                                 "reload it and try again (nothing was saved)")
        case.version = want + 1
        # Whoever lost entitlement since the last write loses it before anything new is sealed.
        access.sync(self, s, case, "")

    @operation
    def get_case(self, number: str, *, viewer: str | None = None, how: str = "") -> CaseDetail:
        """The case with its history, decrypted if it is strictly secret (CaseLocked / NoAccess
        otherwise). With `viewer`, the view is recorded in the case's audit journal."""
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            detail = self._detail(s, case)
            if viewer is not None:
                self._journal(s, case, viewer, "view", f"saken lest{how}")
                s.commit()
            return detail

    def _detail(self, s: Session, case: Case) -> CaseDetail:
        wf = self._workflow(case.workflow_id)
        state = replay(wf, self._facts(s, case), self._history_items(s, case), _today())
        intake = self.codec.open_row(case, case, "intake_json")
        d = CaseDetail(
            case=case, workflow=wf, state=state,
            parties=list(s.exec(select(Party).where(Party.case_id == case.id).order_by(Party.id))),
            history=list(s.exec(select(History).where(History.case_id == case.id).order_by(History.id))),
            journal=list(s.exec(select(JournalEntry).where(JournalEntry.case_id == case.id).order_by(JournalEntry.id))),
            measures=list(s.exec(select(Measure).where(Measure.case_id == case.id).order_by(Measure.id))),
            hearings=list(s.exec(select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.id))),
            title=self.codec.open_row(case, case, "title"),
            intake=json.loads(intake) if intake else {},
        )
        for rows, column in ((d.parties, "name"), (d.history, "answers_json"), (d.journal, "text"),
                             (d.measures, "title"), (d.measures, "responsible"), (d.hearings, "question")):
            for row in rows:
                d.texts[(row.__tablename__, row.id, column)] = self.codec.open_row(case, row, column)
        return d

    def case_number(self, case_id: int) -> str | None:
        with self._guard(), self.session() as s:
            case = s.get(Case, case_id)
            return case.number if case else None

    @operation
    def preview_step(self, number: str, answers: dict[str, Any], on: date | None = None) -> Outcome:
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            wf = self._workflow(case.workflow_id)
            if case.current_step is None:
                raise StoreError(f"case {number} has no active step ({case.status})")
            return preview(wf, self._facts(s, case), self._history_items(s, case), case.current_step,
                           answers, on or _today())

    @operation
    def advance(self, number: str, answers: dict[str, Any], *, by: str, step_id: str | None = None,
                on: date | None = None, expected_version: int | None = None) -> tuple[CaseDetail, Outcome]:
        """Complete the active step with form answers; returns the new detail and what happened."""
        on = on or _today()
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            wf = self._workflow(case.workflow_id)
            current = case.current_step
            if current is None:
                raise StoreError(f"case {number} has no active step (it is {case.status})")
            if step_id is not None and step_id != current:
                raise StoreError(f"step {step_id} is not active in case {number} (active step: {current})")
            try:
                outcome = preview(wf, self._facts(s, case), self._history_items(s, case), current, answers, on)
            except EngineError as exc:
                raise StoreError(str(exc)) from None
            if not outcome.ok:
                raise ValidationFailed([p for p in outcome.problems if p.severity == "error"])
            self._bump(s, case, expected_version)
            payload = json.dumps(outcome.answers, ensure_ascii=False)
            h = History(case_id=case.id, kind="complete", ref=current, on_date=on, by=by, at=_now())
            s.add(h)
            s.flush()
            self.codec.seal_row(case, h, "answers_json", payload)
            step = wf.step(current)
            self._journal(s, case, by, "step", f"{current} {step.title}: fullført")
            if outcome.new_body:
                self._journal(s, case, by, "transfer", f"overført til {outcome.new_body}")
            state = self._refresh(s, case, wf, by=by)
            if outcome.spawn_workflow:
                self._spawn(s, case, outcome.spawn_workflow, by, on)
            if state.status != "open":
                self._journal(s, case, by, "closed", f"saken er {state.outcome}")
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail, outcome

    def _spawn(self, s: Session, case: Case, workflow_id: str, by: str, on: date) -> str:
        """Re-register the case as a new case of another workflow, linked both ways."""
        wf = self._workflow(workflow_id)
        seq, number = self._next_number(s, on.year)
        title = self.codec.open_row(case, case, "title") or ""
        new = Case(number=number, year=on.year, seq=seq, workflow_id=wf.id, received=on, created_by=by,
                   classification=_classify(wf, {}, None, case.classification == SECRET),
                   created_at=_now(), updated_at=_now(), linked_from=case.id)
        access.start_keys(self, new)
        self.codec.seal_row(new, new, "title", title)
        self.codec.seal_row(new, new, "intake_json", "{}")
        s.add(new)
        s.flush()
        for p in list(s.exec(select(Party).where(Party.case_id == case.id))):
            self._add_party(s, new, p.role, self.codec.open_row(case, p, "name") or "",
                            p.anonymous, p.concerns_body)
        case.linked_to = new.id
        s.add(case)
        self._journal(s, new, by, "spawned", f"omregistrert fra sak {case.number}")
        self._journal(s, case, by, "spawned", f"omregistrert som sak {number} ({wf.name})")
        # In the same transaction: if nobody could read the new secret case, nothing is saved.
        self._refresh(s, new, wf, by=by)
        return number

    @operation
    def act(self, number: str, action_id: str, *, by: str, on: date | None = None,
            expected_version: int | None = None) -> CaseDetail:
        """A case action outside the step order (withdraw / reopen a complaint)."""
        on = on or _today()
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            wf = self._workflow(case.workflow_id)
            try:
                action = wf.action(action_id)
            except KeyError:
                known = ", ".join(a.id for a in wf.actions) or "none"
                raise StoreError(f"workflow {wf.id} has no action '{action_id}' (actions: {known})") from None
            history = self._history_items(s, case) + [HistoryItem("action", action_id, on, {})]
            try:
                replay(wf, self._facts(s, case), history, on)
            except EngineError as exc:
                raise StoreError(str(exc)) from None
            self._bump(s, case, expected_version)
            h = History(case_id=case.id, kind="action", ref=action_id, on_date=on, by=by, at=_now())
            s.add(h)
            s.flush()
            self.codec.seal_row(case, h, "answers_json", "{}")
            self._journal(s, case, by, "action", action.title)
            self._refresh(s, case, wf, by=by)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def add_party(self, number: str, role: str, name: str = "", *, anonymous: bool = False,
                  body: str | None = None, by: str, expected_version: int | None = None) -> CaseDetail:
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            self._bump(s, case, expected_version)
            self._add_party(s, case, role, name, anonymous, body)
            s.flush()
            self._journal(s, case, by, "party", f"part lagt til: {role}" + (" (anonym)" if anonymous else ""))
            self._refresh(s, case, self._workflow(case.workflow_id), by=by)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def add_note(self, number: str, text: str, *, by: str, kind: str = "note",
                 expected_version: int | None = None) -> CaseDetail:
        if not text.strip():
            raise StoreError("an empty note was not saved")
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            self._bump(s, case, expected_version)
            self._journal(s, case, by, kind, text)
            case.updated_at = _now()
            s.add(case)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def add_measure(self, number: str, title: str, *, responsible: str = "", due: date | None = None,
                    by: str, expected_version: int | None = None) -> CaseDetail:
        """Tiltak: a corrective measure, who carries it out and by when."""
        if not title.strip():
            raise StoreError("a measure needs a description")
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            self._bump(s, case, expected_version)
            m = Measure(case_id=case.id, due=due)
            s.add(m)
            s.flush()
            self.codec.seal_row(case, m, "title", title)
            self.codec.seal_row(case, m, "responsible", responsible)
            self._journal(s, case, by, "measure", f"tiltak opprettet: {title}"
                          + (f" (ansvarlig {responsible}" + (f", frist {due.isoformat()})" if due else ")")
                             if responsible else ""))
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def complete_measure(self, number: str, measure_id: int, *, by: str, on: date | None = None) -> CaseDetail:
        on = on or _today()
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            m = s.get(Measure, measure_id)
            if m is None or m.case_id != case.id:
                raise NotFound(f"case {number} has no measure #{measure_id}")
            self._bump(s, case, None)
            m.done_on = on
            s.add(m)
            self._journal(s, case, by, "measure", f"tiltak #{measure_id} gjennomført {on.isoformat()}")
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def add_hearing(self, number: str, participants: list[str], ends_on: date, *, question: str = "",
                    by: str, expected_version: int | None = None) -> CaseDetail:
        """Høringsrunde: temporary access for others, until `ends_on`."""
        people = [p.strip() for p in participants if p.strip()]
        if not people:
            raise StoreError("a hearing needs at least one participant")
        if ends_on < _today():
            raise StoreError(f"a hearing cannot end in the past ({ends_on.isoformat()})")
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            self._bump(s, case, expected_version)
            h = Hearing(case_id=case.id, participants=",".join(people), ends_on=ends_on)
            s.add(h)
            s.flush()
            self.codec.seal_row(case, h, "question", question or None)
            self._journal(s, case, by, "hearing",
                          f"høringsrunde til {ends_on.isoformat()}: {', '.join(people)}")
            access.sync(self, s, case, by)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def close_hearing(self, number: str, hearing_id: int, *, by: str, on: date | None = None) -> CaseDetail:
        on = on or _today()
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            h = s.get(Hearing, hearing_id)
            if h is None or h.case_id != case.id:
                raise NotFound(f"case {number} has no hearing #{hearing_id}")
            self._bump(s, case, None)
            h.closed_on = on
            s.add(h)
            s.flush()
            self._journal(s, case, by, "hearing", f"høringsrunde #{hearing_id} avsluttet {on.isoformat()}")
            access.sync(self, s, case, by)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    @operation
    def record_preliminary_reply(self, number: str, *, by: str, on: date | None = None) -> CaseDetail:
        on = on or _today()
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            self._bump(s, case, None)
            case.prelim_sent = on
            self._journal(s, case, by, "prelim_reply", f"foreløpig svar sendt {on.isoformat()}")
            self._refresh(s, case, self._workflow(case.workflow_id), by=by)
            detail = self._detail(s, case)  # before commit: the writer may have just lost access
            s.commit()
        return detail

    def _journal(self, s: Session, case: Case | None, by: str, kind: str, text: str) -> None:
        """Append to the case's hash chain (cases without a case id share the global chain)."""
        from ..crypto.audit import chain_hash

        case_id = case.id if case is not None else None
        last = s.exec(select(JournalEntry.hash).where(JournalEntry.case_id == case_id)
                      .order_by(JournalEntry.id.desc()).limit(1)).first()
        e = JournalEntry(case_id=case_id, at=_now(), by=by, kind=kind)
        s.add(e)
        s.flush()  # the row id is part of the ciphertext's associated data
        if case is not None:
            self.codec.seal_row(case, e, "text", text)
        else:
            e.text = text
        e.prev_hash = last
        e.hash = chain_hash(last, audit_event(e))
        s.add(e)
        s.flush()

    def verify_audit(self) -> tuple[int, list[tuple[int, str | None]]]:
        """(entries checked, [(first broken entry id, case number) per broken chain])."""
        from ..crypto.audit import verify_chain

        broken: list[tuple[int, str | None]] = []
        with self._guard(), self.session() as s:
            entries = list(s.exec(select(JournalEntry).order_by(JournalEntry.case_id, JournalEntry.id)))
            chains: dict[int | None, list[JournalEntry]] = {}
            for e in entries:
                chains.setdefault(e.case_id, []).append(e)
            for case_id, rows in chains.items():
                bad = verify_chain([(audit_event(e), e.hash or "") for e in rows])
                if bad is not None:
                    number = s.get(Case, case_id).number if case_id is not None and s.get(Case, case_id) else None
                    broken.append((rows[bad].id, number))
        return len(entries), broken

    # -- drafts ------------------------------------------------------------------------------
    @operation
    def save_draft(self, number: str, step_id: str, user: str, answers: dict[str, Any]) -> None:
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            d = s.exec(select(Draft).where(Draft.case_id == case.id, Draft.step_id == step_id,
                                           Draft.user == user)).first() or Draft(case_id=case.id, step_id=step_id,
                                                                                 user=user, updated_at=_now())
            access.sync(self, s, case, user)  # a draft is new content too: revocations first
            s.add(d)
            s.flush()
            self.codec.seal_row(case, d, "answers_json", json.dumps(answers, ensure_ascii=False))
            d.updated_at = _now()
            s.add(d)
            s.commit()

    @operation
    def load_draft(self, number: str, step_id: str, user: str) -> dict[str, Any] | None:
        with self._guard(), self.session() as s:
            case = self._case(s, number)
            d = s.exec(select(Draft).where(Draft.case_id == case.id, Draft.step_id == step_id,
                                           Draft.user == user)).first()
            if d is None:
                return None
            text = self.codec.open_row(case, d, "answers_json")
            return json.loads(text) if text else None

    # -- lists -------------------------------------------------------------------------------
    def list_cases(self, *, status: str | None = None, workflow: str | None = None,
                   limit: int | None = None) -> list[Case]:
        with self._guard(), self.session() as s:
            q = select(Case)
            if status:
                q = q.where(Case.status == status)
            if workflow:
                q = q.where(Case.workflow_id == workflow)
            q = q.order_by(Case.due.is_(None), Case.due, Case.number)
            if limit:
                q = q.limit(limit)
            return list(s.exec(q))

    def due_cases(self, today: date, within_days: int = 7) -> Iterator[Case]:
        """Open cases whose current step is due within `within_days` or past, or that need a
        preliminary reply."""
        horizon = today + timedelta(days=within_days)
        with self._guard(), self.session() as s:
            q = select(Case).where(Case.status == "open").where(
                (Case.due <= horizon) | ((Case.prelim_warn_from <= today) & Case.prelim_sent.is_(None))
            ).order_by(Case.due)
            yield from s.exec(q)


def audit_event(e: JournalEntry) -> dict[str, Any]:
    """What the audit hash covers: everything in the entry but its own hashes."""
    import hashlib

    at = e.at.astimezone(timezone.utc).replace(tzinfo=None) if e.at.tzinfo else e.at
    return {"case": e.case_id, "at": at.isoformat(timespec="microseconds"), "by": e.by, "kind": e.kind,
            "text": e.text, "text_ct": hashlib.sha256(e.text_ct).hexdigest() if e.text_ct else None}


def _classify(wf: Workflow, intake: dict[str, Any], given: str | None, secret: bool) -> str:
    if secret:
        return SECRET
    if given:
        if given not in CLASSIFICATIONS:
            raise StoreError(f"unknown classification '{given}' (use one of: {', '.join(CLASSIFICATIONS)})")
        return given
    if wf.intake.secret_if is not None and evaluate(wf.intake.secret_if, Context(intake)):
        return SECRET
    return wf.intake.classification


class _Guard:
    """Turns driver errors raised inside a store call into one clear StoreError."""

    def __init__(self, loc: Location):
        self.loc = loc

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:  # noqa: ANN001
        if exc is None or isinstance(exc, (StoreError, WorkflowError)):
            return False
        if isinstance(exc, EngineError):
            raise StoreError(str(exc)) from None
        if isinstance(exc, (OperationalError, IntegrityError)) or type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            if isinstance(exc, IntegrityError):
                return False  # callers retry numbering on this
            raise translate_error(exc, self.loc) from None
        return False
