"""Hearings and measures as part of a case's flow (issue 10, «Hearings and measures float free of
the flow»), against real SQLite files and a real PostgreSQL server: the NTNU deviation form B1
opens a real hearing of registered users with access until its end date, H1 ends it, T1 marks
the recorded measures carried out, and closing with work still open is refused or journalled."""

from __future__ import annotations

from datetime import date

import pytest

from varsel_tui.crypto.keys import new_user_keys
from varsel_tui.store.access import NoCaseAccess
from varsel_tui.store.service import Store, StoreError, ValidationFailed

PASS = "korrekt hest batteri"
ORG = {"ida": "IE-fakultetet", "lars": None, "per": None}
INTAKE = {"melder_type": "student", "gjelder": "utdanning", "mottakende_enhet": "IE-fakultetet"}
M1 = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "godkjent",
      "lokal_enhet": "Institutt for datateknologi", "behandler": "ida"}
B1 = {"behandler_vurdering": "Må avklares med linjeleder.", "høringsrunde": True, "høring_deltakere": "lars",
      "høring_slutt": "2026-12-04", "høring_spørsmål": "Er rutinen god nok?"}
L1 = {"lukkekommentar": "Fulgt opp."}


@pytest.fixture
def org(db_url):
    """ida handles IE-fakultetet's deviations; lars and per are approved users in no body."""
    s = Store.open(db_url)
    s.register_user("admin", PASS)
    s.unlock("admin", PASS)
    s.ensure_body("IE-fakultetet")
    for name, body in ORG.items():
        private, public, sealed = new_user_keys(PASS)
        s.add_user(name, public_key=public, sealed_private_key=sealed, private_key=private)
        s.approve_user(name)
        if body:
            s.add_member(body, name)
    s.lock()
    s.actor = None
    yield s
    s.close()


def as_user(db_url: str, name: str) -> Store:
    return Store.open(db_url, actor=name)


def access_rows(store: Store, number: str) -> dict[str, date | None]:
    from sqlalchemy import text

    with store.engine.begin() as conn:
        rows = conn.execute(text("SELECT a.user_name, a.until FROM case_access a JOIN cases c ON c.id = a.case_id "
                                 "WHERE c.number = :n"), {"n": number}).all()
    return {u: (date.fromisoformat(t) if isinstance(t, str) else t) for u, t in rows}


def journal(d, kind: str) -> list[str]:  # noqa: ANN001
    return [d.text(e, "text") for e in d.journal if e.kind == kind]


def at_b1(db_url: str) -> tuple[Store, str]:
    ida = as_user(db_url, "ida")
    number = ida.create_case("ntnu-avvik", "Eksamensoppgave manglet vedlegg", date(2026, 11, 16), by="ida",
                             intake=dict(INTAKE)).case.number
    ida.advance(number, M1, by="ida", on=date(2026, 11, 17))
    return ida, number


def test_a_hearing_chosen_in_b1_is_made_with_access_until_its_end_and_h1_ends_it(org, db_url, monkeypatch):
    ida, number = at_b1(db_url)
    assert set(access_rows(org, number)) == {"ida"}

    d, out = ida.advance(number, B1, by="ida")
    [h] = d.hearings
    assert (h.participants, h.ends_on, h.closed_on) == ("lars", date(2026, 12, 4), None)
    assert d.text(h, "question") == "Er rutinen god nok?"
    assert journal(d, "hearing") == ["høringsrunde til 2026-12-04: lars"]
    assert access_rows(org, number) == {"ida": None, "lars": date(2026, 12, 4)}
    assert as_user(db_url, "lars").get_case(number).title == "Eksamensoppgave manglet vedlegg"

    monkeypatch.setenv("VARSEL_TODAY", "2026-11-30")  # a week on: H1 cannot be dated ahead of today
    d, out = ida.advance(number, {"høring_innspill": "Linjeleder støtter rutinen.", "tiltak": False}, by="ida",
                         on=date(2026, 11, 30))
    assert d.state.current == "L1"
    assert d.hearings[0].closed_on == date(2026, 11, 30)
    assert journal(d, "hearing")[-1] == f"høringsrunde #{h.id} avsluttet 2026-11-30"
    assert access_rows(org, number) == {"ida": None}
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "lars").get_case(number)


def test_hearing_participants_must_be_registered_approved_users(org, db_url):
    ida, number = at_b1(db_url)
    with pytest.raises(ValidationFailed) as err:
        ida.advance(number, {**B1, "høring_deltakere": "lars, Instituttleder"}, by="ida")
    assert str(err.value) == "høring_deltakere: «Instituttleder» er ikke en registrert, godkjent bruker"
    assert ida.get_case(number).hearings == []
    # `case hearing add` alike: a name nobody logs in with is no participant.
    with pytest.raises(StoreError, match="not a registered, approved user: Instituttleder"):
        ida.add_hearing(number, ["Instituttleder"], date(2026, 12, 4), by="ida")
    with pytest.raises(StoreError, match="must end after today"):
        ida.add_hearing(number, ["lars"], date(2026, 11, 23), by="ida")


def test_t1_marks_recorded_measures_and_closing_waits_for_the_rest(org, db_url):
    ida, number = at_b1(db_url)
    ida.advance(number, {**B1, "høringsrunde": False, "tiltak": True}, by="ida")
    with pytest.raises(ValidationFailed, match="saken har ingen registrerte tiltak ennå"):
        ida.advance(number, {"tiltak_oppfølging": "x"}, by="ida")
    first = ida.add_measure(number, "Rutine for vedlegg", responsible="lars", by="ida").measures[0].id
    second = ida.add_measure(number, "Nytt skjema", by="ida").measures[1].id

    d, _ = ida.advance(number, {"tiltak_gjennomført": [first], "tiltak_oppfølging": "Rutinen er i bruk."}, by="ida")
    assert [(m.id, m.done_on) for m in d.measures] == [(first, date(2026, 11, 23)), (second, None)]
    assert f"tiltak #{first} gjennomført 2026-11-23" in journal(d, "measure")

    with pytest.raises(ValidationFailed) as err:
        ida.advance(number, L1, by="ida")
    assert str(err.value) == (f"Saken kan ikke avsluttes før tiltak #{second} «Nytt skjema» er gjennomført "
                              "(T på saken, eller varsel case measure done).")
    ida.add_hearing(number, ["per"], date(2026, 12, 1), by="ida")
    with pytest.raises(ValidationFailed, match="mens høringsrunde #.* \\(per, til 01.12.2026\\) pågår"):
        ida.advance(number, {**L1, "varsel_om_manglende_oppfølging": True, "lukking_åpne_tiltak": "x"}, by="ida")
    ida.close_hearing(number, ida.get_case(number).hearings[0].id, by="ida")

    # The procedure requires closing after a notice of missing follow-up: allowed with a reason.
    d, _ = ida.advance(number, {**L1, "varsel_om_manglende_oppfølging": True,
                                "lukking_åpne_tiltak": "Skjemaet følges opp i varslingssaken."}, by="ida")
    assert d.case.status == "closed"
    assert journal(d, "close_override") == [f"avsluttet selv om tiltak #{second} «Nytt skjema» ikke er "
                                            "gjennomført; begrunnelse: Skjemaet følges opp i varslingssaken."]


def test_closing_with_a_comment_waits_for_an_open_hearing_and_names_open_measures(org, db_url):
    # NTNU avvik: «må avviket lukkes med kommentar» at any step, but not while a hearing is open.
    ida, number = at_b1(db_url)
    ida.add_hearing(number, ["lars"], date(2026, 12, 4), by="ida")
    measure = ida.add_measure(number, "Ny rutine", by="ida").measures[0].id
    with pytest.raises(StoreError, match="mens høringsrunde #.* \\(lars, til 04.12.2026\\) pågår"):
        ida.act(number, "lukk", by="ida", comment="Meldt i feil kanal.")
    assert ida.get_case(number).case.status == "open"
    ida.close_hearing(number, ida.get_case(number).hearings[0].id, by="ida")
    d = ida.act(number, "lukk", by="ida", comment="Meldt i feil kanal.")
    assert d.case.status == "closed"
    assert journal(d, "close_override") == [f"avsluttet selv om tiltak #{measure} ikke er gjennomført; "
                                            "begrunnelse: Meldt i feil kanal."]


def test_a_closed_case_stays_with_the_body_that_closed_it(org, db_url):
    # Registered by lars (no body); IE-fakultetet handles it; ida closes it at M1 («ikke godkjent»).
    lars = as_user(db_url, "lars")
    number = lars.create_case("ntnu-avvik", "Kantina stenger tidlig", date(2026, 11, 16), by="lars",
                              intake=dict(INTAKE)).case.number
    ida = as_user(db_url, "ida")
    d, _ = ida.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik."}, by="ida",
                       on=date(2026, 11, 17))
    assert d.case.status == "closed" and d.state.body == "IE-fakultetet"
    # The body's members keep the closed case (archive, reports); the registering officer does not.
    assert access_rows(org, number) == {"ida": None}
    assert ida.get_case(number).case.status == "closed"


def test_a_backdated_b1_cannot_open_a_hearing_that_ends_today(org, db_url):
    # B1 recorded as done on Friday 20 Nov (today is Monday 23 Nov): the hearing gives access until
    # its end, so it must still end after the real today, as the submit would say.
    ida, number = at_b1(db_url)
    out = ida.preview_step(number, {**B1, "høring_slutt": "2026-11-23"}, date(2026, 11, 20))
    assert [(p.field, p.message) for p in out.problems if p.severity == "error"] == [
        ("høring_slutt", "høringsrunden må slutte etter i dag (23.11.2026)")]
    with pytest.raises(ValidationFailed, match="høring_slutt"):
        ida.advance(number, {**B1, "høring_slutt": "2026-11-23"}, by="ida", on=date(2026, 11, 20))


def test_a_backdated_close_counts_a_hearing_closed_later_as_open_that_day(org, db_url):
    ida, number = at_b1(db_url)  # M1 done 17 Nov
    ida.add_hearing(number, ["lars"], date(2026, 12, 4), by="ida")
    ida.close_hearing(number, ida.get_case(number).hearings[0].id, by="ida")  # closed today, 23 Nov
    with pytest.raises(StoreError, match="mens høringsrunde #"):
        ida.act(number, "lukk", by="ida", comment="Meldt i feil kanal.", on=date(2026, 11, 18))
    assert ida.act(number, "lukk", by="ida", comment="Meldt i feil kanal.").case.status == "closed"
