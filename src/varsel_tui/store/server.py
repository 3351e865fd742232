"""A committee's PostgreSQL database: who owns the schema, which roles officers log in with, what
those roles may do, and row-level security that mirrors the app's entitlement.

Run by the database owner (e.g. the `postgres` OS user over the Unix socket):
- `init(url, admin)` makes the roles, creates the database if it is missing, runs the app's
  migrations as `varsel_owner` and applies the grants and policies below;
- `upgrade(url)` does the same on an existing committee database (new migrations, new policies).

Roles (cluster-wide, so one committee database per PostgreSQL cluster):
- `varsel_owner` (NOLOGIN) owns every table and function; owners bypass row-level security, so
  only the definer functions below act as it, each for one narrow purpose.
- `varsel_applicants`: a login that may register itself (`varsel user add`) and nothing else;
  the server administrator gives each officer's OS account one (`createuser -g varsel_applicants`).
- `varsel_officers` (a member of applicants): an approved user's login; cases per row-level security.
- `varsel_admins` (a member of officers): directory writes and the approval of others.

Row-level security: a case row and every row hanging off it is visible and changeable only for
a `case_access` row naming `session_user` (until NULL or not yet past, in Oslo time), which the
app materialises on every write from the workflow's entitlement. Besides that:
- the case's creator, until the app has written any `case_access` row for it (the clerk who
  registers a case can finish registering it);
- whoever wrote the case row in the current transaction (a writer who just lost access, e.g. by
  transferring the case, can finish that write, as the app does);
- administrators see the `cases` rows themselves (metadata, for retention), not what hangs off them.
The journal is append-only for officers: a row may be filled in (hash, sealed text) only while its
hash is still empty — the app inserts a row and then writes its ciphertext, whose associated data
is the row id — and never deleted; re-sealing a case raised to strictly secret and destroying an
expired case go through definer functions that check their own preconditions.

Every statement is idempotent, so init and upgrade can be re-run; SECURITY_VERSION records what a
database has and is bumped together with a change to the statements.
"""

from __future__ import annotations

import re
from typing import Any

from .db import COMMITTEE_OWNER, HEAD_REVISION, StoreError, locate, make_engine, migrate, pg_schema, translate_error

SECURITY_VERSION = 3  # 2: documents; parties and measures withdrawn by a correction. 3: letters (0005l)
SECURITY_SETTING = "server.security_version"

OWNER, APPLICANTS, OFFICERS, ADMINS = COMMITTEE_OWNER, "varsel_applicants", "varsel_officers", "varsel_admins"
ROLES = {"officer": OFFICERS, "admin": ADMINS}

# A PostgreSQL role name as the OS login names it (peer authentication compares them verbatim).
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")

# Tables hanging off a case, and what officers may do with their rows beyond SELECT/INSERT.
CASE_TABLES = {
    "parties": "UPDATE, DELETE", "history": "UPDATE", "measures": "UPDATE, DELETE", "hearings": "UPDATE",
    "documents": "UPDATE",
    "drafts": "UPDATE, DELETE", "case_keys": "DELETE", "case_access": "UPDATE, DELETE",
    "presence": "UPDATE, DELETE", "letters": "UPDATE",
}
DIRECTORY = ("users", "bodies", "members", "settings")

# -- roles: run as the database owner (superuser or CREATEROLE), before the schema --------------
ROLE_SQL = [
    f"""DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') THEN
        CREATE ROLE {OWNER} NOLOGIN CREATEROLE; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APPLICANTS}') THEN
        CREATE ROLE {APPLICANTS} NOLOGIN; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OFFICERS}') THEN
        CREATE ROLE {OFFICERS} NOLOGIN; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ADMINS}') THEN
        CREATE ROLE {ADMINS} NOLOGIN; END IF;
    END $$""",
    f"ALTER ROLE {OWNER} NOLOGIN CREATEROLE",
    f"GRANT {APPLICANTS} TO {OFFICERS}",
    f"GRANT {OFFICERS} TO {ADMINS}",
    # The owner grants and revokes these when an administrator approves someone (PostgreSQL 16
    # asks for ADMIN OPTION; 15 is content with CREATEROLE).
    f"GRANT {OFFICERS}, {ADMINS} TO {OWNER} WITH ADMIN OPTION",
]


def database_sql(database: str) -> list[str]:
    """Only the roles connect; only the owner creates objects."""
    db = _ident(database)
    return [
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {OWNER}, {APPLICANTS}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER}",
        f"GRANT USAGE ON SCHEMA public TO {APPLICANTS}",
    ]


# -- functions, grants and policies: run as varsel_owner after the migrations -------------------
_TODAY = "(now() AT TIME ZONE 'Europe/Oslo')::date"  # the app's calendar day

FUNCTION_SQL = [
    # Administrators: membership of the role, which only the owner grants.
    """CREATE OR REPLACE FUNCTION varsel_is_admin() RETURNS boolean
      LANGUAGE sql STABLE SET search_path = pg_catalog
      AS $$ SELECT pg_has_role(session_user, 'varsel_admins', 'MEMBER') $$""",
    # Has the app materialised access for the case yet? (case_access has RLS itself: definer.)
    """CREATE OR REPLACE FUNCTION varsel_has_access_rows(case_id integer) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$ SELECT EXISTS (SELECT 1 FROM public.case_access a WHERE a.case_id = $1) $$""",
    f"""CREATE OR REPLACE FUNCTION varsel_can_see(case_id integer) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
        SELECT EXISTS (SELECT 1 FROM public.case_access a
                        WHERE a.case_id = $1 AND a.user_name = session_user
                          AND (a.until IS NULL OR a.until >= {_TODAY}))
            OR EXISTS (SELECT 1 FROM public.cases c
                        WHERE c.id = $1
                          AND ((c.created_by = session_user
                                AND NOT EXISTS (SELECT 1 FROM public.case_access a WHERE a.case_id = $1))
                               -- written in this transaction (a frozen row's xmin could only
                               -- match after 2^32 transactions; none is assigned on a pure read)
                               OR c.xmin::text = (pg_current_xact_id_if_assigned()::text::bigint
                                                  % 4294967296)::text))
      $$""",
    # StInn 2.4: a case raised to strictly secret has its journal sealed and its chain recomputed.
    # Only plain text becomes ciphertext, only in a strictly secret case the caller can see.
    """CREATE OR REPLACE FUNCTION varsel_seal_journal(entry_id integer, sealed bytea, prev text, new_hash text)
      RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        UPDATE public.journal j SET text = NULL, text_ct = sealed, prev_hash = prev, hash = new_hash
         WHERE j.id = entry_id AND j.text IS NOT NULL AND j.text_ct IS NULL AND sealed IS NOT NULL
           AND public.varsel_can_see(j.case_id)
           AND EXISTS (SELECT 1 FROM public.cases c
                        WHERE c.id = j.case_id AND c.classification = 'strengt_hemmelig');
        IF NOT FOUND THEN
          RAISE EXCEPTION 'journal entry % cannot be sealed: not plain text of a strictly secret case you can see',
            entry_id USING ERRCODE = '42501';
        END IF;
      END $$""",
    # Retention: an administrator destroys a closed case; the app has checked its retention period.
    """CREATE OR REPLACE FUNCTION varsel_destroy_case(target integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF NOT public.varsel_is_admin() THEN
          RAISE EXCEPTION 'only an administrator may destroy a case' USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM public.cases c WHERE c.id = target AND c.status <> 'open'
                                                      AND c.closed_on IS NOT NULL) THEN
          RAISE EXCEPTION 'case % is not closed; nothing was destroyed', target USING ERRCODE = '42501';
        END IF;
        DELETE FROM public.case_keys WHERE case_id = target;
        DELETE FROM public.drafts WHERE case_id = target;
        DELETE FROM public.history WHERE case_id = target;
        DELETE FROM public.journal WHERE case_id = target;
        DELETE FROM public.letters WHERE case_id = target;
        DELETE FROM public.measures WHERE case_id = target;
        DELETE FROM public.hearings WHERE case_id = target;
        DELETE FROM public.documents WHERE case_id = target;
        DELETE FROM public.parties WHERE case_id = target;
        DELETE FROM public.case_access WHERE case_id = target;
        DELETE FROM public.presence WHERE case_id = target;
        UPDATE public.cases SET linked_from = NULL WHERE linked_from = target;
        UPDATE public.cases SET linked_to = NULL WHERE linked_to = target;
        DELETE FROM public.cases WHERE id = target;
      END $$""",
    # Approval: an administrator gives a registered user a login in the officers' or admins' group.
    """CREATE OR REPLACE FUNCTION varsel_grant_login(login text, role text) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF NOT public.varsel_is_admin() THEN
          RAISE EXCEPTION 'only an administrator may approve users' USING ERRCODE = '42501';
        END IF;
        IF role NOT IN ('officer', 'admin') THEN
          RAISE EXCEPTION 'unknown role % (officer or admin)', role USING ERRCODE = '22023';
        END IF;
        IF login !~ '^[a-z_][a-z0-9_.-]{0,62}$' OR login ~ '^(pg_|varsel_)' THEN
          RAISE EXCEPTION '% cannot be a varsel login', login USING ERRCODE = '22023';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.name = login) THEN
          RAISE EXCEPTION 'user % has not registered (varsel user add)', login USING ERRCODE = '22023';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = login) THEN
          EXECUTE format('CREATE ROLE %I LOGIN', login);
        ELSIF NOT (SELECT r.rolcanlogin FROM pg_roles r WHERE r.rolname = login) THEN
          RAISE EXCEPTION 'role % exists and is not a login', login USING ERRCODE = '22023';
        END IF;
        EXECUTE format('GRANT varsel_officers TO %I', login);
        IF role = 'admin' THEN
          EXECUTE format('GRANT varsel_admins TO %I', login);
        ELSIF pg_has_role(login, 'varsel_admins', 'MEMBER') THEN
          EXECUTE format('REVOKE varsel_admins FROM %I', login);
        END IF;
      END $$""",
    "REVOKE ALL ON FUNCTION varsel_seal_journal(integer, bytea, text, text) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION varsel_destroy_case(integer) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION varsel_grant_login(text, text) FROM PUBLIC",
    f"GRANT EXECUTE ON FUNCTION varsel_seal_journal(integer, bytea, text, text) TO {OFFICERS}",
    f"GRANT EXECUTE ON FUNCTION varsel_destroy_case(integer) TO {ADMINS}",
    f"GRANT EXECUTE ON FUNCTION varsel_grant_login(text, text) TO {ADMINS}",
]


def _policy(table: str, name: str, command: str, roles: str, using: str | None = None,
            check: str | None = None) -> list[str]:
    sql = f"CREATE POLICY {name} ON {table} FOR {command} TO {roles}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return [f"DROP POLICY IF EXISTS {name} ON {table}", sql]


def grant_sql() -> list[str]:
    """Table privileges and row-level security (run as the owner of the tables)."""
    sql: list[str] = []
    every = [*DIRECTORY, "cases", *CASE_TABLES, "journal", "case_statistics", "alembic_version"]
    for table in every:  # start from nothing: a re-run must not leave an old grant behind
        sql.append(f"REVOKE ALL ON {table} FROM PUBLIC, {APPLICANTS}, {OFFICERS}, {ADMINS}")
    sql.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, {APPLICANTS}, {OFFICERS}, {ADMINS}")
    sql.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APPLICANTS}")

    # Directory: everyone reads it; a login registers only itself; administrators keep it.
    sql += [f"GRANT SELECT ON {t} TO {APPLICANTS}" for t in (*DIRECTORY, "alembic_version", "case_statistics")]
    sql += [f"GRANT INSERT, UPDATE, DELETE ON {t} TO {ADMINS}" for t in ("bodies", "members", "settings")]
    sql += [f"GRANT INSERT ON case_statistics TO {ADMINS}",
            f"GRANT INSERT ON users TO {APPLICANTS}",
            f"GRANT UPDATE (display_name, public_key, sealed_private_key, signing_public_key) ON users TO {APPLICANTS}",
            f"GRANT UPDATE, DELETE ON users TO {ADMINS}",
            "ALTER TABLE users ENABLE ROW LEVEL SECURITY"]
    sql += _policy("users", "users_read", "SELECT", APPLICANTS, "true")
    # A self-registration is an unapproved officer, unless the login was made an administrator
    # by the database owner (`server init --admin`): the app's first user is its administrator.
    sql += _policy("users", "users_register", "INSERT", APPLICANTS, check=(
        "name = session_user AND (varsel_is_admin() OR (role = 'officer' AND approved_at IS NULL "
        "AND approved_by IS NULL AND approval_sig IS NULL))"))
    sql += _policy("users", "users_own_keys", "UPDATE", APPLICANTS, "name = session_user", "name = session_user")
    sql += _policy("users", "users_admin", "ALL", ADMINS, "true", "true")

    # Cases and what hangs off them.
    # Reading is granted to applicants too, so the app runs for them and finds nothing.
    sql += [f"GRANT SELECT ON cases TO {APPLICANTS}", f"GRANT INSERT, UPDATE ON cases TO {OFFICERS}",
            "ALTER TABLE cases ENABLE ROW LEVEL SECURITY"]
    sql += _policy("cases", "cases_read", "SELECT", APPLICANTS,
                   "varsel_can_see(id) OR varsel_is_admin() "
                   # a new row, before the function's snapshot can see it (INSERT … RETURNING)
                   "OR (created_by = session_user AND NOT varsel_has_access_rows(id))")
    sql += _policy("cases", "cases_register", "INSERT", OFFICERS, check="created_by = session_user")
    sql += _policy("cases", "cases_write", "UPDATE", OFFICERS, "varsel_can_see(id)", "true")
    for table, more in CASE_TABLES.items():
        sql += [f"GRANT SELECT ON {table} TO {APPLICANTS}", f"GRANT INSERT, {more} ON {table} TO {OFFICERS}",
                f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"]
        mine = {"drafts": '"user" = session_user AND ', "presence": "user_name = session_user AND "}.get(table, "")
        sees = "varsel_can_see(case_id)"
        read = sees if table != "drafts" else mine + sees
        sql += _policy(table, f"{table}_read", "SELECT", APPLICANTS, read)
        sql += _policy(table, f"{table}_add", "INSERT", OFFICERS, check=mine + sees)
        if "UPDATE" in more:
            sql += _policy(table, f"{table}_change", "UPDATE", OFFICERS, mine + sees, mine + sees)
        if "DELETE" in more:
            sql += _policy(table, f"{table}_remove", "DELETE", OFFICERS, mine + sees)
    # A lost passphrase: the administrator removes the user's old wraps of every case.
    sql += _policy("case_keys", "case_keys_admin_read", "SELECT", ADMINS, "true")
    sql += _policy("case_keys", "case_keys_admin_remove", "DELETE", ADMINS, "true")

    # The journal: append-only; a row is filled in once, right after its insert (see the module doc).
    sql += [f"GRANT SELECT, INSERT ON journal TO {APPLICANTS}",
            f"GRANT UPDATE (text, text_ct, prev_hash, hash, state_digest) ON journal TO {APPLICANTS}",
            "ALTER TABLE journal ENABLE ROW LEVEL SECURITY"]
    chain = "case_id IS NULL OR varsel_can_see(case_id)"
    sql += _policy("journal", "journal_read", "SELECT", APPLICANTS, chain)
    sql += _policy("journal", "journal_append", "INSERT", APPLICANTS, check=chain)
    sql += _policy("journal", "journal_fill", "UPDATE", APPLICANTS, f"hash IS NULL AND ({chain})",
                   f"hash IS NOT NULL AND ({chain})")
    return sql


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- running it ----------------------------------------------------------------------------------
def init(url: str | None, admin: str | None = None) -> dict[str, Any]:
    """Set up (or bring up to date) a committee database; returns what was done."""
    loc = locate(url)
    if loc.is_sqlite:
        raise StoreError("varsel server init needs a PostgreSQL URL (e.g. postgresql:///varsel); "
                         "an SQLite file is a single user's store")
    if admin is not None and not _LOGIN.match(admin):
        raise StoreError(f"'{admin}' is not a login name PostgreSQL can match to an OS account")
    try:
        created = _ensure_database(loc.url)
        engine = make_engine(loc)
        try:
            with engine.begin() as conn:
                _roles(conn)
            result = _apply(engine)
            if admin is not None:
                with engine.begin() as conn:
                    _make_login(conn, admin, "admin")
        finally:
            engine.dispose()
    except StoreError:
        raise
    except Exception as exc:
        raise translate_error(exc, loc) from None
    return {"database": loc.display(), "created": created, "admin": admin, **result}


def upgrade(url: str | None) -> dict[str, Any]:
    """New migrations and policies on an existing committee database (as its owner)."""
    loc = locate(url)
    if loc.is_sqlite:
        raise StoreError("varsel server upgrade needs a PostgreSQL URL; an SQLite file upgrades itself when opened")
    try:
        engine = make_engine(loc)
        try:
            with engine.connect() as conn:
                revision, owner, _ = pg_schema(conn)
            if owner != OWNER:
                raise StoreError(f"{loc.display()} is not a committee database yet: run 'varsel server init' first")
            with engine.begin() as conn:
                _roles(conn)
            return {"database": loc.display(), "from_revision": revision, **_apply(engine)}
        finally:
            engine.dispose()
    except StoreError:
        raise
    except Exception as exc:
        raise translate_error(exc, loc) from None


def grant_login(engine_or_conn: Any, name: str, role: str) -> None:
    """Give an approved user's OS login its database role (called by `varsel user approve`, as an
    administrator). On SQLite there are no logins: nothing to do."""
    if role not in ROLES:
        raise StoreError(f"unknown role '{role}' (use officer or admin)")
    from sqlalchemy import text
    from sqlalchemy.engine import Engine

    bind = engine_or_conn.get_bind() if hasattr(engine_or_conn, "get_bind") else engine_or_conn  # a Session
    if bind.dialect.name != "postgresql":
        return
    from sqlalchemy.exc import DBAPIError

    sql, params = text("SELECT varsel_grant_login(:name, :role)"), {"name": name, "role": role}
    try:
        if isinstance(engine_or_conn, Engine):
            with engine_or_conn.begin() as conn:
                conn.execute(sql, params)
        else:  # a connection or session: inside the caller's transaction, with the approval itself
            engine_or_conn.execute(sql, params)
    except DBAPIError as exc:
        diag = getattr(exc.orig, "diag", None)
        why = (diag.message_primary if diag is not None else None) or str(exc.orig).splitlines()[0]
        if "permission denied for function" in why:
            why = "only an administrator may approve users"
        raise StoreError(f"cannot give {name} a database login: {why}") from None


def has_function(s: Any, signature: str) -> bool:
    """Whether the session's database is a committee's with this definer function (a plain
    PostgreSQL database, as in the tests, or SQLite has none and writes the rows directly)."""
    from sqlalchemy import text

    bind = s.get_bind() if hasattr(s, "get_bind") else s
    return bind.dialect.name == "postgresql" and bool(
        s.execute(text("SELECT to_regprocedure(:f) IS NOT NULL"), {"f": signature}).scalar())


def security_version(conn: Any) -> int | None:
    """The policies' version recorded in the database (None: not a committee database)."""
    from sqlalchemy import text

    value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": SECURITY_SETTING}).scalar()
    return int(value) if value else None


def _ensure_database(url: str) -> bool:
    """Create the URL's database if it does not exist (connecting to the `postgres` database)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.database:
        raise StoreError("the URL names no database (e.g. postgresql:///varsel)")
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}).scalar():
                return False
            conn.execute(text(f"CREATE DATABASE {_ident(target.database)}"))
            return True
    finally:
        engine.dispose()


def _roles(conn: Any) -> None:
    from sqlalchemy import text

    for stmt in ROLE_SQL:
        conn.execute(text(stmt))
    # A CREATEROLE owner that is not a superuser needs membership to act as varsel_owner.
    if not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        conn.execute(text(f"GRANT {OWNER} TO CURRENT_USER"))
    database = conn.execute(text("SELECT current_database()")).scalar()
    for stmt in database_sql(database):
        conn.execute(text(stmt))
    _adopt(conn)


def _adopt(conn: Any) -> None:
    """Tables a login made before the database was a committee's (the schema made by whoever
    opened it first) become the owner's."""
    from sqlalchemy import text

    rows = conn.execute(text(
        "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND pg_get_userbyid(c.relowner) <> :o"),
        {"o": OWNER}).all()
    for kind, name in rows:
        conn.execute(text(f"ALTER {'VIEW' if kind == 'v' else 'TABLE'} {_ident(name)} OWNER TO {OWNER}"))


def _apply(engine: Any) -> dict[str, Any]:
    """Migrate as the owner, then its functions, grants and policies, in one transaction."""
    from sqlalchemy import text

    with engine.begin() as conn:
        # The filter's trigram index (migration 0004) needs pg_trgm; the owner role may not create
        # extensions, whoever runs init/upgrade (the database owner) may.
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text(f"SET LOCAL ROLE {OWNER}"))
        migrate(conn)
        for stmt in FUNCTION_SQL + grant_sql():
            conn.execute(text(stmt))
        conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": SECURITY_SETTING})
        conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
                     {"k": SECURITY_SETTING, "v": str(SECURITY_VERSION)})
    return {"revision": HEAD_REVISION, "security_version": SECURITY_VERSION}


def _make_login(conn: Any, name: str, role: str) -> None:
    """The first administrator's login (as the database owner, before anyone has registered)."""
    from sqlalchemy import text

    exists = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if exists is None:
        conn.execute(text(f"CREATE ROLE {_ident(name)} LOGIN"))
    elif not exists[0]:
        raise StoreError(f"role {name} exists and is not a login")
    conn.execute(text(f"GRANT {ROLES[role]} TO {_ident(name)}"))
