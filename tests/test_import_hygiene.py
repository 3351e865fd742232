"""Start-up stays light: the entry point and the queue's first page import none of the heavy
machinery (ORM, migrations, validation, crypto, PDF, holidays). Checked in a fresh interpreter,
since this test process has imported everything already (harlequin's import-hygiene pattern)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from datetime import date

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "cryptography", "pypdf", "holidays")


def _run(code: str, env_extra: dict[str, str] | None = None, tmp_path=None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    env.update(env_extra or {})
    prelude = f"import sys\nHEAVY = {HEAVY!r}\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


def _entry_modules() -> list[str]:
    modules = ["varsel_tui.tui.app", "varsel_tui.store.queue", "varsel_tui.tui.config",
               "varsel_tui.tui.screens.queue", "varsel_tui.tui.widgets.case_list"]
    if importlib.util.find_spec("varsel_tui.cli") is not None:
        modules.insert(0, "varsel_tui.cli")
    return modules


def test_importing_the_entry_point_and_the_queue_stays_light():
    code = f"""
    import importlib
    for name in {_entry_modules()!r}:
        importlib.import_module(name)
    loaded = sorted(m for m in HEAVY if m in sys.modules)
    assert not loaded, f"imported at start-up: {{loaded}}"
    print("ok")
    """
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_showing_the_first_queue_page_stays_light(tmp_path):
    from varsel_tui.store.service import Store

    db = tmp_path / "varsel.db"
    store = Store.open(str(db))
    store.register_user("kari", "korrekt hest batteri")  # the first user: approved, administers
    store.create_case("ntnu-klage", "Klage på karakter", date(2026, 11, 20), by="kari",
                      intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-10",
                              "opprinnelig_karakter": "C"})
    number = store.list_cases()[0].number
    store.close()
    from access_grants import grant

    grant(str(db), ["kari"])

    code = f"""
    import asyncio
    {"import varsel_tui.cli" if "varsel_tui.cli" in _entry_modules() else ""}
    from varsel_tui.tui.app import VarselApp

    async def main():
        app = VarselApp(db={str(db)!r}, user="kari", poll_interval=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(300):
                await pilot.pause(0.02)
                if app.screen.case_list.loaded:
                    break
            await pilot.pause(0.2)  # a few polls of changed_marker() too
            shown = [row.number for row in app.screen.case_list.visible_rows()]
            assert shown == [{number!r}], shown
        loaded = sorted(m for m in HEAVY if m in sys.modules)
        assert not loaded, f"imported before/while showing the first page: {{loaded}}"
        print("ok")

    asyncio.run(main())
    """
    result = _run(code, {"VARSEL_TODAY": "2026-11-23", "VARSEL_CONFIG": str(tmp_path / "none.toml")},
                  tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_cli_read_commands_do_not_import_the_orm_or_crypto(tmp_path):
    """`case list --json`, `due --json` and `workflows --json` answer through the light path (stdlib
    sqlite3): scripts start within a few times a bare Python."""
    from access_grants import grant

    from varsel_tui.store.service import Store

    db = tmp_path / "varsel.db"
    store = Store.open(str(db))
    store.register_user("kari", "korrekt hest batteri")  # the first user: approved, administers
    store.create_case("ntnu-klage", "Klage på karakter", date(2026, 11, 20), by="kari",
                      intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-10",
                              "opprinnelig_karakter": "C"})
    store.close()
    grant(str(db), ["kari"])
    for argv in (["case", "list", "--json"], ["case", "list", "--json", "--limit", "20"], ["due", "--json", "--within", "30"],
                 ["workflows", "--json"]):
        code = f"""
        import contextlib, io, json
        from varsel_tui.cli import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main({[*argv, "--db", str(db), "--user", "kari"]!r})
            except SystemExit as exc:
                assert not exc.code, exc.code
        assert json.loads(out.getvalue()), out.getvalue()
        loaded = sorted(m for m in ("sqlalchemy", "sqlmodel", "alembic", "cryptography") if m in sys.modules)
        assert not loaded, f"{argv} imported {{loaded}}"
        print("ok")
        """
        result = _run(code, {"VARSEL_TODAY": "2026-11-23"}, tmp_path)
        assert result.returncode == 0, (argv, result.stderr[:3000])
        assert result.stdout.strip().endswith("ok")
