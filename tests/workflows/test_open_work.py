"""Closing with work still open, in a workflow whose procedure says nothing about it (uio-varsling):
the case does not close while a hearing is open or a measure is not carried out, and there is no
way around it but ending the hearing or carrying out the measure (issue 10, «a case closes with a
hearing open or a measure not carried out»)."""

from __future__ import annotations

from datetime import date

from walk import Walk

from varsel_tui.domain.engine import RecordedMeasure

D = date.fromisoformat
M2 = {"saksnummer_ephorte": "2026/4711", "beskrivelse": "Varsel om trakassering.", "eir_kopimottaker": True}
NOT_WHISTLEBLOWING = {"vurdering": "ikke_varslingssak", "begrunnelse": "Gjelder egen arbeidssituasjon.",
                      "begrunnelse_kopi_eir": True, "tilbakemelding_innmelder": True}


def at_m3(**kw) -> Walk:
    w = Walk("uio-varsling", received=D("2026-11-16"),
             intake={"kanal": "nettskjema", "innmelder": "ansatt", "anklage": True}, **kw)
    w.complete("M2", M2, on=D("2026-11-17"))
    return w


def test_closing_a_uio_case_is_refused_while_work_is_open():
    w = at_m3(measures=[RecordedMeasure(1, "Samtale med leder", done=False)],
              open_hearings=["høringsrunde #1 (per, til 04.12.2026)"])
    out = w.preview(NOT_WHISTLEBLOWING, on=D("2026-11-23"))
    assert out.closes and not out.ok
    assert [p.message for p in out.problems] == [
        "Saken kan ikke avsluttes mens høringsrunde #1 (per, til 04.12.2026) pågår: avslutt høringsrunden først "
        "(H på saken, eller varsel case hearing close).",
        "Saken kan ikke avsluttes før tiltak #1 «Samtale med leder» er gjennomført "
        "(T på saken, eller varsel case measure done).",
    ]
    w.open_hearings, w.measures = [], [RecordedMeasure(1, "Samtale med leder", done=True)]
    assert w.preview(NOT_WHISTLEBLOWING, on=D("2026-11-23")).ok


def test_a_step_that_does_not_close_is_not_held_up_by_open_work():
    w = at_m3(measures=[RecordedMeasure(1, "Samtale med leder", done=False)])
    out = w.preview({"vurdering": "varslingssak"}, on=D("2026-11-23"))
    assert not out.closes and out.ok, out.problems
