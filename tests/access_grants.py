"""Rows in `case_access` for tests: the queue and the CLI's light reads show a user only the cases
they have a row for. The store fills it on every write (issue 9, another part); tests that build a
database by hand, or that are about the reads, grant it here."""

from __future__ import annotations

from datetime import date


def grant(db: str, users: list[str], numbers: list[str] | None = None, until: date | None = None) -> None:
    """Give `users` access to the cases `numbers` (every case when None) until `until` (no end when None)."""
    # `WHERE true` keeps SQLite from reading ON CONFLICT as a join's ON.
    sql = ("INSERT INTO case_access (case_id, user_name, until) SELECT id, ?, ? FROM cases WHERE true"
           + ("" if numbers is None else f" AND number IN ({', '.join('?' for _ in numbers)})")
           + " ON CONFLICT (case_id, user_name) DO UPDATE SET until = excluded.until")
    if db.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            for user in users:
                conn.execute(sql.replace("?", "%s"), [user, until, *(numbers or [])])
        return
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        for user in users:
            conn.execute(sql, [user, until.isoformat() if until else None, *(numbers or [])])
    conn.close()
