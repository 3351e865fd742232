"""Who is acting: the login, not a name typed on the command line.

The acting user is the operating-system account running varsel, and on PostgreSQL the database's
``session_user`` (the role the server authenticated: with peer authentication, the same as the
OS account). ``--user`` / ``VARSEL_USER`` is a claim, accepted only where it equals that — or on
a single-user SQLite file: owned by this OS account and closed to everyone else (mode 0600), where
nobody but its owner can open it anyway, so naming another user there is a convenience for one
person's laptop (tests, the demo), not a way into someone else's data.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path
from typing import Callable

from .store.db import Location, StoreError

__all__ = ["IdentityRefused", "os_login", "single_user_file", "acting_user", "session_user", "database_user_at"]


class IdentityRefused(StoreError):
    pass


def os_login() -> str:
    """The OS account of this process (its effective uid; $USER and $LOGNAME are not trusted)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def single_user_file(path: Path) -> bool:
    """True for a file this account owns that no group or other account can read or write, or
    for one that does not exist yet (varsel creates it owner-only)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077


def session_user(engine) -> str:  # noqa: ANN001
    """PostgreSQL's session_user on this engine's connections."""
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT session_user").scalar_one()


def acting_user(loc: Location, claimed: str | None, database_user: Callable[[], str] | None = None) -> str:
    """The acting user for a database at `loc`. `database_user` gives PostgreSQL's session_user.

    IdentityRefused (one line) when `claimed` names someone else where that is not allowed."""
    if loc.is_sqlite:
        login = os_login()
        if claimed and claimed != login:
            assert loc.path is not None
            if single_user_file(loc.path):
                return claimed
            raise IdentityRefused(f"you are logged in as {login}; --user {claimed} is not accepted here "
                                  f"({loc.path} is shared with other accounts)")
        return login
    if database_user is None:
        raise IdentityRefused("cannot tell who is logged in to the database")
    login = database_user()
    if claimed and claimed != login:
        raise IdentityRefused(f"you are logged in as {login}; --user {claimed} is not accepted here")
    return login


def database_user_at(loc: Location) -> str:
    """session_user over a short psycopg connection (the TUI opens the full store later)."""
    try:
        import psycopg
    except ImportError:
        raise StoreError("PostgreSQL support is not installed: pip install 'varsel-tui[postgres]'") from None
    url = loc.url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute("SELECT session_user").fetchone()
            return str(row[0]) if row else ""
    except psycopg.Error as exc:
        from .store.db import translate_error

        raise translate_error(exc, loc) from None
