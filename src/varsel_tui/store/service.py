"""The store's one entry point: `Store`, a thin facade over the store modules.

    unit.py       the database, the key codec and the unit of work (reading(), writing())
    directory.py  users, bodies, members
    journal.py    the audit hash chains: append, verify
    cases.py      writing cases: create, steps, actions, parties, notes, measures, hearings, drafts
    reads.py      read models: case detail, lists, due cases, step preview
    keyring.py    unlocking, the recovery key, syncing key wraps (rules in access.py)
    exports.py    exports of a case (reports, archive packages) as journal events
    retention.py  retention periods, destroying expired cases, statistics, the audit log
    changes.py    the change feed other officers' TUIs follow (data_version, LISTEN/NOTIFY)
    presence.py   who has a case open, and who is filling in its step
    corrections.py  amending intake and parties, withdrawing parties and measures, voiding a case
    documents.py  files attached to a case

Every public call is an *operation*: keys made during it (a new case's, a new generation's) are
forgotten when the outermost call returns, and a pending WAL checkpoint runs then.

The thread seam. The TUI calls the store from thread workers (and now and then from the event
loop), so one `Store` is shared by threads. Each public call holds the store's one re-entrant
lock from start to end: calls run one at a time, a call may call others, and the codec's shared
state (the unlock session, this user's wraps) only changes under the lock. An operation's fresh
keys and depth are thread-local in the codec as well. `lock()` takes the same lock, so the UI
thread locking the session waits for the running call to finish and no call ever sees half-
forgotten keys. Keep store calls short on the event loop: they may wait for a worker's call
(a write retried on a busy database waits up to a few seconds). `due_cases` streams its rows
outside the lock: it opens no keys and uses its own session.
"""

from __future__ import annotations

import functools
import threading
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

from sqlmodel import Session

from ..domain.engine import Outcome
from ..domain.policy import CLASSIFICATIONS, PARTY_ROLES  # noqa: F401 - re-exported
from . import case_state, cases, corrections, directory, exports, journal, keyring, letters, reads, retention
from . import documents as document_store
from .access import NoCaseAccess  # noqa: F401 - re-exported
from .db import (
    HEAD_REVISION,
    Location,
    StoreError,
    current_revision_sqlite,
    default_path,
    locate,
    make_engine,
    prepare_sqlite_file,
    translate_error,
    upgrade,
)
from .documents import DocumentInfo, DocumentRefused  # noqa: F401 - re-exported
from .errors import ConcurrentEdit, NotApproved, NotFound, ValidationFailed, WrongPassphrase  # noqa: F401 - re-exported
from .journal import audit_event  # noqa: F401 - re-exported
from .letters import LetterInfo  # noqa: F401 - re-exported
from .models import Body, Case, CaseStatistic, Member, User
from .reads import CaseDetail
from .secrets import RECOVERY, RECOVERY_SETTING, SECRET, CaseLocked, CaseTampered, NoAccess, user_recipient  # noqa: F401, E501 - re-exported
from .trust import NotAdmin, Tampering, Trust  # noqa: F401 - re-exported
from .unit import Db

if TYPE_CHECKING:
    from .foresight import Foresight

F = TypeVar("F", bound=Callable[..., Any])


def _now() -> datetime:
    """The store's clock for timestamps (tests fix it by replacing this function)."""
    return datetime.now(timezone.utc)


def operation(fn: F) -> F:
    """A public store call (see the module docstring)."""
    @functools.wraps(fn)
    def wrapper(self: "Store", *args: Any, **kwargs: Any) -> Any:
        codec = self.db.codec
        with self.calls:
            codec.depth += 1
            try:
                return fn(self, *args, **kwargs)
            except NoCaseAccess as exc:
                if codec.depth == 1:  # the outermost call: its transaction is over
                    reads.record_refusal(self.db, exc)
                raise
            finally:
                codec.depth -= 1
                if codec.depth == 0:
                    codec.forget_fresh()
                    if self.db.needs_checkpoint:
                        self.db.checkpoint()

    return wrapper  # type: ignore[return-value]


class Store:
    def __init__(self, loc: Location, engine: Any):
        self.db = Db(loc, engine)
        self.calls = threading.RLock()  # held around every public call: the thread seam above
        self.db.now = lambda: _now()  # looked up at each call, so a replaced _now is the one used
        self.unsealed_legacy: list[str] = []  # secret cases from before encryption nobody could be given

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True, actor: str | None = None) -> "Store":
        """Open (and upgrade) the database. `actor`: the user this process acts for — every case is
        shown and changed only as far as they are entitled to it (None: trusted code, e.g. tests)."""
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
            if needs_upgrade or keyring.has_legacy(store.db):  # sealed once someone is approved to hold a key
                store.unsealed_legacy = store.seal_legacy_cases()
            with store.db.reading() as s:  # once per database: cases from before get their state recorded
                adopt = case_state.needs_adoption(s)
            if adopt:
                store.db.writing(lambda s: case_state.adopt_existing(store.db, s))
            store.actor = actor
            # PostgreSQL: every write tells open TUIs which case changed (LISTEN/NOTIFY).
            from .changes import notify_on_commit

            return notify_on_commit(store)
        except StoreError:
            raise
        except Exception as exc:  # SQLAlchemy/driver errors → one clear line
            raise translate_error(exc, loc) from None

    @property
    def loc(self) -> Location:
        return self.db.loc

    @property
    def engine(self) -> Any:
        return self.db.engine

    @engine.setter
    def engine(self, engine: Any) -> None:
        self.db.engine = engine

    @property
    def codec(self) -> Any:
        return self.db.codec

    @property
    def actor(self) -> str | None:
        """Whom this process acts for (see `open`)."""
        return self.db.actor

    @actor.setter
    def actor(self, name: str | None) -> None:
        self.db.actor = name

    def session(self) -> Session:
        return self.db.session()

    def close(self) -> None:
        with self.calls:
            self.db.engine.dispose()

    @operation
    def seal_legacy_cases(self) -> list[str]:
        return keyring.seal_legacy_cases(self.db)

    def checkpoint(self, attempts: int = 30) -> bool:
        with self.calls:
            return self.db.checkpoint(attempts)

    # -- keys ----------------------------------------------------------------------------------
    @operation
    def unlock(self, name: str, passphrase: str, *, idle_timeout: float | None = None) -> None:
        keyring.unlock(self.db, name, passphrase, idle_timeout=idle_timeout)
        if self.db.actor is None:
            self.db.actor = name  # whoever unlocks acts as themselves

    @operation
    def unlock_recovery(self, secret_text: str) -> None:
        keyring.unlock_recovery(self.db, secret_text)

    def lock(self) -> None:
        """Forget every key this process holds (after the running call, if any, has finished)."""
        with self.calls:
            self.db.codec.lock()

    @property
    def unlocked_as(self) -> str | None:
        """'user:NAME', 'recovery', or None while locked."""
        return self.db.codec.unlocked_as

    @operation
    def init_recovery(self) -> str:
        """An unlocked administrator's act."""
        return keyring.init_recovery(self.db)

    @operation
    def has_recovery(self) -> bool:
        return keyring.has_recovery(self.db)

    @operation
    def sync_access(self, *, by: str) -> dict[str, list[str]]:
        return keyring.sync_access(self.db, by=by)

    @operation
    def access_list(self, number: str) -> dict[str, list[int]]:
        return keyring.access_list(self.db, number)

    # -- users and bodies --------------------------------------------------------------------
    @operation
    def add_user(self, name: str, display_name: str = "", public_key: bytes | None = None,
                 sealed_private_key: bytes | None = None, *, private_key: Any = None) -> User:
        return directory.add_user(self.db, name, display_name, public_key, sealed_private_key,
                                  private_key=private_key)

    @operation
    def approve_user(self, name: str, role: str = "officer") -> User:
        return directory.approve_user(self.db, name, role)

    @operation
    def trust(self) -> Trust:
        return directory.trust_state(self.db)

    @operation
    def require_approved(self, name: str, *, admin_for: str | None = None) -> None:
        directory.require_approved(self.db, name, admin_for=admin_for)

    @operation
    def check_anchor_pin(self) -> None:
        directory.check_anchor_pin(self.db)

    @operation
    def register_user(self, name: str, passphrase: str, display_name: str = "",
                      kdf_params: dict[str, Any] | None = None) -> User:
        return directory.register_user(self.db, name, passphrase, display_name, kdf_params)

    @operation
    def get_user(self, name: str) -> User:
        return directory.get_user(self.db, name)

    @operation
    def update_user_keys(self, name: str, sealed_private_key: bytes) -> None:
        directory.update_user_keys(self.db, name, sealed_private_key)

    @operation
    def reset_user_keys(self, name: str, public_key: bytes, sealed_private_key: bytes, *,
                        signing_public_key: bytes) -> None:
        directory.reset_user_keys(self.db, name, public_key, sealed_private_key, signing_public_key=signing_public_key)

    @operation
    def users(self) -> list[User]:
        return directory.users(self.db)

    @operation
    def approved_users(self) -> list[tuple[str, str]]:
        """(user name, full name) of the approved users: hearing participants are chosen among them."""
        return directory.approved_users(self.db)

    @operation
    def ensure_body(self, name: str, title: str = "") -> Body:
        return directory.ensure_body(self.db, name, title)

    @operation
    def add_body(self, name: str, title: str = "") -> Body:
        return directory.add_body(self.db, name, title)

    @operation
    def add_member(self, body_name: str, person: str) -> Member:
        return directory.add_member(self.db, body_name, person)

    @operation
    def remove_member(self, body_name: str, person: str) -> list[str]:
        """Strictly secret cases left for 'varsel access sync' (this process lacked their key)."""
        return directory.remove_member(self.db, body_name, person)

    @operation
    def bodies(self) -> list[tuple[Body, list[str]]]:
        return directory.bodies(self.db)

    @operation
    def set_body_address(self, name: str, address: str) -> None:
        directory.set_body_address(self.db, name, address)

    @operation
    def body_addresses(self) -> dict[str, str]:
        with self.db.reading() as s:
            return directory.body_addresses(s)

    @operation
    def bodies_of(self, person: str) -> list[str]:
        return directory.bodies_of(self.db, person)

    # -- cases -------------------------------------------------------------------------------
    @operation
    def create_case(self, workflow_id: str, title: str, received: date, *, by: str,
                    classification: str | None = None, secret: bool = False,
                    intake: dict[str, Any] | None = None, parties: list[dict] | None = None,
                    linked_from: int | None = None) -> CaseDetail:
        return cases.create_case(self.db, workflow_id, title, received, by=by, classification=classification,
                                 secret=secret, intake=intake, parties=parties, linked_from=linked_from)

    @operation
    def get_case(self, number: str, *, viewer: str | None = None, how: str = "") -> CaseDetail:
        """The case with its history, decrypted if it is strictly secret (CaseLocked / NoAccess
        otherwise). With `viewer`, the view is recorded in the case's audit journal."""
        return reads.get_case(self.db, number, viewer=viewer, how=how)

    @operation
    def case_number(self, case_id: int) -> str | None:
        return reads.case_number(self.db, case_id)

    @operation
    def preview_step(self, number: str, answers: dict[str, Any], on: date | None = None) -> Outcome:
        return reads.preview_step(self.db, number, answers, on)

    @operation
    def complete_intake(self, number: str, answers: dict[str, Any], *, by: str,
                        expected_version: int | None = None) -> CaseDetail:
        """Give a re-registered case the intake answers it still lacks."""
        return cases.complete_intake(self.db, number, answers, by=by, expected_version=expected_version)

    @operation
    def party_effect(self, number: str, role: str, name: str = "", body: str | None = None) -> "Foresight":
        """What adding this party would do to where the case is and who may see it."""
        from .foresight import party_effect

        return party_effect(self.db, number, role, name, body)

    @operation
    def intake_effect(self, number: str, answers: dict[str, Any]) -> "Foresight":
        """Where a re-registered case starts, and whether you keep it, once these intake answers are given."""
        from .foresight import intake_effect

        return intake_effect(self.db, number, answers)

    @operation
    def advance(self, number: str, answers: dict[str, Any], *, by: str, step_id: str | None = None,
                on: date | None = None, expected_version: int | None = None) -> tuple[CaseDetail, Outcome]:
        """Complete the active step with form answers; returns the new detail and what happened."""
        return cases.advance(self.db, number, answers, by=by, step_id=step_id, on=on,
                             expected_version=expected_version)

    @operation
    def act(self, number: str, action_id: str, *, by: str, on: date | None = None,
            expected_version: int | None = None, comment: str | None = None) -> CaseDetail:
        """A case action outside the step order (withdraw / reopen a complaint, close with a comment)."""
        return cases.act(self.db, number, action_id, by=by, on=on, expected_version=expected_version,
                         comment=comment)

    @operation
    def add_party(self, number: str, role: str, name: str = "", *, anonymous: bool = False,
                  body: str | None = None, by: str, expected_version: int | None = None) -> CaseDetail:
        return cases.add_party(self.db, number, role, name, anonymous=anonymous, body=body, by=by,
                               expected_version=expected_version)

    @operation
    def add_note(self, number: str, text: str, *, by: str, kind: str = "note",
                 expected_version: int | None = None) -> CaseDetail:
        return cases.add_note(self.db, number, text, by=by, kind=kind, expected_version=expected_version)

    @operation
    def add_measure(self, number: str, title: str, *, responsible: str = "", due: date | None = None,
                    by: str, expected_version: int | None = None) -> CaseDetail:
        """Tiltak: a corrective measure, who carries it out and by when."""
        return cases.add_measure(self.db, number, title, responsible=responsible, due=due, by=by,
                                 expected_version=expected_version)

    @operation
    def complete_measure(self, number: str, measure_id: int, *, by: str, on: date | None = None) -> CaseDetail:
        return cases.complete_measure(self.db, number, measure_id, by=by, on=on)

    @operation
    def add_hearing(self, number: str, participants: list[str], ends_on: date, *, question: str = "",
                    by: str, expected_version: int | None = None) -> CaseDetail:
        """Høringsrunde: temporary access for others, until `ends_on`."""
        return cases.add_hearing(self.db, number, participants, ends_on, question=question, by=by,
                                 expected_version=expected_version)

    @operation
    def close_hearing(self, number: str, hearing_id: int, *, by: str, on: date | None = None) -> CaseDetail:
        return cases.close_hearing(self.db, number, hearing_id, by=by, on=on)

    @operation
    def record_preliminary_reply(self, number: str, *, by: str, on: date | None = None) -> CaseDetail:
        return cases.record_preliminary_reply(self.db, number, by=by, on=on)

    # -- corrections (store/corrections.py) ---------------------------------------------------
    @operation
    def amend_intake(self, number: str, changes: dict[str, Any], *, reason: str, by: str,
                     expected_version: int | None = None) -> CaseDetail:
        return corrections.amend_intake(self.db, number, changes, reason=reason, by=by,
                                        expected_version=expected_version)

    @operation
    def edit_party(self, number: str, party_id: int, *, reason: str, by: str, role: str | None = None,
                   name: str | None = None, anonymous: bool | None = None, body: str | None = None,
                   expected_version: int | None = None) -> CaseDetail:
        return corrections.edit_party(self.db, number, party_id, reason=reason, by=by, role=role, name=name,
                                      anonymous=anonymous, body=body, expected_version=expected_version)

    @operation
    def remove_party(self, number: str, party_id: int, *, reason: str, by: str,
                     expected_version: int | None = None) -> CaseDetail:
        return corrections.remove_party(self.db, number, party_id, reason=reason, by=by,
                                        expected_version=expected_version)

    @operation
    def remove_measure(self, number: str, measure_id: int, *, reason: str, by: str,
                       expected_version: int | None = None) -> CaseDetail:
        return corrections.remove_measure(self.db, number, measure_id, reason=reason, by=by,
                                          expected_version=expected_version)

    @operation
    def void_case(self, number: str, *, reason: str, by: str, expected_version: int | None = None) -> CaseDetail:
        return corrections.void_case(self.db, number, reason=reason, by=by, expected_version=expected_version)

    # -- documents (store/documents.py) --------------------------------------------------------
    @operation
    def add_document(self, number: str, path: str | Path, *, by: str) -> DocumentInfo:
        """Attach a file (checked whole first: size, a readable unprotected PDF); journalled."""
        return document_store.add_document(self.db, number, path, by=by)

    @operation
    def documents(self, number: str) -> list[DocumentInfo]:
        return document_store.documents(self.db, number)

    @operation
    def document_bytes(self, number: str, doc_id: int, *, by: str | None = None) -> bytes:
        """The document's content, checked against its SHA-256; the read is journalled."""
        return document_store.document_bytes(self.db, number, doc_id, by=by)

    @operation
    def verify_audit(self) -> tuple[int, list[tuple[int, str | None]]]:
        """(entries checked, [(first broken entry id, case number) per broken chain])."""
        return journal.verify(self.db)

    @operation
    def verify_state(self) -> list[str]:
        """One line per case whose stored state or access rows were altered outside varsel."""
        with self.db.reading() as s:
            return case_state.audit(self.db, s)

    @operation
    def record_export(self, number: str, *, by: str, what: str, sha256: str) -> None:
        """Journal that `by` exported case `number` (`what`: the form, e.g. a redacted report)."""
        exports.record_export(self.db, number, by=by, what=what, sha256=sha256)

    @operation
    def signing_identity(self) -> tuple[str, Any]:
        """(name, Ed25519 signing key) of the unlocked, approved user: archive packages are signed."""
        return exports.signing_identity(self.db)

    @operation
    def verified_signing_key(self, name: str) -> bytes | None:
        """`name`'s Ed25519 public key if their approval chains to the trust anchor."""
        return exports.verified_signing_key(self.db, name)

    # -- drafts ------------------------------------------------------------------------------
    @operation
    def save_draft(self, number: str, step_id: str, user: str, answers: dict[str, Any]) -> None:
        cases.save_draft(self.db, number, step_id, user, answers)

    @operation
    def load_draft(self, number: str, step_id: str, user: str) -> dict[str, Any] | None:
        return cases.load_draft(self.db, number, step_id, user)

    # -- letters -----------------------------------------------------------------------------
    @operation
    def letters(self, number: str, *, by: str | None = None) -> list[LetterInfo]:
        """The case's letters, oldest first. A case flagged as needing a preliminary reply gets
        its draft now (by `by`, else the acting user), if it has none."""
        letters.ensure_preliminary(self.db, number, by or self.db.actor or "varsel")
        return letters.list_letters(self.db, number)

    @operation
    def letter(self, number: str, letter_id: str | int) -> LetterInfo:
        """One letter, by its id or by template id (when the case has one letter from it)."""
        return letters.get_letter(self.db, number, letter_id)

    @operation
    def draft_letter(self, number: str, template_id: str, *, by: str) -> LetterInfo:
        """Draft any template on the case by hand (e.g. the English version)."""
        return letters.add(self.db, number, template_id, by=by)

    @operation
    def edit_letter(self, number: str, letter_id: str | int, free_text: str, *, by: str) -> LetterInfo:
        return letters.edit(self.db, number, letter_id, free_text, by=by)

    @operation
    def letter_sent(self, number: str, letter_id: str | int, *, by: str, on: date | None = None) -> LetterInfo:
        """Mark sent: frozen, journalled with the SHA-256 of its .eml."""
        return letters.mark_sent(self.db, number, letter_id, by=by, on=on)

    @operation
    def letter_eml(self, number: str, letter_id: str | int, *,
                   attachments: list[tuple[str, bytes]] | None = None) -> bytes:
        """The letter as an RFC 5322 message; a sent one exactly as its checksum covers (no attachments)."""
        return letters.letter_eml(self.db, number, letter_id, attachments=attachments)

    @operation
    def letter_pdf(self, number: str, letter_id: str | int) -> bytes:
        return letters.letter_pdf(self.db, number, letter_id)

    # -- lists -------------------------------------------------------------------------------
    @operation
    def list_cases(self, *, status: str | None = None, workflow: str | None = None,
                   limit: int | None = None, viewer: str | None = None) -> list[Case]:
        """Cases `viewer` may see now (None: every case — trusted code only)."""
        return reads.list_cases(self.db, status=status, workflow=workflow, limit=limit, viewer=viewer)

    def due_cases(self, today: date, within_days: int = 7, *, viewer: str | None = None) -> Iterator[Case]:
        """Open cases whose current step is due within `within_days` or past, or that need a
        preliminary reply (streamed: it opens no keys); only `viewer`'s when given."""
        return reads.due_cases(self.db, today, within_days, viewer=viewer)

    # -- retention ---------------------------------------------------------------------------
    @operation
    def retention_days(self, workflow_id: str) -> int:
        return retention.retention_days(self.db, workflow_id)

    @operation
    def set_retention_days(self, workflow_id: str, days: int) -> None:
        retention.set_retention_days(self.db, workflow_id, days)

    @operation
    def backup_max_days(self) -> int:
        return retention.backup_max_days(self.db)

    @operation
    def expired_cases(self, today: date) -> list[tuple[Case, date]]:
        return retention.expired_cases(self.db, today)

    @operation
    def destroy_case(self, number: str) -> str:
        return retention.destroy_case(self.db, number)

    @operation
    def statistics(self) -> list[CaseStatistic]:
        return retention.statistics(self.db)

    @operation
    def statistics_report(self, year: int | None = None, *, by: str) -> dict[str, Any]:
        """`varsel stats` and the TUI's statistics: anonymised, suppressed counts (store/stats.py);
        nothing decrypted. Administrators only."""
        from . import stats

        return stats.report(self.db, year, by=by)

    @operation
    def audit_log(self, *, limit: int = 200) -> list[dict]:
        return retention.audit_log(self.db, limit=limit)
