"""The processes of the stress test (tests/store/test_stress.py), one role each:

    tui     the TUI: its queue connection first (pages, counts, the change marker in a loop), then
            the full Store opened on first use, as a screen would, writing a note now and then
    writer  a CLI user: `varsel case new / note / party / advance` one after another, on its own
            cases and on the shared one
    viewer  `varsel case show` and `case list`

Each prints "ready", waits for a line on stdin, works for the given seconds and prints one JSON
line per write that reported success ({"op": …}) and per failure ({"op": "error", …}).
CLI commands run through `varsel_tui.cli.main` in this process, each opening and dropping its own
store, as separate `varsel` calls would (without paying for an interpreter start each time).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import random
import sys
import time
from datetime import date

ROLE, URL, SHARED, WHO, SECONDS = sys.argv[1:6]
TODAY = date(2026, 11, 23)
ADVANCE = ["--step", "M1", "--set", "sensitive_opplysninger=nei", "--set", "kritikkverdige_forhold=nei",
           "--set", "vurdering=godkjent", "--set", "lokal_enhet=OU", "--set", "behandler=kari"]


def report(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def varsel(*argv: str) -> dict | list | None:
    """One CLI command; its JSON answer, or None after reporting its one-line error."""
    from varsel_tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            # PostgreSQL: the login acts (no --user there); SQLite: one account's own file, the user named
            main(["--db", URL, *([] if URL.startswith("postgresql") else ["--user", WHO]), "--json", *argv])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    gc.collect()  # the command's store goes away with it, as at the end of a `varsel` process
    time.sleep(random.uniform(0, 0.2))  # people and scripts pause: moments when no CLI has the file open
    if code:
        report(op="error", argv=list(argv), message=err.getvalue().strip())
        return None
    return json.loads(out.getvalue())


def tui(end: float) -> None:
    from varsel_tui.store.db import locate
    from varsel_tui.store.queue import QueueSource
    from varsel_tui.store.service import Store

    source = QueueSource(locate(URL))
    store = None
    i = reads = 0
    while time.time() < end:
        try:
            rows = source.page("", "open", "due", False, 0, 60, TODAY, WHO)
            total = source.count("", "open", TODAY, WHO)
            source.changed_marker()
            reads += 1
            time.sleep(0.05)  # the TUI polls; it does not spin
            if total < len(rows):
                report(op="error", argv=["queue"], message=f"count {total} < page {len(rows)}")
        except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
            report(op="error", argv=["queue"], message=str(exc))
        if store is None:
            store = Store.open(URL)  # after the queue's connection, as in the TUI
        if reads % 2 == 0:
            text = f"{WHO}-{i}"
            try:
                store.add_note(SHARED, text, by=WHO)
                report(op="note", number=SHARED, text=text)
            except Exception as exc:  # noqa: BLE001
                report(op="error", argv=["note", SHARED], message=str(exc))
            i += 1
    report(op="reads", count=reads)
    if store is not None:
        store.close()
    source.close()


def writer(end: float) -> None:
    own: str | None = None
    i = 0
    while time.time() < end:
        kind = i % 6
        if kind == 0 or own is None:
            title = f"{WHO} sak {i}"
            made = varsel("case", "new", "--workflow", "ntnu-avvik", "--title", title, "--received", "2026-11-02",
                          "--set", "melder_type=student")
            if made is not None:
                own = made["number"]
                report(op="case", number=own, title=title)
        elif kind in (1, 2):
            number = own if kind == 1 else SHARED
            text = f"{WHO}-{i}"
            if varsel("case", "note", number, text) is not None:
                report(op="note", number=number, text=text)
        elif kind in (3, 4):
            number = own if kind == 3 else SHARED
            name = f"{WHO}-p{i}"
            if varsel("case", "party", number, "--role", "anklagede", "--name", name) is not None:
                report(op="party", number=number, name=name)
        else:
            if varsel("case", "advance", own, *ADVANCE) is not None:
                report(op="advance", number=own)
        i += 1


def viewer(end: float) -> None:
    shown = 0
    while time.time() < end:
        listed = varsel("case", "list", "--limit", "20")
        if varsel("case", "show", SHARED) is not None and listed is not None:
            shown += 1
    report(op="shown", count=shown)


if __name__ == "__main__":
    role = {"tui": tui, "writer": writer, "viewer": viewer}[ROLE]
    import varsel_tui.cli  # noqa: F401 - imports done before the common start
    import varsel_tui.store.service  # noqa: F401

    print("ready", flush=True)
    sys.stdin.readline()
    role(time.time() + float(SECONDS))
