"""Integrity checks: `varsel check` on demand, a cheap version at TUI start-up.

Three kinds of problem, each told in one line:
- database: the file or the server's structures are damaged. SQLite: `PRAGMA integrity_check`
  (start-up: `quick_check`, which skips comparing indexes with their tables) and
  `foreign_key_check`. PostgreSQL keeps its own structures whole; it is asked only for indexes a
  failed build left invalid.
- audit: what `Store.verify_audit` reports — the same call as `varsel audit verify`, so every
  check added there (signatures, case states) is reported here as well — and the users and
  memberships no administrator signed (`Store.trust`, store/trust.py; cheap, also at start-up).
- state: what `Store.verify_state` reports (also part of `varsel audit verify`): a case whose
  stored state no longer matches its journal's digest, or an access row the workflow does not
  give. Not at start-up: it recomputes every case's digest.

Start-up (`quick`) is bounded, from measurements on a 213 MB file of 100,000 cases on a busy
two-core machine: `integrity_check` 2.7 s, `quick_check` 1.3 s, verifying the audit chains of
100,000 entries 10.6 s (and the store is held that long). So start-up runs the full
`integrity_check` — the one that finds an index missing rows, issue 9's corruption — on files up
to STARTUP_FULL_BYTES and `quick_check` (pages and records, not indexes against tables) above,
and verifies the chains only on a journal of at most STARTUP_AUDIT_LIMIT entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .db import Location
    from .service import Store

MAX_ROWS = 100  # SQLite stops after this many integrity errors; one is already enough to act on
STARTUP_AUDIT_LIMIT = 10_000  # journal entries (about 1 s); above it start-up leaves the chains to `varsel check`
STARTUP_FULL_BYTES = 64 * 2**20  # an SQLite file up to this size gets the full check at start-up (about 0.8 s)


@dataclass(frozen=True)
class Problem:
    kind: str  # "database", "audit" or "state"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class Report:
    problems: list[Problem]
    checked: list[str]  # what was checked, e.g. ["integrity_check", "foreign_key_check", "audit"]
    audit_entries: int | None  # journal entries verified; None if the audit was not checked

    @property
    def ok(self) -> bool:
        return not self.problems


def run(store: "Store", *, quick: bool = False) -> Report:
    """The checks; `quick` is start-up's bounded version (see the module docstring)."""
    problems: list[Problem] = []
    checked: list[str] = []
    problems += _database(store, quick, checked)
    entries: int | None = None
    if not quick or _journal_size(store) <= STARTUP_AUDIT_LIMIT:
        entries, audit_problems = _audit(store)
        problems += audit_problems
        checked.append("audit")
    if not quick:  # every case's digest is recomputed (about 5 ms a case): not at start-up
        problems += _states(store)
        checked.append("case state")
    problems += _signatures(store)
    checked.append("signatures")
    return Report(problems, checked, entries)


def _states(store: "Store") -> list[Problem]:
    """Cases whose stored state or access rows were altered outside varsel (store/case_state.py)."""
    try:
        return [Problem("state", line) for line in store.verify_state()]
    except Exception as exc:  # noqa: BLE001 - a StoreError from a damaged database, in one line
        return [Problem("state", "case states could not be verified: " + _first_line(exc, store.loc))]


def _database(store: "Store", quick: bool, checked: list[str]) -> list[Problem]:
    where = store.loc.display()
    try:
        return _ask_database(store, quick, checked, where)
    except Exception as exc:  # noqa: BLE001 - a file too damaged to check is itself the finding
        return [Problem("database", _first_line(exc, store.loc))]


def _ask_database(store: "Store", quick: bool, checked: list[str], where: str) -> list[Problem]:
    problems: list[Problem] = []
    with store.engine.connect() as conn:
        if store.loc.is_sqlite:
            pages, size = (conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("page_count", "page_size"))
            pragma = "quick_check" if quick and (pages or 0) * (size or 0) > STARTUP_FULL_BYTES else "integrity_check"
            rows = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {pragma}({MAX_ROWS})")]
            checked.append(pragma)
            problems += [Problem("database", f"{where}: {text}") for text in rows if text != "ok"]
            if not quick:
                checked.append("foreign_key_check")
                for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:MAX_ROWS]:
                    problems.append(Problem("database", f"{where}: row {rowid} of {table} refers to a missing "
                                                        f"row of {parent}"))
        else:
            checked.append("invalid_indexes")
            rows = conn.exec_driver_sql(
                "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace").fetchall()
            problems += [Problem("database", f"{where}: index {r[0]} is invalid (rebuild it with REINDEX)")
                         for r in rows]
    return problems


def _journal_size(store: "Store") -> int:
    try:
        with store.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM journal").scalar() or 0)
    except Exception:  # noqa: BLE001 - unreadable: the database check has said so already
        return STARTUP_AUDIT_LIMIT + 1


def _audit(store: "Store") -> tuple[int | None, list[Problem]]:
    try:
        checked, broken = store.verify_audit()
    except Exception as exc:  # noqa: BLE001 - a StoreError from a damaged database, in one line
        return None, [Problem("audit", "audit journal could not be verified: "
                                       + _first_line(exc, store.loc))]
    return checked, [Problem("audit", audit_problem(item)) for item in broken]


def _signatures(store: "Store") -> list[Problem]:
    """Users and memberships no administrator signed (store/trust.py), as `audit verify` lists them."""
    try:
        return [Problem("audit", line) for line in store.trust().problems]
    except Exception as exc:  # noqa: BLE001 - a StoreError from a damaged database, in one line
        return [Problem("audit", "signatures could not be verified: " + _first_line(exc, store.loc))]


def _first_line(exc: BaseException, loc: "Location") -> str:
    from .db import StoreError, translate_error

    return str(exc if isinstance(exc, StoreError) else translate_error(exc, loc))


def audit_problem(item: Any) -> str:
    """One line for one broken chain as `verify_audit` reports it: (entry id, case number, and
    whatever else a check adds, e.g. a reason)."""
    entry, number, *more = item
    where = f" (case {number})" if number else ""
    reason = ": " + " ".join(str(m) for m in more if m) if any(more) else ""
    return f"audit journal altered: broken link at journal entry #{entry}{where}{reason}"
