"""The passphrase rule: long enough, not one character repeated, not digits only."""

from __future__ import annotations

import pytest

from varsel_tui.crypto.strength import MIN_LENGTH, passphrase_problem


@pytest.mark.parametrize("weak, why", [
    ("", "at least 12"),
    ("varsel-demo", "at least 12"),  # 11: the old demo passphrase
    ("aaaaaaaaaaaaaaaaaaaa", "one character"),
    (" " * 16, "one character"),
    ("1234567890123", "digits only"),
    ("  123456789012  ", "digits only"),
])
def test_weak_passphrases_say_why(weak, why):
    problem = passphrase_problem(weak)
    assert problem is not None and why in problem and "\n" not in problem


@pytest.mark.parametrize("good", ["korrekt hest batteri", "varsel-demo-2026", "x" * 11 + "y", "12345678901a"])
def test_acceptable_passphrases(good):
    assert len(good) >= MIN_LENGTH and passphrase_problem(good) is None
