"""Print crypto timings on this machine: calibration, unlock, unwrap + decrypt 20 fields, and
the store end to end: unlock a user, open a strictly secret case vs. an ordinary one of the same
size (ntnu-avvik on an SQLite file in a temp dir, up to 12 steps, 3 parties, 30 journal notes).

Usage: .venv/bin/python scripts/bench_crypto.py [target_seconds]
"""

from __future__ import annotations

import statistics
import sys
import time

from varsel_tui.crypto import envelope, kdf, keys


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    target = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    start = time.perf_counter()
    params = kdf.calibrate(target)
    print(f"calibrate({target}): {params} in {time.perf_counter() - start:.2f} s")

    public, sealed = keys.generate_user_keys("correct horse battery staple", params)
    unlock = timed(lambda: keys.unseal_private_key(sealed, "correct horse battery staple"), 5)
    print(f"unlock (unseal private key), median of 5: {unlock * 1000:.0f} ms")

    private = keys.unseal_private_key(sealed, "correct horse battery staple")
    data_key = envelope.new_data_key()
    wrap = envelope.wrap_data_key(data_key, public, case_id="case-1", recipient_id="user-1")
    blobs = [
        envelope.encrypt_field(data_key, f"Field text number {i} " * 20, case_id="case-1", field=f"f{i}", version=1)
        for i in range(20)
    ]

    def open_case() -> None:
        key = envelope.unwrap_data_key(wrap, private, case_id="case-1", recipient_id="user-1")
        for i, blob in enumerate(blobs):
            envelope.decrypt_field(key, blob, case_id="case-1", field=f"f{i}", version=1)

    per_case = timed(open_case, 200)
    print(f"unwrap data key + decrypt 20 fields, median of 200: {per_case * 1000:.2f} ms")
    bench_store(params)


def bench_store(params) -> None:  # noqa: ANN001
    import random
    import tempfile
    from datetime import date
    from pathlib import Path

    from varsel_tui.domain.conditions import Context
    from varsel_tui.store.demo import auto_answers
    from varsel_tui.store.service import Store

    path = Path(tempfile.mkdtemp(prefix="varsel-bench-")) / "bench.db"
    store = Store.open(str(path))
    store.ensure_body("OU")
    store.register_user("kari", "correct horse battery staple", kdf_params=params)
    store.add_member("OU", "kari")
    store.init_recovery(by="bench")  # a re-registered case (avvik → varsling) always has a reader
    store.unlock("kari", "correct horse battery staple")
    rng = random.Random(1)
    numbers = {}
    for label, classification in (("secret", "strengt_hemmelig"), ("ordinary", "fortrolig")):
        d = store.create_case("ntnu-avvik", "Benchmark", date(2026, 11, 2), by="kari", classification=classification,
                              intake={"melder_type": "student", "mottakende_enhet": "OU"},
                              parties=[{"role": "melder", "name": "A B"}, {"role": "anklagede", "name": "C D"},
                                       {"role": "vitne", "name": "E F"}])
        number = numbers[label] = d.case.number
        for _ in range(12):
            d = store.get_case(number)
            if d.state.current is None:
                break
            step = d.workflow.step(d.state.current)
            answers = auto_answers(step.form, d.state.answers, Context(d.state.answers), date(2026, 11, 3), rng, ["OU"])
            if answers is None:
                break
            store.advance(number, answers, by="kari", on=date(2026, 11, 3))
        for i in range(30):
            store.add_note(number, f"Notat {i}: " + "tekst " * 30, by="kari")
    fresh = Store.open(str(path))
    unlock = timed(lambda: fresh.unlock("kari", "correct horse battery staple"), 3)
    print(f"store: unlock user (Argon2id + unseal), median of 3: {unlock * 1000:.0f} ms")
    for label, number in numbers.items():
        fresh.codec.lock()
        fresh.unlock("kari", "correct horse battery staple")
        start = time.perf_counter()
        fresh.get_case(number)  # the first open after unlocking also unwraps the data key
        first = time.perf_counter() - start
        per = timed(lambda number=number: fresh.get_case(number), 50)
        print(f"store: open {label} case (replay, decrypt every field): first {first * 1000:.1f} ms, "
              f"then median of 50: {per * 1000:.1f} ms")


if __name__ == "__main__":
    main()
