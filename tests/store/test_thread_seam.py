"""One Store shared by threads, as the TUI's workers share it: calls run one at a time, a new
case's fresh key stays with the thread that made it, and lock() waits for the running call."""

from __future__ import annotations

import threading
import time
from datetime import date

from varsel_tui.store.service import Store


def test_threads_sharing_a_store_keep_every_write_and_the_chain(store):
    number = store.create_case("ntnu-avvik", "Tråder", date(2026, 11, 2), by="kari",
                               intake={"melder_type": "student"}).case.number
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                store.add_note(number, f"t{k}-{i}", by="kari")
                store.get_case(number, viewer="kari")
            # a strictly secret case: its fresh key lives in this thread's operation only
            store.create_case("ntnu-avvik", f"Hemmelig {k}", date(2026, 11, 2), by="kari",
                              intake={"melder_type": "student"}, secret=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    notes = [e.text for e in store.get_case(number).journal if e.kind == "note"]
    assert sorted(notes) == sorted(f"t{k}-{i}" for k in range(4) for i in range(10))
    assert store.verify_audit()[1] == []
    assert store.codec.depth == 0


def test_lock_waits_for_the_running_call(tmp_path):
    store = Store.open(str(tmp_path / "x.db"))
    store.register_user("admin", "administratorens passfrase")  # the first user: the administrator
    store.unlock("admin", "administratorens passfrase")
    store.unlock_recovery(store.init_recovery())
    inside = threading.Event()

    def long_call() -> None:
        with store.calls:  # what every public call holds while it runs
            inside.set()
            time.sleep(0.3)

    t = threading.Thread(target=long_call)
    t.start()
    inside.wait(5)
    started = time.monotonic()
    store.lock()
    assert time.monotonic() - started >= 0.2
    assert store.unlocked_as is None
    t.join()
