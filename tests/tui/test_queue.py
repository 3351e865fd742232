"""The queue screen, driven with keys as an officer would, on real SQLite files."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from datetime import date
from pathlib import Path

import pytest

from varsel_tui.tui.app import CaseChanged, VarselApp
from varsel_tui.tui.config import load_config

SECRET_TITLE = "Trakassering på hytteturen i Trondheim"  # as tests/tui/conftest.py seeds it
CASES = {"secret": "2026-0001", "avvik": "2026-0002", "klage": "2026-0003", "uio": "2026-0004",
         "closed": "2026-0005", "soon": "2026-0006"}

OPEN_BY_DUE = ["2026-0002", "2026-0006", "2026-0003", "2026-0001", "2026-0004"]


def pilot_test(fn):
    """Run an async test body with asyncio (the suite has no async pytest plugin)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make_app(db: Path, user: str = "kari", **kwargs) -> VarselApp:
    kwargs.setdefault("poll_interval", 0)  # tests that poll say so
    return VarselApp(db=str(db), user=user, config=kwargs.pop("config", None) or load_config(), **kwargs)


async def settle(pilot, app: VarselApp) -> None:
    """Wait until the queue's current query is on screen (reads run in thread workers)."""
    for _ in range(200):
        await pilot.pause(0.01)
        screen = app.screen
        case_list = getattr(screen, "case_list", None)
        if case_list is not None and case_list.loaded and not getattr(screen, "_filter_timer", None):
            await pilot.pause()
            return
    raise AssertionError("the queue did not load")


def numbers(app: VarselApp) -> list[str]:
    return [row.number for row in app.screen.case_list.visible_rows()]


def screen_text(app: VarselApp) -> str:
    """Everything on screen as plain text, one line per terminal row."""
    from textual.strip import Strip

    lines = app.screen._compositor.render_update(full=True)
    text = []
    for strip in getattr(lines, "strips", []) or []:
        text.append(Strip(strip).text if not isinstance(strip, Strip) else strip.text)
    if text:
        return "\n".join(text)
    svg = app.export_screenshot()
    return svg.replace("&#160;", " ")


def list_lines(app: VarselApp) -> list[str]:
    case_list = app.screen.case_list
    return [case_list.render_line(y).text for y in range(case_list.size.height)]


# -- first page ----------------------------------------------------------------------------------

@pilot_test
async def test_first_page_lists_open_cases_due_first(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert type(app.screen).__name__ == "QueueScreen"
        assert numbers(app) == OPEN_BY_DUE
        assert str(app.screen.query_one("#queue-count").render()) == "5 saker"
        lines = list_lines(app)
        overdue = next(line for line in lines if line.startswith("2026-0002"))
        assert "2026-10-29 §" in overdue  # overdue, and a preliminary reply is due
        assert "M1 Vurdere melding" in overdue
        assert app.screen.case_list.has_focus


@pilot_test
async def test_due_dates_are_coloured_overdue_and_due_this_week(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        case_list = app.screen.case_list
        overdue_style = case_list.get_component_rich_style("case-list--overdue", partial=True)
        soon_style = case_list.get_component_rich_style("case-list--soon", partial=True)
        assert overdue_style.color != soon_style.color

        def due_segment_style(index: int, due: str):
            strip = case_list.render_line(index)
            return next(seg.style for seg in strip if seg.text.strip() == due)

        case_list.action_cursor_down()  # move the cursor off the rows we look at
        case_list.action_cursor_down()
        case_list.action_cursor_down()
        assert due_segment_style(0, "2026-10-29").color == overdue_style.color  # before today
        assert due_segment_style(1, "2026-11-26").color == soon_style.color  # within the week
        assert due_segment_style(2, "2026-12-01").color not in (overdue_style.color, soon_style.color)


@pilot_test
async def test_a_strictly_secret_case_shows_a_lock_and_never_its_title(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        secret_line = next(line for line in list_lines(app) if line.startswith(CASES["secret"]))
        assert "🔒 strengt hemmelig" in secret_line
        shown = app.export_screenshot().replace("&#160;", " ")
        for word in ("Trakassering", "hytteturen", "Sigrid", SECRET_TITLE):
            assert word not in shown
            assert word not in "\n".join(list_lines(app))
        # Nor can the filter find it by its title or its parties.
        await pilot.press("slash", *"hytteturen")
        await settle(pilot, app)
        assert numbers(app) == []
        assert app.screen.case_list.count == 0


@pilot_test
async def test_a_missing_database_is_an_empty_queue_and_is_not_created(missing_db):
    app = make_app(missing_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.screen.case_list.count == 0
        assert list_lines(app)[0].startswith("Ingen saker her.")
        await pilot.press("enter")  # nothing selected: a notice, no crash
        await pilot.pause()
        assert any("Ingen sak er valgt" in n.message for n in app._notifications)
    assert not missing_db.exists() and not missing_db.parent.exists()


# -- filter, views, sort -------------------------------------------------------------------------

@pilot_test
async def test_filter_narrows_the_rows_as_you_type(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        assert app.screen.query_one("#filter").has_focus
        await pilot.press(*"veil")
        await settle(pilot, app)
        assert numbers(app) == ["2026-0002"]
        assert str(app.screen.query_one("#queue-count").render()) == "1 sak"
        # by party name, by step, by number; several words must all match
        for text, expected in (("ingrid", ["2026-0002"]), ("klage på", ["2026-0003"]),
                               ("2026-0004", ["2026-0004"]), ("m1 ie", ["2026-0006"]),
                               ("100%", [])):
            app.screen.query_one("#filter").value = text
            await settle(pilot, app)
            assert numbers(app) == expected, text
        # Esc leaves the filter (keeping it); a second Esc clears it.
        await pilot.press("escape")
        assert app.screen.case_list.has_focus
        assert app.screen.query_one("#filter").value == "100%"
        await pilot.press("escape")
        await settle(pilot, app)
        assert numbers(app) == OPEN_BY_DUE


@pilot_test
async def test_keys_typed_in_the_filter_are_text_not_commands(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"nyq2")  # n, q and 2 are queue keys outside the filter
        await settle(pilot, app)
        assert app.screen.query_one("#filter").value == "nyq2"
        assert type(app.screen).__name__ == "QueueScreen" and app.is_running
        assert app.screen.case_list.queue_query.view == "open"


@pilot_test
async def test_views_switch_with_number_keys(seeded_db):
    app = make_app(seeded_db, user="kari")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        expected = {
            "2": ["2026-0006", "2026-0001"],  # mine: created by kari, or handled by OU (kari's body)
            "3": ["2026-0002"],  # overdue
            "4": ["2026-0001"],  # my body's (OU)
            "5": ["2026-0002", "2026-0006"],  # waiting for a preliminary reply
            "6": ["2026-0005"],  # closed
            "1": OPEN_BY_DUE,
        }
        for key, rows in expected.items():
            await pilot.press(key)
            await settle(pilot, app)
            assert numbers(app) == rows, key
        await pilot.press("6")
        await settle(pilot, app)
        view_bar = str(app.screen.query_one("#view-bar").render())
        assert "6 Avsluttet" in view_bar and "1 Åpne" in view_bar
        closed_line = list_lines(app)[0]
        assert "2026-10-20" in closed_line  # the date it was closed


@pilot_test
async def test_sort_cycles_columns_and_flips_direction(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        case_list = app.screen.case_list
        assert case_list.queue_query.sort_column == "due"
        await pilot.press("s")  # due → number
        await settle(pilot, app)
        assert case_list.queue_query.sort_column == "number"
        assert numbers(app) == ["2026-0001", "2026-0002", "2026-0003", "2026-0004", "2026-0006"]
        assert "Nummer ▲" in app.screen.query_one("#case-header").render().plain
        await pilot.press("S")
        await settle(pilot, app)
        assert numbers(app) == ["2026-0006", "2026-0004", "2026-0003", "2026-0002", "2026-0001"]
        assert "Nummer ▼" in app.screen.query_one("#case-header").render().plain
        await pilot.press("s")  # number → workflow
        await settle(pilot, app)
        assert case_list.queue_query == case_list.queue_query.__class__(sort_column="workflow")
        assert [r.workflow_id for r in case_list.visible_rows()] == [
            "ntnu-avvik", "ntnu-avvik", "ntnu-klage", "stinn-varsling", "uio-varsling"]
        await pilot.press("s")  # workflow → title: the secret case sorts last, by no title
        await settle(pilot, app)
        assert numbers(app)[-1] == CASES["secret"]
        assert numbers(app)[:4] == ["2026-0006", "2026-0003", "2026-0002", "2026-0004"]


@pilot_test
async def test_cursor_moves_and_wraps_at_the_ends(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        case_list = app.screen.case_list
        await pilot.press("down", "down")
        assert case_list.selected.number == OPEN_BY_DUE[2]
        await pilot.press("end")
        assert case_list.selected.number == OPEN_BY_DUE[-1]
        await pilot.press("down")
        assert case_list.selected.number == OPEN_BY_DUE[-1]
        await pilot.press("home", "up")
        assert case_list.selected.number == OPEN_BY_DUE[0]
        # the arrows still move the list while the filter has focus
        await pilot.press("slash", "down")
        assert case_list.selected.number == OPEN_BY_DUE[1]


# -- opening, copying, refreshing ----------------------------------------------------------------

CASE_DETAIL_EXISTS = importlib.util.find_spec("varsel_tui.tui.screens.case_detail") is not None


@pilot_test
async def test_enter_opens_the_selected_case(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        if CASE_DETAIL_EXISTS:
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert getattr(app.screen, "number", "2026-0006") == "2026-0006"
        else:
            assert any("ikke tilgjengelig" in n.message for n in app._notifications)


@pilot_test
async def test_double_click_on_a_row_opens_that_case(seeded_db):
    # CaseList once shadowed Textual's DOMNode.query, and a double click raised TypeError.
    app = make_app(seeded_db)
    opened: list[str] = []
    app.open_case = opened.append
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.click("#case-list", offset=(5, 1), times=2)
        await pilot.pause(0.1)
        assert len(opened) == 1 and opened[0] == numbers(app)[1]


@pilot_test
async def test_enter_in_the_filter_opens_the_first_match(seeded_db):
    app = make_app(seeded_db)
    opened: list[str] = []
    app.open_case = opened.append  # what Enter asks for, whatever the detail screen does
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"karakter", "enter")
        await settle(pilot, app)
        await pilot.pause(0.1)
        assert opened == ["2026-0003"]


@pilot_test
async def test_new_case_key_asks_the_app_for_the_new_case_screen(seeded_db):
    app = make_app(seeded_db)
    calls: list[bool] = []
    app.new_case = lambda: calls.append(True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        assert calls == [True]


@pilot_test
async def test_y_copies_the_case_number(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "y")
        assert app.clipboard == "2026-0006"
        assert any("2026-0006" in n.message for n in app._notifications)


def _new_case_by_someone_else(db: Path, title: str) -> str:
    from varsel_tui.store.service import Store

    store = Store.open(str(db))
    try:
        detail = store.create_case("ntnu-klage", title, date(2026, 11, 23), by="per",
                                   intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-16",
                                           "opprinnelig_karakter": "B"})
    finally:
        store.close()
    from access_grants import grant

    grant(str(db), ["kari"], [detail.case.number])
    return detail.case.number


@pilot_test
async def test_the_queue_refreshes_when_someone_else_changes_a_case(seeded_db):
    app = make_app(seeded_db, poll_interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("down")  # the cursor stays on its case across the refresh
        number = _new_case_by_someone_else(seeded_db, "Klage fra en annen saksbehandler")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.case_list.count == 6:
                break
        await settle(pilot, app)
        assert number in numbers(app) and app.screen.case_list.count == 6
        assert app.screen.case_list.selected.number == "2026-0006"


@pilot_test
async def test_case_changed_message_and_r_refresh_the_queue(seeded_db):
    app = make_app(seeded_db)  # no polling: only the message and the key refresh it
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        number = _new_case_by_someone_else(seeded_db, "Første klage")
        await pilot.pause(0.1)
        assert number not in numbers(app)
        app.post_message(CaseChanged(number))
        await pilot.pause(0.05)
        await settle(pilot, app)
        assert number in numbers(app)
        second = _new_case_by_someone_else(seeded_db, "Andre klage")
        await pilot.press("r")
        await settle(pilot, app)
        assert second in numbers(app)


# -- size, language, colour, keymap --------------------------------------------------------------

@pilot_test
async def test_fits_80x24_with_the_footer_showing_the_main_keys(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        case_list = app.screen.case_list
        assert all(case_list.render_line(y).cell_length == case_list.size.width - 1 or
                   case_list.render_line(y).cell_length <= case_list.size.width
                   for y in range(case_list.size.height))
        assert len(numbers(app)) == 5
        footer_keys = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.show}
        for binding_id in ("queue.open", "queue.filter", "queue.new", "queue.quit", "app.help"):
            assert binding_id in footer_keys


@pilot_test
async def test_english_with_lang_en(seeded_db):
    from varsel_tui.tui import i18n

    i18n.set_lang("en")
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert "Number" in app.screen.query_one("#case-header").render().plain
        assert "1 Open" in str(app.screen.query_one("#view-bar").render())
        assert str(app.screen.query_one("#queue-count").render()) == "5 cases"
        descriptions = {b.binding.id: b.binding.description for b in app.screen.active_bindings.values()}
        assert descriptions["queue.open"] == "Open" and descriptions["app.help"] == "Help"
        secret_line = next(line for line in list_lines(app) if line.startswith(CASES["secret"]))
        assert "🔒 strictly secret" in secret_line


@pilot_test
async def test_no_color_is_honoured(seeded_db, monkeypatch):
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.no_color
        assert any(isinstance(f, (Monochrome, NoColor)) for f in app._filters)
        # the cursor row still stands out without colour
        cursor_style = app.screen.case_list.get_component_rich_style("case-list--cursor", partial=True)
        assert cursor_style.reverse


@pilot_test
async def test_keymap_from_the_config_file_remaps_bindings(seeded_db, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('lang = "nb"\n[keymap]\n"queue.copy" = "c"\n"queue.filter" = "f"\n', encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(config))
    app = make_app(seeded_db, config=load_config())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        assert app.clipboard == "2026-0002"
        await pilot.press("f")
        assert app.screen.query_one("#filter").has_focus
        assert [n.severity for n in app._notifications] == ["information"]  # the copy; no config notice


@pilot_test
async def test_a_bad_config_file_gives_one_notice_and_the_defaults(seeded_db, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('lang = "se"\nidle_lock_minutes = "ten"\n[keymap]\n"queue.copy" = 3\n', encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(config))
    cfg = load_config()
    assert cfg.lang is None and cfg.idle_lock_minutes == 10 and cfg.keymap == {}
    assert len(cfg.problems) == 3
    app = make_app(seeded_db, config=cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        notices = list(app._notifications)
        assert len(notices) == 1 and "lang" in notices[0].message and notices[0].severity == "warning"
        await pilot.press("y")  # the default key still works
        assert app.clipboard == "2026-0002"


def test_config_file_that_is_not_toml(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("lang = \n", encoding="utf-8")
    monkeypatch.setenv("VARSEL_CONFIG", str(config))
    cfg = load_config()
    assert cfg.lang is None and cfg.keymap == {} and len(cfg.problems) == 1
    assert "not valid TOML" in cfg.error


@pilot_test
async def test_help_key_opens_help_or_says_it_is_missing(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("f1")
        await pilot.pause(0.1)
        if importlib.util.find_spec("varsel_tui.tui.screens.help") is not None:
            assert type(app.screen).__name__ == "HelpScreen"
        else:
            assert any("ikke tilgjengelig" in n.message for n in app._notifications)


# -- snapshot ------------------------------------------------------------------------------------

def test_queue_snapshot(seeded_db, snap_compare):
    app = make_app(seeded_db)

    async def run_before(pilot) -> None:
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_queue_snapshot_80x24_filtered(seeded_db, snap_compare):
    app = make_app(seeded_db)

    async def run_before(pilot) -> None:
        await settle(pilot, app)
        await pilot.press("slash", *"m1")
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pilot_test
async def test_command_palette_is_there_with_ctrl_p(seeded_db):
    app = make_app(seeded_db)
    opened: list[str] = []
    app.open_case = opened.append
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "CommandPalette"
        if importlib.util.find_spec("varsel_tui.tui.commands") is not None:
            await pilot.press(*"2026-0003")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert opened == ["2026-0003"]


# -- store/queue.py on its own -------------------------------------------------------------------

def _general_order(source, view: str, column: str, descending: bool, offset: int, limit: int) -> list[str]:
    from varsel_tui.store import queue

    today = date(2026, 11, 23)
    where, params = queue.build_where("", view, today, "kari")
    sql = (f"SELECT {queue._COLUMNS} FROM cases WHERE {where} ORDER BY "
           f"{queue.build_order(column, descending)} LIMIT ? OFFSET ?")
    return [r[1] for r in source._query(sql, [today, *params, limit, offset])]


def test_index_ordered_pages_equal_the_general_query(seeded_db):
    """Unfiltered big views walk an index (fast on 100,000 cases); the rows and their order must be
    the same as the plain ORDER BY, NULLs last, at every offset."""
    from varsel_tui.store.queue import SORT_COLUMNS, open_source

    source = open_source(str(seeded_db))
    today = date(2026, 11, 23)
    try:
        for view in ("open", "closed"):
            for column in SORT_COLUMNS:
                for descending in (False, True):
                    for offset, limit in ((0, 60), (0, 2), (1, 2), (2, 2), (3, 2), (4, 3), (5, 2)):
                        fast = [r.number for r in source.page("", view, column, descending, offset, limit,
                                                              today, "kari")]
                        assert fast == _general_order(source, view, column, descending, offset, limit), \
                            (view, column, descending, offset, limit)
    finally:
        source.close()


def test_queue_source_never_selects_a_secret_title(seeded_db):
    from varsel_tui.store.queue import open_source

    source = open_source(str(seeded_db))
    try:
        rows = source.page("", "open", "title", False, 0, 60, date(2026, 11, 23), "kari")
        secret = next(r for r in rows if r.number == CASES["secret"])
        assert secret.secret and secret.title is None
        assert rows[-1].number == CASES["secret"]  # sorted as if it had no title
        assert source.count("hytteturen", "open", date(2026, 11, 23), "kari") == 0
    finally:
        source.close()


@pytest.mark.postgres
def test_queue_source_on_postgresql(tmp_path):
    """The same queue through psycopg (set VARSEL_TEST_PG_URL to a server where we may create a
    database, e.g. postgresql://postgres@/postgres?host=/tmp/pg&port=5432)."""
    import os
    import uuid

    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not url:
        pytest.skip("VARSEL_TEST_PG_URL is not set")
    import psycopg

    from varsel_tui.store.queue import open_source
    from varsel_tui.store.service import Store

    name = f"varsel_queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, sep, query = url.partition("?")
    db_url = base.rsplit("/", 1)[0] + "/" + name + (sep + query if sep else "")
    try:
        store = Store.open(db_url)
        store.register_user("kari", "korrekt hest batteri")  # the first user: the administrator
        store.unlock("kari", "korrekt hest batteri")
        store.ensure_body("OU")
        store.add_member("OU", "kari")
        store.create_case("stinn-varsling", SECRET_TITLE, date(2026, 11, 2), by="kari",
                          intake={"kanal": "skriftlig", "anonym": True, "varsler_er_fornærmede": True})
        store.create_case("ntnu-avvik", "Manglende veiledning", date(2026, 10, 1), by="per",
                          intake={"melder_type": "student"})
        store.create_case("ntnu-klage", "Klage på karakter", date(2026, 11, 20), by="per",
                          intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-10",
                                  "opprinnelig_karakter": "C"})
        store.close()
        from access_grants import grant

        grant(db_url, ["kari"])
        source = open_source(db_url)
        today = date(2026, 11, 23)
        rows = source.page("", "open", "due", False, 0, 60, today, "kari")
        assert [r.number for r in rows] == ["2026-0002", "2026-0003", "2026-0001"]
        assert rows[0].prelim_due and rows[2].title is None
        assert [r.number for r in source.page("", "mine", "due", False, 0, 60, today, "kari")] == ["2026-0001"]
        assert [r.number for r in source.page("veil", "open", "due", False, 0, 60, today, "kari")] == ["2026-0002"]
        assert source.count("", "overdue", today, "kari") == 1
        assert source.count("hytteturen", "open", today, "kari") == 0
        assert source.changed_marker() is not None
        source.close()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pilot_test
async def test_a_prefetched_first_page_is_on_the_first_frame(seeded_db):
    """run() reads the first page while Textual starts; the list shows it at mount, no worker."""
    from varsel_tui.store.queue import FIRST_PAGE, Prefetch, open_source

    source = open_source(str(seeded_db))
    prefetch = Prefetch(source, "open", "due", False, FIRST_PAGE, "kari", lambda: date(2026, 11, 23))
    prefetch.wait(5)
    app = make_app(seeded_db, queue_source=source, prefetch=prefetch)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.screen.case_list.loaded  # before any pause: taken at mount
        assert numbers(app) == OPEN_BY_DUE
        assert app.take_prefetch() is None  # handed out once
        await pilot.press("3")
        await settle(pilot, app)
        assert numbers(app) == ["2026-0002"]
