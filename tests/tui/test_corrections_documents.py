"""Corrections, documents and a backdated step on the case screen, driven with keys (few, short).

V voids the case with a reason; d attaches a file through the picker; the step form's "done on"
field records a step as done on an earlier day. Today is fixed at 2026-11-23.
"""

from __future__ import annotations

import hashlib
from datetime import date

from case_fixtures import avvik_case, fill_form, make_app, notes, open_case, run, screen_text, settle, type_text

SIZE = (100, 32)
M1_ANSWERS = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "godkjent",
              "lokal_enhet": "Institutt for datateknologi", "behandler": "Kari Behandler"}


def test_attach_a_document_then_void_the_case_with_a_reason(store, tmp_path):
    number = avvik_case(store).case.number
    f = tmp_path / "referat.txt"
    f.write_bytes(b"Referat fra samtalen\n")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("d")
            await pilot.pause(0.2)  # not settle(): the folder tree's loader worker runs while it is open
            assert type(app.screen).__name__ == "FilePickerDialog"
            await pilot.press("ctrl+u", "ctrl+k")
            await type_text(pilot, str(f))
            await pilot.press("enter")
            await pilot.pause(0.2)
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen", notes(app)
            docs = store.documents(number)
            assert [(d.filename, d.sha256) for d in docs] == [("referat.txt", hashlib.sha256(f.read_bytes()).hexdigest())]
            assert "#%d referat.txt" % docs[0].id in screen_text(app)

            await pilot.press("V")
            await settle(pilot)
            assert type(app.screen).__name__ == "ReasonDialog"
            await pilot.press("enter")  # no reason: refused inline, the dialog stays
            await settle(pilot)
            assert type(app.screen).__name__ == "ReasonDialog"
            await type_text(pilot, "registrert to ganger")
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen", notes(app)
            d = store.get_case(number)
            assert d.case.status == "void"
            assert any(e.kind == "void" and "registrert to ganger" in (e.text or "") and e.by == "nora"
                       for e in d.journal)
            assert "Annullert 23.11.2026" in screen_text(app)
            # a void case offers no step form, corrections or actions; notes and documents stay
            keys = {b.binding.id for b in app.screen.active_bindings.values()
                    if app.screen.check_action(b.binding.action, ()) is True}
            assert {"case.note", "case.doc_add", "case.doc_save"} <= keys
            assert not {"case.form", "case.void", "case.amend", "case.party_remove"} & keys

    run(go())


def test_a_step_done_on_an_earlier_day_is_recorded_on_that_day(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")
            await settle(pilot)
            await fill_form(pilot, M1_ANSWERS)
            app.screen.query_one("#form-done-on").focus()
            await type_text(pilot, "18.11.2026")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen", notes(app)

    run(go())
    h = store.get_case(number).history
    assert [(x.ref, x.on_date) for x in h] == [("M1", date(2026, 11, 18))]
