"""Where the database is, opening it, and keeping its schema current.

`--db` / VARSEL_DB takes a file path (SQLite) or a PostgreSQL URL. A new SQLite file is created
owner-only (0600) in WAL mode; SQLite is the single-user store, so a file other accounts could
read or write is refused (a committee shares a PostgreSQL database: store/server.py). A PostgreSQL
password belongs in PGPASSFILE / ~/.pgpass (libpq reads them), or is not needed with peer
authentication over the Unix socket (`postgresql:///varsel`), where the OS login is the database
user; the CLI refuses one on its command line. This module imports SQLAlchemy; the queue's first
page does not come through here (see store/queue.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import NamedTuple

COMMITTEE_HELP = "README: 'A committee on one server'"
COMMITTEE_OWNER = "varsel_owner"  # owns a committee's schema (store/server.py)
OLDER_SCHEMA = "the database schema is older than this varsel; ask the administrator to run 'varsel server upgrade'"
HEAD_REVISION = "0005l"  # bump together with a new file in store/migrations/versions


# The queue filter's search index (migration 0004) is made by hand, per backend, and has no model:
# the FTS5 table and its shadow tables (SQLite), the trigram index (PostgreSQL). Schema comparisons
# (migrations/env.py, tests) leave these out.
SEARCH_INDEX_OBJECTS = ("cases_fts", "ix_cases_search_trgm")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter: False for the search index's objects."""
    return not (name and name.startswith(SEARCH_INDEX_OBJECTS))

# Execution option naming the statement an SQLite transaction begins with ("BEGIN IMMEDIATE"
# for a unit of work that writes: store/unit.py).
SQLITE_BEGIN = "varsel_sqlite_begin"

# Where Debian's and most distributions' PostgreSQL put its Unix socket.
DEFAULT_SOCKET_DIR = "/var/run/postgresql"
PASSWORD_ADVICE = ("put it in a password file (PGPASSFILE or ~/.pgpass, mode 0600) or use peer "
                   "authentication over the Unix socket, e.g. postgresql:///varsel")
_PG_SCHEMES = ("postgresql:", "postgresql+psycopg:", "postgres:")


class StoreError(Exception):
    """A database problem told to the user in one line."""


class Location(NamedTuple):
    """Where the database is (a named tuple, not a dataclass: the CLI's light reads import neither
    dataclasses nor inspect)."""

    url: str  # SQLAlchemy URL
    path: Path | None  # the SQLite file, if any

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    @property
    def libpq_url(self) -> str:
        """The PostgreSQL URL as libpq (psycopg.connect) takes it."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        # Never print a password from a URL; show it as the user would write it.
        url = self.url.split("?", 1)[0] if "password=" in self.url else self.url
        url = url.replace("postgresql+psycopg://", "postgresql://", 1).replace(f"?host={DEFAULT_SOCKET_DIR}", "")
        head, _, tail = url.partition("@")
        return (head.split(":")[0] + "://…@" + tail) if tail else url


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("varsel-tui")) / "varsel.db"


def has_password(raw: str) -> bool:
    """True when a PostgreSQL URL carries a password (user:PASSWORD@ or ?password=)."""
    if not raw.startswith(_PG_SCHEMES):
        return False
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(raw)
    except ValueError:
        return ":" in raw.split("://", 1)[-1].split("@", 1)[0] and "@" in raw
    return bool(parts.password) or "password" in parse_qs(parts.query)


def _with_socket(url: str) -> str:
    """A URL without a host (`postgresql:///varsel`, peer authentication) names the local Unix
    socket. libpq's own default directory depends on how it was built (the psycopg wheels' is not
    Debian's), so it is made explicit: PGHOST when set, else DEFAULT_SOCKET_DIR."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.hostname or "host" in parse_qs(parts.query) or os.environ.get("PGHOST"):
        return url
    return url + ("&" if parts.query else "?") + "host=" + DEFAULT_SOCKET_DIR


def locate(db: str | None) -> Location:
    raw = db or os.environ.get("VARSEL_DB") or ""
    if raw.startswith(_PG_SCHEMES):
        url = raw.replace("postgres://", "postgresql://", 1)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return Location(_with_socket(url), None)
    if "://" in raw:
        raise StoreError(f"unsupported database URL '{raw.split('://')[0]}://…' (use a file path or postgresql://)")
    path = Path(raw).expanduser() if raw else default_path()
    return Location(f"sqlite:///{path}", path)


def prepare_sqlite_file(path: Path, create_dir: bool) -> None:
    """Check the file is usable before SQLAlchemy touches it, so errors are one clear line."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")
    parent = path.parent
    if not parent.exists():
        if not create_dir:
            raise StoreError(f"directory {parent} does not exist")
        parent.mkdir(parents=True, mode=0o700)
    if path.exists():
        if not is_sqlite_file(path):
            raise StoreError(f"{path} is not a varsel database (not an SQLite file)")
        refuse_shared_sqlite(path)
    else:
        # Create owner-only before anything is written to it. Closing this descriptor is safe only
        # because the file did not exist: no connection of this process can hold a lock on it yet.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)  # whatever the umask


def refuse_shared_sqlite(path: Path) -> None:
    """SQLite is one officer's store: a file other accounts can reach is refused, not repaired
    (chmod would only hide that it was shared, and fails for a group member who is not its owner)."""
    st = path.stat()
    if st.st_uid != os.geteuid():
        raise StoreError(f"{path} belongs to another account: an SQLite database is for one user; "
                         f"a committee shares a PostgreSQL database ({COMMITTEE_HELP})")
    if st.st_mode & 0o077:
        raise StoreError(f"{path} can be read or written by other accounts (mode {st.st_mode & 0o777:04o}): "
                         f"an SQLite database is for one user (chmod 600 it if it is yours alone); "
                         f"a committee shares a PostgreSQL database ({COMMITTEE_HELP})")


def is_sqlite_file(path: Path) -> bool:
    """Whether SQLite can read the file as a database (an empty file is a new one).

    Asked through SQLite, never by reading the header with open(): the queue's connection is open
    before the store's, and closing any descriptor of the file drops every POSIX lock this process
    holds on it. SQLite still counts its shared lock as held and never takes it again, so another
    process closing the last connection it can see deletes the WAL under this process's writer:
    commits vanish and other connections read pages half old, half new (issue 9; sqlite.org,
    "How To Corrupt An SQLite Database File" §2.2). SQLite itself defers closing a descriptor
    while other connections of the process hold locks on the file.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return False
        raise  # locked, unreadable: the store's own open says so in one line (translate_error)
    return True


def sqlite_pragmas(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")  # deleted ciphertext and keys are overwritten
    conn.execute("PRAGMA busy_timeout=5000")


def current_revision_sqlite(path: Path) -> str | None:
    """Read Alembic's version with the stdlib, so start-up need not import Alembic."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def make_engine(loc: Location):
    from sqlalchemy import create_engine, event

    if loc.is_sqlite:
        engine = create_engine(loc.url, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            # pysqlite would start transactions itself, late (at the first write): take that over
            # so a writer can claim the database at its start (SQLALCHEMY "pysqlite serializable").
            dbapi_conn.isolation_level = None
            sqlite_pragmas(dbapi_conn)

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # noqa: ANN001
            statement = conn.get_execution_options().get(SQLITE_BEGIN, "BEGIN")
            if statement:  # "" for a statement that must run outside a transaction (a checkpoint)
                conn.exec_driver_sql(statement)

        return engine
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError("PostgreSQL support is not installed: pip install 'varsel-tui[postgres]'") from None
    return create_engine(loc.url, pool_pre_ping=True)


def upgrade(engine) -> None:  # noqa: ANN001
    """Bring the schema to the newest migration (creates it on an empty database).

    On PostgreSQL only the schema's owner migrates: a committee's database (owned by the
    `varsel_owner` role, store/server.py) is upgraded by `varsel server upgrade`, which also renews
    its grants and row-level security; an officer's app on an older schema says so instead."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            revision, owner, mine = pg_schema(conn)
        if revision == HEAD_REVISION:
            if owner == COMMITTEE_OWNER and not _security_current(engine):
                engine.dispose()
                raise StoreError(OLDER_SCHEMA)
            return
        refusal = ("the database schema is newer than this varsel; update varsel"
                   if revision is not None and revision > HEAD_REVISION
                   else OLDER_SCHEMA if owner is not None and not mine else None)
        if refusal:
            engine.dispose()  # the caller gets no store: leave no connection behind
            raise StoreError(refusal)
    with engine.begin() as conn:
        migrate(conn)


def _security_current(engine) -> bool:  # noqa: ANN001
    """A committee database has this version's grants and policies (store/server.py)."""
    from sqlalchemy import text

    from .server import SECURITY_SETTING, SECURITY_VERSION

    with engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": SECURITY_SETTING}).scalar()
    return value is not None and int(value) >= SECURITY_VERSION


def migrate(conn) -> None:  # noqa: ANN001
    """Run the Alembic migrations on `conn` (inside its transaction) up to the newest."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def pg_schema(conn) -> tuple[str | None, str | None, bool]:  # noqa: ANN001
    """(Alembic revision, owner of the schema's version table, whether this login may migrate it
    here) — (None, None, True) on an empty database. A committee's schema (owned by varsel_owner)
    is migrated only by `varsel server upgrade`, never as a side effect of opening it."""
    from sqlalchemy import text

    owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tablename = 'alembic_version'")).scalar()
    if owner is None:
        return None, None, True
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision, owner, owner == conn.execute(text("SELECT current_user")).scalar()


def translate_error(exc: BaseException, loc: Location) -> StoreError:
    text = str(exc).lower()
    if "database is locked" in text:
        return StoreError(f"{loc.display()}: the database is locked by another program; try again")
    if "file is not a database" in text or "not a database" in text:
        return StoreError(f"{loc.display()} is not a varsel database")
    if "unable to open database" in text:
        return StoreError(f"{loc.display()}: cannot open the database file")
    if "peer authentication failed" in text:
        return StoreError(f"{loc.display()}: peer authentication failed: the server has no role named as your OS "
                          "account, or pg_hba.conf does not allow it")
    if "no password supplied" in text:
        return StoreError(f"{loc.display()}: the server wants a password: {PASSWORD_ADVICE}")
    if "password authentication failed" in text:
        return StoreError(f"the database server refused the login for {loc.display()}")
    if "connection" in text and ("refused" in text or "failed" in text):
        return StoreError(f"cannot connect to the database server at {loc.display()}")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreError(f"{loc.display()}: database error: {first[:200]}")
