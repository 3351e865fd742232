#!/usr/bin/env python
"""Benchmark of the scripting CLI's reads and the queue filter, on SQLite and PostgreSQL.

    .venv/bin/python scripts/bench_cli.py [--cases 100000] [--db PATH|postgresql://…] [--runs 7]
                                          [--user kari] [--all-user nora]

1. Seeds the database with `varsel seed-demo --cases N` when it has no cases (a temporary SQLite
   file without --db). Seeding grants case_access by the workflow's entitlement (kari sees her
   bodies' cases, about a fifth); `--all-user` is granted every case here, to measure the worst
   case (and compare with the figures from before the access filter, which listed every case).
2. `varsel case list --json --limit 20` against a bare `python -c 'import json, sqlite3'`: median
   wall time of separate processes (after a warm-up), and their ratio (aim ≤ 5×).
3. `varsel due --json`: wall time, peak RSS (ru_maxrss of the process), rows and bytes printed.
4. Filter keystroke → filtered list, in-process through the queue's reader as the TUI calls it: per
   keystroke the page (60 rows), then the count on the reader's second connection, as the list's
   worker does; reported: time to the page (the list shows the rows) and to both (the count is in
   too), median and p95. The TUI adds one repaint on top (bench_startup.py measures it on screen).

Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 23)
# What bench_startup.py types (with backspaces), then words as an officer would look for a case.
TYPED = ["trakassering" + "\x7f" * 6 + "2025-01" + "\x7f" * 3 + "ou 3", "klage på karakter", "2026-01",
         "ntnu avvik", "ola"]


def as_login(db: str, user: str) -> str:
    """The database as `user` sees it: on PostgreSQL the officer is the login (the URL's user, a
    password from ~/.pgpass or peer authentication), so the URL names them; a SQLite file is the
    same file (VARSEL_USER names the officer)."""
    if not db.startswith("postgres"):
        return db
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(db)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if host else ""))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def varsel(*argv: str) -> list[str]:
    return [sys.executable, "-m", "varsel_tui", *argv]


def run_rss(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, int]:
    """Wall seconds, peak RSS (KiB), bytes printed and JSON rows printed, reaping the child with
    wait4 for its own rusage."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(argv[2:])} failed (exit {proc.returncode})")
        size = sink.tell()
        sink.seek(0)
        rows = sum(chunk.count(b"\n  {\n") for chunk in iter(lambda: sink.read(1 << 20), b""))
        return seconds, usage.ru_maxrss, size, rows


def timed(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=True)
        if i:  # the first run warms the disk cache and bytecode
            out.append(time.perf_counter() - t0)
    return out


def count_cases(db: str) -> int:
    from varsel_tui.store.queue import QueueError, open_source

    source = open_source(db)
    try:
        rows = source._query("SELECT count(*) FROM cases", [])
    except QueueError:
        return 0
    finally:
        source.close()
    return int(rows[0][0]) if rows else 0


def grant_all(db: str, user: str) -> None:
    sql = ("INSERT INTO case_access (case_id, user_name, until) SELECT id, ?, NULL FROM cases WHERE true "
           "ON CONFLICT (case_id, user_name) DO NOTHING")
    if db.startswith("postgres"):
        import psycopg

        with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), [user])
            conn.execute("ANALYZE")
        return
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql, [user])
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def keystrokes(text: str) -> list[str]:
    """The filter's text after each key (\\x7f is a backspace)."""
    out, cur = [], ""
    for ch in text:
        cur = cur[:-1] if ch == "\x7f" else cur + ch
        out.append(cur)
    return out


def filter_latency(db: str, user: str) -> tuple[list[float], list[float], int]:
    """Per keystroke: ms to the page, ms to page and count (the count read after the page, on the
    reader's second connection, as the list's worker does)."""
    from varsel_tui.store.queue import FIRST_PAGE, open_source

    source = open_source(db)
    to_page, to_both = [], []
    source.page("", "open", "due", False, 0, FIRST_PAGE, TODAY, user)  # connections open, as in the app
    source.count("", "open", TODAY, user)
    for typed in TYPED:
        for text in keystrokes(typed):
            t0 = time.perf_counter()
            rows = source.page(text, "open", "due", False, 0, FIRST_PAGE, TODAY, user)
            page = time.perf_counter()
            if len(rows) == FIRST_PAGE:  # a shorter page is the count already
                source.count(text, "open", TODAY, user)
            to_page.append((page - t0) * 1000)
            to_both.append((time.perf_counter() - t0) * 1000)
    source.close()
    return to_page, to_both, len(to_page)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--db", help="SQLite file or postgresql:// URL (seeded when it has no cases); on "
                    "PostgreSQL the officers log in as themselves: --user and --all-user need login roles "
                    "that may use the database, with a password file or peer authentication")
    ap.add_argument("--user", default="kari", help="the officer (access by the demo's entitlement)")
    ap.add_argument("--all-user", default="nora", help="a registered demo user granted every case here (worst case)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="varsel-bench-cli-"))
    db = args.db or str(tmp / "bench.db")
    env = {k: v for k, v in os.environ.items() if k not in ("VARSEL_DB", "PYTHONDONTWRITEBYTECODE")}
    env.update({"VARSEL_TODAY": TODAY.isoformat(), "VARSEL_CONFIG": str(tmp / "none.toml"), "LANG": "C.UTF-8"})
    backend = "PostgreSQL" if db.startswith("postgres") else "SQLite"
    print(f"varsel CLI and filter benchmark · {backend} · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
    have = count_cases(db)
    if have == 0:
        t0 = time.perf_counter()
        subprocess.run(varsel("seed-demo", "--cases", str(args.cases), "--db", db), env=env, check=True,
                       stdout=subprocess.DEVNULL)
        have = count_cases(db)
        print(f"seeded {have:,} cases with varsel seed-demo in {time.perf_counter() - t0:.1f} s")
    else:
        print(f"using {have:,} cases")
    grant_all(db, args.all_user)

    bare = timed([sys.executable, "-c", "import json, sqlite3"], env, args.runs)
    mb = statistics.median(bare)
    print(f"\nbare python -c 'import json, sqlite3'          {mb * 1000:7.0f} ms  (median of {len(bare)})")
    for user in (args.user, args.all_user):
        uenv = {**env, "VARSEL_USER": user}
        t = timed(varsel("case", "list", "--json", "--limit", "20", "--db", as_login(db, user)), uenv, args.runs)
        mt = statistics.median(t)
        print(f"case list --json --limit 20  as {user:<8}      {mt * 1000:7.0f} ms  = {mt / mb:4.1f}× bare "
              f"(min {min(t) * 1000:.0f}, max {max(t) * 1000:.0f}; aim ≤ 5×)")
    for user in (args.user, args.all_user):
        uenv = {**env, "VARSEL_USER": user}
        run_rss(varsel("due", "--json", "--db", as_login(db, user)), uenv)  # warm-up
        seconds, rss, size, rows = run_rss(varsel("due", "--json", "--db", as_login(db, user)), uenv)
        print(f"due --json as {user:<8}  {seconds * 1000:7.0f} ms   peak RSS {rss / 1024:6.1f} MiB   "
              f"{rows:,} rows, {size / 1e6:.1f} MB printed")
    for user in (args.user, args.all_user):
        to_page, to_both, n = filter_latency(as_login(db, user), user)
        print(f"\nfilter keystroke → filtered list as {user} ({n} keystrokes, the page, then the count)")
        print(f"  page of 60 rows        median {statistics.median(to_page):6.1f} ms   p95 {pct(to_page, 0.95):6.1f} ms"
              "   (aim ≤ 50 ms median)")
        print(f"  page and count         median {statistics.median(to_both):6.1f} ms   p95 {pct(to_both, 0.95):6.1f} ms")
    if not args.db:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
