"""Noticing writes by other processes, cheaply, so open screens can follow them within a second.

SQLite: `PRAGMA data_version` on one long-lived read-only connection changes whenever any other
connection commits (another officer's TUI, a CLI, this process's own Store). It cannot say which
case changed, so a screen compares a small mark of the case it shows (`case_mark`): presence
heartbeats and drafts change the file but not the mark, so they reload nothing.

PostgreSQL: every write transaction sends `NOTIFY varsel_changes, '<case number>'` (payload '' for
a change outside any case). `notify_on_commit(store)` registers that on the Store's sessions; call
it on every Store a process opens (the CLI and the TUI do). The feed LISTENs on its own
connection.

Everything read here is plain metadata by the README's threat model (case version, journal ids,
event kinds and authors, step and action ids): never a title or text, so no key is needed and
nothing of a strictly secret case is revealed. Neither SQLAlchemy nor Textual is imported at
import time: the TUI polls this before (and without) opening the full Store.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from .db import Location, StoreError, locate, translate_error

if TYPE_CHECKING:
    from .service import Store

CHANNEL = "varsel_changes"

# Journal kinds that change nothing another officer needs to see: views, and key bookkeeping
# that comes with another write. They are left out of "who changed what".
QUIET_KINDS = ("view", "access")


@dataclass(frozen=True)
class Changed:
    """Something was committed since the last poll. `numbers`: the cases (PostgreSQL; '' among
    them for a change that names no case: users, bodies, a destroyed case), or None when the
    backend cannot say which (SQLite, or a reconnect that may have missed some)."""

    numbers: frozenset[str] | None

    def concerns(self, number: str) -> bool:
        """Whether `number` may have changed (its screen should compare its mark)."""
        return self.numbers is None or number in self.numbers or "" in self.numbers


@dataclass(frozen=True)
class Activity:
    """One thing someone did to a case: who, the journal kind, and for a step or an action its id."""

    journal_id: int
    by: str
    kind: str
    ref: str | None = None
    history_id: int | None = None  # the history row `ref` came from


CaseMark = tuple[int, int]
"""(version, id of the newest journal entry that is not a view): differs when the case changed."""


def mark_of(detail: Any) -> CaseMark:
    """The mark of a case as read (a store.service.CaseDetail), to compare with `case_mark`."""
    ids = [e.id for e in detail.journal if e.kind != "view" and e.id is not None]
    return (int(detail.case.version), max(ids, default=0))


def history_mark(detail: Any) -> int:
    """The newest history row of a case as read: `activity_since` names steps completed after it."""
    return max((h.id for h in detail.history if h.id is not None), default=0)


def journal_mark(detail: Any) -> int:
    """The newest journal entry of a case as read: `activity_since` starts after it."""
    return max((e.id for e in detail.journal if e.id is not None), default=0)


class ChangeFeed:
    """Change detection for one database, plus the few metadata reads that go with it.

    Thread-safe: one lock around the one connection (polled from a thread worker).
    """

    def __init__(self, loc: Location):
        self.loc = loc
        self._pg = not loc.is_sqlite
        self._lock = threading.Lock()
        self._conn: Any = None
        self._data_version: int | None = None
        self._was_missing = False  # no SQLite file yet: its appearance is a change
        self._lost = False  # the PostgreSQL connection dropped: notifications may have been missed
        self._payloads: list[str] = []

    # -- connection ---------------------------------------------------------------------------
    def _connect(self) -> Any:
        if self._conn is not None:
            return self._conn
        if self._pg:
            self._conn = self._connect_pg()
            return self._conn
        path = self.loc.path
        assert path is not None
        if not path.exists() or path.stat().st_size == 0:
            self._was_missing = True
            return None
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=1")
        self._conn = conn
        return conn

    def _connect_pg(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise StoreError("PostgreSQL support is not installed: pip install 'varsel-tui[postgres]'") from None
        url = self.loc.url.replace("postgresql+psycopg://", "postgresql://", 1)
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.execute("SET statement_timeout = '10s'")
        # A handler sees notifications that arrive during any statement on this connection.
        conn.add_notify_handler(lambda n: self._payloads.append(n.payload))
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        self._conn = None
        self._data_version = None
        self._lost = True

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _error(self, exc: BaseException) -> StoreError:
        return StoreError(str(translate_error(exc, self.loc)))

    # -- polling ------------------------------------------------------------------------------
    def poll(self) -> Changed | None:
        """What was committed since the last call (None: nothing). The first call only starts
        watching. StoreError when the database cannot be reached (the next call tries again)."""
        with self._lock:
            try:
                return self._poll_pg() if self._pg else self._poll_sqlite()
            except StoreError:
                raise
            except Exception as exc:  # sqlite3 / psycopg errors: one line, a fresh connection next time
                self._drop()
                raise self._error(exc) from None

    def _poll_sqlite(self) -> Changed | None:
        conn = self._connect()
        if conn is None:
            return None
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        previous, self._data_version = self._data_version, version
        if previous is None:
            appeared, self._was_missing, self._lost = self._was_missing or self._lost, False, False
            return Changed(None) if appeared else None
        return Changed(None) if version != previous else None

    def _poll_pg(self) -> Changed | None:
        fresh = self._conn is None
        conn = self._connect()
        conn.execute("SELECT 1")  # reads the socket: pending notifications reach the handler
        payloads, self._payloads = self._payloads, []
        if fresh:
            lost, self._lost = self._lost, False
            return Changed(None) if lost else None
        if not payloads:
            return None
        return Changed(frozenset(payloads))

    # -- metadata reads -----------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._lock:
            try:
                conn = self._connect()
                if conn is None:
                    return []
                if self._pg:
                    sql = sql.replace("?", "%s")
                return list(conn.execute(sql, list(params)).fetchall())
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []  # a database being created right now
                self._drop()
                raise self._error(exc) from None
            except Exception as exc:  # noqa: BLE001 - psycopg errors
                self._drop()
                raise self._error(exc) from None

    def case_mark(self, number: str) -> CaseMark | None:
        """The case's mark now (None: no such case, e.g. destroyed)."""
        rows = self._query(
            "SELECT c.version, (SELECT max(j.id) FROM journal j WHERE j.case_id = c.id AND j.kind <> 'view') "
            "FROM cases c WHERE c.number = ?", [number])
        if not rows:
            return None
        return (int(rows[0][0]), int(rows[0][1] or 0))

    def activity_since(self, number: str, journal_id: int, history_id: int) -> list[Activity]:
        """What was done to the case after journal entry `journal_id` (views and key bookkeeping
        left out), oldest first; a completed step or an action carries its id from the history."""
        quiet = ", ".join(f"'{k}'" for k in QUIET_KINDS)
        journal = self._query(
            f'SELECT j.id, j."by", j.kind FROM journal j JOIN cases c ON c.id = j.case_id '
            f"WHERE c.number = ? AND j.id > ? AND j.kind NOT IN ({quiet}) ORDER BY j.id", [number, int(journal_id)])
        history = self._query(
            'SELECT h.id, h."by", h.kind, h.ref FROM history h JOIN cases c ON c.id = h.case_id '
            "WHERE c.number = ? AND h.id > ? ORDER BY h.id", [number, int(history_id)])
        refs: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for hid, by, kind, ref in history:  # the engine's history: "complete" rows go with "step" entries
            refs.setdefault((by or "", "step" if kind == "complete" else kind), []).append((int(hid), ref))
        out = []
        for jid, by, kind in journal:
            pending = refs.get((by or "", kind))
            hid, ref = pending.pop(0) if pending else (None, None)
            out.append(Activity(int(jid), by or "", kind, ref, hid))
        return out


def open_feed(db: str | None) -> ChangeFeed:
    """The feed for `--db` / VARSEL_DB (opens its connection on the first poll)."""
    return ChangeFeed(locate(db))


# -- PostgreSQL: NOTIFY in every write transaction ------------------------------------------------

_NOTIFYING: "weakref.WeakSet[Any]" = weakref.WeakSet()  # engines whose sessions send NOTIFY
_installed = False
_install_lock = threading.Lock()
_KEY = "varsel_changed_cases"
_UNKNOWN = -1  # a bulk statement changed rows the session cannot name
_NAMED_AT_MOST = 1000  # cases named one by one in NOTIFYs of one transaction; more are one ''


def notify_on_commit(store: "Store") -> "Store":
    """Make every write transaction on `store` (PostgreSQL) send `NOTIFY varsel_changes,
    '<case number>'` for each case it changed. NOTIFY is transactional: a rolled-back write sends
    nothing. Presence heartbeats, drafts and views send nothing (nobody else needs to reload for
    them). A no-op on SQLite, where `PRAGMA data_version` needs no help. Returns `store`."""
    if store.loc.is_sqlite:
        return store
    _install()
    _NOTIFYING.add(store.engine)
    return store


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "do_orm_execute", _collect_bulk)
        event.listen(Session, "before_commit", _send)
        _installed = True


def _engine_of(session: Any) -> Any:
    bind = session.bind
    return getattr(bind, "engine", bind)


def _collect(session: Any, _flush_context: Any) -> None:
    if _engine_of(session) not in _NOTIFYING:
        return
    from .models import Case, Draft, JournalEntry, Presence

    changed = session.info.setdefault(_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Draft, Presence)) or (isinstance(obj, JournalEntry) and obj.kind == "view"):
            continue
        case_id = obj.id if isinstance(obj, Case) else getattr(obj, "case_id", None)
        changed.add(case_id)  # None: a change outside any case (users, bodies, settings)


def _collect_bulk(state: Any) -> None:
    if (state.is_update or state.is_delete) and _engine_of(state.session) in _NOTIFYING:
        from .models import Presence

        mapper = state.bind_mapper
        if mapper is not None and mapper.class_ is Presence:
            return
        state.session.info.setdefault(_KEY, set()).add(_UNKNOWN)


def _send(session: Any) -> None:
    changed = session.info.pop(_KEY, None)
    if not changed or _engine_of(session) not in _NOTIFYING:
        return
    from sqlalchemy import text
    from sqlmodel import col, select

    from .models import Case

    ids = {i for i in changed if i is not None and i != _UNKNOWN}
    if len(ids) > _NAMED_AT_MOST:  # a bulk write (seeding, retention): "everything may have changed"
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        return
    found = session.execute(select(col(Case.id), col(Case.number)).where(col(Case.id).in_(ids))).all() if ids else []
    numbers = {case_id: number for case_id, number in found}
    payloads = {numbers.get(i, "") for i in ids}  # '' for a case that is gone (destroyed)
    # A bulk statement beside named cases (the version bump of a write) is about those cases.
    if None in changed or (_UNKNOWN in changed and not ids):
        payloads.add("")
    for payload in sorted(payloads):
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
