"""Password protection of a PDF (pypdf, AES-256, PDF 2.0 security handler): how a strictly
secret case's report leaves the app."""

from __future__ import annotations

import io


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256; opening it needs `password` (also the owner password)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
