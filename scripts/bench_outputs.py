"""Print output timings on this machine: a letter drafted on a case and rendered as .eml and as
a PDF (Typst, first render including the import, then warm), and as PDF/A-2b; attaching a 50 MB
PDF to an ordinary and to a strictly secret case (read whole, pypdf pages and text, SHA-256,
sealed with the case key for the secret one). Reports and archives: scripts/bench_reports.py.

Usage: .venv/bin/python scripts/bench_outputs.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def letter_case(store) -> tuple[str, int]:  # noqa: ANN001
    """An ntnu-avvik case closed as «ikke godkjent»: its letter to the reporter is drafted."""
    d = store.create_case("ntnu-avvik", "Eksamensoppgave manglet vedlegg", date(2026, 11, 16), by="kari",
                          intake={"melder_type": "student", "gjelder": "utdanning"},
                          parties=[{"role": "melder", "name": "Ola Olsen <ola@example.no>"}])
    store.advance(d.case.number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                  "vurdering": "ikke_godkjent", "begrunnelse": "Gjelder ikke utdanning."},
                  by="kari", on=date(2026, 11, 17))
    letter = next(i for i in store.letters(d.case.number) if i.template == "ntnu-avvik-ikke-godkjent")
    store.edit_letter(d.case.number, letter.id, "Meldingen gjelder forhold utenfor utdanningen. " * 20, by="kari")
    return d.case.number, letter.id


def main() -> None:
    os.environ.setdefault("VARSEL_TODAY", "2026-11-23")
    from varsel_tui import letter_templates
    from varsel_tui.outputs.pdf import render
    from varsel_tui.store import letters
    from varsel_tui.store.service import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        store.register_user("kari", "korrekt hest batteri")
        store.unlock("kari", "korrekt hest batteri")
        start = time.perf_counter()
        number, letter_id = letter_case(store)
        print(f"case + step completed + letter drafted: {(time.perf_counter() - start) * 1000:.0f} ms")

        eml = timed(lambda: store.letter_eml(number, letter_id), 20)
        print(f"letter as .eml (store read + RFC 5322), median of 20: {eml * 1000:.1f} ms")

        start = time.perf_counter()
        first = store.letter_pdf(number, letter_id)
        print(f"letter as PDF, first (imports typst): {(time.perf_counter() - start) * 1000:.0f} ms, "
              f"{len(first)} bytes")
        warm = timed(lambda: store.letter_pdf(number, letter_id), 20)
        print(f"letter as PDF (store read + Typst), median of 20: {warm * 1000:.1f} ms")

        info = store.letter(number, letter_id)
        data, source = letters.pdf_data(info, number), letter_templates.layout()
        pure = timed(lambda: render(source, data), 20)
        print(f"Typst render alone, median of 20: {pure * 1000:.1f} ms")
        pdfa = timed(lambda: render(source, data, pdfa=True), 20)
        print(f"Typst render alone as PDF/A-2b, median of 20: {pdfa * 1000:.1f} ms")

        big = Path(tmp) / "vedlegg.pdf"
        fifty_mb_pdf(big)
        size = big.stat().st_size
        store.ensure_body("OU")
        store.add_member("OU", "kari")
        secret = store.create_case("stinn-varsling", "Varsel", date(2026, 11, 16), by="kari", secret=True,
                                   intake={"kanal": "skriftlig", "varsler_er_fornærmede": True, "anonym": False})
        for label, case in (("an ordinary", number), ("a strictly secret", secret.case.number)):
            start = time.perf_counter()
            doc = store.add_document(case, big, by="kari")
            took = time.perf_counter() - start
            print(f"attach a {size / 1e6:.0f} MB PDF ({doc.pages} pages) to {label} case: {took * 1000:.0f} ms")
        store.close()


def fifty_mb_pdf(path: Path) -> None:
    """A 50 MB PDF: 40 pages of text and, embedded in it, 49 MB of incompressible data (a scanned
    attachment's worth), so the file is read, parsed and hashed whole."""
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(40):
        w.add_blank_page(595, 842)
    w.add_attachment("skann.bin", os.urandom(49 * 1024 * 1024))
    with path.open("wb") as f:
        w.write(f)


if __name__ == "__main__":
    main()
