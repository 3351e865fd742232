"""Who has a case open, and who is filling in its step: rows of `presence(case_id, user_name,
activity, seen_at)`, refreshed by each open case screen every few seconds.

A row is only a hint. It is written in its own short transaction that touches nothing else: not
the case's version (so it never causes or meets a version conflict), not the journal, not the
audit chain. A crashed TUI leaves its row behind; a row older than STALE_AFTER counts as gone and
the next heartbeat of anyone deletes it. What a row holds is plain metadata by the README's threat
model — an officer's user name, "viewing" or "editing:STEP" (the step id the queue shows anyway) —
and only someone who could open the case writes one, so it reveals nothing of a strictly secret
case. Failures are the caller's to ignore: presence must never get in the way of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import Store

HEARTBEAT = 5.0  # seconds between a screen's refreshes of its row
STALE_AFTER = timedelta(seconds=15)  # three missed heartbeats: gone

VIEWING = "viewing"
EDITING = "editing:"


@dataclass(frozen=True)
class Present:
    user: str
    activity: str  # "viewing" | "editing:STEP"

    @property
    def editing_step(self) -> str | None:
        return self.activity[len(EDITING):] if self.activity.startswith(EDITING) else None


def editing(step_id: str) -> str:
    return EDITING + step_id


def _now() -> datetime:
    # The real clock, always: presence is about now, even where tests fix the journal's clock.
    return datetime.now(timezone.utc)


def _case_id(conn, number: str) -> int | None:  # noqa: ANN001
    from sqlmodel import col, select

    from .models import Case

    return conn.execute(select(col(Case.id)).where(col(Case.number) == number)).scalar()


def touch(store: "Store", number: str, user: str, activity: str = VIEWING) -> None:
    """Say `user` has case `number` open now, doing `activity`; clear rows nobody refreshes."""
    from sqlalchemy import delete
    from sqlmodel import col

    from .models import Presence

    now = _now()
    with _writing(store) as conn:
        case_id = _case_id(conn, number)
        if case_id is None:
            return
        conn.execute(delete(Presence).where(col(Presence.seen_at) < now - STALE_AFTER))
        values = {"case_id": case_id, "user_name": user, "activity": activity, "seen_at": now}
        conn.execute(_upsert(store, Presence).values(**values).on_conflict_do_update(
            index_elements=["case_id", "user_name"], set_={"activity": activity, "seen_at": now}))


def _writing(store: "Store"):  # noqa: ANN202
    """A short transaction of its own; on SQLite it takes the write lock at once (BEGIN
    IMMEDIATE), so it waits its turn behind another writer instead of failing half-way."""
    from .db import SQLITE_BEGIN

    engine = store.engine
    if store.loc.is_sqlite:
        engine = engine.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
    return engine.begin()


def _upsert(store: "Store", model: Any) -> Any:
    """INSERT … ON CONFLICT DO UPDATE: one statement, so two heartbeats never race to insert."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite.insert if store.loc.is_sqlite else postgresql.insert)(model)


def leave(store: "Store", number: str, user: str) -> None:
    """`user` closed case `number`."""
    from sqlalchemy import delete
    from sqlmodel import col

    from .models import Presence

    with _writing(store) as conn:
        case_id = _case_id(conn, number)
        if case_id is not None:
            conn.execute(delete(Presence).where(col(Presence.case_id) == case_id, col(Presence.user_name) == user))


def others(store: "Store", number: str, user: str) -> list[Present]:
    """Everyone but `user` who has case `number` open now, by name."""
    from sqlmodel import col, select

    from .models import Case, Presence

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(col(Presence.user_name), col(Presence.activity))
            .join(Case, col(Case.id) == col(Presence.case_id))
            .where(col(Case.number) == number, col(Presence.user_name) != user,
                   col(Presence.seen_at) >= _now() - STALE_AFTER)
            .order_by(col(Presence.user_name))).all()
    return [Present(name, activity) for name, activity in rows]
