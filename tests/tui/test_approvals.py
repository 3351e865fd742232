"""An administrator hears who waits for approval and sees them on F3 (approving stays in the
terminal: it needs the passphrase); an officer sees nothing of it."""

from __future__ import annotations

from case_fixtures import KKV_USER, PASSPHRASE, make_app, run, screen_text, settle

SIZE = (110, 32)


def test_the_administrator_sees_who_waits_for_approval(store, tmp_path):
    store.register_user("eve", PASSPHRASE, "Eve Ventesen")

    async def go():
        app = make_app(tmp_path / "varsel.db", unlocked=False)  # USER registered first: the administrator
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for _ in range(50):
                if any("venter på godkjenning" in n.message for n in app._notifications):
                    break
                await pilot.pause(0.05)
            assert any("1 bruker(e) venter på godkjenning: eve" in n.message for n in app._notifications)
            await pilot.press("f3")
            for _ in range(50):
                await pilot.pause(0.05)
                if "Eve Ventesen" in screen_text(app):
                    break
            text = screen_text(app)
            assert type(app.screen).__name__ == "ApprovalsScreen"
            assert "eve" in text and "Eve Ventesen" in text and "venter" in text
            assert "varsel user approve" in text and KKV_USER not in text  # approved users are not listed

    run(go())


def test_an_officer_is_not_told_and_sees_no_list(store, tmp_path):
    store.register_user("eve", PASSPHRASE, "Eve Ventesen")

    async def go():
        app = make_app(tmp_path / "varsel.db", user=KKV_USER, unlocked=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.pause(0.3)
            assert not any("godkjenning" in n.message for n in app._notifications)
            await pilot.press("f3")
            for _ in range(50):
                await pilot.pause(0.05)
                if "administrator" in screen_text(app):
                    break
            assert "Bare en administrator ser denne listen." in screen_text(app)
            assert "Ventesen" not in screen_text(app)

    run(go())
