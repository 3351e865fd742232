import hashlib

import pytest

from varsel_tui.crypto.audit import GENESIS, canonical, chain_hash, verify_chain


def _chain(events):
    rows, prev = [], None
    for event in events:
        prev = chain_hash(prev, event)
        rows.append((event, prev))
    return rows


EVENTS = [{"seq": i, "actor": "u1", "action": "opened", "case": f"c{i}"} for i in range(6)]


def test_canonical_is_sorted_compact_utf8():
    assert canonical({"b": 1, "a": "ø"}) == '{"a":"ø","b":1}'.encode()
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})


def test_chain_hash_definition():
    event = {"a": 1}
    first = chain_hash(None, event)
    assert first == hashlib.sha256(bytes(32) + b'{"a":1}').hexdigest()
    assert chain_hash(GENESIS, event) == first
    assert chain_hash(first, event) == hashlib.sha256(bytes.fromhex(first) + b'{"a":1}').hexdigest()
    with pytest.raises(ValueError):
        chain_hash("abcd", event)


def test_intact_chain():
    assert verify_chain(_chain(EVENTS)) is None
    assert verify_chain([]) is None


def test_edited_event():
    rows = _chain(EVENTS)
    rows[3] = ({**rows[3][0], "actor": "u2"}, rows[3][1])
    assert verify_chain(rows) == 3


def test_edited_hash():
    rows = _chain(EVENTS)
    rows[2] = (rows[2][0], "0" * 64)
    assert verify_chain(rows) == 2


def test_deleted_row():
    rows = _chain(EVENTS)
    del rows[2]
    assert verify_chain(rows) == 2


def test_deleted_first_row():
    rows = _chain(EVENTS)
    assert verify_chain(rows[1:]) == 0


def test_reordered_rows():
    rows = _chain(EVENTS)
    rows[1], rows[4] = rows[4], rows[1]
    assert verify_chain(rows) == 1


def test_inserted_row():
    rows = _chain(EVENTS)
    rows.insert(3, ({"seq": 99}, chain_hash(rows[2][1], {"seq": 99})))
    assert verify_chain(rows) == 4


def test_unserialisable_event_is_a_break():
    rows = _chain(EVENTS)
    rows[1] = ({"x": object()}, rows[1][1])
    assert verify_chain(rows) == 1
