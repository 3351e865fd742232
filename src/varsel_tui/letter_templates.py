"""Finding and loading letter templates: the bundled ones (data/letters/*.toml and the PDF
layout letter.typ), plus an organisation's own in the config dir (`<config>/letters/`, or
VARSEL_LETTERS), which may add templates or replace a bundled one by using its id — as
workflows do (workflows.py)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .data_paths import data_dir
from .domain.letters import LetterError, Template, parse_template

LAYOUT = "letter.typ"


def bundled_dir() -> Path:
    return data_dir() / "letters"


def organisation_dir() -> Path | None:
    env = os.environ.get("VARSEL_LETTERS")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    path = Path(user_config_dir("varsel-tui")) / "letters"
    return path if path.is_dir() else None


def _dirs() -> list[Path]:
    org = organisation_dir()
    return [bundled_dir()] + ([org] if org is not None and org.is_dir() else [])


def scan() -> tuple[dict[str, Template], list[str]]:
    """Every template by id (an organisation's replacing a bundled one) and every problem found."""
    found: dict[str, Template] = {}
    problems: list[str] = []
    for d in _dirs():
        for path in sorted(d.glob("*.toml")):
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                problems.append(f"{path}: cannot read: {exc.strerror}")
                continue
            t, found_problems = parse_template(text, str(path))
            problems += found_problems
            if t is not None:
                if path.stem != t.id:
                    problems.append(f"{path}: the file name must be the template id ({t.id}.toml)")
                found[t.id] = t
    return found, problems


@lru_cache(maxsize=1)
def _all() -> dict[str, Template]:
    return scan()[0]


def get(template_id: str) -> Template:
    try:
        return _all()[template_id]
    except KeyError:
        raise LetterError(f"unknown letter template '{template_id}' (see 'varsel letters --check')") from None


def layout() -> str:
    """The Typst source of the PDF letter (an organisation's letter.typ replaces the bundled one)."""
    for d in reversed(_dirs()):
        path = d / LAYOUT
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise LetterError(f"no {LAYOUT} in {bundled_dir()}")


def reload() -> None:
    _all.cache_clear()
