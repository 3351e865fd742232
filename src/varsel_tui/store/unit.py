"""The unit of work every store module runs in: one database, one key codec, one transaction
per write, and one guard that turns driver errors into a one-line StoreError.

`reading()` is a session for reads. `writing(work)` runs `work(session)` in one transaction
and commits it; `work` runs again from the start if the database was busy or the server chose
it as a deadlock or serialization victim, so it must do all its reading inside the session it
is given and keep no state outside it.

What makes a write atomic against other processes:
- SQLite: the transaction begins with BEGIN IMMEDIATE, so it holds the database's one write
  lock from its first read: the case row, the journal's chain head and everything else it
  reads stay as read until it commits (plain reads use a deferred BEGIN and never block).
- PostgreSQL: a write locks the case row it works on (reads.load_case(…, for_update=True):
  SELECT … FOR UPDATE, so it also reads the row as the previous writer committed it) and
  each journal append locks its hash chain (`lock_chain`, a transaction-level advisory lock),
  so reading the chain head and inserting the next entry cannot interleave with another writer.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Literal, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from ..domain.engine import EngineError
from ..domain.workflow import Workflow, WorkflowError
from .db import SQLITE_BEGIN, Location, StoreError, translate_error
from .secrets import EnvelopeCodec

T = TypeVar("T")

WRITE_ATTEMPTS = 6
# PostgreSQL: serialization failure, deadlock detected, lock not available.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}
CHAIN_LOCK_CLASS = 0x76617273  # "vars": the advisory-lock namespace of the journal chains


def is_transient(exc: BaseException) -> bool:
    """A failure that goes away when the whole unit of work runs again."""
    if isinstance(exc, IntegrityError):
        return False
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    message = str(orig or exc).lower()
    return "database is locked" in message or "database is busy" in message


class Db:
    """The database and key codec the store modules share (one per `Store`)."""

    def __init__(self, loc: Location, engine: Any):
        self.loc = loc
        self.engine = engine
        self.codec = EnvelopeCodec()
        self.needs_checkpoint = False  # set where plaintext was overwritten: fold the WAL soon
        self.now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # the facade sets its own
        # Who acts: cases are shown and changed only for them (store/access.py). None: code in this
        # process that is trusted with every case (migrations, bulk demo data, tests).
        self.actor: str | None = None

    def session(self) -> Session:
        from .case_state import install

        # Every commit ends with the touched cases' state digest and access rows (case_state.py).
        return install(self, Session(self.engine, expire_on_commit=False))

    def guard(self) -> "Guard":
        return Guard(self.loc)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.guard(), self.session() as s:
            yield s

    def writing(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and commit it; its result is returned. Retried from the
        start a few times when the database is busy (see the module docstring)."""
        import random
        import time

        with self.guard():
            for attempt in range(WRITE_ATTEMPTS):
                bind = self.engine
                if self.loc.is_sqlite:
                    bind = bind.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
                try:
                    from .case_state import install

                    with install(self, Session(bind, expire_on_commit=False)) as s:
                        result = work(s)
                        s.commit()
                        return result
                except DBAPIError as exc:
                    if attempt + 1 == WRITE_ATTEMPTS or not is_transient(exc):
                        raise
                # Back off with jitter so the writers that collided do not collide again.
                time.sleep(random.uniform(0.01, 0.05) * (2 ** attempt))
        raise AssertionError("unreachable")

    def lock_chain(self, s: Session, case_id: int | None) -> None:
        """Hold the case's journal chain (0: the organisation's) for this write until it commits."""
        if not self.loc.is_sqlite:
            s.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                      {"cls": CHAIN_LOCK_CLASS, "key": case_id or 0})

    @staticmethod
    def workflow(workflow_id: str) -> Workflow:
        from .. import workflows

        return workflows.get(workflow_id)

    def checkpoint(self, attempts: int = 30) -> bool:
        """Fold SQLite's WAL into the database and truncate it, so page images holding plaintext
        or keys that were overwritten (secure_delete) do not linger in the -wal file.

        Another connection's open read (a TUI polling its queue) blocks it for a moment, so it is
        retried; False if it never got through (the caller says so)."""
        import time

        self.needs_checkpoint = False
        if not self.loc.is_sqlite:
            return True
        for _ in range(attempts):
            with self.engine.connect().execution_options(**{SQLITE_BEGIN: ""}) as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            if not busy:
                return True
            time.sleep(0.1)
        self.needs_checkpoint = True  # try again after the next operation
        return False


class Guard:
    """Turns driver errors raised inside a store call into one clear StoreError."""

    def __init__(self, loc: Location):
        self.loc = loc

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:  # noqa: ANN001  (never swallows an error)
        if exc is None or isinstance(exc, (StoreError, WorkflowError)):
            return False
        if isinstance(exc, EngineError):
            raise StoreError(str(exc)) from None
        if isinstance(exc, (OperationalError, IntegrityError)) or type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            if isinstance(exc, IntegrityError):
                return False  # callers retry numbering on this
            raise translate_error(exc, self.loc) from None
        return False
