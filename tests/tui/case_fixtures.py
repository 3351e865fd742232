"""Fixtures and helpers for the case-screen tests: a seeded SQLite store, the app, and a way to
wait until the screens' workers (reads, previews, writes) have finished."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from textual.pilot import Pilot

USER = "nora"
KKV_USER = "kari"  # sits in KKV only: reads a case that concerns OU
PASSPHRASE = "korrekt hest batteri"
FIXED_NOW = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)  # 12:00 in Oslo

BODIES = ("linjeleder", "OU", "KKV", "Presidentskapet", "NL-AU", "IE-fakultetet", "NV-fakultetet")
MEMBERS = {"OU": ["nora", "Per Ou"], "KKV": ["Kari Kkv", "kari"], "Presidentskapet": ["Pia President"],
           "IE-fakultetet": ["nora"], "NV-fakultetet": ["Nils Nv"]}

STINN_INTAKE = {"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True}
AVVIK_INTAKE = {"melder_type": "student", "gjelder": "utdanning", "mottakende_enhet": "IE-fakultetet"}


def fix_time(monkeypatch) -> None:  # noqa: ANN001
    """Journal timestamps are the real clock; tests and snapshots need them fixed."""
    import varsel_tui.store.service as service

    monkeypatch.setattr(service, "_now", lambda: FIXED_NOW)


def seeded_store(tmp_path: Path):  # noqa: ANN201
    """A real SQLite database with the bodies, members and user the walkthroughs need."""
    from varsel_tui.store.service import Store

    store = Store.open(str(tmp_path / "varsel.db"))
    store.register_user(USER, PASSPHRASE, "Nora Nordmann")  # the first user: the administrator
    store.register_user(KKV_USER, PASSPHRASE, "Kari Kkv")
    store.unlock(USER, PASSPHRASE)
    store.approve_user(KKV_USER)
    for body in BODIES:
        store.ensure_body(body)
    for body, people in MEMBERS.items():
        for person in people:
            store.add_member(body, person)
    # The organisation's recovery key: secret cases stay readable whoever holds them, and the
    # tests' own store uses it to set cases up.
    store.unlock_recovery(store.init_recovery())
    return store


def stinn_case(store, title: str = "Varsel om trakassering på styremøte", *, parties=None,  # noqa: ANN001, ANN201
               received: date = date(2026, 11, 19)):
    return store.create_case("stinn-varsling", title, received, by=USER, intake=dict(STINN_INTAKE),
                             parties=parties if parties is not None else [
                                 {"role": "varsler", "name": "Siri Student", "anonymous": True},
                                 {"role": "anklagede", "name": "Ola Nordmann"},
                             ])


def avvik_case(store, title: str = "Eksamensoppgave manglet vedlegg",  # noqa: ANN001, ANN201
               received: date = date(2026, 11, 16)):
    return store.create_case("ntnu-avvik", title, received, by=USER, intake=dict(AVVIK_INTAKE),
                             parties=[{"role": "melder", "name": "Mia Melder"}])


def make_app(db_path: Path, *, user: str = USER, unlocked: bool = True):  # noqa: ANN201
    """The app on `db_path` as `user`; `unlocked` as if the passphrase had been typed already (the
    unlock screen itself is tested in test_unlock.py)."""
    import varsel_tui.tui.app as app_module

    app = app_module.VarselApp(db=str(db_path), user=user, poll_interval=3600)
    if unlocked:
        app.store.unlock(user, PASSPHRASE)
    return app


def fast_preview(monkeypatch) -> None:  # noqa: ANN001
    """A shorter preview debounce, so waiting for it does not dominate the walkthroughs."""
    from varsel_tui.tui.screens.form import StepFormScreen

    monkeypatch.setattr(StepFormScreen, "PREVIEW_DELAY", 0.01)


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let debounce timers fire and every worker finish, a few times over (a finished worker
    posts a message whose handler may start another)."""
    from varsel_tui.tui.screens.form import StepFormScreen

    for _ in range(rounds):
        await pilot.pause(0.02)
        await _workers_done(pilot)
        await pilot.pause()
    # A form's preview waits for typing to pause (a debounce timer); wait for it only when one is set.
    if any(getattr(screen, "_timer", None) is not None for screen in pilot.app.screen_stack):
        await pilot.pause(StepFormScreen.PREVIEW_DELAY + 0.02)
        await _workers_done(pilot)
        await pilot.pause()


async def _workers_done(pilot: Pilot) -> None:
    """Wait for every worker; one cancelled on the way (its screen was removed, e.g. by the idle
    lock) is done too."""
    from textual.worker import WorkerCancelled

    for _ in range(10):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await pilot.pause()


async def open_case(pilot: Pilot, number: str):  # noqa: ANN201
    pilot.app.open_case(number)
    await settle(pilot)
    return pilot.app.screen


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[_key(c) for c in text])


def _key(c: str) -> str:
    return {" ": "space", ".": "full_stop", "-": "minus", ",": "comma", "(": "left_parenthesis",
            ")": "right_parenthesis", "?": "question_mark"}.get(c, c)


# -- driving a form with keys, as a person would -----------------------------------------------

async def focus_field(pilot: Pilot, field_id: str, *, prefix: str = "field") -> None:
    """Press Tab until the focus is in the field (at most one round through the screen)."""
    from varsel_tui.tui.widgets.case_util import dom_id

    target = pilot.app.screen.query_one(f"#{dom_id(prefix, field_id)}")
    for _ in range(80):
        focused = pilot.app.focused
        if focused is not None and (focused is target or target in focused.ancestors):
            return
        await pilot.press("tab")
    raise AssertionError(f"could not reach field {field_id} with Tab (focused: {pilot.app.focused})")


async def choose(pilot: Pilot, select, value) -> None:  # noqa: ANN001
    """Open a focused Select with Enter, move to the option with the arrow keys, Enter."""
    values = [v for _label, v in select._options]
    assert value in values, f"{value!r} not among {values}"
    await pilot.press("enter")
    await pilot.pause()
    overlay = select.query_one("SelectOverlay")
    start = overlay.highlighted or 0
    steps = values.index(value) - start
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value, f"chose {select.value!r}, wanted {value!r}"


async def fill(pilot: Pilot, field_id: str, value, *, prefix: str = "field") -> None:  # noqa: ANN001
    """Fill one form field by keys: type into text fields, choose in selects, toggle in lists."""
    from textual.widgets import Input, Select, SelectionList, TextArea

    await focus_field(pilot, field_id, prefix=prefix)
    widget = pilot.app.focused
    if isinstance(widget, Select):
        if isinstance(value, bool):
            value = "ja" if value else "nei"
        await choose(pilot, widget, value)
    elif isinstance(widget, (Input, TextArea)):
        if isinstance(widget, Input):
            await pilot.press("ctrl+u", "ctrl+k")  # clear what is there
        await type_text(pilot, str(value))
    elif isinstance(widget, SelectionList):
        values = [widget.get_option_at_index(i).value for i in range(widget.option_count)]
        for i, v in enumerate(values):
            want = v in value
            if (v in widget.selected) != want:
                await pilot.press(*(["down"] * (i - (widget.highlighted or 0))), "space")
    else:  # pragma: no cover
        raise AssertionError(f"don't know how to fill {widget!r}")
    await pilot.pause()


async def fill_form(pilot: Pilot, answers: dict) -> None:
    for field_id, value in answers.items():
        await fill(pilot, field_id, value)
    await settle(pilot)


async def submit_step(pilot: Pilot, answers: dict) -> None:
    """From the case detail: f, fill in the answers, ctrl+s, back on the detail (reloaded)."""
    from varsel_tui.tui.screens.case_detail import CaseDetailScreen
    from varsel_tui.tui.screens.form import StepFormScreen

    assert isinstance(pilot.app.screen, CaseDetailScreen), pilot.app.screen
    await pilot.press("f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, StepFormScreen), pilot.app.screen
    await fill_form(pilot, answers)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseDetailScreen), (
        f"still on {pilot.app.screen}: {[n.message for n in pilot.app._notifications]}")


def screen_text(app, width: int = 200) -> str:  # noqa: ANN001
    """All text the current screen's visible Static widgets show (what a person reads)."""
    import io

    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    for w in app.screen.query(Static):
        if not w.display or any(not a.display for a in w.ancestors if hasattr(a, "display")):
            continue
        content = w.content
        if isinstance(content, str):
            console.print(content, markup=False)
        else:
            console.print(content)
    return console.file.getvalue()


def run(coro):  # noqa: ANN001, ANN201
    import asyncio

    return asyncio.run(coro)


def notes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(n.message, n.severity) for n in app._notifications]
