"""Print crypto timings on this machine: calibration, unlock, unwrap + decrypt 20 fields.

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


if __name__ == "__main__":
    main()
