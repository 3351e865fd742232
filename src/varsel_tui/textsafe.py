"""Stored text made safe to show on a terminal.

Titles, party names, notes and answers are typed by people, some of whom may want to attack the
officer's terminal: an ESC or OSC sequence in a title can set the window title, write the
clipboard (OSC 52) or clear the screen when printed raw. `printable` maps every control
character to a visible stand-in, so the text is shown as typed and the terminal obeys none of it.
Pure stdlib: the CLI uses it without importing Rich.
"""

from __future__ import annotations

import re

# C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F); bidirectional overrides and isolates, which
# reorder what is shown ("Trojan Source"); line and paragraph separators, which break lines.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    c = match.group()
    code = ord(c)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ESC → ␛, BEL → ␇, LF → ␊
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"  # C1 has no control pictures
    return f"\\u{code:04x}"


def printable(text: object, multiline: bool = False) -> str:
    """`text` with control characters shown instead of obeyed.

    One-line values (titles, names, list cells) show newlines and tabs too, so a value cannot
    forge another row; `multiline=True` keeps newlines and tabs, for notes and answers.
    """
    s = "" if text is None else str(text)
    return (_UNSAFE_KEEP_LINES if multiline else _UNSAFE).sub(_visible, s)


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character `printable` would replace (newline and tab included)."""
    return _UNSAFE.search(text) is not None
