"""Measures (tiltak) and hearings (høringsrunde) on the case detail screen, driven with keys.

t adds a measure, T marks one done; h starts a hearing, H closes one. Bad input (an empty
description, a date that is not a date, an end date not after today) is told inline and as a
notification, and the dialog stays open with everything typed. Today is fixed at 2026-11-23.
"""

from __future__ import annotations

import re
from datetime import date

from case_fixtures import avvik_case, fill, make_app, notes, open_case, run, screen_text, settle, type_text

SIZE = (100, 32)


def screen_name(app) -> str:  # noqa: ANN001
    return type(app.screen).__name__


async def add_measure(pilot, title: str, responsible: str, due: str) -> None:  # noqa: ANN001
    await pilot.press("t")
    await settle(pilot)
    assert screen_name(pilot.app) == "MeasureDialog"
    await type_text(pilot, title)
    await pilot.press("tab")
    await type_text(pilot, responsible)
    await pilot.press("tab")
    await type_text(pilot, due)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def add_hearing(pilot, participants: str, ends: str, question: str) -> None:  # noqa: ANN001
    await pilot.press("h")
    await settle(pilot)
    assert screen_name(pilot.app) == "HearingDialog"
    await type_text(pilot, participants)
    await pilot.press("tab")
    await type_text(pilot, ends)
    await pilot.press("tab")
    await type_text(pilot, question)
    await pilot.press("ctrl+s")
    await settle(pilot)


def test_add_measure_and_hearing_then_mark_done_and_close_with_keys(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            # Offered (in the help and the palette; the footer keeps to what fits 80 columns).
            offered = {b.binding.id for b in app.screen.active_bindings.values()}
            assert {"case.measure", "case.hearing"} <= offered
            # Nothing open yet: T and H are not offered.
            assert not {"case.measure_done", "case.hearing_close"} & offered

            await add_measure(pilot, "Rutine for vedlegg", "IE-fakultetet", "15.12.2026")
            assert screen_name(app) == "CaseDetailScreen", notes(app)
            measures = store.get_case(number).measures
            assert [(m.title, m.responsible, m.due, m.done_on) for m in measures] \
                == [("Rutine for vedlegg", "IE-fakultetet", date(2026, 12, 15), None)]
            assert "Tiltak: Rutine for vedlegg · IE-fakultetet · frist 15.12.2026" in screen_text(app)

            await add_hearing(pilot, "kari", "2026-12-04", "Er rutinen god nok?")
            assert screen_name(app) == "CaseDetailScreen", notes(app)
            hearings = store.get_case(number).hearings
            assert [(h.participants, h.ends_on, h.question, h.closed_on) for h in hearings] \
                == [("kari", date(2026, 12, 4), "Er rutinen god nok?", None)]
            text = screen_text(app)
            assert "Høringsrunde: kari til 04.12.2026" in text and "Er rutinen god nok?" in text

            # One open measure: T asks yes/no, j says yes.
            await pilot.press("T")
            await settle(pilot)
            assert screen_name(app) == "ConfirmDialog"
            await pilot.press("j")
            await settle(pilot)
            assert store.get_case(number).measures[0].done_on == date(2026, 11, 23)
            assert "utført 23.11.2026" in screen_text(app)

            await pilot.press("H")
            await settle(pilot)
            assert screen_name(app) == "ConfirmDialog"
            await pilot.press("j")
            await settle(pilot)
            assert store.get_case(number).hearings[0].closed_on == date(2026, 11, 23)
            assert "avsluttet 23.11.2026" in screen_text(app)
            assert not [n for n in notes(app) if n[1] == "error"], notes(app)

    run(go())


def test_several_open_measures_asks_which(store, tmp_path):
    number = avvik_case(store).case.number
    store.add_measure(number, "Første tiltak", by="nora")
    store.add_measure(number, "Andre tiltak", responsible="OU", due=date(2026, 12, 1), by="nora")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("T")
            await settle(pilot)
            assert screen_name(app) == "PickDialog"
            options = app.screen.query_one("#pick-list")
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert labels == ["Første tiltak · – · frist –", "Andre tiltak · OU · frist 01.12.2026"]
            await pilot.press("down", "enter")
            await settle(pilot)
            assert screen_name(app) == "CaseDetailScreen"
            done = {m.title: m.done_on for m in store.get_case(number).measures}
            assert done == {"Første tiltak": None, "Andre tiltak": date(2026, 11, 23)}

    run(go())


def test_bad_dates_and_empty_description_keep_the_dialog_and_what_was_typed(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)

            # A due date that is not a date.
            await add_measure(pilot, "Rutine for vedlegg", "OU", "31.13.2026")
            assert screen_name(app) == "MeasureDialog"
            assert any("ikke en gyldig dato" in m and sev == "error" for m, sev in notes(app)), notes(app)
            assert "ikke en gyldig dato" in screen_text(app)  # inline too
            assert app.screen.query_one("#measure-title").value == "Rutine for vedlegg"
            assert app.screen.query_one("#measure-due").value == "31.13.2026"
            assert store.get_case(number).measures == []
            # Fix the date (the focus is on it) and save.
            await pilot.press("ctrl+u", "ctrl+k")
            await type_text(pilot, "01.12.2026")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen_name(app) == "CaseDetailScreen"
            assert [(m.title, m.due) for m in store.get_case(number).measures] \
                == [("Rutine for vedlegg", date(2026, 12, 1))]

            # An empty description.
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("tab")
            await type_text(pilot, "OU")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen_name(app) == "MeasureDialog"
            assert "Tiltaket trenger en beskrivelse." in screen_text(app)
            assert app.screen.query_one("#measure-responsible").value == "OU"
            await pilot.press("escape")
            await settle(pilot)
            assert len(store.get_case(number).measures) == 1

            # A hearing ending in the past.
            await add_hearing(pilot, "kari", "01.11.2026", "Spørsmål")
            assert screen_name(app) == "HearingDialog"
            assert "Sluttdatoen 01.11.2026 er ikke etter i dag" in screen_text(app)
            assert app.screen.query_one("#hearing-question").text == "Spørsmål"
            await pilot.press("escape")
            await settle(pilot)
            assert store.get_case(number).hearings == []
            assert screen_name(app) == "CaseDetailScreen"

    run(go())


def test_a_hearing_the_store_refuses_reopens_the_dialog_with_what_was_typed(store, tmp_path, monkeypatch):
    """Should the store still refuse (its own check of the end date), nothing typed is lost."""
    import varsel_tui.tui.widgets.case_dialogs as dialogs

    monkeypatch.setattr(dialogs, "today", lambda: date(2026, 1, 1))  # the dialog's own check lets it through
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await add_hearing(pilot, "kari, per", "01.11.2026", "Er rutinen god nok?")
            assert any(sev == "error" and "must end after today" in m for m, sev in notes(app)), notes(app)
            assert screen_name(app) == "HearingDialog"
            screen = app.screen
            assert screen.query_one("#hearing-participants").value == "kari, per"
            assert screen.query_one("#hearing-ends").value == "01.11.2026"
            assert screen.query_one("#hearing-question").text == "Er rutinen god nok?"
            assert "must end after today" in screen_text(app)  # the reason, inline
            assert store.get_case(number).hearings == []
            await pilot.press("escape")
            await settle(pilot)
            assert screen_name(app) == "CaseDetailScreen"

    run(go())


def test_english_dialogs_have_every_string(store, tmp_path):
    from varsel_tui.tui import i18n

    number = avvik_case(store).case.number
    store.add_measure(number, "Første tiltak", by="nora")
    store.add_measure(number, "Andre tiltak", by="nora")
    raw_key = re.compile(r"\b(?:case|dialog)\.[a-z_.]*[a-z]\b")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            for key in ("t", "h", "T"):
                await pilot.press(key)
                await settle(pilot)
                text = screen_text(app)
                assert not raw_key.findall(text), (key, raw_key.findall(text))
                bindings = [b.binding.description for b in app.screen.active_bindings.values()]
                assert not [d for d in bindings if raw_key.fullmatch(d)], bindings
                await pilot.press("escape")
                await settle(pilot)
            bindings = {b.binding.id: b.binding.description for b in app.screen.active_bindings.values()}
            assert bindings["case.measure"] == "Measure" and bindings["case.measure_done"] == "Measure done"

    i18n.set_lang("en")
    try:
        run(go())
    finally:
        i18n.set_lang("nb")


def test_b1_hearing_participants_are_picked_among_the_approved_users(store, tmp_path):
    number = avvik_case(store).case.number
    store.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "godkjent",
                           "lokal_enhet": "Institutt for datateknologi", "behandler": "nora"}, by="nora")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")
            await settle(pilot)
            assert screen_name(app) == "StepFormScreen"
            await fill(pilot, "behandler_vurdering", "Må avklares")
            await fill(pilot, "høringsrunde", True)
            await settle(pilot)
            picker = app.screen.form.field_widget("høring_deltakere").input_widget
            assert [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)] \
                == ["kari (Kari Kkv)", "nora (Nora Nordmann)"]
            await fill(pilot, "høring_deltakere", ["kari"])
            await fill(pilot, "høring_slutt", "04.12.2026")
            await settle(pilot)
            assert "Høringsrunde opprettes med kari til og med 04.12.2026" in screen_text(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen_name(app) == "CaseDetailScreen", notes(app)
            [h] = store.get_case(number).hearings
            assert (h.participants, h.ends_on, h.closed_on) == ("kari", date(2026, 12, 4), None)

    run(go())


def test_the_hearing_dialog_completes_participants_from_the_approved_users():
    import asyncio

    from varsel_tui.tui.widgets.case_dialogs import NamesSuggester

    names = NamesSuggester(["kari", "nora", "Per"])
    got = [asyncio.run(names.get_suggestion(v)) for v in ("ka", "nora, p", "nora, ", "kari", "x")]
    assert got == ["kari", "nora, Per", None, None, None]
