"""Textual's own English strings that reach the screen, in the UI language.

Textual writes some bindings (an open Select's "Dismiss menu"), the command palette's placeholder
and its system commands (Theme, Quit, Keys, …) in English. The app translates the ones it can
reach: a focused widget's bindings (`localize_bindings`, on focus), the palettes it opens and the
system commands it lists. Keys are "textual." + Textual's English text, so a Textual release that
rewords a string shows its English again rather than a wrong translation.
"""

from __future__ import annotations

from .i18n import register, t

PREFIX = "textual."

register({
    PREFIX + "Dismiss menu": ("Lukk menyen", "Dismiss menu"),
    PREFIX + "Exit the command palette": ("Lukk kommandopaletten", "Exit the command palette"),
    PREFIX + "Open link": ("Åpne lenken", "Open link"),
    PREFIX + "palette": ("Finn", "Commands"),  # short: the footer fits 80 columns
    PREFIX + "Open the command palette": ("Åpne kommandopaletten", "Open the command palette"),
    PREFIX + "Search for commands…": ("Søk etter kommandoer, saker (nummer) og visninger …",
                                      "Search for commands, cases (number) and views …"),
    PREFIX + "Search for themes…": ("Søk etter fargetema …", "Search for themes…"),
    PREFIX + "Theme": ("Fargetema", "Theme"),
    PREFIX + "Change the current theme": ("Bytt fargetema (valget lagres i oppsettfilen)",
                                          "Change the current theme (the choice is saved in the config file)"),
    PREFIX + "Quit": ("Avslutt", "Quit"),
    PREFIX + "Quit the application as soon as possible": ("Avslutt varsel", "Quit varsel"),
    PREFIX + "Keys": ("Taster", "Keys"),
    PREFIX + "Show help for the focused widget and a summary of available keys":
        ("Vis hjelp for feltet i fokus og en oversikt over tastene",
         "Show help for the focused widget and a summary of available keys"),
    PREFIX + "Hide the keys and widget help panel": ("Skjul tastepanelet", "Hide the keys and widget help panel"),
    PREFIX + "Minimize": ("Gjenopprett", "Minimize"),
    PREFIX + "Minimize the widget and restore to normal size": ("Vis feltet i vanlig størrelse igjen",
                                                                 "Minimize the widget and restore to normal size"),
    PREFIX + "Maximize": ("Maksimer", "Maximize"),
    PREFIX + "Maximize the focused widget": ("Vis feltet i fokus over hele skjermen", "Maximize the focused widget"),
    PREFIX + "Screenshot": ("Skjermbilde", "Screenshot"),
    PREFIX + "Save an SVG 'screenshot' of the current screen": ("Lagre et SVG-skjermbilde av skjermen",
                                                                "Save an SVG 'screenshot' of the current screen"),
})


def textual_text(english: str) -> str:
    """Textual's `english` in the UI language (as it is when no translation is registered)."""
    key = PREFIX + english
    text = t(key)
    return english if text == key else text
