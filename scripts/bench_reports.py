"""Print report and archive timings on this machine (issue 11, items 3 and 5):

- a case report (PDF) of a case with 200 journal entries: full, redacted, AES-256 encrypted, PDF/A;
- the archive package of that closed case (report and journal as PDF/A, journal JSON, signed
  manifest), ordinary and strictly secret (sealed with a password);
- the same package with 20 documents of 1 MB each. Documents are another part of issue 11 and not
  on this branch: they come through the `documents` / `document_bytes` API the archive calls, from
  a stand-in object here, so this measures hashing, zipping (and sealing) 20 MB, not the store.

On an SQLite file in a temp dir. Key derivation uses the tests' fast parameters (unlocking is
measured in bench_crypto.py, not here).

Usage: .venv/bin/python scripts/bench_reports.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("VARSEL_TODAY", "2026-11-23")

from varsel_tui.crypto import kdf  # noqa: E402
from varsel_tui.store.service import Store  # noqa: E402

ENTRIES = 200
PASSWORD = "et langt eksportpassord"


def timed(fn, repeat: int = 3) -> tuple[float, object]:  # noqa: ANN001
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def closed_case(store: Store, *, secret: bool) -> str:
    number = store.create_case("ntnu-avvik", "Lab ute av drift", date(2026, 11, 2), by="kari", secret=secret,
                               intake={"melder_type": "student"},
                               parties=[{"role": "varsler", "name": "Kari Nordmann", "anonymous": True},
                                        {"role": "anklagede", "name": "Per Hansen"}]).case.number
    while len(store.get_case(number).journal) < ENTRIES - 2:
        store.add_note(number, "Møtereferat: samtale med Kari Nordmann om utstyret på laben, "
                               "avtalt oppfølging med instituttet og tidsplan for reparasjon.", by="kari")
    store.advance(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                           "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik"}, by="kari",
                  on=date(2026, 11, 20))
    return number


class WithDocuments:
    def __init__(self, store: Store, count: int, size: int) -> None:
        self.store, self.docs = store, {i: os.urandom(size) for i in range(1, count + 1)}

    def documents(self, number: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(id=i, filename=f"vedlegg {i}.pdf") for i in self.docs]

    def document_bytes(self, number: str, doc_id: int) -> bytes:
        return self.docs[doc_id]


def main() -> None:
    from varsel_tui.outputs import archive
    from varsel_tui.outputs.protect import encrypt_pdf
    from varsel_tui.outputs.report import render_report

    kdf.use_fixed_params(kdf.fast_test_params())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"), actor="kari")
        store.register_user("kari", "korrekt hest batteri")
        store.unlock("kari", "korrekt hest batteri")
        plain, secret = closed_case(store, secret=False), closed_case(store, secret=True)
        d = store.get_case(plain)
        print(f"case {plain}: {len(d.journal)} journal entries")
        start = time.perf_counter()
        import typst  # noqa: F401 - the first import is part of the first export's time

        print(f"import typst (once per process): {(time.perf_counter() - start) * 1000:.0f} ms")
        t, pdf = timed(lambda: render_report(d, redacted=False, made_by="kari", made_on=date(2026, 11, 23)))
        assert isinstance(pdf, bytes)
        print(f"report, full ({len(pdf) // 1024} KiB): {t * 1000:.0f} ms")
        t, _ = timed(lambda: render_report(d, redacted=True, made_by="kari", made_on=date(2026, 11, 23)))
        print(f"report, redacted: {t * 1000:.0f} ms")
        t, _ = timed(lambda: render_report(d, redacted=False, made_by="kari", made_on=date(2026, 11, 23), pdfa=True))
        print(f"report, PDF/A-2b: {t * 1000:.0f} ms")
        t, _ = timed(lambda: encrypt_pdf(pdf, PASSWORD))
        print(f"AES-256 encryption of that PDF (pypdf): {t * 1000:.0f} ms")

        name, key = store.signing_identity()
        made = date(2026, 11, 23)
        t, package = timed(lambda: archive.build(store, d, by=name, signing_key=key, made_on=made))
        assert isinstance(package, bytes)
        print(f"archive package, {ENTRIES} journal entries, no documents ({len(package) // 1024} KiB): "
              f"{t * 1000:.0f} ms")
        t, _ = timed(lambda: archive.verify(package, store.verified_signing_key))
        print(f"archive verify: {t * 1000:.0f} ms")
        ds = store.get_case(secret)
        t, _ = timed(lambda: archive.build(store, ds, by=name, signing_key=key, made_on=made, password=PASSWORD))
        print(f"archive package, strictly secret, sealed (scrypt + AES-GCM): {t * 1000:.0f} ms")

        source = WithDocuments(store, 20, 1 << 20)
        t, package = timed(lambda: archive.build(source, d, by=name, signing_key=key, made_on=made))
        assert isinstance(package, bytes)
        print(f"archive package with 20 stand-in documents of 1 MiB ({len(package) >> 20} MiB): {t * 1000:.0f} ms")
        t, _ = timed(lambda: archive.build(source, ds, by=name, signing_key=key, made_on=made, password=PASSWORD))
        print(f"  the same, strictly secret and sealed: {t * 1000:.0f} ms")
        store.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
