"""Envelope encryption of strictly secret cases: the codec every secret-capable field goes through.

Formats (known-answer tests in tests/store/test_secrets.py):

- A sealed column value is ``u32be(generation) || field blob`` where the field blob is
  crypto/envelope.py's version-1 AES-256-GCM blob and its associated data binds
  ``case_id = case number``, ``field = "<table>.<column>[:<row id>]"`` and
  ``version = generation``. A ciphertext copied to another case, another row or another
  column, or given another generation number, fails to open.
- A case has data key *generations* 1..n. A re-key (someone lost entitlement) adds a new
  generation: new content is sealed under it and its key is wrapped only for who is entitled
  now. Older generations stay wrapped for the remaining recipients, so nothing is re-encrypted
  (and the journal's hash chain, which covers the ciphertext, stays intact).
- A wrap is a ``case_keys`` row (case, recipient, generation) holding crypto/envelope.py's
  version-1 X25519 wrap with ``case_id = "<number>#<generation>"`` and
  ``recipient_id = "user:<name>"`` or ``"recovery"``.
"""

from __future__ import annotations

import struct
import threading
from typing import Any

from ..domain.policy import SECRET  # noqa: F401 - re-exported
from .db import StoreError

RECOVERY = "recovery"
RECOVERY_SETTING = "recovery_public_key"

# Secret-capable columns: model attribute → its ciphertext twin.
SEALED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cases": (("title", "title_ct"), ("intake_json", "intake_ct")),
    "parties": (("name", "name_ct"),),
    "history": (("answers_json", "answers_ct"),),
    "journal": (("text", "text_ct"),),
    "drafts": (("answers_json", "answers_ct"),),
    "measures": (("title", "title_ct"), ("responsible", "responsible_ct")),
    "hearings": (("question", "question_ct"),),
    "documents": (("filename", "filename_ct"), ("sha256", "sha256_ct")),  # content: seal_bytes
    "letters": (("subject", "subject_ct"), ("body", "body_ct"), ("free_text", "free_text_ct"),
                ("values_json", "values_ct"), ("recipients_json", "recipients_ct")),
}


def user_recipient(name: str) -> str:
    return f"user:{name}"


def field_id(row: Any, column: str) -> str:
    """The field part of the associated data: table, column and (except for the case) row id."""
    table = row.__tablename__
    if table == "cases":
        return f"cases.{column}"
    if row.id is None:
        raise RuntimeError(f"{table} row must be flushed before sealing")  # a programming error
    return f"{table}.{column}:{row.id}"


def wrap_case_id(number: str, generation: int) -> str:
    return f"{number}#{generation}"


def seal_value(key: bytes, number: str, field: str, generation: int, value: str) -> bytes:
    """The stored form of one secret value: u32be(generation) || envelope field blob."""
    from ..crypto.envelope import encrypt_field

    return struct.pack(">I", generation) + encrypt_field(key, value, case_id=number, field=field, version=generation)


def wrap_for(key: bytes, number: str, generation: int, recipient: str, public_key: bytes) -> bytes:
    """One generation of a case's data key wrapped for one recipient ("user:NAME" or "recovery")."""
    from ..crypto.envelope import wrap_data_key

    return wrap_data_key(key, public_key, case_id=wrap_case_id(number, generation), recipient_id=recipient)


class CaseLocked(StoreError):
    def __init__(self, number: str):
        self.number = number
        super().__init__(f"case {number} is strictly secret: unlock with your passphrase first "
                         "(VARSEL_PASSPHRASE, --passphrase-file or the prompt)")


class NoAccess(StoreError):
    def __init__(self, number: str, who: str, *, pending: bool = False):
        self.number = number
        self.pending = pending  # entitled by the workflow, but nobody has given them a key yet
        if pending:
            super().__init__(f"{who} has no key to strictly secret case {number} yet: someone who has one must "
                             "change the case or run 'varsel access sync'")
        else:
            super().__init__(f"{who} is not entitled to strictly secret case {number}")


class CaseTampered(StoreError):
    def __init__(self, number: str, detail: str | None = None):
        self.number = number
        self.detail = detail  # what the case-state check found (store/case_state.py)
        if detail:
            super().__init__(f"case {number}'s stored data was altered outside varsel: {detail}; nothing was "
                             "changed")
        else:
            super().__init__(f"case {number}'s data has been altered (a ciphertext or key wrap failed its "
                             "integrity check); nothing was changed")


class EnvelopeCodec:
    """Seals and opens secret-capable fields. Plain cases pass through untouched.

    Keys come from the unlock session (this user's wraps, loaded by the store for each case it
    reads) or are *fresh*: made in the current store operation (a new case, a new generation)
    and forgotten when the operation ends, so a clerk who registers a case they are not
    entitled to cannot read it back afterwards.
    """

    def __init__(self) -> None:
        self.session: Any = None  # crypto.session.UnlockSession, set by Store.unlock
        self._wraps: dict[str, dict[int, bytes]] = {}  # case number → generation → this user's wrap
        self._denied: set[str] = set()  # cases the session user is not entitled to now
        # An operation's fresh keys and nesting depth belong to the thread running it: a TUI
        # worker's new case key must never be seen, or forgotten, by another thread's call.
        self._local = threading.local()

    @property
    def _fresh(self) -> dict[tuple[str, int], bytes]:
        fresh = getattr(self._local, "fresh", None)
        if fresh is None:
            fresh = self._local.fresh = {}
        return fresh

    @property
    def depth(self) -> int:
        return getattr(self._local, "depth", 0)

    @depth.setter
    def depth(self, value: int) -> None:
        self._local.depth = value

    # -- key material ---------------------------------------------------------------------------
    @property
    def unlocked_as(self) -> str | None:
        s = self.session
        return None if s is None or s.locked else s.user_id

    def lock(self) -> None:
        if self.session is not None:
            self.session.lock()
        self.session = None
        self._wraps.clear()
        self._denied.clear()
        self.forget_fresh()

    def forget_fresh(self) -> None:
        self._fresh.clear()

    def set_fresh(self, number: str, generation: int, key: bytes) -> None:
        self._fresh[(number, generation)] = key

    def set_wraps(self, number: str, wraps: dict[int, bytes] | None) -> None:
        """This user's wraps for a case (None: not entitled now, whatever wraps exist)."""
        before = self._wraps.get(number)
        if wraps is None:
            self._denied.add(number)
            self._wraps.pop(number, None)
        else:
            self._denied.discard(number)
            self._wraps[number] = wraps
        if self.session is not None and before and before != wraps:  # changed: unwrap again
            for generation in before:
                self.session.forget_case(wrap_case_id(number, generation))

    def key(self, case: Any, generation: int) -> bytes:
        from ..crypto.errors import CryptoError, NotEntitled, SessionLocked

        fresh = self._fresh.get((case.number, generation))
        if fresh is not None:
            return fresh
        if self.session is None or self.session.locked:
            raise CaseLocked(case.number)
        if case.number in self._denied:
            raise NoAccess(case.number, self.session.user_id.removeprefix("user:"))
        wrap = self._wraps.get(case.number, {}).get(generation)
        try:
            return self.session.data_key(wrap_case_id(case.number, generation), wrap)
        except NotEntitled:
            raise NoAccess(case.number, self.session.user_id.removeprefix("user:"), pending=True) from None
        except SessionLocked:
            raise CaseLocked(case.number) from None
        except CryptoError:
            raise CaseTampered(case.number) from None

    def can_open(self, case: Any) -> bool:
        try:
            self.key(case, case.key_generation)
            return True
        except StoreError:
            return False

    # -- fields ---------------------------------------------------------------------------------
    def seal(self, case: Any, field: str, value: str | None) -> tuple[str | None, bytes | None]:
        """(plain, ciphertext) to store for `value` of `field` in `case`."""
        if case.classification != SECRET or value is None:
            return value, None
        generation = case.key_generation
        return None, seal_value(self.key(case, generation), case.number, field, generation, value)

    def open(self, case: Any, field: str, plain: str | None, ct: bytes | None) -> str | None:
        if ct is None:
            return plain
        from ..crypto.envelope import decrypt_field
        from ..crypto.errors import CryptoError

        ct = bytes(ct)
        if len(ct) < 4:
            raise CaseTampered(case.number)
        (generation,) = struct.unpack(">I", ct[:4])
        if not 1 <= generation <= max(case.key_generation, 1):
            raise CaseTampered(case.number)
        key = self.key(case, generation)
        try:
            return decrypt_field(key, ct[4:], case_id=case.number, field=field, version=generation)
        except CryptoError:
            raise CaseTampered(case.number) from None

    def seal_bytes(self, case: Any, field: str, data: bytes) -> bytes:
        """A strictly secret case's file content: u32be(generation) || envelope bytes blob."""
        from ..crypto.envelope import encrypt_bytes

        generation = case.key_generation
        return struct.pack(">I", generation) + encrypt_bytes(self.key(case, generation), data, case_id=case.number,
                                                             field=field, version=generation)

    def open_bytes(self, case: Any, field: str, ct: bytes) -> bytes:
        from ..crypto.envelope import decrypt_bytes
        from ..crypto.errors import CryptoError

        ct = bytes(ct)
        if len(ct) < 4:
            raise CaseTampered(case.number)
        (generation,) = struct.unpack(">I", ct[:4])
        if not 1 <= generation <= max(case.key_generation, 1):
            raise CaseTampered(case.number)
        key = self.key(case, generation)
        try:
            return decrypt_bytes(key, ct[4:], case_id=case.number, field=field, version=generation)
        except CryptoError:
            raise CaseTampered(case.number) from None

    def seal_row(self, case: Any, row: Any, column: str, value: str | None) -> None:
        """Store `value` in `row.column` (plain case) or its ciphertext twin (secret case)."""
        ct_column = dict(SEALED_COLUMNS[row.__tablename__])[column]
        plain, ct = self.seal(case, field_id(row, column), value)
        setattr(row, column, plain)
        setattr(row, ct_column, ct)

    def open_row(self, case: Any, row: Any, column: str) -> str | None:
        ct_column = dict(SEALED_COLUMNS[row.__tablename__])[column]
        return self.open(case, field_id(row, column), getattr(row, column), getattr(row, ct_column))
