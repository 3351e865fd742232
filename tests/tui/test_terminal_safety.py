"""Stored text that attacks the terminal: ESC/OSC sequences and Rich markup in a title, a party
name, a note and a form answer are shown as typed, and nothing of them reaches the terminal raw.

The check is on what the app would write: the full screen update rendered as terminal output
(the bytes a real terminal gets), and the text of every rendered segment.
"""

from __future__ import annotations

import io
import re
from datetime import date

from case_fixtures import USER, make_app, open_case, run, settle

PAYLOAD = "\x1b]0;PWNED\x07 \x1b]52;c;SGVsbG8=\x07 \x1b[2J [reverse]X[/reverse] [link=http://x]y[/link] [bold"
SHOWN = "␛]0;PWNED␇ ␛]52;c;SGVsbG8=␇ ␛[2J [reverse]X[/reverse] [link=http://x]y[/link] [bold"
SIZE = (220, 60)
# What Textual itself writes: SGR styles, cursor moves, and (with links) its own OSC 8 hyperlinks.
TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;:?]*[ABCDHJKfhlmr]")


def terminal_output(app) -> str:  # noqa: ANN001
    """The screen as the terminal would receive it."""
    from rich.console import Console

    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.file.getvalue()


def segment_text(app) -> str:  # noqa: ANN001
    """The text of every rendered line (what is written between style sequences)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip if not seg.control) for strip in strips)


def assert_safe(app) -> str:  # noqa: ANN001
    raw = terminal_output(app)
    assert "\x07" not in raw and "\x1b]0;" not in raw and "\x1b]52;" not in raw and "\x1b[2J" not in raw
    assert "\x1b" not in TEXTUAL_CSI.sub("", raw), "an escape sequence Textual did not write reached the terminal"
    text = segment_text(app)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
    return text


def attacked_case(store) -> str:  # noqa: ANN001
    d = store.create_case("ntnu-avvik", "Sak " + PAYLOAD, date(2026, 11, 16), by=USER,
                          intake={"melder_type": "student", "gjelder": "utdanning",
                                  "mottakende_enhet": "IE-fakultetet"},
                          parties=[{"role": "melder", "name": "Mia " + PAYLOAD}])
    number = d.case.number
    store.add_note(number, "Notat " + PAYLOAD, by=USER)
    store.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                           "vurdering": "ikke_godkjent", "begrunnelse": "Svar " + PAYLOAD}, by=USER,
                  on=date(2026, 11, 20))
    return number


def test_queue_and_case_show_attacks_as_text(store, tmp_path):
    number = attacked_case(store)

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("6")  # the closed view: the answer below closed the case
            await settle(pilot)
            text = assert_safe(app)
            assert "Sak ␛]0;PWNED␇ ␛]52;c;SGVsbG8=␇ ␛[2J [reverse]X" in text  # the queue row, cut to its column

            await open_case(pilot, number)
            text = assert_safe(app)
            for shown in ("Sak " + SHOWN, "Mia " + SHOWN, "Notat " + SHOWN, "Svar " + SHOWN):
                assert shown in text, shown

            # a notification quoting stored text: no markup, control characters visible
            app.notify("Ikke lagret: " + PAYLOAD, severity="error")
            await pilot.pause(0.2)
            shown = list(app._notifications)[-1]
            assert shown.message == "Ikke lagret: " + SHOWN and shown.markup is False
            text = assert_safe(app)
            assert "Ikke lagret: ␛]0;PWNED␇" in text  # the toast wraps the rest

    run(go())


def test_the_line_filter_catches_what_a_widget_shows_raw(store, tmp_path):
    """An input holding a stored value (a draft) is not ours to escape: the app's filter is."""
    from textual.widgets import Input

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.screen.query_one(Input).value = "\x1b]0;PWNED\x07"
            await pilot.pause()
            assert "␛]0;PWNED" in assert_safe(app)  # (Rich drops the BEL itself)

    run(go())
