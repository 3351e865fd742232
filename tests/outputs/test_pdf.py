"""Typst rendering: values arrive as data, never as markup; PDF/A-2b by a flag."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from varsel_tui.outputs.pdf import RenderError, render

SOURCE = """#let d = json(bytes(sys.inputs.data))
#set text(lang: "nb")
= Rapport
Navn: #d.name

Merknad: #d.note
"""


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_markup_in_a_value_arrives_as_literal_text():
    name = "Ørjan Ås #set page(width: 1cm) [x] ]"
    note = '#panic("nei") *fet* _kursiv_ `kode` $x$ \\'
    text = _text(render(SOURCE, {"name": name, "note": note}))
    assert name in text
    assert '#panic("nei") *fet* _kursiv_ `kode` $x$ \\' in text  # no code ran, no emphasis taken


def test_pdfa_2b_is_declared_in_the_metadata():
    pdf = render(SOURCE, {"name": "Kari", "note": ""}, pdfa=True)
    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data()
    assert b"<pdfaid:part>2</pdfaid:part>" in raw and b"<pdfaid:conformance>B</pdfaid:conformance>" in raw
    assert b"pdfaid" not in render(SOURCE, {"name": "Kari", "note": ""})


def test_a_broken_template_is_one_clear_error():
    with pytest.raises(RenderError, match="could not be rendered"):
        render("#let d = json(bytes(sys.inputs.data))\n#d.missing", {"name": "x"})
