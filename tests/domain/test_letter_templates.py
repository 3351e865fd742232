"""Letter templates as data: parsing, the check, recipients and safe substitution (pure)."""

from __future__ import annotations

import pytest

from varsel_tui import letter_templates
from varsel_tui.domain.letters import PartyFact, Template, check, parse_template, recipients, render_text

GOOD = '''
id = "x-test"
title = "Test"
to = ["party:anklagede"]
bcc = ["party:varsler"]
subject = "Sak $saksnummer"
body = "Hei $anklagede,\\n\\n$fritekst"
'''


def test_every_bundled_template_checks_clean():
    found, problems = letter_templates.scan()
    assert problems == [] and len(found) >= 20


def test_a_broken_template_lists_every_problem():
    text = '''
id = "x-bad"
title = "Dårlig"
to = ["party:sjef", "hele verden"]
cc = ["body:"]
subject = ""
body = "Hei ${navn.upper()} $sakstittel $ukjent {saksnummer!r} ${saksnummer:>10} 5$"
'''
    t, problems = parse_template(text, "bad.toml")
    assert t is not None
    joined = "\n".join(problems)
    assert "missing subject" in joined
    assert "unknown party role 'sjef'" in joined
    assert "unknown recipient rule 'hele verden'" in joined and "unknown recipient rule 'body:'" in joined
    assert "unknown placeholder $ukjent" in joined
    assert "'${navn.upper()}" in joined and "'${saksnummer:>10}" in joined  # no attribute access, no format specs
    assert "$sakstittel" not in joined


def test_values_are_inserted_as_text_never_evaluated():
    t, problems = parse_template(GOOD)
    assert t is not None and problems == []
    out = render_text(t.body, {"anklagede": "$saksnummer {0.__class__} #set page()", "fritekst": "${fritekst}"})
    assert out == "Hei $saksnummer {0.__class__} #set page(),\n\n${fritekst}"


def test_an_anonymous_party_is_only_ever_on_bcc_and_shown_by_role():
    t = Template(id="x", title="x", to=["parties"], cc=["party:varsler"], subject="s", body="b")
    r = recipients(t, [PartyFact("varsler", "Siri <siri@uni.no>", anonymous=True), PartyFact("anklagede", "Per")],
                   body="OU")
    assert [x.label() for x in r.bcc] == ["varsler (anonym) <siri@uni.no>"]
    assert [x.name for x in r.to] == ["Per"] and r.cc == []
    assert check(t) == []


def test_answer_rules_send_to_the_people_a_form_answer_names():
    t = Template(id="x", title="x", to=["answer:deltakere"], cc=["answer:enhet"], subject="s", body="b")
    r = recipients(t, [], body=None, answers={"deltakere": "Kari <kari@ntnu.no>, Per\nLise", "enhet": ""})
    assert [x.label() for x in r.to] == ["Kari <kari@ntnu.no>", "Per", "Lise"] and r.cc == []
    assert check(Template(id="y", title="y", to=["answer:"], subject="s", body="b")) == ["to: 'answer:' names no form field"]


def test_a_users_answer_sends_to_each_user_it_names():
    # NTNU avvik B1's hearing participants are a `users` field: a list of user names, not text.
    t = Template(id="x", title="x", to=["answer:høring_deltakere"], subject="s", body="b")
    r = recipients(t, [], body=None, answers={"høring_deltakere": ["jonas", "lars"]})
    assert [x.name for x in r.to] == ["jonas", "lars"]


def test_a_body_with_a_mailbox_is_addressed_wherever_it_is_named():
    t = Template(id="x", title="x", to=["body"], cc=["body:EIR", "answer:enhet"], subject="s", body="b")
    boxes = {"OU": "ou@studentparlamentet.no", "EIR": "eir@uio.no", "IDI": "idi@ntnu.no"}
    r = recipients(t, [], body="OU", answers={"enhet": "IDI"}, mailboxes=boxes)
    assert [x.label() for x in r.to] == ["OU <ou@studentparlamentet.no>"]
    assert [x.label() for x in r.cc] == ["EIR <eir@uio.no>", "IDI <idi@ntnu.no>"]
    assert [x.label() for x in recipients(t, [], body="KKV", answers={}).to] == ["KKV"]  # no mailbox: missing
    assert recipients(t, [], body="KKV", answers={}).to[0].address == "adresse-mangler@varsel.invalid"


@pytest.mark.parametrize("address, ok", [("ou@uio.no", True), ("post.ie@ntnu.example", True), ("ou@uio.no,", False),
                                         ("a;b@c.d", False), ('"a@c.d', False), ("ou", False),
                                         ("Ola <ola@uio.no>", False), ("a b@c.d", False)])
def test_a_mailbox_setting_is_one_plain_address_a_header_takes(address, ok):
    from varsel_tui.domain.letters import Recipient, valid_address

    assert valid_address(address) is ok
    if ok:
        assert Recipient("OU", address).header() == f"OU <{address}>"
