"""The queue's data access: pages of plain case metadata, without SQLAlchemy.

The queue is the first screen, so this module stays light: the stdlib `sqlite3` for a database
file, `psycopg` directly for a PostgreSQL URL (imported only then). It reads only plain metadata
columns of `cases` (number, workflow, step, body, due dates, classification) and, for a strictly
secret case, never its title — not even to sort by. The `search` column the filter matches holds no
secret case's title or parties (see Store._search_text).

Only what the viewer may see: every query keeps to the cases with a row in `case_access` for the
viewing user whose `until` has not passed by the real calendar (never VARSEL_TODAY, which only
moves deadlines): an EXISTS on the (user_name, case_id) index.

Pages, never everything: `page()` returns at most `limit` rows from `offset`; `count()` says how
many rows the list has, so a widget can size its scrollbar and fetch only what is visible.

The filter finds substrings through an index (migration 0004): on SQLite an FTS5 trigram table for
words of three characters or more (shorter ones are matched with LIKE), on PostgreSQL a pg_trgm GIN
index that LIKE uses by itself.

A SQLite file that does not exist yet (or has no schema yet) is an empty queue: nothing is created
here, and the connection is opened read-only.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Sequence

from .db import Location, StoreError, locate

SECRET = "strengt_hemmelig"

VIEWS = ("open", "mine", "overdue", "body", "prelim", "closed")
"""all open · mine (created by me or handled by one of my bodies) · overdue · my bodies' ·
waiting for a preliminary reply · closed (closed, withdrawn or void)."""

SORT_COLUMNS = ("number", "workflow", "title", "step", "body", "due")

FIRST_PAGE = 60  # rows per page: the list fetches pages of this size, the first one at start-up

_TITLE = f"CASE WHEN classification = '{SECRET}' THEN NULL ELSE title END"

# Sort keys per column. NULLs go last in both directions; `id` breaks ties so paging is stable.
_ORDER = {
    "number": ("year", "seq"),
    "workflow": ("workflow_id",),
    "title": (_TITLE,),
    "step": ("current_step", "current_step_title"),
    "body": ("body",),
    "due": ("coalesce(due, closed_on)",),  # a closed case has no due date: its closing date
}

_COLUMNS = (
    "id, number, workflow_id, classification, " + _TITLE + ", current_step, current_step_title, "
    "body, due, status, closed_on, "
    "CASE WHEN status = 'open' AND prelim_warn_from <= ? AND prelim_sent IS NULL THEN 1 ELSE 0 END"
)

_MY_BODIES = "SELECT b.name FROM bodies b JOIN members m ON m.body_id = b.id WHERE m.person = ?"

# The viewer's access, probed per case on the (user_name, case_id) index.
_ACCESS = ("EXISTS (SELECT 1 FROM case_access a WHERE a.user_name = ? AND a.case_id = cases.id "
           "AND (a.until IS NULL OR a.until >= ?))")

# The same condition as _ACCESS, written to start from the viewer's rows of case_access.
_ACCESS_LIST = ("id IN (SELECT a.case_id FROM case_access a WHERE a.user_name = ? "
                "AND (a.until IS NULL OR a.until >= ?))")

def _from_access(where: str) -> str:
    """The same condition, for SQLite to start from the viewer's access rows: the access probe as
    a list on the (user_name, case_id) index, status as a plain test. A filter through the trigram
    index starts there already: its list holds only the viewer's cases (_FTS)."""
    if _FTS in where:
        return where.replace("status ", "+status ", 1)
    return where.replace(_ACCESS, _ACCESS_LIST).replace("status ", "+status ", 1)


# The filter's index matches and the viewer's access, as one list of case ids read from the two
# indexes alone: only the cases that pass both are then read from the (wide) cases table. A viewer
# who sees a fifth of the cases gets the page in half the time of probing every match's row.
_FTS = ("id IN (SELECT f.rowid FROM cases_fts f CROSS JOIN case_access a WHERE f.cases_fts MATCH ? "
        "AND a.case_id = f.rowid AND a.user_name = ? AND (a.until IS NULL OR a.until >= ?))")
TRIGRAM = 3  # the FTS5 trigram tokenizer matches substrings of at least this many characters
FEW_MATCHES = 4000  # fewer cases than this for a filter (of 100,000): sort them, do not walk an index


def access_today() -> date:
    """The real date in Europe/Oslo: access ends by the calendar, never by VARSEL_TODAY."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Oslo")).date()


class QueueError(StoreError):
    """The queue could not be read; told to the user in one line."""


class Row(NamedTuple):
    id: int
    number: str
    workflow_id: str
    classification: str
    title: str | None  # None for a strictly secret case
    step_id: str | None
    step_title: str
    body: str | None
    due: date | None
    status: str
    closed_on: date | None
    prelim_due: bool  # a preliminary reply (fvl. § 11a) should be sent now

    @property
    def secret(self) -> bool:
        return self.classification == SECRET


class Summary(NamedTuple):
    """A case's plain metadata for the scripting CLI (`case list`, `due`): the fields the README's
    summary JSON has, plus what `due` derives its flags from."""

    number: str
    workflow_id: str
    classification: str
    title: str | None  # None for a strictly secret case
    received: date
    status: str
    current_step: str | None
    current_step_title: str
    body: str | None
    due: date | None
    statutory_due: date | None
    version: int
    prelim_warn_from: date | None
    prelim_sent: date | None


_SUMMARY = ("number, workflow_id, classification, " + _TITLE + ", received, status, current_step, "
            "current_step_title, body, due, statutory_due, version, prelim_warn_from, prelim_sent")


def _summary(r: tuple) -> Summary:
    return Summary(r[0], r[1], r[2], r[3], _as_date(r[4]), r[5], r[6], r[7] or "", r[8], _as_date(r[9]),  # type: ignore[arg-type]
                   _as_date(r[10]), int(r[11]), _as_date(r[12]), _as_date(r[13]))


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_match(filter_text: str) -> str | None:
    """The FTS5 query for the filter's words the trigram index can look up (each a quoted
    substring, all of them required); None when every word is shorter than a trigram."""
    indexed = [t for t in filter_text.lower().split() if len(t) >= TRIGRAM]
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed) or None


def build_where(filter_text: str, view: str, today: date, user: str, *, access_on: date | None = None,
                fts: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause (with `?` placeholders) and its parameters for a view and a filter.

    Only cases `user` has access to on `access_on` (the real today when None). With `fts` (SQLite
    with the trigram table), filter words of three characters or more are looked up in the index.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view '{view}' (use one of: {', '.join(VIEWS)})")
    clauses: list[str] = []
    params: list[Any] = []
    if view == "closed":
        clauses.append("status <> 'open'")
    else:
        clauses.append("status = 'open'")
    # The filter before the access probe: cheap membership tests first, the probe for what passes.
    # With the trigram index, the access test is part of the index lookup (_FTS).
    match = fts_match(filter_text) if fts else None
    if match:
        clauses.append(_FTS)
        params += [match, user, access_on or access_today()]
    for term in filter_text.lower().split():
        if not match or len(term) < TRIGRAM:
            clauses.append("search LIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(term)}%")
    if not match:
        clauses.append(_ACCESS)
        params += [user, access_on or access_today()]
    if view == "mine":
        clauses.append(f"(created_by = ? OR body IN ({_MY_BODIES}))")
        params += [user, user]
    elif view == "body":
        clauses.append(f"body IN ({_MY_BODIES})")
        params.append(user)
    elif view == "overdue":
        clauses.append("due < ?")
        params.append(today)
    elif view == "prelim":
        clauses.append("prelim_warn_from <= ? AND prelim_sent IS NULL")
        params.append(today)
    return " AND ".join(clauses), params


def build_order(sort_column: str, descending: bool, postgres: bool = False, open_only: bool = False) -> str:
    """ORDER BY for a sort column. `open_only`: the rows are open cases, whose closing date is
    NULL, so the due column sorts by `due` itself and PostgreSQL can walk its index."""
    if sort_column not in _ORDER:
        raise ValueError(f"unknown sort column '{sort_column}' (use one of: {', '.join(SORT_COLUMNS)})")
    direction = " DESC" if descending else ""
    keys = ("due",) if sort_column == "due" and open_only else _ORDER[sort_column]
    if postgres:  # NULLS LAST lets PostgreSQL walk an index
        return ", ".join([f"{k}{direction} NULLS LAST" for k in keys] + [f"id{direction}"])
    parts = [f"({keys[0]}) IS NULL"] + [f"{k}{direction}" for k in keys] + [f"id{direction}"]
    return ", ".join(parts)


# SQLite: sort columns with an index, and whether they can be NULL. Without a filter, in the big
# views (all open, closed; for open cases coalesce(due, closed_on) is due), a page is read by walking the index in order, instead of sorting every
# open case to find the first 60 (0.1 ms instead of ~20 ms on 100,000 cases). `+status` keeps
# SQLite from preferring the status index, which would need that sort.
_INDEX_ORDER = {"due": ("due", True), "body": ("body", True), "workflow": ("workflow_id", False),
                "number": ("year{d}, seq", False)}


class _Channel:
    """One connection and its lock. The queue has two, so a page and a count can be read at the
    same time (sqlite3 and psycopg release the GIL while the database works)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.conn: Any = None


class QueueSource:
    """Read-only access to the queue of one database. Thread-safe: queries run in workers."""

    def __init__(self, loc: Location):
        self.loc = loc
        self._pg = not loc.is_sqlite
        self._channels = {"page": _Channel(), "count": _Channel()}
        self._data_version: int | None = None
        self._marker: Any = None
        self._fts = False  # SQLite: the trigram table of migration 0004 is there

    # -- connection --------------------------------------------------------------------------
    def _connect(self, channel: _Channel) -> Any:
        """The channel's open connection, or None while the SQLite file does not exist."""
        if channel.conn is not None:
            return channel.conn
        if self._pg:
            channel.conn = self._connect_pg()
            return channel.conn
        path: Path = self.loc.path  # type: ignore[assignment]
        if not path.exists() or path.stat().st_size == 0:
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5)
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA query_only=1")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        channel.conn = conn
        return conn

    def _connect_pg(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise QueueError("PostgreSQL support is not installed: pip install 'varsel-tui[postgres]'") from None
        try:
            conn = psycopg.connect(self.loc.libpq_url, autocommit=True, connect_timeout=10)
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            conn.execute("SET lock_timeout = '5s'")
            conn.execute("SET statement_timeout = '30s'")
        except psycopg.Error as exc:
            raise self._error(exc) from None
        return conn

    def close(self) -> None:
        for channel in self._channels.values():
            with channel.lock:
                if channel.conn is not None:
                    try:
                        channel.conn.close()
                    except Exception:  # noqa: BLE001 - closing anyway
                        pass
                    channel.conn = None

    def interrupt(self) -> None:
        """Abort the reads running now (their answers are no longer wanted: the user typed on).

        Safe from any thread; the interrupted call raises QueueError, which the caller drops."""
        for channel in self._channels.values():
            conn = channel.conn
            if conn is None:
                continue
            try:
                conn.interrupt() if not self._pg else conn.cancel_safe(timeout=1.0)
            except Exception:  # noqa: BLE001 - nothing running, or already closed
                pass

    def _error(self, exc: BaseException) -> QueueError:
        from .db import translate_error

        return QueueError(str(translate_error(exc, self.loc)))

    def _query(self, sql: str, params: Sequence[Any], channel: str = "page") -> list[tuple]:
        return list(self._rows(sql, params, channel))

    def _rows(self, sql: str, params: Sequence[Any], channel: str = "page", stream: bool = False) -> Iterator[tuple]:
        """The rows of a query, as they come. With `stream`, PostgreSQL sends them in batches from a
        server-side cursor (memory stays bounded on any number of rows); SQLite steps anyway."""
        ch = self._channels[channel]
        with ch.lock:
            conn = self._connect(ch)
            if conn is None:
                return
            if self._pg:
                sql = sql.replace("?", "%s")
            else:
                params = [p.isoformat() if isinstance(p, date) else p for p in params]
            try:
                if self._pg and stream:
                    with conn.transaction(), conn.cursor(name="varsel_stream") as cursor:
                        cursor.itersize = 2000
                        cursor.execute(sql, params)
                        yield from cursor
                else:
                    yield from conn.execute(sql, params)
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return  # a database being created right now: nothing to show yet
                if "interrupted" in str(exc):
                    raise QueueError("interrupted") from None
                raise self._error(exc) from None
            except sqlite3.DatabaseError as exc:  # e.g. a file that is not a database
                raise self._error(exc) from None
            except Exception as exc:  # psycopg errors: one line, and a fresh connection next time
                if self._pg and type(exc).__module__.startswith("psycopg"):
                    if "does not exist" in str(exc) and "relation" in str(exc):
                        return
                    try:
                        ch.conn.close()
                    except Exception:  # noqa: BLE001
                        pass
                    ch.conn = None
                    raise self._error(exc) from None
                raise

    def _where(self, filter_text: str, view: str, today: date, user: str,
               channel: str = "page") -> tuple[str, list[Any]]:
        return build_where(filter_text, view, today, user,
                           fts=bool(filter_text.strip()) and self._has_fts(channel))

    def _has_fts(self, channel: str) -> bool:
        """Whether the SQLite trigram table is there (a database made before revision 0004 is
        filtered with LIKE until the app upgrades it)."""
        if not self._pg and not self._fts:
            found = self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cases_fts'", [],
                                channel)
            self._fts = bool(found)
        return self._fts

    # -- the queue ---------------------------------------------------------------------------
    def page(self, filter_text: str, view: str, sort_column: str, descending: bool, offset: int,
             limit: int, today: date, user: str) -> list[Row]:
        where, params = self._where(filter_text, view, today, user)
        walkable = (not self._pg and sort_column in _INDEX_ORDER
                    and (view == "open" or (view == "closed" and sort_column != "due")))
        many = walkable and _FTS in where and not self._few_matches(where, filter_text)
        if many and self._access_share(user)[1]:
            # A common word may still be rare among this viewer's cases (another body's): a walk
            # would pass nearly every case, so start from their own access rows and sort those.
            where, walkable = _from_access(where), False
        if walkable and (_FTS not in where or many):
            # Walking the sort index finds a page at once where the general query would first sort
            # every match (a filter word often matches thousands of cases); the filter is then a
            # membership test on the trigram index's answer (or a LIKE). A rare word (few index
            # matches) is cheaper sorted.
            rows = self._page_by_index(where, params, sort_column, descending, int(offset), int(limit), today)
        else:
            sql = (f"SELECT {_COLUMNS} FROM cases WHERE {where} "
                   f"ORDER BY {build_order(sort_column, descending, self._pg, view != 'closed')} LIMIT ? OFFSET ?")
            rows = self._query(sql, [today, *params, int(limit), int(offset)])
        return [Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or "", r[7], _as_date(r[8]), r[9],
                    _as_date(r[10]), bool(r[11])) for r in rows]

    def _access_share(self, user: str, channel: str = "page") -> tuple[int, bool]:
        """How many access rows `user` has, and whether that is under half the cases: SQLite
        starts from them then (the (user_name, case_id) index is the smaller way in)."""
        rows = self._query("SELECT (SELECT count(*) FROM case_access WHERE user_name = ?), "
                           "(SELECT max(id) FROM cases)", [user], channel)
        mine, total = (int(rows[0][0]), int(rows[0][1] or 0)) if rows else (0, 0)
        return mine, mine * 2 < total

    def _few_matches(self, where: str, filter_text: str, channel: str = "page", cap: int | None = None) -> bool:
        """Whether the trigram index finds fewer than `cap` cases (FEW_MATCHES: so few that sorting
        them all beats walking the sort index past the many that do not match)."""
        if _FTS not in where:
            return False
        cap = FEW_MATCHES if cap is None else cap
        found = self._query("SELECT count(*) FROM (SELECT 1 FROM cases_fts WHERE cases_fts MATCH ? LIMIT ?)",
                            [fts_match(filter_text), cap], channel)
        return bool(found) and int(found[0][0]) < cap

    def _page_by_index(self, where: str, params: list[Any], sort_column: str, descending: bool,
                       offset: int, limit: int, today: date) -> list[tuple]:
        """The same rows, in the same order, as the general query: non-NULL values in index order,
        then the NULLs by id (SQLite only; see _INDEX_ORDER)."""
        column, nullable = _INDEX_ORDER[sort_column]
        d = " DESC" if descending else ""
        where = where.replace("status ", "+status ", 1).replace(_FTS, "+" + _FTS)
        if not nullable:
            order = column.format(d=d) + d + ("" if sort_column == "number" else f", id{d}")
            return self._query(f"SELECT {_COLUMNS} FROM cases WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                               [today, *params, limit, offset])
        rows = self._query(f"SELECT {_COLUMNS} FROM cases WHERE {where} AND {column} IS NOT NULL "
                           f"ORDER BY {column}{d}, id{d} LIMIT ? OFFSET ?", [today, *params, limit, offset])
        if len(rows) == limit:
            return rows
        # Past the last non-NULL value: continue with the NULLs, from the right place.
        counted = self._query(f"SELECT count(*) FROM cases WHERE {where} AND {column} IS NOT NULL", params)
        not_null = int(counted[0][0]) if counted else 0
        rest = self._query(f"SELECT {_COLUMNS} FROM cases WHERE {where} AND {column} IS NULL "
                           f"ORDER BY id{d} LIMIT ? OFFSET ?",
                           [today, *params, limit - len(rows), max(0, offset - not_null)])
        return rows + rest

    def count(self, filter_text: str, view: str, today: date, user: str) -> int:
        where, params = self._where(filter_text, view, today, user, "count")
        if not self._pg:
            # Counting visits every candidate, so start from the smallest set: the filter's index
            # matches, else the viewer's own access rows (the (user_name, case_id) index) when they
            # see under half the cases, else every open case with a probe each. Same rows.
            mine, few = self._access_share(user, "count")
            if few and not self._few_matches(where, filter_text, "count", cap=mine):
                where = _from_access(where)
        rows = self._query(f"SELECT count(*) FROM cases WHERE {where}", params, "count")
        return int(rows[0][0]) if rows else 0

    def approval(self, user: str) -> str:
        """"approved" (an approval is recorded; signatures are checked where access is decided),
        "pending", or "unknown" (no such user)."""
        rows = self._query("SELECT approval_sig IS NOT NULL FROM users WHERE name = ?", [user], "count")
        if not rows:
            return "unknown"
        return "approved" if rows[0][0] else "pending"

    def trust_anchor(self) -> bytes | None:
        """The administrator key the database names as its trust anchor (store/trust.py)."""
        rows = self._query("SELECT blob FROM settings WHERE key = 'trust_anchor'", [], "count")
        return bytes(rows[0][0]) if rows and rows[0][0] else None

    def pending_users(self, user: str) -> list[str]:
        """Users waiting for approval, if `user` is recorded as an administrator (a hint for the
        TUI only: the approvals screen checks the signatures)."""
        rows = self._query("SELECT name FROM users WHERE approved_at IS NULL AND EXISTS "
                           "(SELECT 1 FROM users WHERE name = ? AND role = 'admin') ORDER BY name", [user], "count")
        return [r[0] for r in rows]

    # -- scripting reads (the CLI's `case list` and `due`) ------------------------------------
    def revision(self) -> str | None:
        """The schema's Alembic revision; None for an empty database or no file."""
        rows = self._query("SELECT version_num FROM alembic_version", [])
        return rows[0][0] if rows else None

    def summaries(self, user: str, *, status: str | None = None, workflow: str | None = None,
                  limit: int | None = None, include_void: bool = False) -> list[Summary]:
        """`case list`: the cases `user` has access to, due first (no due date last), then by number;
        cases voided as registered in error only when asked for (`include_void` or that status)."""
        clauses, params = [_ACCESS], [user, access_today()]
        if status:
            clauses.append("status = ?")
            params.append(status)
        elif not include_void:
            clauses.append("status <> 'void'")
        if workflow:
            clauses.append("workflow_id = ?")
            params.append(workflow)
        where = " AND ".join(clauses)
        if not limit:
            sql = f"SELECT {_SUMMARY} FROM cases WHERE {where} ORDER BY due IS NULL, due, number"
            return [_summary(r) for r in self._query(sql, params)]
        # The first few: walk the due index (no sort of every case), then the ones without a due
        # date in number order if the page is not full yet — the same rows as the ORDER BY above.
        rows = self._query(f"SELECT {_SUMMARY} FROM cases WHERE {where} AND due IS NOT NULL "
                           f"ORDER BY due, number LIMIT ?", [*params, int(limit)])
        if len(rows) < limit:
            rows += self._query(f"SELECT {_SUMMARY} FROM cases WHERE {where} AND due IS NULL "
                                f"ORDER BY number LIMIT ?", [*params, int(limit) - len(rows)])
        return [_summary(r) for r in rows]

    def due(self, user: str, today: date, within_days: int) -> Iterator[Summary]:
        """`due`: open cases `user` has access to whose current step is due within `within_days` or
        past, or that need a preliminary reply — streamed, so any number of them fits in memory."""
        from datetime import timedelta

        sql = (f"SELECT {_SUMMARY} FROM cases WHERE status = 'open' AND (due <= ? OR "
               f"(prelim_warn_from <= ? AND prelim_sent IS NULL)) AND {_ACCESS} ORDER BY due, id")
        params = [today + timedelta(days=within_days), today, user, access_today()]
        return (_summary(r) for r in self._rows(sql, params, stream=True))

    def changed_marker(self) -> Any:
        """A value that changes when any case changes (poll it and refresh when it differs).

        SQLite: `PRAGMA data_version` changes whenever another connection commits, so the full
        (max(updated_at), count) is read only then. PostgreSQL: (max(updated_at), count). Grants
        and revocations in case_access count too: they change which cases the viewer sees.
        """
        ch = self._channels["count"]
        with ch.lock:
            conn = self._connect(ch)
            if conn is None:
                return None
            if not self._pg:
                try:
                    version = conn.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error as exc:
                    raise self._error(exc) from None
                if version == self._data_version and self._marker is not None:
                    return self._marker
                self._data_version = version
        rows = self._query("SELECT max(updated_at), count(*), (SELECT max(id) FROM case_access), "
                           "(SELECT count(*) FROM case_access) FROM cases", [], "count")
        marker = (str(rows[0][0]), int(rows[0][1]), rows[0][2], int(rows[0][3])) if rows else ("", 0)
        self._marker = marker
        return marker


class Prefetch:
    """The queue's first page (and count), read in a background thread while the UI starts.

    Start-up is mostly imports and building the first frame; the query need not wait for them.
    `run()` starts this before the app is made, and the list takes its answer at mount if it asks
    for the same thing (no filter, the same view and sort).
    """

    def __init__(self, source: QueueSource, view: str, sort_column: str, descending: bool, limit: int,
                 user: str, today: Any):
        self.key = ("", view, sort_column, descending, limit)
        self.rows: list[Row] = []
        self.count = 0
        self.today: date | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._args = (source, view, sort_column, descending, limit, user, today)
        threading.Thread(target=self._run, name="queue-prefetch", daemon=True).start()

    def _run(self) -> None:
        source, view, sort_column, descending, limit, user, today_fn = self._args
        try:
            self.today = today = today_fn()
            self.rows = source.page("", view, sort_column, descending, 0, limit, today, user)
            self.count = (len(self.rows) if len(self.rows) < limit
                          else source.count("", view, today, user))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the answer
            self.error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class FailedSource(QueueSource):
    """Stands in when the database cannot even be located (e.g. an unsupported URL): every read
    raises the same one-line error, so the queue shows it instead of crashing."""

    def __init__(self, error: str):
        super().__init__(Location("", Path(".")))
        self._message = error

    def _query(self, sql: str, params: Sequence[Any], channel: str = "page") -> list[tuple[Any, ...]]:
        raise QueueError(self._message)

    def _rows(self, sql: str, params: Sequence[Any], channel: str = "page",
              stream: bool = False) -> Iterator[tuple[Any, ...]]:
        raise QueueError(self._message)

    def changed_marker(self) -> Any:
        return None


def open_source(db: str | None) -> QueueSource:
    """The queue of the database `--db` / VARSEL_DB names (or the default file). Opens lazily."""
    return QueueSource(locate(db))
