"""Live updates and presence, driven as officers would: another process (the real CLI in a
subprocess) or another officer's Store changes the database while a screen is open."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

import pytest
from case_fixtures import (
    PASSPHRASE,
    USER,
    avvik_case,
    fill,
    make_app,
    notes,
    open_case,
    screen_text,
    seeded_store,
    settle,
    stinn_case,
)

LIVE = 2.0  # seconds: a change by someone else is on screen within this
POLL = 0.5  # the app's change poll, as `varsel` runs it
KLAGE = ["--workflow", "ntnu-klage", "--received", "2026-11-20", "--set", "sakstype=klage",
         "--set", "karakter_kunngjort=2026-11-10", "--set", "opprinnelig_karakter=B"]
M1_ANSWERS = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "ikke_godkjent",
              "begrunnelse": "Ikke avvik"}


def in_its_body(store, number: str, *people: str) -> None:  # noqa: ANN001
    """Make `people` officers of the body that has the case (access by body: only they see it)."""
    from varsel_tui.store.service import Store

    body = store.get_case(number).case.body
    known = {u.name for u in store.users()}
    admin = Store(store.loc, store.engine)  # USER registered first: the administrator (case_fixtures)
    admin.unlock(USER, PASSPHRASE)
    for person in people:
        if person not in known:
            admin.register_user(person, PASSPHRASE)
            admin.approve_user(person)
        admin.add_member(body, person)
    admin.lock()


async def cli(db: str, *args: str, user: str = "lars") -> dict:
    """`varsel ARGS --db DB --json` in a subprocess, as another officer at another terminal."""
    env = dict(os.environ, VARSEL_USER=user)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "varsel_tui", *args, "--db", db, "--json", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


async def within(pilot, seconds: float, done, what: str) -> float:  # noqa: ANN001
    """Pause in small steps until `done()`; how long it took (fails after `seconds`)."""
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        await pilot.pause(0.1)
    return time.monotonic() - start


def queue_numbers(app) -> list[str]:  # noqa: ANN001
    return [row.number for row in app.screen.case_list.visible_rows()]


async def queue_loaded(pilot, app) -> None:  # noqa: ANN001
    for _ in range(300):
        await pilot.pause(0.01)
        case_list = getattr(app.screen, "case_list", None)
        if case_list is not None and case_list.loaded:
            return
    raise AssertionError("the queue did not load")


# -- the queue -------------------------------------------------------------------------------------

def test_a_case_another_process_creates_appears_in_the_open_queue(seeded_db):
    from varsel_tui.tui.app import VarselApp

    async def go():
        app = VarselApp(db=str(seeded_db), user="kari", poll_interval=POLL)
        async with app.run_test(size=(100, 30)) as pilot:
            await queue_loaded(pilot, app)
            await pilot.press("down")
            selected = app.screen.case_list.selected.number
            # kari at another terminal: a case she registers is hers to see (access by body)
            made = await cli(str(seeded_db), "case", "new", "--title", "Klage fra lars", *KLAGE, user="kari")
            await within(pilot, LIVE, lambda: made["number"] in queue_numbers(app), "the new case in the queue")
            await queue_loaded(pilot, app)
            assert app.screen.case_list.selected.number == selected  # the cursor stayed on its case
            assert app.screen.case_list.count == 6

    asyncio.run(go())


# -- the case screen -------------------------------------------------------------------------------

def test_a_note_another_process_adds_appears_on_the_open_case_screen(tmp_path):
    store = seeded_store(tmp_path)
    number = avvik_case(store).case.number
    in_its_body(store, number, "lars")  # the other officer at another terminal

    async def go():
        app = make_app(tmp_path / "varsel.db")
        app.poll_interval = POLL
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert "Ringte melderen" not in screen_text(app)
            await cli(str(tmp_path / "varsel.db"), "case", "note", number, "Ringte melderen i dag.")
            await within(pilot, LIVE, lambda: "Ringte melderen i dag." in screen_text(app), "the note on screen")
            assert type(app.screen).__name__ == "CaseDetailScreen"

    asyncio.run(go())
    store.close()


def test_a_change_while_the_form_is_open_is_told_and_the_answers_stay(tmp_path):
    store = seeded_store(tmp_path)
    number = avvik_case(store).case.number
    in_its_body(store, number, "lars")  # the other officer at another terminal

    async def go():
        app = make_app(tmp_path / "varsel.db")
        app.poll_interval = POLL
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")
            await settle(pilot)
            for field_id, value in {**M1_ANSWERS, "begrunnelse": "Mitt utkast"}.items():
                await fill(pilot, field_id, value)
            form = app.screen
            await cli(str(tmp_path / "varsel.db"), "case", "note", number, "Hemmelig notattekst.")
            await within(pilot, LIVE, lambda: any("lars skrev et notat" in m for m, _ in notes(app)),
                         "a notification naming lars")
            told = next(m for m, _ in notes(app) if "lars skrev et notat" in m)
            assert "Svarene dine er beholdt" in told and "Hemmelig notattekst" not in told
            assert app.screen is form and form.form.field_widget("begrunnelse").raw_value == "Mitt utkast"
            # The detail underneath read the case again: back there, the note is on screen.
            await pilot.press("escape")
            await settle(pilot)
            assert "Hemmelig notattekst." in screen_text(app)

    asyncio.run(go())
    store.close()


def test_a_refused_submit_says_who_completed_the_step(tmp_path):
    store = seeded_store(tmp_path)
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")  # no polling: the refusal alone must say it
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")
            await settle(pilot)
            for field_id, value in M1_ANSWERS.items():
                await fill(pilot, field_id, value)
            store.add_note(number, "Innhold ingen skal se i en melding.", by="per")
            store.advance(number, dict(M1_ANSWERS), by="lars")  # lars completes M1 meanwhile
            await pilot.press("ctrl+s")
            await settle(pilot)
            [(message, severity)] = [(m, s) for m, s in notes(app) if m.startswith("Ikke sendt inn")]
            assert severity == "error"
            assert "lars fullførte steg M1" in message and "per skrev et notat" in message
            assert "Innhold ingen skal se" not in message
            assert app.screen.form.field_widget("begrunnelse").raw_value == "Ikke avvik"

    asyncio.run(go())
    store.close()


# -- presence --------------------------------------------------------------------------------------

def test_the_case_screen_shows_who_else_has_it_open_and_who_fills_in_its_step(tmp_path):
    from varsel_tui.store import presence
    from varsel_tui.store.service import Store

    store = seeded_store(tmp_path)
    number = avvik_case(store).case.number
    in_its_body(store, number, "kari", "lars")
    lars = Store.open(str(tmp_path / "varsel.db"))  # another officer's TUI, in its own process

    def bar(app, which: str = "#case-presence") -> str:  # noqa: ANN001
        widget = app.screen.query_one(which)
        return str(widget.render()) if widget.display else ""

    async def go():
        app = make_app(tmp_path / "varsel.db", user="kari")
        app.poll_interval = POLL
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert bar(app) == ""  # nobody else: no line at all
            assert [p.user for p in presence.others(lars, number, "lars")] == ["kari"]
            presence.touch(lars, number, "lars", presence.editing("M1"))
            await within(pilot, LIVE, lambda: bar(app) == "Også åpen hos: lars (fyller ut M1)", "lars on screen")
            # kari opens the form: lars sees her filling in M1, and she still sees him.
            await pilot.press("f")
            await settle(pilot)
            [kari] = presence.others(lars, number, "lars")
            assert kari.editing_step == "M1"
            assert type(app.screen).__name__ == "StepFormScreen"
            await within(pilot, LIVE, lambda: bar(app, "#form-presence") == "Også åpen hos: lars (fyller ut M1)",
                         "lars on the form")
            await pilot.press("escape")
            await settle(pilot)
            assert presence.others(lars, number, "lars")[0].activity == "viewing"
            presence.leave(lars, number, "lars")
            await within(pilot, LIVE, lambda: bar(app) == "", "lars gone")
            version = store.get_case(number).case.version
            await pilot.press("escape")  # back to the queue: kari's row goes
            await settle(pilot)
            assert presence.others(lars, number, "lars") == []
            assert store.get_case(number).case.version == version  # presence never touches the case

    asyncio.run(go())
    lars.close()
    store.close()


def test_a_strictly_secret_case_leaves_no_presence_until_it_is_opened_and_none_after(tmp_path):
    from sqlalchemy import text

    from varsel_tui.store.service import Store

    store = seeded_store(tmp_path)
    number = stinn_case(store).case.number  # written: strictly secret, handled by OU (nora)
    lars = Store.open(str(tmp_path / "varsel.db"))

    def rows() -> list[tuple]:
        with lars.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM presence")).all()]

    async def go():
        app = make_app(tmp_path / "varsel.db", unlocked=False)
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert type(app.screen).__name__ == "UnlockScreen"
            assert rows() == []  # asked for the passphrase: nothing read, nothing told
            await pilot.press("escape")
            await settle(pilot)
            assert rows() == []
            app.store.unlock(USER, PASSPHRASE)
            await open_case(pilot, number)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            [(_id, _case_id, user, activity, _seen)] = rows()  # a user name and an activity, no more
            assert (user, activity) == (USER, "viewing")
            app.lock_session()  # the idle lock takes the case off the screen, and its presence
            await settle(pilot)
            assert rows() == []

    asyncio.run(go())
    lars.close()
    store.close()


def test_presence_in_english(tmp_path):
    from varsel_tui.store.presence import Present
    from varsel_tui.tui import i18n
    from varsel_tui.tui.live import presence_text

    i18n.set_lang("en")
    assert presence_text([Present("lars", "editing:3.2"), Present("per", "viewing")]).plain == \
        "Also open by: lars (filling in 3.2), per"
    assert presence_text([]) is None
    # A user name is a stored value: a control character in it is shown, never sent to the terminal.
    assert "\x1b" not in presence_text([Present("lars\x1b[2J", "viewing")]).plain


# -- PostgreSQL: LISTEN/NOTIFY -----------------------------------------------------------------------

def test_postgresql_queue_and_case_screen_follow_another_process(db_url, tmp_path, monkeypatch):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite is the tests above")
    from urllib.parse import urlsplit

    from varsel_tui.store.service import Store
    from varsel_tui.tui.app import VarselApp

    # The password in a PGPASSFILE, as an officer has it (the CLI refuses one on its command line).
    parts = urlsplit(db_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{parts.hostname}:{parts.port or 5432}:{parts.path.lstrip('/')}:{parts.username}:"
                      f"{parts.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    db_url = f"postgresql://{parts.username}@{parts.hostname}:{parts.port or 5432}{parts.path}"

    # On a server everyone is their database login: the app here and the CLI "at another terminal"
    # are two processes of the same officer, which is all LISTEN/NOTIFY needs.
    from varsel_tui.identity import session_user

    setup = Store.open(db_url)
    me = session_user(setup.engine)
    setup.register_user(me, PASSPHRASE)  # the first user: approved, administers
    setup.unlock(me, PASSPHRASE)
    number = setup.create_case("ntnu-avvik", "Eksamensavvik", __import__("datetime").date(2026, 11, 16),
                               by=me, intake={"melder_type": "student"}).case.number
    setup.close()

    async def go():
        app = VarselApp(db=db_url, user=me, poll_interval=POLL)
        async with app.run_test(size=(100, 32)) as pilot:
            await queue_loaded(pilot, app)
            made = await cli(db_url, "case", "new", "--title", "Klage fra lars", *KLAGE, user=me)
            await within(pilot, LIVE, lambda: made["number"] in queue_numbers(app), "the new case in the queue")
            app.open_case(number)
            await within(pilot, 5, lambda: "Eksamensavvik" in screen_text(app), "the case screen")
            await cli(db_url, "case", "note", number, "Notat fra lars.", user=me)
            await within(pilot, LIVE, lambda: "Notat fra lars." in screen_text(app), "the note on screen")

    asyncio.run(go())
