"""textsafe.printable: control characters shown, never obeyed."""

from __future__ import annotations

import pytest

from varsel_tui.textsafe import has_unsafe, printable


@pytest.mark.parametrize("raw, shown", [
    ("\x1b]0;PWNED\x07", "␛]0;PWNED␇"),
    ("\x1b]52;c;SGVsbG8=\x07", "␛]52;c;SGVsbG8=␇"),
    ("\x1b[2J", "␛[2J"),
    ("a\x7fb", "a␡b"),
    ("\x9b31m", "\\x9b31m"),  # C1: the 8-bit CSI
    ("abc\u202edcba", "abc\\u202edcba"),  # a bidi override reorders what follows
    ("linje\nto\ttab\r", "linje␊to␉tab␍"),
    ("[reverse]X[/reverse] Ørjan Ås 🔒", "[reverse]X[/reverse] Ørjan Ås 🔒"),  # markup is just text here
    (None, ""),
])
def test_one_line_values(raw, shown):
    assert printable(raw) == shown


def test_multiline_keeps_newlines_and_tabs_only():
    assert printable("a\nb\tc\x1b[2J\r\n", multiline=True) == "a\nb\tc␛[2J␍\n"


def test_has_unsafe():
    assert has_unsafe("a\x1b") and has_unsafe("a\n") and not has_unsafe("Ørjan Ås [bold")
