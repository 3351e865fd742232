"""The corruption of issue 9, reproduced: the TUI opens its queue connection first, then the full
store. Opening the store used to read the file's header with open() and close it again, which
drops every POSIX lock the process holds on the file (sqlite.org, "How To Corrupt An SQLite
Database File" §2.2). SQLite still believed it held its shared lock, so a CLI process closing
its connection thought itself the last user, checkpointed and deleted the WAL, and the TUI went
on committing into the deleted file: its writes vanished, and its queue read half old, half new
pages ("disk I/O error", cases missing from the lists).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from varsel_tui.store.db import locate
from varsel_tui.store.queue import QueueSource
from varsel_tui.store.service import Store

TODAY = date(2026, 11, 23)

# Another officer's `varsel case new`: opens the database, writes, closes (the last connection
# it can see, so SQLite checkpoints and removes the WAL unless another process holds a lock).
CLI = textwrap.dedent("""
    import sys
    from datetime import date
    from varsel_tui.store.service import Store
    for line in sys.stdin:
        s = Store.open(sys.argv[1])
        s.create_case("ntnu-avvik", line.strip(), date(2026, 11, 2), by="kari", intake={"melder_type": "student"})
        s.close()
        print("done", flush=True)
""")


def _new(title: str, store: Store) -> None:
    store.create_case("ntnu-avvik", title, date(2026, 11, 2), by="kari", intake={"melder_type": "student"})


def _my_locks(path) -> list[str]:  # noqa: ANN001
    inode = os.stat(path).st_ino
    with open("/proc/locks") as fh:
        return [line for line in fh if f" {os.getpid()} " in line and f":{inode} " in line]


def test_opening_the_store_keeps_the_queue_connections_lock_and_no_write_is_lost(tmp_path):
    path = tmp_path / "varsel.db"
    setup = Store.open(str(path))
    setup.register_user("kari", "korrekt hest batteri")  # the first user: the administrator
    setup.unlock("kari", "korrekt hest batteri")
    setup.ensure_body("OU")
    _new("first", setup)
    setup.close()

    queue = QueueSource(locate(str(path)))
    assert queue.count("", "open", TODAY, "kari") == 1  # the queue's connection is open …
    if os.path.exists("/proc/locks"):
        assert _my_locks(path), "the queue's connection holds no lock"
    tui = Store.open(str(path))  # … before the store is opened, as in the TUI
    if os.path.exists("/proc/locks"):
        assert _my_locks(path), "opening the store dropped this process's locks on the database"

    cli = subprocess.Popen([sys.executable, "-c", CLI, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True)
    expected = 1
    try:
        for k in range(3):
            cli.stdin.write(f"cli {k}\n")
            cli.stdin.flush()
            assert cli.stdout.readline().strip() == "done"
            _new(f"tui {k}", tui)
            tui.checkpoint()
            expected += 2
            assert queue.count("", "open", TODAY, "kari") == expected
    finally:
        cli.stdin.close()
        cli.wait(timeout=60)
    tui.close()
    queue.close()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        titles = sorted(r[0] for r in conn.execute("SELECT title FROM cases"))
    finally:
        conn.close()
    assert titles == sorted(["first"] + [f"{who} {k}" for who in ("cli", "tui") for k in range(3)])


@pytest.mark.parametrize("content", [b"hello, not sqlite", b"SQLite format 3\x00" + b"\x00" * 10])
def test_a_file_that_is_not_a_database_is_still_refused_in_one_line(tmp_path, content):
    from varsel_tui.store.db import StoreError

    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=r"is not a varsel database \(not an SQLite file\)$"):
        Store.open(str(path))
