"""No surprise lockouts in the TUI: adding a party that moves the case away asks first, and the
case screen then closes with a message; keys that cannot act in the case's state are hidden."""

from __future__ import annotations

from datetime import date

from case_fixtures import (
    avvik_case,
    choose,
    make_app,
    notes,
    open_case,
    run,
    screen_text,
    settle,
    stinn_case,
    type_text,
)


def _footer_keys(app) -> set[str]:  # noqa: ANN001
    return {b.binding.key for b in app.screen.active_bindings.values() if b.enabled and b.binding.show}


def test_a_party_that_moves_the_case_away_is_confirmed_and_the_screen_closes(store, tmp_path):
    from varsel_tui.tui.screens.queue import QueueScreen
    from varsel_tui.tui.widgets.case_dialogs import ConfirmDialog

    number = stinn_case(store).case.number  # written, in OU, where nora sits
    closed = avvik_case(store, "Lukket avvik").case.number
    store.advance(closed, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                           "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik."}, by="nora",
                  on=date(2026, 11, 17))

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, closed)
            assert "f" not in _footer_keys(app) and "a" in _footer_keys(app)  # nothing to fill in: hidden
            await pilot.press("escape")
            await settle(pilot)
            await open_case(pilot, number)
            assert "f" in _footer_keys(app)
            await pilot.press("a")
            await settle(pilot)
            await choose(pilot, app.focused, "anklagede")
            await pilot.press("tab")
            await type_text(pilot, "Per Ou")  # sits in OU: the conflict rule sends the case to KKV
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            text = screen_text(app)
            assert "Saken flyttes til KKV." in text and "Du mister tilgangen til saken" in text
            await pilot.press("j")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            assert any(f"Du har ikke lenger tilgang til sak {number}" in n for n, _ in notes(app))
            assert store.get_case(number).case.body == "KKV"

    run(go())
