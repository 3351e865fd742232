"""Several processes writing one case at once, on a real SQLite file and a real PostgreSQL
server: no append is refused and the audit chain stays whole (issue 9: 52 of 120 notes were
refused and views broke the chain)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date

WORKERS = 3

# Each worker opens its own Store (its own connections, as a separate officer's app would),
# waits for a common start time so the writes overlap, and prints how many calls were refused.
WORKER = textwrap.dedent("""
    import sys, time
    from varsel_tui.store.service import Store, StoreError
    url, number, who, what, n, start = sys.argv[1:7]
    store = Store.open(url)
    time.sleep(max(0.0, float(start) - time.time()))
    refused = []
    for i in range(int(n)):
        try:
            if what == "note":
                store.add_note(number, f"{who}-{i}", by=who)
            else:
                store.get_case(number, viewer=who)
        except StoreError as exc:
            refused.append(str(exc))
    store.close()
    print(len(refused))
    for r in refused[:3]:
        print(r, file=sys.stderr)
""")


def _case(store) -> str:  # noqa: ANN001
    from varsel_tui.store.service import Store

    admin = Store(store.loc, store.engine)  # the store fixture's administrator (tests/conftest.py)
    admin.unlock("admin", "administratorens passfrase")
    for k in range(WORKERS):  # the workers are approved officers of the unit handling the case
        admin.register_user(f"w{k}", "arbeiderens passfrase")
        admin.approve_user(f"w{k}")
        admin.add_member("IE-fakultetet", f"w{k}")
    admin.lock()
    return store.create_case("ntnu-avvik", "Samtidig", date(2026, 11, 2), by="kari",
                             intake={"melder_type": "student", "mottakende_enhet": "IE-fakultetet"}).case.number


def _run_workers(db_url: str, number: str, what: str, n: int) -> None:
    start = time.time() + 2.5  # after every worker has imported and opened the store
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, number, f"w{k}", what, str(n), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(WORKERS)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "0", f"refused: {err}"


def test_concurrent_notes_are_all_kept_and_the_chain_holds(store, db_url):
    number = _case(store)
    _run_workers(db_url, number, "note", 40)
    notes = [e.text for e in store.get_case(number).journal if e.kind == "note"]
    assert sorted(notes) == sorted(f"w{k}-{i}" for k in range(WORKERS) for i in range(40))
    assert store.verify_audit()[1] == []


def test_concurrent_views_keep_the_chain_whole(store, db_url):
    number = _case(store)
    _run_workers(db_url, number, "view", 60)
    views = [e for e in store.get_case(number).journal if e.kind == "view"]
    assert len(views) == WORKERS * 60
    assert store.verify_audit()[1] == []
