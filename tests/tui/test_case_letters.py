"""The letters section and dialog on the case screen, driven with keys: the drafts the steps
made, a preview, the free text edited, .eml and PDF written to a chosen folder, marked sent."""

from __future__ import annotations

import io
from datetime import date
from email import message_from_bytes, policy

from case_fixtures import avvik_case, make_app, notes, open_case, run, screen_text, settle, type_text
from pypdf import PdfReader

SIZE = (110, 36)


def test_letters_section_preview_edit_write_and_mark_sent(store, tmp_path):
    number = avvik_case(store, received=date(2026, 10, 19)).case.number  # past 4 weeks: a preliminary reply
    out = tmp_path / "brev"

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await settle(pilot)
            text = screen_text(app)
            assert "Brev og e-poster" in text
            assert "Foreløpig svar (forvaltningsloven § 11a) – utkast (steg frist) → Mia Melder" in text, text

            await pilot.press("b")
            await settle(pilot)
            assert type(app.screen).__name__ == "LettersDialog", notes(app)
            assert "Emne: Foreløpig svar: meldingen «Eksamensoppgave manglet vedlegg»" in screen_text(app)
            app.screen.query_one("#letters-free-text").focus()
            await type_text(pilot, "Vi svarer innen jul.")
            await pilot.press("ctrl+s")
            await settle(pilot)
            app.screen.query_one("#letters-folder").value = str(out)
            await pilot.press("ctrl+e")
            await settle(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
            await pilot.press("ctrl+t")
            await settle(pilot)
            assert "SHA-256" in screen_text(app), notes(app)
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert "sendt 2026-11-23" in screen_text(app)

    run(go())
    [letter] = store.letters(number)
    assert letter.status == "sent" and "Vi svarer innen jul." in letter.body
    msg = message_from_bytes((out / f"{number}-brev-{letter.id}.eml").read_bytes(), policy=policy.default)
    assert msg["To"] == "Mia Melder <adresse-mangler@varsel.invalid>"
    assert "Vi svarer innen jul." in msg.get_body(preferencelist=("plain",)).get_content()
    pdf = PdfReader(io.BytesIO((out / f"{number}-brev-{letter.id}.pdf").read_bytes()))
    assert "Vi svarer innen jul." in pdf.pages[0].extract_text()
    assert store.get_case(number).case.prelim_sent == date(2026, 11, 23)
