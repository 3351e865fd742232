"""Backups and restores of a whole database.

Three kinds of backup file, told apart by their first bytes:
- an SQLite database, made with SQLite's online backup API (a consistent copy while other programs
  keep the database open; copying the file with open() would drop this process's SQLite locks);
- a `pg_dump` custom-format archive of a PostgreSQL database, when pg_dump is on PATH;
- a logical export (a zip: one JSON-lines file per table and a manifest with the schema revision,
  row counts and a SHA-256 of each table file), for PostgreSQL without pg_dump or on request.

Every kind holds the rows as stored: ciphertext stays ciphertext, so a backup of a strictly secret
case holds no plaintext, and crypto-shredding reaches backups only when they expire (README,
Retention). A backup file is created owner-only through a temporary file in the same directory.

A restore goes only into an empty database. The schema is made by the app's own migrations at the
backup's revision, every row is inserted with its id (ciphertexts name their row ids), PostgreSQL
sequences are moved past them, and the database is then upgraded to the newest revision. A bad or
damaged file leaves the target as it was: PostgreSQL restores in one transaction, SQLite into a
temporary file that replaces the target only when complete.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets as _secrets
import shutil
import sqlite3
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .db import Location, StoreError, locate

FORMAT = "varsel-backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
PGDUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
# In an SQLite backup: each table's row count and SHA-256, as in a logical export's manifest.
MANIFEST_TABLE = "varsel_backup_manifest"
BATCH = 2000


@dataclass
class BackupResult:
    path: Path
    kind: str  # sqlite | pg_dump | logical
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class RestoreResult:
    target: str
    kind: str
    revision: str
    rows: dict[str, int] = field(default_factory=dict)


# -- the backup file ---------------------------------------------------------------------------------
@contextmanager
def _owner_only_file(dest: Path, force: bool) -> Iterator[Path]:
    """A temporary 0600 file next to `dest`; it becomes `dest` only if the block succeeds."""
    if dest.is_dir():
        raise StoreError(f"{dest} is a directory")
    if not dest.parent.is_dir():
        raise StoreError(f"directory {dest.parent} does not exist")
    if dest.exists() and not force:
        raise StoreError(f"{dest} already exists; use --force to overwrite it")
    tmp = dest.parent / f".{dest.name}.{_secrets.token_hex(4)}.tmp"
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield tmp
        os.chmod(tmp, 0o600)
        if force:
            os.replace(tmp, dest)
        else:
            _publish(tmp, dest, f"{dest} already exists; use --force to overwrite it")
    finally:
        tmp.unlink(missing_ok=True)


def _publish(tmp: Path, dest: Path, exists: str) -> None:
    """Give the finished `tmp` the name `dest`, never replacing a file made there meanwhile."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise StoreError(exists) from None
    except OSError:  # a file system without hard links: a last look, then rename
        if dest.exists():
            raise StoreError(exists) from None
        os.rename(tmp, dest)


def backup(store, dest: Path, *, force: bool = False, logical: bool = False) -> BackupResult:  # noqa: ANN001
    """Write a backup of `store`'s database to `dest` (see the module docstring for the kinds)."""
    dest = Path(dest).expanduser()
    with _owner_only_file(dest, force) as tmp:
        if store.loc.is_sqlite:
            _sqlite_snapshot(store, tmp)
            if logical:
                result = _logical_from_sqlite_snapshot(tmp, dest)
            else:
                _add_manifest(tmp)
                result = BackupResult(dest, "sqlite", *_sqlite_facts(tmp))
        elif not logical and shutil.which("pg_dump"):
            _pg_dump(store.loc, tmp)
            with store.engine.connect() as conn:
                result = BackupResult(dest, "pg_dump", _revision(conn), _counts(conn))
        else:
            with store.engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                          postgresql_readonly=True) as conn, \
                    conn.begin():  # one snapshot for every table
                result = BackupResult(dest, "logical", *_export(conn, tmp))
    return result


def _sqlite_snapshot(store, tmp: Path) -> None:  # noqa: ANN001
    raw = store.engine.raw_connection()
    try:
        dst = sqlite3.connect(tmp)
        try:
            raw.driver_connection.backup(dst)
            # The copy is self-contained: no -wal file beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
            if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StoreError(f"{store.loc.display()}: the database fails its integrity check; no backup written")
        finally:
            dst.close()
    finally:
        raw.close()


def _add_manifest(path: Path) -> None:
    """Checksums of every table into the copy, so a restore notices any damaged byte."""
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(path))
    try:
        with engine.begin() as conn:
            sums = [{"t": name, "n": n, "h": digest}
                    for name in _app_tables(conn) for n, digest in [_digest(conn, name, _columns(conn, name))]]
            conn.exec_driver_sql(f"CREATE TABLE {MANIFEST_TABLE} (table_name TEXT PRIMARY KEY, "
                                 "row_count INTEGER NOT NULL, sha256 TEXT NOT NULL)")
            conn.execute(text(f"INSERT INTO {MANIFEST_TABLE} VALUES (:t, :n, :h)"), sums)
    finally:
        engine.dispose()


def _sqlite_facts(path: Path) -> tuple[str | None, dict[str, int]]:
    engine = _readonly_sqlite_engine(path)
    try:
        with engine.connect() as conn:
            return _revision(conn), _counts(conn)
    finally:
        engine.dispose()


def _logical_from_sqlite_snapshot(snapshot: Path, dest: Path) -> BackupResult:
    """Export from a snapshot (consistent across tables) and put the zip in the snapshot's place."""
    engine = _readonly_sqlite_engine(snapshot)
    zip_tmp = snapshot.with_name(snapshot.name + ".zip")
    os.close(os.open(zip_tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        with engine.connect() as conn:
            revision, rows = _export(conn, zip_tmp)
        engine.dispose()
        os.replace(zip_tmp, snapshot)
    finally:
        engine.dispose()
        zip_tmp.unlink(missing_ok=True)
    return BackupResult(dest, "logical", revision, rows)


def _pg_env(loc: Location) -> tuple[dict[str, str], str]:
    """libpq environment for pg_dump/pg_restore from the URL, so no password is on argv."""
    from sqlalchemy.engine import make_url

    url = make_url(loc.url)
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[var] = str(value)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("sslmode", "PGSSLMODE"),
                     ("dbname", "PGDATABASE")):
        given = url.query.get(key)  # postgresql:///varsel?host=/var/run/postgresql
        if given is not None:
            env[var] = given if isinstance(given, str) else given[0]
    dbname = env.get("PGDATABASE") or env.get("PGUSER") or ""
    return env, dbname


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        first = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else f"exit {proc.returncode}")
        first = first.strip().removeprefix(f"{argv[0]}: ")
        raise StoreError(f"{what} failed: {first[:300]}")
    return proc.stdout


def _pg_dump(loc: Location, tmp: Path) -> None:
    env, _ = _pg_env(loc)
    try:
        _run(["pg_dump", "--format=custom", "--file", str(tmp)], env, "pg_dump")
    except StoreError as exc:  # e.g. a pg_dump older than the server
        raise StoreError(f"{exc} (--logical makes a backup without pg_dump)") from None
    os.chmod(tmp, 0o600)


# -- logical export ------------------------------------------------------------------------------------
def _kind(type_) -> str:  # noqa: ANN001
    from sqlalchemy import LargeBinary, TypeDecorator

    while isinstance(type_, TypeDecorator):  # UTCDateTime → DateTime
        type_ = type_.impl_instance
    if isinstance(type_, LargeBinary):
        return "bytes"
    try:
        py = type_.python_type
    except NotImplementedError:
        return "str"
    for kind, cls in (("bool", bool), ("int", int), ("float", float), ("datetime", datetime), ("date", date),
                      ("bytes", bytes)):
        if py is cls:
            return kind
    return "str"


def _columns(conn, name: str) -> list[tuple[str, Any]]:  # noqa: ANN001
    """The table's columns as the database has them, typed as the app's models type them (so
    datetimes come back as aware UTC on both backends); columns the models lack keep their reflected type."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    from . import models  # noqa: F401  (registers the tables)

    model = SQLModel.metadata.tables.get(name)
    out = []
    for col in inspect(conn).get_columns(name):
        known = model.c.get(col["name"]) if model is not None else None
        out.append((col["name"], known.type if known is not None else col["type"]))
    return out


def _typed_table(name: str, columns: list[tuple[str, Any]]):  # noqa: ANN202
    from sqlalchemy import column, table

    return table(name, *(column(c, t) for c, t in columns))


def _app_tables(conn) -> list[str]:  # noqa: ANN001
    from sqlalchemy import inspect

    from .db import SEARCH_INDEX_OBJECTS

    # The filter's search index (SQLite FTS5 and its shadow tables) is derived from `cases`: a
    # restore rebuilds it through its triggers, so it is not part of a backup.
    return sorted(t for t in inspect(conn).get_table_names()
                  if t not in (VERSION_TABLE, MANIFEST_TABLE) and not t.startswith(SEARCH_INDEX_OBJECTS))


def _revision(conn) -> str | None:  # noqa: ANN001
    from sqlalchemy import inspect, text

    if VERSION_TABLE not in inspect(conn).get_table_names():
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _counts(conn) -> dict[str, int]:  # noqa: ANN001
    from sqlalchemy import func, select, table

    return {t: conn.execute(select(func.count()).select_from(table(t))).scalar() for t in _app_tables(conn)}


def _rows(conn, name: str, columns: list[tuple[str, Any]]) -> Iterator[dict[str, Any]]:  # noqa: ANN001
    from sqlalchemy import inspect, select

    t = _typed_table(name, columns)
    pk = inspect(conn).get_pk_constraint(name).get("constrained_columns") or [columns[0][0]]
    result = conn.execution_options(stream_results=True).execute(select(t).order_by(*(t.c[c] for c in pk)))
    for row in result.mappings():
        yield dict(row)


def _encode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("date", "datetime"):
        return value.isoformat()
    return value


def _decode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bool":
        return bool(value)
    return value


def _lines(conn, name: str, columns: list[tuple[str, Any]]) -> Iterator[bytes]:  # noqa: ANN001
    """The table's rows as the logical export writes them: one JSON array a line, in key order."""
    kinds = [_kind(t) for _, t in columns]
    for row in _rows(conn, name, columns):
        yield json.dumps([_encode(row[c], k) for (c, _), k in zip(columns, kinds, strict=True)],
                         ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _digest(conn, name: str, columns: list[tuple[str, Any]]) -> tuple[int, str]:  # noqa: ANN001
    digest, n = hashlib.sha256(), 0
    for line in _lines(conn, name, columns):
        digest.update(line)
        n += 1
    return n, digest.hexdigest()


def _export(conn, path: Path) -> tuple[str | None, dict[str, int]]:  # noqa: ANN001
    revision = _revision(conn)
    if revision is None:
        raise StoreError("the database has no varsel schema; nothing to back up")
    manifest: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
                                "dialect": conn.dialect.name,
                                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                "tables": {}}
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in _app_tables(conn):
            columns = _columns(conn, name)
            kinds = [_kind(t) for _, t in columns]
            digest, n = hashlib.sha256(), 0
            with zf.open(f"tables/{name}.jsonl", "w") as member:
                for line in _lines(conn, name, columns):
                    digest.update(line)
                    member.write(line)
                    n += 1
            manifest["tables"][name] = {"columns": [[c, k] for (c, _), k in zip(columns, kinds, strict=True)], "rows": n,
                                        "sha256": digest.hexdigest()}
            counts[name] = n
        zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
    return revision, counts


# -- reading a backup ----------------------------------------------------------------------------------
class _Source:
    """A backup's rows, table by table, as Python values typed like the app's models."""

    kind = ""
    revision = ""

    def tables(self) -> dict[str, list[tuple[str, str]]]:  # name -> [(column, kind)]
        raise NotImplementedError

    def count(self, name: str) -> int:
        raise NotImplementedError

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


# What a cut-off or altered zip makes zipfile raise (a bad deflate stream surfaces as zlib.error).
_ZIP_DAMAGE = (zipfile.BadZipFile, KeyError, EOFError, OSError, zlib.error)


class _LogicalSource(_Source):
    kind = "logical"

    def __init__(self, path: Path):
        try:
            self.zf = zipfile.ZipFile(path)
            manifest = json.loads(self.zf.read("manifest.json"))
        except (*_ZIP_DAMAGE, ValueError) as exc:
            raise StoreError(f"{path} is not a varsel backup or is damaged ({exc})") from None
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
            raise StoreError(f"{path} is not a varsel backup (no varsel manifest)")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise StoreError(f"{path}: backup format {manifest.get('format_version')} is not one this version reads")
        self.path, self.manifest, self.revision = path, manifest, str(manifest.get("revision"))
        # Every table's checksum before anything is written to the target.
        for name, spec in manifest["tables"].items():
            digest, n = hashlib.sha256(), 0
            try:
                with self.zf.open(f"tables/{name}.jsonl") as member:
                    for line in member:
                        digest.update(line)
                        n += 1
            except _ZIP_DAMAGE as exc:
                raise StoreError(f"{path} is damaged: table {name} cannot be read ({exc})") from None
            if digest.hexdigest() != spec.get("sha256") or n != spec.get("rows"):
                raise StoreError(f"{path} is damaged: table {name} does not match its checksum; nothing was restored")

    def tables(self) -> dict[str, list[tuple[str, str]]]:
        return {name: [(c, k) for c, k in spec["columns"]] for name, spec in self.manifest["tables"].items()}

    def count(self, name: str) -> int:
        return int(self.manifest["tables"][name]["rows"])

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        columns = self.tables()[name]
        with self.zf.open(f"tables/{name}.jsonl") as member:
            for line in io.TextIOWrapper(member, encoding="utf-8"):
                values = json.loads(line)
                yield {c: _decode(v, k) for (c, k), v in zip(columns, values, strict=True)}

    def close(self) -> None:
        self.zf.close()


class _SqliteSource(_Source):
    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = path
        self.engine = _readonly_sqlite_engine(path)
        try:
            self.conn = self.engine.connect()
            if self.conn.exec_driver_sql("PRAGMA quick_check").scalar() != "ok":
                raise StoreError(f"{path} is damaged (SQLite integrity check failed); nothing was restored")
            revision = _revision(self.conn)
            if revision is None:
                raise StoreError(f"{path} is an SQLite file but not a varsel backup")
            self.revision = revision
            self._columns = {t: _columns(self.conn, t) for t in _app_tables(self.conn)}
            self._verify()
        except StoreError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes SQLite raise: one line
            self.close()
            raise StoreError(f"{path} is damaged or not a varsel backup ({_first_line(exc)})") from None

    def _verify(self) -> None:
        """Every table against the checksums `varsel backup` stored in the copy. A copy of a
        database file made some other way has none; SQLite's own check is all there is then."""
        from sqlalchemy import inspect, text

        if MANIFEST_TABLE not in inspect(self.conn).get_table_names():
            return
        listed = {t: (n, h) for t, n, h in self.conn.execute(text(f"SELECT * FROM {MANIFEST_TABLE}"))}
        for name, columns in self._columns.items():
            if listed.get(name) != _digest(self.conn, name, columns):
                raise StoreError(f"{self.path} is damaged: table {name} does not match its checksum; "
                                 "nothing was restored")
        gone = set(listed) - set(self._columns)
        if gone:
            raise StoreError(f"{self.path} is damaged: table {min(gone)} is missing; nothing was restored")

    def tables(self) -> dict[str, list[tuple[str, str]]]:
        return {t: [(c, _kind(ty)) for c, ty in cols] for t, cols in self._columns.items()}

    def count(self, name: str) -> int:
        from sqlalchemy import func, select, table

        return self.conn.execute(select(func.count()).select_from(table(name))).scalar()

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        from sqlalchemy.exc import DBAPIError

        try:
            yield from _rows(self.conn, name, self._columns[name])
        except (sqlite3.DatabaseError, DBAPIError) as exc:
            raise StoreError(f"{self.path} is damaged: table {name} cannot be read ({_first_line(exc)})") from None

    def close(self) -> None:
        if getattr(self, "conn", None) is not None:
            self.conn.close()
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's "(sqlite3.DatabaseError)" prefix and SQL."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip()
    return (text.splitlines()[0] if text else type(inner).__name__)[:160]


def _readonly_sqlite_engine(path: Path):  # noqa: ANN202
    from sqlalchemy import create_engine

    uri = f"file:{path}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def _sniff(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    try:
        head = os.read(fd, 100)
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if head.startswith(SQLITE_MAGIC):
        # A cut-off file reads as zeros past its end; the header says how long it should be.
        page = int.from_bytes(head[16:18], "big")
        page = 65536 if page == 1 else page
        changes, pages, valid_for = (int.from_bytes(head[i:i + 4], "big") for i in (24, 28, 92))
        if len(head) < 100 or (changes == valid_for and pages * page > size):
            raise StoreError(f"{path} is damaged (cut off: {size} of {pages * page} bytes); nothing was restored")
        return "sqlite"
    if head.startswith(ZIP_MAGIC):
        return "logical"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    raise StoreError(f"{path} is not a varsel backup")


# -- restoring ----------------------------------------------------------------------------------------
def restore(source: Path, db: str) -> RestoreResult:
    """Restore the backup at `source` into the empty database `db` (a path or a PostgreSQL URL)."""
    source = Path(source).expanduser()
    kind = _sniff(source)
    loc = locate(db)
    if kind == "pg_dump":
        if loc.is_sqlite:
            raise StoreError("a pg_dump backup restores into PostgreSQL only (make a logical backup with "
                             "'varsel backup --logical' to move to SQLite)")
        return _restore_pg_dump(source, loc)
    src: _Source = _LogicalSource(source) if kind == "logical" else _SqliteSource(source)
    try:
        _known_revision(src.revision)
        if loc.is_sqlite:
            assert loc.path is not None
            rows = _restore_into_sqlite(src, loc.path)
        else:
            rows = _restore_into_postgres(src, loc)
    finally:
        src.close()
    return RestoreResult(loc.display(), kind, src.revision, rows)


def _alembic_config(conn):  # noqa: ANN001, ANN202
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg


def _known_revision(revision: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))
    try:
        known = script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = False
    if not known:
        raise StoreError(f"the backup's schema revision {revision!r} is unknown to this version of varsel "
                         "(restore it with the version that made it)")


def _migrate(conn, revision: str) -> None:  # noqa: ANN001
    from alembic import command

    command.upgrade(_alembic_config(conn), revision)


def _check_empty(conn, target: str) -> str | None:  # noqa: ANN001
    """Refuse a target with data; the target's schema revision (None: no schema yet)."""
    from sqlalchemy import func, select, table

    names = _app_tables(conn)
    revision = _revision(conn)
    if names and revision is None:
        raise StoreError(f"{target} has tables that are not a varsel schema; restore into an empty database")
    counts = {t: conn.execute(select(func.count()).select_from(table(t))).scalar() for t in names}
    if counts.get("cases") or counts.get("users"):
        raise StoreError(f"{target} is not empty (it has cases or users); restore only into an empty database")
    busy = [t for t, n in counts.items() if n]
    if busy:
        raise StoreError(f"{target} is not empty (table {busy[0]} has rows); restore only into an empty database")
    return revision


def _schema_at(conn, target: str, current: str | None, wanted: str) -> None:  # noqa: ANN001
    """Bring an empty target's schema to the backup's revision, never past it."""
    from alembic.script import ScriptDirectory

    if current == wanted:
        return
    if current is not None:
        script = ScriptDirectory.from_config(_alembic_config(None))
        ancestors = {r.revision for r in script.iterate_revisions(wanted, "base")}
        if current not in ancestors:
            raise StoreError(f"{target} has a newer schema ({current}) than the backup ({wanted}); restore into "
                             "a new, empty database")
    _migrate(conn, wanted)


def _load(conn, src: _Source, target: str) -> dict[str, int]:  # noqa: ANN001
    """Insert every row of the backup, keeping ids; returns rows per table."""
    from sqlalchemy import bindparam, inspect, update
    from sqlmodel import SQLModel

    from . import models  # noqa: F401

    insp = inspect(conn)
    present = set(insp.get_table_names())
    tables = src.tables()
    missing = [t for t in tables if t not in present]
    if missing:
        raise StoreError(f"the backup has table {missing[0]}, which its schema revision {src.revision} lacks")
    order = [t.name for t in SQLModel.metadata.sorted_tables if t.name in tables]
    order += sorted(t for t in tables if t not in order)
    counts: dict[str, int] = {}
    for name in order:
        have = {c["name"]: c["type"] for c in insp.get_columns(name)}
        columns = _columns(conn, name)
        wanted = [c for c, _ in tables[name]]
        extra = [c for c in wanted if c not in have]
        if extra:
            raise StoreError(f"the backup's table {name} has column {extra[0]}, which the schema lacks")
        typed = dict(columns)
        t = _typed_table(name, [(c, typed[c]) for c in wanted])
        # A row may point at a later row of its own table (cases.linked_to): those columns are
        # filled in after every row is there.
        self_refs = [c for fk in insp.get_foreign_keys(name) if fk["referred_table"] == name
                     for c in fk["constrained_columns"] if c in wanted]
        later: list[dict[str, Any]] = []
        n = 0
        batch: list[dict[str, Any]] = []
        for row in src.rows(name):
            if self_refs and any(row.get(c) is not None for c in self_refs):
                later.append({"_id": row["id"], **{f"_{c}": row[c] for c in self_refs}})
                row = {**row, **{c: None for c in self_refs}}
            batch.append(row)
            n += 1
            if len(batch) >= BATCH:
                conn.execute(t.insert(), batch)
                batch = []
        if batch:
            conn.execute(t.insert(), batch)
        if later:
            conn.execute(update(t).where(t.c.id == bindparam("_id"))
                         .values({c: bindparam(f"_{c}") for c in self_refs}), later)
        if n != src.count(name):
            raise StoreError(f"the backup's table {name} holds {n} rows, not the {src.count(name)} it lists")
        counts[name] = n
    return counts


def _fix_sequences(conn) -> None:  # noqa: ANN001
    """Ids were given explicitly: move each id sequence past them (as bulk seeding does)."""
    from sqlalchemy import inspect, text

    for name in _app_tables(conn):
        if "id" not in {c["name"] for c in inspect(conn).get_columns(name)}:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar()
        if seq:
            conn.execute(text(f'SELECT setval(:s, (SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"), false)'),
                         {"s": seq})


def _restore_into_postgres(src: _Source, loc: Location) -> dict[str, int]:
    from .db import make_engine, translate_error

    engine = make_engine(loc)
    try:
        with engine.begin() as conn:  # PostgreSQL's DDL is transactional: all of it or nothing
            current = _check_empty(conn, loc.display())
            _schema_at(conn, loc.display(), current, src.revision)
            counts = _load(conn, src, loc.display())
            _fix_sequences(conn)
            _migrate(conn, "head")
        return counts
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - a driver error → one line; the transaction rolled back
        raise translate_error(exc, loc) from None
    finally:
        engine.dispose()


def _restore_into_sqlite(src: _Source, target: Path) -> dict[str, int]:
    """Build the database in a temporary file beside the target; it becomes the target only when
    complete, so a failure leaves nothing half-restored."""
    from sqlalchemy import create_engine, event

    from .db import prepare_sqlite_file, sqlite_pragmas

    existed = target.exists() and target.stat().st_size > 0
    if existed:
        prepare_sqlite_file(target, create_dir=False)  # refuses a file that is not SQLite
        probe = _readonly_sqlite_engine(target)
        try:
            with probe.connect() as conn:
                _check_empty(conn, str(target))
        finally:
            probe.dispose()
    elif not target.parent.is_dir():
        raise StoreError(f"directory {target.parent} does not exist")
    tmp = target.parent / f".{target.name}.{_secrets.token_hex(4)}.restoring"
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    engine = create_engine(f"sqlite:///{tmp}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA secure_delete=ON")

    try:
        with engine.begin() as conn:
            _migrate(conn, src.revision)
            counts = _load(conn, src, str(target))
        with engine.begin() as conn:
            _migrate(conn, "head")
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise StoreError(f"the backup's rows break a reference (table {problems[0][0]}); nothing was restored")
        engine.dispose()
        if existed:
            # The target is an empty database another program may hold open: SQLite's backup API
            # replaces its content under SQLite's own locks.
            src_conn, dst_conn = sqlite3.connect(tmp), sqlite3.connect(target)
            try:
                sqlite_pragmas(dst_conn)
                src_conn.backup(dst_conn)
            finally:
                src_conn.close()
                dst_conn.close()
        else:
            _publish(tmp, target, f"{target} appeared while restoring; nothing was restored")
        return counts
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - one line; the temporary file goes below
        raise StoreError(f"restore into {target} failed: {_first_line(exc)}; nothing was restored") from None
    finally:
        engine.dispose()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)


# -- pg_dump archives --------------------------------------------------------------------------------
def _pg_dump_revision(source: Path, env: dict[str, str]) -> str:
    out = _run(["pg_restore", "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(source)], env,
               f"reading {source}")
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY") and VERSION_TABLE in line and i + 1 < len(lines) and lines[i + 1] != "\\.":
            return lines[i + 1].strip()
    raise StoreError(f"{source} is a pg_dump archive but not of a varsel database")


def _data_items(toc: str) -> list[str]:
    """The archive's rows and sequence positions, referenced tables first: the schema is the
    migrations', and pg_restore keeps the list's order (a data-only restore does not sort by
    foreign keys; within one COPY a row may refer to a later row, as cases.linked_to may)."""
    from sqlmodel import SQLModel

    from . import models  # noqa: F401

    rank = {t.name: i for i, t in enumerate(SQLModel.metadata.sorted_tables)}
    data, sequences = [], []
    for line in toc.splitlines():
        if line.startswith(";"):
            continue
        words = line.split()
        if " TABLE DATA " in line:
            name = words[words.index("DATA") + 2]
            if name != VERSION_TABLE:
                data.append((rank.get(name, len(rank)), name, line))
        elif " SEQUENCE SET " in line:
            sequences.append(line)
    return [line for _, _, line in sorted(data)] + sequences


def _restore_pg_dump(source: Path, loc: Location) -> RestoreResult:
    """pg_restore the rows (one transaction) into the schema the app's migrations make at the
    archive's revision; on failure the tables made here are dropped again."""
    import tempfile

    from sqlalchemy import text

    from .db import make_engine, translate_error

    if not shutil.which("pg_restore"):
        raise StoreError("restoring a pg_dump backup needs pg_restore (install postgresql-client)")
    env, dbname = _pg_env(loc)
    try:
        toc = _run(["pg_restore", "--list", str(source)], env, f"reading {source}")
    except StoreError:
        raise StoreError(f"{source} is damaged or not a pg_dump archive; nothing was restored") from None
    revision = _pg_dump_revision(source, env)
    _known_revision(revision)
    engine = make_engine(loc)
    made_schema = False
    try:
        with engine.begin() as conn:
            current = _check_empty(conn, loc.display())
            made_schema = current is None
            _schema_at(conn, loc.display(), current, revision)
        with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as fh:
            fh.write("\n".join(_data_items(toc)) + "\n")
            listing = fh.name
        try:
            _run(["pg_restore", "--data-only", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--use-list={listing}", f"--dbname={dbname}", str(source)], env,
                 "pg_restore")
        except StoreError as exc:
            # pg_restore reads the archive as it goes: a damaged one fails here, not in --list.
            damaged = any(w in str(exc) for w in ("input file", "compress", "corrupt", "invalid"))
            raise StoreError(f"{source} is damaged ({exc})" if damaged else f"could not restore {source} ({exc})") \
                from None
        finally:
            os.unlink(listing)
        with engine.begin() as conn:
            _fix_sequences(conn)
            _migrate(conn, "head")
            counts = _counts(conn)
        return RestoreResult(loc.display(), "pg_dump", revision, counts)
    except Exception as exc:  # noqa: BLE001 - undone below, then one line
        with engine.begin() as conn:  # the target was empty: leave it so
            tables = _app_tables(conn)
            if made_schema:
                for t in tables + [VERSION_TABLE]:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{t}" CASCADE'))
            elif tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        if isinstance(exc, StoreError):
            raise StoreError(f"{exc}; nothing was restored") from None
        raise translate_error(exc, loc) from None
    finally:
        engine.dispose()
