"""No surprise lockouts (issue «Deadlines and decisions», item 5): before a submit or a new party
moves a case away from the officer, the store's preview says so."""

from __future__ import annotations

from datetime import date

from test_secrets import WRITTEN, admin_of, as_user, org  # noqa: F401 - org is a fixture

from varsel_tui.domain.engine import describe


def test_a_transfer_preview_says_the_officer_loses_the_case(org, db_url):  # noqa: F811
    number = org.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 2), by="ida",
                             intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"}).case.number
    ida = as_user(db_url, "ida")
    out = ida.preview_step(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                                    "vurdering": "endre_enhet", "ny_enhet": "NV-fakultetet"})
    assert out.ok and out.loses_access and (out.body_before, out.body_after) == ("IE-fakultetet", "NV-fakultetet")
    assert "Du mister tilgangen til saken når du sender inn: den flyttes bort fra deg." in describe(out, ida.get_case(
        number).workflow)
    stays = ida.preview_step(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                                      "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik."})
    assert stays.ok and not stays.loses_access  # ida registered it: a closed case stays hers


def test_an_oral_case_about_an_ou_member_sent_on_by_the_line_leader_warns_before_it_goes_to_kkv(org, db_url):  # noqa: F811
    admin_of(org).add_member("linjeleder", "hanne")
    hanne = as_user(db_url, "hanne")
    number = hanne.create_case("stinn-varsling", "Om OU-medlem", date(2026, 11, 2), by="hanne",
                               intake={"kanal": "muntlig", "varsler_er_fornærmede": "ja"},
                               parties=[{"role": "anklagede", "name": "per"}]).case.number
    hanne.advance(number, {"anonym": "nei"}, by="hanne", on=date(2026, 11, 2))
    out = hanne.preview_step(number, {"gjelder_linjeleder": "nei", "har_myndighet": "nei"})
    assert out.next_step == "2.1" and out.body_after == "KKV" and out.loses_access
    assert "Saken flyttes til KKV." in describe(out, hanne.get_case(number).workflow)


def test_adding_an_accused_ou_member_to_a_secret_case_in_ou_says_it_moves_to_kkv(org, db_url):  # noqa: F811
    kari = as_user(db_url, "kari")
    number = kari.create_case("stinn-varsling", "Trakassering", date(2026, 11, 2), by="kari", intake=WRITTEN).case.number
    assert kari.get_case(number).case.body == "OU"
    effect = kari.party_effect(number, "anklagede", "per")
    assert effect.loses_access and (effect.body_before, effect.body_after) == ("OU", "KKV")
    assert effect.lines == ["Saken gjelder da OU (konfliktregelen).", "Saken flyttes til KKV.",
                            "Du mister tilgangen til saken når parten legges til."]
    harmless = kari.party_effect(number, "vitne", "per")
    assert harmless.lines == [] and not harmless.loses_access


def test_giving_a_re_registered_case_its_intake_says_where_it_starts_and_that_it_leaves_you(org, db_url):  # noqa: F811
    from test_store import AVVIST

    number = org.create_case("ntnu-avvik", "Mobbing", date(2026, 11, 2), by="ida",
                             intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"}).case.number
    ida = as_user(db_url, "ida")
    d, _ = ida.advance(number, {**AVVIST, "varslingsrutine": "stinn-varsling"}, by="ida", on=date(2026, 11, 3))
    new = org.case_number(d.case.linked_to)
    assert ida.intake_effect(new, {"kanal": "skriftlig"}).lines == []  # not complete yet: nothing to tell
    effect = ida.intake_effect(new, WRITTEN)
    assert effect.loses_access and effect.lines == [
        "Saken starter i steg 2.1 Varsling sendes inn skriftlig.", "Saken graderes strengt hemmelig.",
        "Saken flyttes til OU.", "Du mister tilgangen til saken når opplysningene lagres."]
