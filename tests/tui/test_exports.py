"""The palette's report and archive commands on a case: a dialog confirms the path (and the
password), the file is written and the export journalled; files read back with pypdf/zipfile."""

from __future__ import annotations

import io
from datetime import date

from case_fixtures import USER, avvik_case, make_app, notes, open_case, run, settle, type_text
from pypdf import PdfReader

SIZE = (100, 32)


async def _palette(pilot, app, query: str) -> None:  # noqa: ANN001
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(app.screen, CommandPalette)
    await type_text(pilot, query)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


def _close(store, number: str) -> None:  # noqa: ANN001
    store.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                           "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik"}, by=USER,
                  on=date(2026, 11, 20))


def test_report_and_archive_from_the_palette(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    number = avvik_case(store).case.number
    report = tmp_path / "rapport.pdf"

    async def go():
        from textual.widgets import Checkbox, Input

        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await _palette(pilot, app, "sensurert saksrapport")
            dialog = app.screen
            assert type(dialog).__name__ == "ExportDialog"
            path = dialog.query_one("#export-path", Input)
            assert path.value == str(tmp_path / f"sak-{number}-rapport-sensurert.pdf")  # the proposal
            assert dialog.query_one("#export-redacted", Checkbox).value is True
            path.value = str(report)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert any(str(report) in m for m, _ in notes(app))

            await _palette(pilot, app, "arkivpakke")  # the case is open: no package
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert ("Arkivpakke lages bare for en avsluttet sak.", "warning") in notes(app)

    run(go())
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report.read_bytes())).pages)
    assert "Sensurert versjon" in text and "Eksamensoppgave manglet vedlegg" in text
    journal = store.get_case(number).journal
    assert journal[-1].kind == "export" and journal[-1].by == USER


def test_archive_from_the_palette_is_signed_and_verifies(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    number = avvik_case(store).case.number
    _close(store, number)
    package = tmp_path / f"sak-{number}-arkiv.zip"
    package.write_bytes(b"")  # already there: the dialog asks for another name

    async def go():
        from textual.widgets import Input

        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await _palette(pilot, app, "arkivpakke")
            dialog = app.screen
            assert type(dialog).__name__ == "ExportDialog"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "ExportDialog"  # refused: the file exists
            assert any("finnes allerede" in m for m, _ in notes(app))
            dialog.query_one("#export-path", Input).value = str(tmp_path / "arkiv.zip")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"

    run(go())
    from varsel_tui.outputs import archive

    result = archive.verify((tmp_path / "arkiv.zip").read_bytes(), store.verified_signing_key)
    assert result.ok, result.problems
    assert result.manifest["signer"]["name"] == USER


def test_a_locked_session_signs_the_package_with_the_passphrase_typed_in_the_dialog(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    number = avvik_case(store).case.number
    _close(store, number)

    async def go():
        from case_fixtures import PASSPHRASE
        from textual.widgets import Input

        app = make_app(tmp_path / "varsel.db", unlocked=False)  # an ordinary case opens without a key
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await _palette(pilot, app, "arkivpakke")
            dialog = app.screen
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert any("passfrasen din" in m for m, _ in notes(app))  # asked for, not guessed
            dialog.query_one("#export-passphrase", Input).value = PASSPHRASE
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert any("signert" in m for m, _ in notes(app))

    run(go())
    from varsel_tui.outputs import archive

    assert archive.verify((tmp_path / f"sak-{number}-arkiv.zip").read_bytes(), store.verified_signing_key).ok
