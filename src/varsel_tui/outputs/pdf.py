"""PDF rendering with Typst: a template (Typst source) and the case values as data.

Values never become markup: they travel as one JSON document in `sys.inputs.data`, which the
template reads with `json(bytes(sys.inputs.data))` and places as text, so a name holding `#`, `[`
or `]` is printed as those characters and cannot add layout or run code.

Typst (the `typst` package, ~80 MB) is imported only here, when something is rendered, so the
app starts without it. Only Typst's embedded fonts are used: the same PDF on every machine,
Norwegian letters included, and nothing read from the system.
"""

from __future__ import annotations

import json
from typing import Any


class RenderError(ValueError):
    """The template could not be rendered (one line for the user)."""


def render(source: str, data: dict[str, Any], *, pdfa: bool = False) -> bytes:
    """The PDF made from Typst `source` with `data` in `sys.inputs.data` (JSON); PDF/A-2b when `pdfa`."""
    import typst

    payload = json.dumps(data, ensure_ascii=False, default=str)
    try:
        pdf = typst.compile(source.encode("utf-8"), format="pdf", sys_inputs={"data": payload},
                            ignore_system_fonts=True, pdf_standards="a-2b" if pdfa else None)
    except typst.TypstError as exc:
        raise RenderError(f"the PDF template could not be rendered: {exc.message}") from None
    assert isinstance(pdf, bytes)
    return pdf
