"""The statistics view: F4 from the queue or «Statistikk» in the command palette; administrators
see the anonymised table (groups under 5 show only «<5»), others are told who may."""

from __future__ import annotations

import io

from test_queue import make_app, pilot_test, settle


async def _body(pilot, app) -> str:  # noqa: ANN001
    for _ in range(200):
        await pilot.pause(0.05)
        if type(app.screen).__name__ == "StatisticsScreen":
            text = _plain(app)
            if "Teller sakene" not in text:
                return text
    raise AssertionError(f"no statistics on {type(app.screen).__name__}")


def _plain(app) -> str:  # noqa: ANN001
    from rich.console import Console

    console = Console(width=100, record=True, file=io.StringIO())
    console.print(app.screen.query_one("#stats-body").content)
    return console.export_text()


@pilot_test
async def test_f4_shows_the_anonymised_table_to_an_administrator(seeded_db):
    app = make_app(seeded_db, user="kari")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("f4")
        text = await _body(pilot, app)
        assert "NTNU – avvik i utdanning og læringsmiljø – mottatt 2026: <5 saker" in text
        assert "Færre enn 5 saker: ingen fordeling vises." in text
        assert "Manglende veiledning" not in text and "Ingrid" not in text
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "QueueScreen"


@pilot_test
async def test_the_palette_opens_it_and_an_officer_is_told_who_may(seeded_db):
    app = make_app(seeded_db, user="per")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"statistikk")
        await pilot.pause(0.5)
        await pilot.press("enter")
        text = await _body(pilot, app)
        assert "only an administrator may make the statistics" in text, text
