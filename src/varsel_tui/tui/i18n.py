"""UI strings: Norwegian bokmål by default, English with --lang en or the config file.

Each screen module registers its own strings, so screens can be added without touching a
central catalogue:

    register({"queue.title": ("Saker", "Cases")})
    t("queue.title")            # → "Saker"
    t("x.count", n=3)           # str.format with keyword arguments
Domain terms (varsel, avvik, klage, …) keep their Norwegian names in both languages.
"""

from __future__ import annotations

LANGS = ("nb", "en")
_strings: dict[str, tuple[str, str]] = {}
_lang = "nb"


def register(strings: dict[str, tuple[str, str]]) -> None:
    _strings.update(strings)


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}' (use one of: {', '.join(LANGS)})")
    _lang = lang


def lang() -> str:
    return _lang


def t(key: str, **kw: object) -> str:
    pair = _strings.get(key)
    if pair is None:
        return key  # visible in the UI and in tests, so a missing string is noticed
    text = pair[1] if _lang == "en" and pair[1] else pair[0]
    return text.format(**kw) if kw else text
