"""Walkthroughs driven with keys, as an officer would, asserting against the store after each submit.

- A StInn whistleblowing case from intake (new-case screen) through phase 2, and (a second test
  from a case at 3.1) through phases 3 and 6, with 3.7's "no motion" choice skipping 3.8–3.10 and
  the timeline saying why.
- An NTNU deviation (ntnu-avvik) through each of the receipt form's (M1) four outcomes.
"""

from __future__ import annotations

from datetime import date

import pytest
from case_fixtures import (
    USER,
    avvik_case,
    choose,
    fill,
    fill_form,
    make_app,
    notes,
    run,
    screen_text,
    settle,
    submit_step,
    type_text,
)

# -- StInn: intake → phase 2 → phase 3 → phase 6 ------------------------------------------------

def test_stinn_from_intake_through_phase_2(store, tmp_path):
    """The first half of a written StInn case in the TUI: registration, then phase 2 to OU's 3.1.
    The second half (phase 3 to closing) starts from a store-made case at 3.1, below, so the two
    run side by side."""
    from varsel_tui.tui.screens.case_detail import CaseDetailScreen
    from varsel_tui.tui.screens.new_case import NewCaseScreen

    async def walk():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            app.new_case()
            await settle(pilot)
            assert isinstance(app.screen, NewCaseScreen)
            # The workflow select has the focus once the workflows are read.
            await choose(pilot, app.focused, "stinn-varsling")
            await settle(pilot)
            await fill(pilot, "title-field", "Trakassering", prefix="new")
            await fill(pilot, "received-field", "19.10.2026", prefix="new")
            # The default classification of an oral notification is fortrolig …
            assert app.screen.classification() == "fortrolig"
            await fill(pilot, "kanal", "skriftlig")
            await settle(pilot)
            # … and a written one is strengt hemmelig (StInn 2.4), shown before registering.
            assert app.screen.classification() == "strengt_hemmelig"
            assert "strengt hemmelig" in screen_text(app)
            await fill(pilot, "anonym", True)
            await fill(pilot, "varsler_er_fornærmede", True)
            # Parties: ctrl+n opens the party dialog.
            for role, name, anonymous in (("varsler", "Siri Student", True), ("anklagede", "Ola Nordmann", False)):
                await pilot.press("ctrl+n")
                await settle(pilot)
                await choose(pilot, app.focused, role)  # the role select has the focus
                await pilot.press("tab")
                await type_text(pilot, name)
                if anonymous:
                    await pilot.press("tab", "space")
                await pilot.press("ctrl+s")
                await settle(pilot)
            assert [p["role"] for p in app.screen.parties] == ["varsler", "anklagede"]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, CaseDetailScreen), [n.message for n in app._notifications]
            number = app.screen.number

            detail = store.get_case(number)
            assert detail.case.classification == "strengt_hemmelig"
            assert detail.intake == {"kanal": "skriftlig", "anonym": True, "varsler_er_fornærmede": True}
            assert [(p.role, p.anonymous) for p in detail.parties] == [("varsler", True), ("anklagede", False)]
            assert detail.state.current == "2.1"
            assert detail.state.steps["1.1"].status == "skipped"
            text = screen_text(app)
            assert "varslingen kom skriftlig" in text  # why phase 1 was skipped
            assert "anonym" in text

            # Phase 2: written notification, OTRS, grading, receipt.
            await submit_step(pilot, {"innsendt_via": "nettside", "dato_skriftlig_mottatt": "19.10.2026"})
            assert store.get_case(number).state.current == "2.2"
            await submit_step(pilot, {"otrs_saksnummer": "T-42", "kø": "OU"})
            assert store.get_case(number).state.current == "2.3"
            await submit_step(pilot, {"foreldresak": "T-1"})
            await submit_step(pilot, {"gradert_strengt_hemmelig": True})
            await submit_step(pilot, {"politi_opplyst": True})
            state = store.get_case(number).state
            assert state.current == "3.1" and state.body == "OU"

    run(walk())


# Phase 2 as the TUI walk above completes it (on today, Mon 23 Nov 2026).
STINN_PHASE_2 = [{"innsendt_via": "nettside", "dato_skriftlig_mottatt": "2026-10-19"},
                 {"otrs_saksnummer": "T-42", "kø": "OU"}, {"foreldresak": "T-1"},
                 {"gradert_strengt_hemmelig": True}, {"politi_opplyst": True}]


def test_stinn_phase_3_to_closing(store, tmp_path):
    from case_fixtures import open_case, stinn_case

    number = stinn_case(store, title="Trakassering", received=date(2026, 10, 19)).case.number
    for answers in STINN_PHASE_2:
        store.advance(number, answers, by=USER)
    assert store.get_case(number).state.current == "3.1"

    async def walk():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            # Phase 3: OU investigates; no motion of no confidence in 3.7.
            await submit_step(pilot, {"plan_undersøkelse": "Intervjuer."})
            await submit_step(pilot, {"vitner": "To vitner."})
            await submit_step(pilot, {"forventet_avgjørelse": "04.12.2026"})
            for _step in ("3.4", "3.5", "3.6"):
                await submit_step(pilot, {})
            assert store.get_case(number).state.current == "3.7"
            await submit_step(pilot, {"pkvm_2_3_oppfylt": False, "vurdering_mistillit": "Nei."})
            state = store.get_case(number).state
            assert state.current == "3.11"
            for sid in ("3.8", "3.9", "3.10"):
                assert state.steps[sid].status == "skipped"
                assert state.steps[sid].reason == "organet stiller ikke mistillitsforslag (3.7)"
            text = screen_text(app)
            assert "hoppet over: organet stiller ikke mistillitsforslag (3.7)" in text
            # Decided Fri 30 Oct: the appeal window (3 uker) closed Fri 20 Nov, before today (Mon 23 Nov).
            await submit_step(pilot, {"vedtaksdato": "30.10.2026", "vedtak_tekst": "Nytt møteoppsett."})
            await submit_step(pilot, {"sensurert_rapport": True})
            await submit_step(pilot, {"klageadgang_opplyst": True})
            assert store.get_case(number).state.current == "3.14"
            await submit_step(pilot, {"påklaget": False})

            # Phase 6: closing, handled by OU (the decision was not appealed).
            state = store.get_case(number).state
            assert state.current == "6.1" and state.body == "OU"
            assert state.steps["4.1"].status == "skipped" and state.steps["5.1"].status == "skipped"
            assert "vedtaket ble ikke påklaget" in screen_text(app)
            await submit_step(pilot, {"læringspunkter": "Planlegg tidlig."})
            await submit_step(pilot, {"oppfølging": "NL-AU."})
            await submit_step(pilot, {"kopier_makulert": True})
            await submit_step(pilot, {})
            detail = store.get_case(number)
            assert detail.case.status == "closed"
            assert detail.state.outcome == "avgjort av OU"
            assert "Avsluttet 23.11.2026: avgjort av OU" in screen_text(app)

    run(walk())


def test_no_appeal_before_the_window_closed_is_refused_in_the_form(store, tmp_path):
    """StInn 3.14: «ikke påklaget» on the day after OU's decision is refused with the procedure's
    reason; the form stays open with the answer kept."""
    from datetime import date

    from case_fixtures import USER, fill_form, open_case, stinn_case

    from varsel_tui.tui.screens.form import StepFormScreen

    number = stinn_case(store, received=date(2026, 11, 2)).case.number
    steps = [{"innsendt_via": "nettside"}, {"otrs_saksnummer": "T-1", "kø": "OU"}, {},
             {"gradert_strengt_hemmelig": True}, {"politi_opplyst": True}, {}, {}, {}, {}, {}, {},
             {"pkvm_2_3_oppfylt": False}]
    for answers in steps:
        store.advance(number, answers, by=USER, on=date(2026, 11, 2))
    # Decided Fri 20 Nov; 3 uker → Fri 11 Dec is the last day to appeal.
    for answers in ({"vedtaksdato": "2026-11-20", "vedtak_tekst": "x"}, {"sensurert_rapport": True},
                    {"klageadgang_opplyst": True}):
        store.advance(number, answers, by=USER, on=date(2026, 11, 20))
    assert store.get_case(number).state.current == "3.14"

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("f")
            await settle(pilot)
            await fill_form(pilot, {"påklaget": False})
            await settle(pilot)
            assert "kan først registreres etter 2026-12-11" in screen_text(app)  # before submitting
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, StepFormScreen)
            assert store.get_case(number).state.current == "3.14"

    run(go())


# -- NTNU avvik: the receipt form's four outcomes -----------------------------------------------

M1_BASE = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False}


async def _transfer_away(pilot, answers):  # noqa: ANN001, ANN202
    """Submit a transfer that takes the case from the officer: a confirmation first."""
    from varsel_tui.tui.widgets.case_dialogs import ConfirmDialog

    await pilot.press("f")
    await settle(pilot)
    await fill_form(pilot, answers)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmDialog)
    assert "Du mister tilgangen til saken" in screen_text(pilot.app)
    await pilot.press("j")
    await settle(pilot)


async def _open_avvik(pilot, number):  # noqa: ANN001, ANN202
    pilot.app.open_case(number)
    await settle(pilot)


@pytest.mark.parametrize("outcome", ["godkjent", "endre_enhet", "ikke_godkjent", "avvist_varslingssak"])
def test_ntnu_avvik_receipt_outcomes(store, tmp_path, outcome):
    from varsel_tui.tui.screens.queue import QueueScreen

    number = avvik_case(store).case.number
    answers = {
        "godkjent": {**M1_BASE, "vurdering": "godkjent", "lokal_enhet": "Institutt for datateknologi",
                     "behandler": "Kari Behandler"},
        "endre_enhet": {**M1_BASE, "vurdering": "endre_enhet", "ny_enhet": "NV-fakultetet",
                        "endring_merknad": "Emnet hører til NV."},
        "ikke_godkjent": {**M1_BASE, "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik: emnet er endret."},
        "avvist_varslingssak": {"sensitive_opplysninger": False, "kritikkverdige_forhold": True,
                                "vurdering": "avvist_varslingssak", "varslingsrutine": "uio-varsling",
                                "begrunnelse": "Gjelder trakassering; følges opp som varslingssak."},
    }[outcome]

    async def walk():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await _open_avvik(pilot, number)
            if outcome == "endre_enhet":
                await _transfer_away(pilot, answers)
            else:
                await submit_step(pilot, answers)
            detail = store.get_case(number)
            text = screen_text(app)
            if outcome == "godkjent":
                assert detail.state.current == "B1"
                assert detail.state.steps["M1"].status == "done"
                assert "▶ B1" in text.replace("  ", " ") or "B1" in text
            elif outcome == "endre_enhet":
                assert detail.state.current == "M1"  # the new unit assesses it again
                assert detail.case.body == "NV-fakultetet"
                # nora is not in NV: she was asked, and the case closed with a message, not stale content
                assert isinstance(app.screen, QueueScreen)
                assert any(f"Du har ikke lenger tilgang til sak {number}" in n for n, _ in notes(app))
                assert any(e.kind == "transfer" for e in detail.journal)
            elif outcome == "ikke_godkjent":
                assert detail.case.status == "closed"
                assert detail.state.outcome == "ikke godkjent"
                assert "Avsluttet 23.11.2026: ikke godkjent" in text
            else:
                assert detail.case.status == "closed"
                assert detail.state.outcome == "avvist varslingssak"
                assert detail.case.linked_to is not None
                linked = store.case_number(detail.case.linked_to)
                new = store.get_case(linked)
                assert new.case.workflow_id == "uio-varsling"
                assert new.case.linked_from == detail.case.id
                assert f"Omregistrert som sak {linked} (uio-varsling)" in text
                # l opens the linked case, which waits for its intake before its first step.
                await pilot.press("l")
                await settle(pilot)
                assert app.screen.number == linked
                assert "Venter på mottaksopplysninger før første steg" in screen_text(app)
                assert new.case.received == detail.case.received
                await pilot.press("f")
                await settle(pilot)
                for field, value in (("kanal", "nettskjema"), ("innmelder", "student"), ("anklage", True)):
                    await fill(pilot, field, value)
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert store.get_case(linked).state.current == "M2"

    run(walk())
