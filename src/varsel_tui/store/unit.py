"""The unit of work every store module runs in: one database, one key codec, one transaction
per write, and one guard that turns driver errors into a one-line StoreError.

`reading()` is a session for reads. `writing(work)` runs `work(session)` in one transaction
and commits it; `work` may run again from the start if the database was busy, so it must do
all its reading inside the session it is given.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from ..domain.engine import EngineError
from ..domain.workflow import Workflow, WorkflowError
from .db import Location, StoreError, translate_error
from .secrets import EnvelopeCodec

T = TypeVar("T")


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
        """Run `work` in one transaction and commit it; its result is returned."""
        with self.guard(), self.session() as s:
            result = work(s)
            s.commit()
            return result

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
            with self.engine.connect() as conn:
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
