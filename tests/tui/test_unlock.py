"""Opening a strictly secret case asks for the passphrase once per session; idle time locks again
and takes the decrypted case off the screen; the audit journal records the view."""

from __future__ import annotations

from case_fixtures import (
    PASSPHRASE,
    USER,
    fill,
    make_app,
    open_case,
    run,
    screen_text,
    settle,
    stinn_case,
    type_text,
)

SIZE = (100, 32)
TITLE = "Varsel om trakassering på styremøte"


def test_a_secret_case_asks_for_the_passphrase_once_and_says_when_it_is_wrong(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db", unlocked=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert type(app.screen).__name__ == "UnlockScreen"
            text = screen_text(app)
            assert f"Sak {number} er strengt hemmelig" in text and f"Passfrase for {USER}" in text
            assert TITLE not in text

            await type_text(pilot, "feil passfrase")
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "UnlockScreen" and not app.unlocked
            assert "Feil passfrase" in screen_text(app)
            assert app.screen.query_one("#unlock-passphrase").value == ""  # not left in the widget

            await type_text(pilot, PASSPHRASE)
            await pilot.press("enter")
            await settle(pilot)
            assert app.unlocked and type(app.screen).__name__ == "CaseDetailScreen"
            assert TITLE in screen_text(app)

            await pilot.press("escape")  # back to the queue, then the case again: no second prompt
            await settle(pilot)
            await open_case(pilot, number)
            assert type(app.screen).__name__ == "CaseDetailScreen" and TITLE in screen_text(app)

    run(go())
    views = [e for e in store.get_case(number).journal if e.kind == "view"]
    assert [e.by for e in views] == [USER, USER]


def test_cancelling_the_unlock_shows_nothing_of_the_case(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db", unlocked=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "QueueScreen" and not app.unlocked
            assert TITLE not in screen_text(app)

    run(go())


def test_idle_lock_clears_the_case_from_the_screen_and_keeps_typed_answers_as_a_draft(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")  # the active step's form
            await settle(pilot)
            assert type(app.screen).__name__ == "StepFormScreen"
            await fill(pilot, "innsendt_via", "nettside")
            app._check_idle()
            assert app.unlocked  # not idle yet
            app._last_input -= app.idle_lock_minutes * 60 + 1
            app._check_idle()
            await settle(pilot)
            assert not app.unlocked
            assert type(app.screen).__name__ == "QueueScreen"
            assert all(type(s).__name__ not in ("CaseDetailScreen", "StepFormScreen") for s in app.screen_stack)
            assert TITLE not in screen_text(app)
            assert "Låst etter" in " ".join(str(n.message) for n in app._notifications)

    run(go())
    assert store.load_draft(number, "2.1", USER) == {"innsendt_via": "nettside"}  # sealed before the lock


def test_a_case_that_concerns_you_is_refused_with_a_clear_message(store, tmp_path):
    from datetime import date

    number = store.create_case("stinn-varsling", "Om nora", date(2026, 11, 19), by="kari",
                               intake={"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True},
                               parties=[{"role": "anklagede", "name": "Nora Nordmann"}]).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            text = screen_text(app)
            assert "Du har ikke tilgang til sak" in text and "Om nora" not in text

    run(go())


def test_a_dropped_connection_forgets_the_keys_and_quits(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert app.unlocked and TITLE in screen_text(app)
            app._hangup()  # what SIGHUP runs
            assert not app.unlocked
            await pilot.pause()
        assert app.return_code == 129

    run(go())
