"""No corruption, proven (issue 9): the TUI's queue connection, three CLI writers and a viewer on
one database at once, on a real SQLite file and a real PostgreSQL server. Afterwards the file is
whole (`PRAGMA integrity_check`), the audit chains verify, and every write a writer was told was
done is there — no more and no fewer cases than reported.

Bounded: each backend runs its processes for STRESS_SECONDS after a common start (about half a
minute per backend in all on a busy machine). The roles are in stress_roles.py.

It is a net, not the proof: with the old header check it failed one run in five here (the queue
read "database disk image is malformed"). test_sqlite_locks.py reproduces that cause every time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from varsel_tui.cli import main
from varsel_tui.store.service import Store

STRESS_SECONDS = float(os.environ.get("VARSEL_STRESS_SECONDS", "10"))
ROLES = Path(__file__).with_name("stress_roles.py")


def _spawn(role: str, url: str, shared: str, who: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROLES), role, url, shared, who, str(STRESS_SECONDS)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(url: str, shared: str) -> list[dict]:
    procs = [_spawn("tui", url, shared, "kari")]
    procs += [_spawn("writer", url, shared, f"w{k}") for k in range(3)]
    procs += [_spawn("viewer", url, shared, "lars")]
    for p in procs:  # every process has imported everything: start them together
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=STRESS_SECONDS + 120)
        assert p.returncode == 0, err
        reports += [json.loads(line) for line in out.splitlines()]
    return reports


def _bare_url(url: str, tmp_path: Path, monkeypatch) -> str:  # noqa: ANN001
    """The PostgreSQL URL without its password, which goes to a PGPASSFILE: the CLI refuses a
    password in --db."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or 5432
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{parts.hostname}:{port}:{parts.path.lstrip('/')}:{parts.username}:{parts.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    return f"postgresql://{parts.username}@{parts.hostname}:{port}{parts.path}"


def _approved_users(store: Store) -> None:
    """The roles' users, approved: on SQLite kari administers and w0-w2 and lars are approved; on
    PostgreSQL every role acts as the one login, the database's administrator."""
    from varsel_tui.identity import session_user

    passphrase = "stresstestens passfrase"
    if store.loc.is_sqlite:
        store.register_user("kari", passphrase)
        store.unlock("kari", passphrase)
        for name in ("w0", "w1", "w2", "lars"):
            store.register_user(name, passphrase)
            store.approve_user(name)
    else:
        login = session_user(store.engine)
        store.register_user(login, passphrase)
        store.unlock(login, passphrase)


def test_queue_writers_and_viewer_at_once_lose_nothing(db_url, capsys, tmp_path, monkeypatch):
    if db_url.startswith("postgresql"):
        db_url = _bare_url(db_url, tmp_path, monkeypatch)
    store = Store.open(db_url)
    _approved_users(store)
    store.ensure_body("OU")
    store.ensure_body("IE-fakultetet")
    from varsel_tui.identity import session_user

    officers = ("kari", "lars", "w0", "w1", "w2") if store.loc.is_sqlite else (session_user(store.engine),)
    for who in officers:  # officers of the unit that has the shared case (approved in _approved_users)
        store.add_member("IE-fakultetet", who)
    shared = store.create_case("ntnu-avvik", "Felles sak", date(2026, 11, 2), by="kari",
                               intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"}).case.number
    store.close()

    reports = _run(db_url, shared)
    errors = [r for r in reports if r["op"] == "error"]
    assert errors == []
    done = Counter(r["op"] for r in reports)
    assert done["case"] >= 3 and done["note"] >= 6 and done["party"] >= 3 and done["reads"] == 1
    assert next(r["count"] for r in reports if r["op"] == "reads") > 0
    assert next(r["count"] for r in reports if r["op"] == "shown") > 0

    if db_url.endswith(".db"):
        conn = sqlite3.connect(db_url)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()
    capsys.readouterr()
    try:
        main(["--db", db_url, "audit", "verify"])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    assert "audit journal intact" in capsys.readouterr().out

    store = Store.open(db_url)
    made = {r["number"]: r["title"] for r in reports if r["op"] == "case"}
    assert {c.number: c.title for c in store.list_cases()} == {shared: "Felles sak", **made}
    notes: dict[str, list[str]] = defaultdict(list)
    parties: dict[str, list[str]] = defaultdict(list)
    for r in reports:
        if r["op"] == "note":
            notes[r["number"]].append(r["text"])
        elif r["op"] == "party":
            parties[r["number"]].append(r["name"])
    for number in {shared, *made}:
        d = store.get_case(number)
        assert sorted(d.text(e, "text") for e in d.journal if e.kind == "note") == sorted(notes[number])
        assert sorted(d.text(p, "name") for p in d.parties) == sorted(parties[number])
    for number in (r["number"] for r in reports if r["op"] == "advance"):
        assert store.get_case(number).state.steps["M1"].status == "done"
    assert store.verify_audit()[1] == []
    store.close()
