"""Re-registration carries the case (issue «Deadlines and decisions», item 4): the officer picks the
procedure, the new case keeps its received date, classification and start follow the target's
rules, matching intake answers carry over and the rest is asked for before the case is active."""

from __future__ import annotations

from datetime import date

import pytest
from test_store import AVVIST

from varsel_tui.store.service import StoreError, ValidationFailed

UIO_ORAL = {"kanal": "muntlig", "innmelder": "student", "anklage": True}
UIO_M1 = {"innhentet_informasjon": "Trakassering i seminargruppe.", "skriftlig_bekreftet": True,
          "bekreftet_dato": "03.11.2026", "henvist_rødt_mottak": True}
UIO_M2 = {"saksnummer_ephorte": "2026/4711", "beskrivelse": "Varsel om trakassering.", "eir_kopimottaker": True}


def _avvik(store) -> str:  # noqa: ANN001
    return store.create_case("ntnu-avvik", "Mobbing i kollokvie", date(2026, 11, 2), by="kari",
                             intake={"melder_type": "student"},
                             parties=[{"role": "melder", "name": "Ola Olsen"}]).case.number


def test_a_rejected_deviation_is_not_re_registered_without_a_chosen_procedure(store):
    number = _avvik(store)
    answers = {k: v for k, v in AVVIST.items() if k != "varslingsrutine"}
    with pytest.raises(ValidationFailed) as err:
        store.advance(number, answers, by="kari", on=date(2026, 11, 3))
    assert [p.field for p in err.value.problems] == ["varslingsrutine"]
    assert store.get_case(number).case.linked_to is None


def test_a_written_stinn_case_re_registered_from_a_deviation_is_secret_and_starts_at_2_1(store):
    number = _avvik(store)
    d, _ = store.advance(number, {**AVVIST, "varslingsrutine": "stinn-varsling"}, by="kari", on=date(2026, 11, 3))
    new = store.case_number(d.case.linked_to)
    waiting = store.get_case(new)
    assert waiting.case.received == date(2026, 11, 2)  # the original receipt, not the day it was moved
    assert waiting.case.status == "open" and waiting.case.current_step is None
    assert waiting.state.awaiting_intake == ("kanal", "varsler_er_fornærmede")
    assert waiting.case.current_step_title == "venter på mottaksopplysninger"
    with pytest.raises(StoreError, match="waiting for intake answers"):
        store.advance(new, {"innsendt_via": "annet"}, by="kari")
    with pytest.raises(ValidationFailed) as err:  # what is still missing is named
        store.complete_intake(new, {"kanal": "skriftlig"}, by="kari")
    assert {p.field for p in err.value.problems} == {"anonym", "varsler_er_fornærmede"}
    done = store.complete_intake(new, {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"},
                                 by="kari")
    assert done.case.classification == "strengt_hemmelig" and done.state.current == "2.1"
    assert done.intake == {"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True}
    assert all(done.state.steps[s].status == "skipped" for s in ("1.1", "1.7"))
    assert any(e.kind == "intake" for e in done.journal)
    with pytest.raises(StoreError, match="not waiting for intake answers"):
        store.complete_intake(new, {"kanal": "muntlig"}, by="kari")


def test_matching_intake_answers_carry_over_and_an_oral_case_starts_at_1_1(store):
    number = store.create_case("uio-varsling", "Trakassering", date(2026, 11, 2), by="kari",
                               intake=UIO_ORAL).case.number
    store.advance(number, UIO_M1, by="kari", on=date(2026, 11, 3))
    store.advance(number, UIO_M2, by="kari", on=date(2026, 11, 4))
    d, _ = store.advance(number, {"vurdering": "annen_oppfølging", "ny_sak_ansvarlig": "StInn OU",
                                  "ny_sak_arbeidsflyt": "stinn-varsling"}, by="kari", on=date(2026, 11, 5))
    new = store.get_case(store.case_number(d.case.linked_to))
    assert new.intake == {"kanal": "muntlig"}  # same id, an option StInn has; «anklage» is not asked there
    assert new.state.awaiting_intake == ("varsler_er_fornærmede",)
    done = store.complete_intake(new.case.number, {"varsler_er_fornærmede": "nei"}, by="kari")
    assert done.case.classification == "fortrolig" and done.state.current == "1.1"
    assert done.case.received == date(2026, 11, 2)
