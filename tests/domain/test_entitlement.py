"""The entitlement rule: who may see a case, for every classification (pure)."""

from __future__ import annotations

from datetime import date

from varsel_tui.domain.entitlement import entitled_people, may_see
from varsel_tui.domain.names import name_key

BODIES = {"OU": ["kari", "per", "orjan"], "KKV": ["lars"], "IE": ["ida"]}
TODAY = date(2026, 11, 23)


def rule(**kw):
    kw.setdefault("body", "OU")
    kw.setdefault("creator", "clerk")
    kw.setdefault("today", TODAY)
    return entitled_people(members_of=lambda b: BODIES.get(b, []), **kw)


def test_the_handling_body_s_members_are_entitled_without_an_end():
    assert rule() == {"kari": None, "per": None, "orjan": None}


def test_the_registering_clerk_only_while_no_body_is_set():
    assert rule(body=None) == {"clerk": None}
    assert "clerk" not in rule()


def test_members_of_a_concerned_body_are_never_entitled():
    assert rule(concerns=["KKV"], hearings=[(["lars", "ida"], date(2026, 12, 1), None)]) == {
        "kari": None, "per": None, "orjan": None, "ida": date(2026, 12, 1)}
    assert rule(body="OU", concerns=["OU"]) == {}


def test_an_open_hearing_gives_access_until_its_end_and_an_ended_or_closed_one_none():
    hearings = [(["ida"], date(2026, 11, 30), None), (["lars"], date(2026, 11, 22), None),
                (["nils"], date(2026, 12, 30), date(2026, 11, 20)), (["ida"], date(2026, 12, 5), None)]
    got = rule(hearings=hearings)
    assert got["ida"] == date(2026, 12, 5)  # the longer of two hearings
    assert "lars" not in got and "nils" not in got
    assert got["kari"] is None  # a member keeps open-ended access when also heard
    assert may_see(got, "ida", date(2026, 12, 5)) and not may_see(got, "ida", date(2026, 12, 6))


def test_the_accused_is_matched_by_user_name_or_full_name_after_nfc_and_casefold():
    composed, decomposed = "Ørjan Ås", "Ørjan A\u030as"  # Å as A + ring above
    assert name_key(composed) == name_key(decomposed) == name_key("ØRJAN  ÅS")
    names = {"orjan": decomposed, "kari": "Kari Nordmann"}
    assert rule(excluded=[composed], display_names=names) == {"kari": None, "per": None}
    assert rule(excluded=["PER"], display_names=names) == {"kari": None, "orjan": None}


def test_only_registered_users_are_entitled_when_the_users_are_given():
    assert rule(users=["kari", "orjan"]) == {"kari": None, "orjan": None}
