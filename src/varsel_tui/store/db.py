"""Where the database is, opening it, and keeping its schema current.

`--db` / VARSEL_DB takes a file path (SQLite) or a PostgreSQL URL. A new SQLite file is created
owner-only (0600) in WAL mode. A PostgreSQL password belongs in PGPASSFILE / ~/.pgpass (libpq
reads them), or is not needed with peer authentication over the Unix socket
(`postgresql:///varsel`); the CLI refuses one on its command line. This module imports SQLAlchemy; the queue's first page does not
come through here (see store/queue.py).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

HEAD_REVISION = "0003"  # bump together with a new file in store/migrations/versions

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


@dataclass(frozen=True)
class Location:
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
        # Never print a password from a URL.
        url = self.url.split("?", 1)[0] if "password=" in self.url else self.url
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
        with open(path, "rb") as fh:
            head = fh.read(16)
        if head and head != b"SQLite format 3\x00":
            raise StoreError(f"{path} is not a varsel database (not an SQLite file)")
    else:
        # Create owner-only before anything is written to it.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


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
    """Bring the schema to the newest migration (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


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
