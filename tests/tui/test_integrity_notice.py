"""At start-up the TUI checks the database and the audit chains in a worker and says so if
something is wrong (issue 9: a damaged index made a case vanish from every view, unnoticed)."""

from __future__ import annotations

import sqlite3

from test_queue import make_app, pilot_test, settle

from varsel_tui.tui import app as app_module


async def _notices(db, monkeypatch, **kwargs) -> list[str]:  # noqa: ANN001
    monkeypatch.setattr(app_module, "STARTUP_CHECK_DELAY", 0.01)
    app = make_app(db, startup_check=True, **kwargs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        for _ in range(600):
            await pilot.pause(0.05)
            if not any(w.group == "integrity" for w in app.workers):
                break
        return [n.message for n in app._notifications]


@pilot_test
async def test_a_damaged_index_is_told_at_start_up(seeded_db, monkeypatch):
    conn = sqlite3.connect(seeded_db)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_cases_status ON cases (title)' "
                 "WHERE name = 'ix_cases_status'")
    conn.commit()
    conn.close()
    notices = await _notices(seeded_db, monkeypatch)
    assert any(n.startswith("Integritetskontrollen fant ") and "missing from index ix_cases_status" in n
               and "varsel check" in n for n in notices), notices


@pilot_test
async def test_an_intact_database_says_nothing_and_a_missing_one_is_not_created(seeded_db, missing_db, monkeypatch):
    assert not any("ntegritet" in n for n in await _notices(seeded_db, monkeypatch))
    assert not any("ntegritet" in n for n in await _notices(missing_db, monkeypatch))
    assert not missing_db.exists()
