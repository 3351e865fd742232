"""PDF from a Typst source and data: the data reaches the document only as JSON in
`sys.inputs.data` (read there with `json(bytes(sys.inputs.data))`), never spliced into the
source, so a value with Typst markup (`#`, `*`, `$`) prints as the literal text it is.

Typst (the `typst` package) is an ~80 MB native module: imported only when rendering.
"""

from __future__ import annotations

import json
from typing import Any


class RenderError(ValueError):
    """The Typst source did not compile; the message is Typst's own first line."""


def render(source: str, data: dict[str, Any], *, pdfa: bool = False) -> bytes:
    """Compile `source` with `data` to PDF bytes; `pdfa`: PDF/A-2b, for the archive."""
    import typst

    inputs = {"data": json.dumps(data, ensure_ascii=False, default=str)}
    try:
        out = typst.compile(source.encode("utf-8"), format="pdf", sys_inputs=inputs,
                            pdf_standards="a-2b" if pdfa else [], ignore_system_fonts=True)
    except typst.TypstError as exc:
        raise RenderError(f"the PDF layout did not compile: {exc.message}") from None
    if not isinstance(out, bytes):  # a single PDF is one bytes object; pages come as a list only for PNG/SVG
        raise RenderError("Typst returned no PDF")
    return out
