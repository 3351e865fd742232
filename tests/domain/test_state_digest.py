"""The case-state digest: canonical, and it names what differs (pure)."""

from __future__ import annotations

from datetime import date

from varsel_tui.domain.state_digest import describe, differences, state_digest

CASE = {"number": "2026-0001", "workflow_id": "uio-varsling", "status": "open", "classification": "fortrolig",
        "body": "OU", "concerns": "", "key_generation": 0, "received": date(2026, 11, 2), "created_by": "kari",
        "title": "Tittel", "title_ct": None, "intake_json": "{}", "intake_ct": None}
PARTIES = [{"id": 2, "role": "anklagede", "anonymous": False, "concerns_body": None, "name": "Ola", "name_ct": None},
           {"id": 1, "role": "varsler", "anonymous": True, "concerns_body": None, "name": None, "name_ct": b"\x00ct"}]
HISTORY = [{"id": 1, "kind": "complete", "ref": "1", "on_date": date(2026, 11, 3), "answers_json": "{}"}]
HEARINGS = [{"id": 1, "participants": "ida", "ends_on": date(2026, 12, 1), "closed_on": None}]


def digest(case=CASE, parties=PARTIES, history=HISTORY, measures=(), hearings=HEARINGS):
    return state_digest(case, parties, history, measures, hearings)


def test_the_digest_does_not_depend_on_row_order_and_is_stable():
    assert digest() == digest(parties=list(reversed(PARTIES)))
    assert digest().startswith("v1 number=")
    assert differences(digest(), digest()) == []


def test_each_change_is_named():
    assert differences(digest(), digest(case={**CASE, "status": "closed"})) == ["status"]
    assert differences(digest(), digest(parties=PARTIES[1:])) == ["parties"]
    assert differences(digest(), digest(case={**CASE, "title": None, "title_ct": b"x"})) == ["title"]
    assert differences(digest(), digest(case={**CASE, "key_generation": 1})) == ["key_generation"]
    closed = [{**HEARINGS[0], "closed_on": date(2026, 11, 20)}]
    assert differences(digest(), digest(hearings=closed)) == ["hearings"]
    assert "status" in describe(["status"]) and "key generation" in describe(["key_generation"])


def test_a_missing_or_foreign_record_differs_everywhere():
    assert "status" in differences(None, digest()) and "parties" in differences("garbage", digest())
