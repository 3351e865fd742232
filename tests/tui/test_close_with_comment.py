"""`x` on an NTNU avvik closes it from any step with a comment (the procedure: «må avviket lukkes
med kommentar»); an empty comment is refused in the dialog and nothing is written."""

from __future__ import annotations

from case_fixtures import avvik_case, make_app, open_case, run, screen_text, settle, type_text


def test_x_closes_an_avvik_with_a_journalled_comment(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("x")
            await settle(pilot)
            assert type(app.screen).__name__ == "CommentDialog"
            await pilot.press("ctrl+s")  # empty: refused, the dialog stays
            await settle(pilot)
            assert type(app.screen).__name__ == "CommentDialog"
            await type_text(pilot, "Varsel om manglende oppfølging mottatt.")
            await pilot.press("ctrl+s")
            await settle(pilot)
            detail = store.get_case(number)
            assert detail.state.status == "closed" and detail.state.outcome == "lukket med kommentar"
            assert (detail.journal[-1].kind, detail.journal[-1].text) == (
                "action", "Lukk avviket med kommentar: Varsel om manglende oppfølging mottatt.")
            assert "lukket med kommentar" in screen_text(app)

    run(go())


def test_a_close_refused_for_an_open_hearing_reopens_the_dialog_with_the_comment(store, tmp_path):
    from datetime import date

    from case_fixtures import USER

    number = avvik_case(store).case.number
    store.add_hearing(number, [USER], date(2026, 12, 4), by=USER)

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("x")
            await settle(pilot)
            await type_text(pilot, "Meldt i feil kanal.")
            await pilot.press("ctrl+s")
            await settle(pilot)
            # Refused (the hearing is open): the dialog is back with the comment and the reason.
            assert type(app.screen).__name__ == "CommentDialog"
            assert app.screen.query_one("#comment-text").text == "Meldt i feil kanal."
            assert "mens høringsrunde #1" in screen_text(app)
            assert store.get_case(number).state.status == "open"

    run(go())
