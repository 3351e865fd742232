"""Make screenshots/*.svg from the real app on demo data (fixed date, seeded database).

    .venv/bin/python scripts/export_screenshots.py

Run it again whenever a screen changes; the README links the results.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
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


async def open_case(pilot, number: str) -> None:  # noqa: ANN001
    await pilot.press("slash")
    for ch in number:
        await pilot.press(ch)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def main() -> None:
    from varsel_tui.store.demo import seed_demo
    from varsel_tui.store.service import Store
    from varsel_tui.tui.app import VarselApp

    db = str(Path(tempfile.mkdtemp(prefix="varsel-shots-")) / "demo.db")
    store = Store.open(db)
    seed_demo(store, user="kari")
    # A case in the middle of StInn phase 3 and a fresh deviation at its receipt form, both of
    # them kari's to see (a case of another body would not open).
    stinn = next(c.number for c in store.list_cases(status="open", workflow="stinn-varsling", viewer="kari")
                 if (c.current_step or "").startswith("3.") and c.body == "OU")
    mine = [c for c in store.list_cases(status="open", workflow="ntnu-avvik", viewer="kari") if c.current_step]
    avvik = next((c.number for c in mine if c.current_step == "M1"), mine[0].number)
    store.close()
    OUT.mkdir(exist_ok=True)

    async def shoot(name: str, steps) -> None:  # noqa: ANN001
        app = VarselApp(db, "kari")
        app.passphrase_hint = ""  # the demo's hint is not part of the screen as officers see it
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await steps(pilot)
            await settle(pilot)
            app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print(f"screenshots/{name}.svg")

    async def queue(pilot) -> None:  # noqa: ANN001
        pass

    async def unlock(pilot) -> None:  # noqa: ANN001
        await open_case(pilot, stinn)  # strictly secret: the passphrase is asked for first
        pilot.app.screen.query_one("#unlock-status").update("")
        for ch in "varsel-":
            await pilot.press({"-": "minus"}.get(ch, ch))

    async def detail(pilot) -> None:  # noqa: ANN001
        from varsel_tui.store.demo import DEMO_PASSPHRASE

        await open_case(pilot, stinn)
        await pilot.press(*[{"-": "minus"}.get(ch, ch) for ch in DEMO_PASSPHRASE], "enter")
        await settle(pilot)

    async def form(pilot) -> None:  # noqa: ANN001
        await open_case(pilot, avvik)
        await pilot.press("f")

    async def new_case(pilot) -> None:  # noqa: ANN001
        await pilot.press("n")

    async def help_screen(pilot) -> None:  # noqa: ANN001
        await pilot.press("f1")

    for name, steps in (("queue", queue), ("unlock", unlock), ("case_detail", detail), ("form", form),
                        ("new_case", new_case), ("help", help_screen)):
        await shoot(name, steps)


if __name__ == "__main__":
    asyncio.run(main())
