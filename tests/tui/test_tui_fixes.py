"""What a new user hit in the TUI (issue «Deadlines and decisions», item 8), one test each:
English for what the app says, Textual's own strings in Norwegian, Esc on a typed new case, the
queue's focus after a case, the saved theme, a footer that fits, the palette, section jumps."""

from __future__ import annotations

from case_fixtures import USER, avvik_case, fill, make_app, open_case, run, screen_text, settle, stinn_case, type_text

SIZE = (100, 32)


def _footer_keys(app):  # noqa: ANN001, ANN202
    from textual.widgets import Footer

    return list(app.screen.query_one(Footer).query("FooterKey"))


# -- English for everything the app says ---------------------------------------------------------

def test_lang_en_from_the_command_line_reaches_the_footer(store, tmp_path):
    """`varsel --lang en`: the language is set before the app translates its bindings."""
    from varsel_tui.tui.app import build_app

    store.close()

    async def go():
        app = build_app(str(tmp_path / "varsel.db"), USER, "en")
        app.startup_check = False
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            shown = {k.key_display: k.description for k in _footer_keys(app)}
            assert shown["F1"] == "Help" and shown["n"] == "New case", shown

    run(go())


def test_english_step_titles_labels_problems_and_preview(store, tmp_path):
    from varsel_tui.tui import i18n

    number = avvik_case(store).case.number
    i18n.set_lang("en")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            text = screen_text(app)
            assert "NTNU – deviations in education" in text and "Assess the report (receipt form)" in text
            assert "Statutory limit: Follow-up within a reasonable time (4 weeks)" in text
            await pilot.press("f")
            await settle(pilot)
            await fill(pilot, "vurdering", "godkjent")
            await pilot.press("ctrl+s")
            await settle(pilot)
            text = screen_text(app)
            assert "Does the report contain personal data or other sensitive information?" in text
            assert "«as soon as possible and within a reasonable time (4 weeks)" in text  # the deadline's words
            assert "✗ «Does the report contain personal data or other sensitive information?» is required" in text
            assert "Next step: B1 Process the report (processing form)." in text
            assert any("field(s) must be fixed" in n.message for n in app._notifications)

    run(go())


def test_a_deadline_waiting_for_its_event_says_so_in_english(store, tmp_path):
    """KKV's steps have no date while OU has the case: the timeline says what they will count
    from, in the UI language where the workflow gives it."""
    from varsel_tui.tui import i18n

    number = stinn_case(store).case.number

    async def case_screen_text() -> str:
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            return screen_text(app)

    assert "frist: 2 virkedager etter at KKV mottar saken" in run(case_screen_text())
    i18n.set_lang("en")
    text = run(case_screen_text())
    assert "due: 2 working days after KKV receives the case" in text
    assert "virkedager etter at KKV" not in text


# -- Textual's own strings in Norwegian ---------------------------------------------------------

def test_norwegian_screens_translate_textuals_own_strings(store, tmp_path):
    async def go():
        from textual.command import CommandInput

        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.new_case()
            await settle(pilot)
            await pilot.press("enter")  # open the procedure Select's menu
            await settle(pilot)
            descriptions = [k.description for k in _footer_keys(app)]
            assert "Lukk menyen" in descriptions and "Dismiss menu" not in descriptions
            await pilot.press("escape", "ctrl+p")
            await settle(pilot)
            assert app.screen.query_one(CommandInput).placeholder.startswith("Søk etter kommandoer")
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Fargetema" in titles and "Avslutt" in titles and "Theme" not in titles

    run(go())


# -- keys and focus -----------------------------------------------------------------------------

def test_esc_on_a_typed_new_case_asks_before_discarding(store, tmp_path):
    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.new_case()
            await settle(pilot)
            await pilot.press("escape")  # nothing typed: leaves at once
            await settle(pilot)
            assert type(app.screen).__name__ == "QueueScreen"
            app.new_case()
            await settle(pilot)
            await pilot.press("tab")  # from the procedure to the title
            await type_text(pilot, "Halvskrevet sak")
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "ConfirmDialog"
            await pilot.press("n")  # keep it
            await settle(pilot)
            assert type(app.screen).__name__ == "NewCaseScreen"
            assert app.screen.query_one("#new-title").value == "Halvskrevet sak"
            await pilot.press("escape", "j")
            await settle(pilot)
            assert type(app.screen).__name__ == "QueueScreen"

    run(go())


def test_back_from_a_case_keys_are_commands_not_filter_text(store, tmp_path):
    avvik_case(store, "Eksamensoppgave manglet vedlegg")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            await type_text(pilot, "vedlegg")
            await pilot.press("enter")  # opens the match, from the filter
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            await pilot.press("escape")
            await settle(pilot)
            queue = app.screen
            assert queue.case_list.has_focus
            await pilot.press("s")
            await settle(pilot)
            assert queue.query_one("#filter").value == "vedlegg"
            assert queue.case_list.queue_query.sort_column != "due"  # `s` sorted

    run(go())


# -- the theme ----------------------------------------------------------------------------------

def test_the_chosen_theme_is_saved_and_applied_at_start(store, tmp_path, monkeypatch):
    from varsel_tui.tui.config import load_config

    config = tmp_path / "config.toml"
    config.write_text('# mine\nlang = "nb"\n\n[keymap]\n"queue.copy" = "c"\n', encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(config))

    async def choose_theme():
        app = make_app(tmp_path / "varsel.db")
        app.configure(load_config())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.theme = "textual-light"  # what choosing it in the palette (Fargetema) does
            await pilot.pause()

    async def start_again():
        app = make_app(tmp_path / "varsel.db")
        app.configure(load_config())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            return app.theme

    run(choose_theme())
    saved = load_config()
    assert saved.theme == "textual-light" and saved.keymap == {"queue.copy": "c"} and not saved.problems
    assert config.read_text(encoding="utf-8").startswith("# mine\n")
    assert run(start_again()) == "textual-light"


# -- the footer ---------------------------------------------------------------------------------

def test_the_footer_fits_80_and_120_columns_and_keeps_esc_and_f1(store, tmp_path):
    number = avvik_case(store).case.number

    async def check(width: int) -> None:
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            for screen in ("case", "form"):
                keys = _footer_keys(app)
                spans = sorted((k.region.x, k.region.right) for k in keys if k.region.width)
                assert all(right <= width for _x, right in spans), (screen, width, spans)
                assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), (screen, width, spans)
                shown = {k.key_display for k in keys if k.region.width}
                assert {"esc", "F1"} <= shown, (screen, width, shown)
                if screen == "case":
                    await pilot.press("f")
                    await settle(pilot)

    run(check(80))
    run(check(120))


# -- the command palette ------------------------------------------------------------------------

def test_palette_short_case_numbers_views_and_the_cases_hidden_keys(store, tmp_path):
    number = avvik_case(store).case.number  # 2026-0001

    async def palette(pilot, text: str) -> None:  # noqa: ANN001
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, text)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)

    async def go():
        from varsel_tui.tui.commands import CaseCommands

        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await palette(pilot, "1")  # this year's case 1
            assert type(app.screen).__name__ == "CaseDetailScreen" and app.screen.number == number
            provider = CaseCommands(app.screen)
            titles = [title for title, _cb, _help in provider._screen_commands()]
            assert "Tiltak" in titles and "Gå til journalen" in titles  # not in the footer, still here
            await pilot.press("escape")
            await settle(pilot)
            await palette(pilot, "visning forfalt")
            assert app.screen.case_list.queue_query.view == "overdue"

    run(go())


# -- section jumps --------------------------------------------------------------------------------

def test_section_jumps_reach_the_journal_below_the_timeline_and_can_be_remapped(store, tmp_path, monkeypatch):
    from varsel_tui.tui.config import load_config

    number = stinn_case(store).case.number  # 57 steps: the journal is far below
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"case.goto_parties" = "P"\n', encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(config))

    async def go():
        app = make_app(tmp_path / "varsel.db")
        app.configure(load_config())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            body = app.screen.query_one("#case-body")

            def at_top(section: str) -> bool:  # or as high as it goes: the journal ends the screen
                y = app.screen.query_one(f"#{section}").region.y
                return y - body.region.y in (0, 1) or (body.region.y < y < body.region.bottom and body.scroll_y == body.max_scroll_y)

            assert body.query_one("#case-journal-title").region.y > body.region.bottom  # off screen
            await pilot.press("3")
            await pilot.pause()
            assert at_top("case-journal-title")
            await pilot.press("P")
            await pilot.pause()
            assert at_top("case-parties-title")
            await pilot.press("1")
            await pilot.pause()
            assert body.scroll_y == 0

    run(go())


def test_english_step_titles_in_the_queue(store, tmp_path):
    from varsel_tui.tui import i18n

    avvik_case(store)
    i18n.set_lang("en")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(140, 24)) as pilot:
            await settle(pilot)
            case_list = app.screen.case_list
            assert "M1 Assess the report" in case_list.render_line(0).text

    run(go())
