"""Make screenshots/letters.svg (the case screen's letters dialog) and screenshots/letter.png (a
rendered PDF letter's first page) from the real app on demo data (fixed date).

    .venv/bin/python scripts/export_letter_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("VARSEL_TODAY", "2026-11-23")
os.environ.setdefault("TZ", "Europe/Oslo")

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 36)


async def settle(pilot) -> None:  # noqa: ANN001
    for _ in range(3):
        await pilot.pause(0.2)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def main() -> None:
    from varsel_tui import letter_templates
    from varsel_tui.store import letters
    from varsel_tui.store.demo import DEMO_PASSPHRASE, seed_demo
    from varsel_tui.store.service import Store
    from varsel_tui.tui.app import VarselApp

    db = str(Path(tempfile.mkdtemp(prefix="varsel-shots-")) / "demo.db")
    store = Store.open(db)
    seed_demo(store, user="kari")
    store.unlock("kari", DEMO_PASSPHRASE)
    # A deviation at its receipt form, found not to be one: the reporter's letter is drafted.
    number = store.create_case("ntnu-avvik", "Kantina stenger før forelesningene slutter", date(2026, 11, 16),
                               by="kari", intake={"melder_type": "student", "gjelder": "læringsmiljø"},
                               parties=[{"role": "melder", "name": "Ola Olsen <ola.olsen@stud.ntnu.no>"}]).case.number
    store.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                           "vurdering": "ikke_godkjent", "begrunnelse": "Gjelder ikke utdanning."},
                  by="kari", on=date(2026, 11, 23))
    letter = next(i for i in store.letters(number) if i.template == "ntnu-avvik-ikke-godkjent")
    store.edit_letter(number, letter.id, "Meldingen gjelder kantinens åpningstider, som ikke er et avvik i "
                      "utdanningen. Ta det gjerne opp med studentrådet.", by="kari")
    info = store.letter(number, letter.id)
    import typst

    png = typst.compile(letter_templates.layout().encode(), format="png", ppi=110,
                        sys_inputs={"data": __import__("json").dumps(letters.pdf_data(info, number))})
    OUT.mkdir(exist_ok=True)
    (OUT / "letter.png").write_bytes(png if isinstance(png, bytes) else png[0])
    print("screenshots/letter.png")
    store.close()

    app = VarselApp(db, "kari")
    app.passphrase_hint = ""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.store.unlock("kari", DEMO_PASSPHRASE)
        app.open_case(number)
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        options = app.screen.query_one("#letters-list")
        options.highlighted = next(n for n, i in enumerate(app.screen.letters) if i.id == letter.id)
        await settle(pilot)
        app.screen.query_one("#letters-folder").value = "~/varsel-brev"
        app.save_screenshot(filename="letters.svg", path=str(OUT))
    print("screenshots/letters.svg")


if __name__ == "__main__":
    asyncio.run(main())
