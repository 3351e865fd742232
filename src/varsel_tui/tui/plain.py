"""Stored values on screen as plain text: never Rich/Textual markup, never raw control characters.

Two layers. Every stored value (title, party name, note, answer, body, user name) is put on
screen through `plain`: a `rich.text.Text`, which no widget parses as markup, of the value with
its control characters made visible (`textsafe.printable`). And `ControlCharacterFilter`, a line
filter the app applies to every rendered line, shows any control character that still reached a
widget (an input holding a stored draft, a select label) instead of sending it to the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from ..textsafe import has_unsafe, printable


def plain(value: Any, style: str = "", *, multiline: bool = False, **kwargs: Any) -> Text:
    """`value` as text to show as it is: no markup, control characters visible."""
    return Text(printable(value, multiline=multiline), style=style, **kwargs)


class ControlCharacterFilter(LineFilter):
    """Shows control characters in rendered text instead of letting the terminal obey them.

    Textual writes a segment's text to the terminal as it is, and styles as separate escape
    sequences, so a control character in a segment's text can only have come from content.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not seg.control and has_unsafe(seg.text) for seg in segments):
            return segments
        length = Segment.get_line_length(segments)
        shown = [seg if seg.control or not has_unsafe(seg.text) else Segment(printable(seg.text), seg.style)
                 for seg in segments]
        # A control character takes no cell and its stand-in one: keep the line as wide as it was.
        return Segment.adjust_line_length(shown, length, pad=True)
