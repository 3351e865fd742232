#!/usr/bin/env python
"""Start-up benchmark for the queue: launch → first visible case number, beside a bare Textual app.

    .venv/bin/python scripts/bench_startup.py [--cases 100000] [--runs 7] [--db PATH|postgresql://…] [--keep]

1. Seeds a SQLite database with N cases (a PostgreSQL URL must be seeded already, e.g. by
   bench_cli.py; the acting user is then the login, so run it as an officer's OS account or use a
   login role that is one of the demo's officers): `varsel seed-demo --cases N --db PATH` when the CLI has it, else a
   bulk insert written here into the schema `Store.open(path)` creates.
2. Launches, under a pseudo-terminal (100×30), alternately
   - a bare Textual app (Header, Static, Footer) until its text appears in the output, and
   - `varsel --db PATH` (the real entry point) until the first case number appears,
   and reports the median of each and their ratio (the design aims at ≤ 1.5×).
3. Filter keystroke → repaint latency, in-process with Textual's headless `run_test`: for ~30
   keystrokes, the time until the filter Input has repainted with the new character (the frame the
   user sees), until a repaint draws case rows (the list showing the filtered rows; keys that leave
   the visible rows as they were draw none), and until the last repaint (count and scrollbar).
4. Peak memory (ru_maxrss) of the app process that showed the first page on N cases, and of the
   in-process filter run.

Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)
COLS, ROWS = 100, 30


# -- seeding ---------------------------------------------------------------------------------------
def bulk_seed(path: str, n: int, seed: int = 1) -> None:
    """N plausible cases straight into the schema (fast; no workflow replay).

    Steps, titles and bodies come from the bundled workflows, so rows look like real ones: about a
    third closed, StInn's written notifications strictly secret (no searchable title), due dates
    spread around today, some waiting for a preliminary reply.
    """
    import sqlite3

    from varsel_tui import workflows
    from varsel_tui.store.service import Store

    store = Store.open(path)
    for body in ("OU", "KKV", "Presidentskapet", "Linjeleder", "IE-fakultetet", "SU-fakultetet", "EIR"):
        store.ensure_body(body)
    for body, person in (("OU", "kari"), ("KKV", "per"), ("IE-fakultetet", "kari")):
        try:
            store.add_member(body, person)
        except Exception:  # noqa: BLE001 - already a member
            pass
    store.close()

    rnd = random.Random(seed)
    wfs = []
    for wf in workflows.all_workflows().values():
        steps = [(s.id, s.title, p.body) for p in wf.phases for s in p.steps]
        wfs.append((wf.id, steps))
    subjects = ["Trakassering", "Manglende veiledning", "Klage på karakter", "Forskjellsbehandling",
                "Mangelfull informasjon", "Eksamensavvik", "Utilbørlig opptreden", "Arbeidsmiljø",
                "Sensurfrist oversittet", "Læringsmiljø", "Konflikt i styret", "Brudd på retningslinjer"]
    names = ["Ola Nordmann", "Kari Hansen", "Per Olsen", "Ingrid Berg", "Lars Dahl", "Sofie Lie",
             "Emil Bakke", "Nora Strand", "Jonas Moen", "Ida Lund"]
    people = ["kari", "per", "anne", "ola"]
    now = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc).isoformat(sep=" ")
    rows = []
    seq_by_year: dict[int, int] = {}
    for i in range(n):
        wf_id, steps = wfs[i % len(wfs)]
        received = TODAY - timedelta(days=rnd.randint(0, 700))
        year = received.year
        seq_by_year[year] = seq_by_year.get(year, 0) + 1
        number = f"{year}-{seq_by_year[year]:04d}"
        secret = wf_id == "stinn-varsling" and rnd.random() < 0.5
        closed = rnd.random() < 0.33
        step_id, step_title, body = rnd.choice(steps)
        body = body or rnd.choice(["IE-fakultetet", "SU-fakultetet", "EIR", None])
        title = f"{rnd.choice(subjects)} {rnd.choice(['på', 'ved', 'i'])} {rnd.choice(['IE', 'SU', 'NV', 'HF'])}"
        party = rnd.choice(names)
        due = None if closed or rnd.random() < 0.15 else TODAY + timedelta(days=rnd.randint(-40, 60))
        warn = due - timedelta(days=7) if due and rnd.random() < 0.3 else None
        search = " ".join([number, wf_id, step_id, step_title, body or ""]
                          + ([] if secret else [title, party])).lower()
        rows.append((
            number, year, seq_by_year[year], wf_id, "strengt_hemmelig" if secret else "fortrolig",
            None if secret else title, b"\x00ciphertext" if secret else None, received.isoformat(),
            "closed" if closed else "open", "avsluttet" if closed else "",
            None if closed else step_id, "" if closed else step_title, body,
            due.isoformat() if due else None, due.isoformat() if warn else None,
            warn.isoformat() if warn else None,
            (received + timedelta(days=rnd.randint(5, 90))).isoformat() if closed else None,
            search, rnd.choice(people), now, now,
        ))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO cases (number, year, seq, workflow_id, classification, title, title_ct, received,"
            " status, outcome, current_step, current_step_title, body, due, statutory_due,"
            " prelim_warn_from, closed_on, search, created_by, created_at, updated_at, concerns, version)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',1)", rows)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def seed(path: str, n: int) -> str:
    """Seed with the CLI's seed-demo when it exists; fall back to bulk_seed. Returns how."""
    varsel = [sys.executable, "-m", "varsel_tui"]
    probe = subprocess.run(varsel + ["seed-demo", "--help"], capture_output=True, text=True)
    if probe.returncode == 0:
        res = subprocess.run(varsel + ["seed-demo", "--cases", str(n), "--db", path],
                             capture_output=True, text=True)
        if res.returncode == 0:
            return "varsel seed-demo"
        print(f"  (seed-demo failed: {res.stderr.strip()[:200]}; using the bulk insert)")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    bulk_seed(path, n)
    return "bulk insert (scripts/bench_startup.py)"


# -- launching under a pseudo-terminal ------------------------------------------------------------
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bench-ready: a bare Textual app")
        yield Footer()


Bare().run()
"""

NUMBER = re.compile(rb"\d{4}-\d{4,6}")


class PtyApp:
    """A program running on a pseudo-terminal of COLS×ROWS that we read from and type into."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.output = bytearray()

    def read(self, timeout: float) -> tuple[bytes, float] | None:
        """One chunk of output and when it arrived, or None after `timeout` seconds of silence."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return None
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return None
        now = time.perf_counter()
        self.output += data
        return data, now

    def wait_for(self, pattern: re.Pattern[bytes] | bytes, timeout: float = 30.0) -> float:
        """Seconds from launch until `pattern` appears in the output."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            got = self.read(0.5)
            if got is None:
                if self.proc.poll() is not None:
                    break
                continue
            found = (pattern.search(self.output) if isinstance(pattern, re.Pattern)
                     else pattern in self.output)
            if found:
                return got[1] - self.started
        tail = bytes(self.output[-400:]).decode("utf-8", "replace")
        raise RuntimeError(f"{pattern!r} did not appear (exit {self.proc.poll()}); output ends: {tail!r}")

    def drain(self, quiet: float) -> None:
        while self.read(quiet) is not None:
            pass

    def type(self, text: str) -> float:
        t0 = time.perf_counter()
        os.write(self.master, text.encode())
        return t0

    def stop(self) -> int:
        """Kill the program (it was started in its own session) and return its peak RSS in KiB."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = -9
        os.close(self.master)
        return usage.ru_maxrss


def bench_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8",
                "VARSEL_TODAY": TODAY.isoformat(), "VARSEL_CONFIG": str(tmp / "config.toml"),
                "VARSEL_USER": "kari"})
    # Bytecode is cached as an installed wheel's is (pip compiles on install); the warm-up run
    # writes it. Without this, PYTHONDONTWRITEBYTECODE=1 would recompile varsel on every launch
    # while Textual's own .pyc files are there.
    for name in ("NO_COLOR", "TEXTUAL", "TEXTUAL_DRIVER", "VARSEL_DB", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    (tmp / "config.toml").write_text("", encoding="utf-8")
    return env


def varsel_argv(db: str) -> list[str]:
    script = Path(sys.executable).parent / "varsel"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "varsel_tui"]
    return base + ["--db", db]


def measure_start(argv: list[str], pattern: re.Pattern[bytes] | bytes, env: dict[str, str]) -> tuple[float, int]:
    app = PtyApp(argv, env)
    try:
        seconds = app.wait_for(pattern)
    finally:
        rss = app.stop()
    return seconds, rss


def measure_filter(db: str, env: dict[str, str], text: str) -> tuple[list[float], list[float], list[float], int]:
    """Type `text` into the filter, one key at a time; per key, the time to the first repaint (the
    filter field echoing the key), to the first repaint that draws case rows after it (the list
    showing the filtered rows), and to the last one (the count, the scrollbar: the screen settled)."""
    app = PtyApp(varsel_argv(db), env)
    echo, rows, settled = [], [], []
    try:
        app.wait_for(NUMBER)
        app.drain(1.0)  # the count, the first poll
        app.type("/")
        app.drain(0.3)
        for ch in text:
            t0 = app.type(ch)
            first = last = drawn = None
            while True:
                got = app.read(0.15 if first is not None else 2.0)
                if got is None:
                    break
                if first is not None and drawn is None and NUMBER.search(got[0]):
                    drawn = got[1]
                first = first or got[1]
                last = got[1]
                if last - t0 > 0.45:  # past the cursor's paused blink: stop listening
                    break
            if first is not None:
                echo.append((first - t0) * 1000)
                settled.append((last - t0) * 1000)
                if drawn is not None:
                    rows.append((drawn - t0) * 1000)
            app.drain(0.1)
    finally:
        rss = app.stop()
    return echo, rows, settled, rss


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7, help="launches of each app (the first is a warm-up)")
    ap.add_argument("--db", help="use (or create) this SQLite file instead of a temporary one, or a "
                    "postgresql:// URL of a seeded database (e.g. by bench_cli.py)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="varsel-bench-"))
    env = bench_env(tmp)
    db = args.db or str(tmp / "bench.db")
    backend = "PostgreSQL" if db.startswith("postgres") else "SQLite"
    print(f"varsel start-up benchmark · {backend} · python {sys.version.split()[0]} · {os.cpu_count()} CPUs · "
          f"terminal {COLS}×{ROWS} (pty)")
    if not db.startswith("postgres") and not Path(db).exists():
        t0 = time.perf_counter()
        how = seed(db, args.cases)
        print(f"seeded {args.cases:,} cases with {how} in {time.perf_counter() - t0:.1f} s → {db}")
    else:
        print(f"using {db}")
    bare_file = tmp / "bare_app.py"
    bare_file.write_text(BARE_APP, encoding="utf-8")

    bare, queue, rss_queue = [], [], []
    for i in range(args.runs):
        b, _ = measure_start([sys.executable, str(bare_file)], b"bench-ready", env)
        q, rss = measure_start(varsel_argv(db), NUMBER, env)
        if i:  # the first round warms the disk cache and bytecode
            bare.append(b)
            queue.append(q)
            rss_queue.append(rss)
    mb, mq = statistics.median(bare), statistics.median(queue)
    print()
    print("launch → first frame (median of %d, after a warm-up)" % len(bare))
    print(f"  bare Textual app (Header, Static, Footer)  {mb * 1000:7.0f} ms   "
          f"(min {min(bare) * 1000:.0f}, max {max(bare) * 1000:.0f})")
    print(f"  varsel queue, first case number visible    {mq * 1000:7.0f} ms   "
          f"(min {min(queue) * 1000:.0f}, max {max(queue) * 1000:.0f})")
    print(f"  ratio queue / bare                          {mq / mb:7.2f}×   (aim ≤ 1.5×)")

    text = "trakassering" + "\x7f" * 6 + "2025-01" + "\x7f" * 3 + "ou 3"
    echo, rows, settled, rss_filter = measure_filter(db, env, text)
    print()
    print(f"filter keystroke → repaint over {len(echo)} keystrokes (pty, includes the terminal round trip)")
    print(f"  filter field echoes the key     median {statistics.median(echo):6.1f} ms   p95 {pct(echo, 0.95):6.1f} ms"
          "   (aim < 16 ms)")
    if rows:
        print(f"  list draws the filtered rows    median {statistics.median(rows):6.1f} ms   "
              f"p95 {pct(rows, 0.95):6.1f} ms   ({len(rows)} keys; the page first, then the count)")
    print(f"  screen settled (count, scrollbar) median {statistics.median(settled):6.1f} ms   "
          f"p95 {pct(settled, 0.95):6.1f} ms   (the last repaint after the key)")
    print()
    print("peak memory (ru_maxrss of the app process)")
    print(f"  first page on {args.cases:,} cases          {statistics.median(rss_queue) / 1024:6.1f} MiB")
    print(f"  after {len(echo)} filter keystrokes        {rss_filter / 1024:6.1f} MiB")
    if not args.keep and not args.db:
        shutil.rmtree(tmp, ignore_errors=True)
    elif args.keep:
        print(f"\nkept {db}")


if __name__ == "__main__":
    main()
