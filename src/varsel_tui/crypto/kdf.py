"""Passphrase -> 32-byte key with a memory-hard KDF.

Parameters are a small JSON-able dict stored next to the sealed key:

- ``{"name": "argon2id", "memory_cost": KiB, "iterations": t, "lanes": p}`` (preferred)
- ``{"name": "scrypt", "n": N, "r": r, "p": p}`` (fallback when the installed
  ``cryptography``/OpenSSL build lacks Argon2id)

Parameters read back from storage go through :func:`check_params`, which caps them
(memory <= 1 GiB, Argon2 iterations <= 20, ...) so a tampered key file cannot make
unlock hang or exhaust memory; anything out of bounds raises :class:`FormatError`.

Tests make keys fast by calling :func:`use_fixed_params` with :func:`fast_test_params`
(tests/conftest.py; CLI subprocesses get it from tests/fastkdf/sitecustomize.py). Only code
running inside the process can do that: no environment variable or file switches it, so a
production installation always calibrates.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from .errors import FormatError

__all__ = [
    "KEY_LENGTH",
    "SALT_LENGTH",
    "FAST_TEST_PARAMS",
    "fast_test_params",
    "use_fixed_params",
    "fixed_params",
    "argon2_available",
    "check_params",
    "default_params",
    "calibrate",
    "derive_key",
]

KEY_LENGTH = 32
SALT_LENGTH = 16

# Caps applied to parameters read from storage.
MAX_MEMORY_BYTES = 1 << 30  # 1 GiB
MAX_ARGON2_ITERATIONS = 20
MAX_ARGON2_LANES = 16
MAX_SCRYPT_LOG2_N = 20
MAX_SCRYPT_R = 32
MAX_SCRYPT_P = 16

FAST_TEST_PARAMS: dict[str, Any] = {"name": "argon2id", "memory_cost": 64, "iterations": 1, "lanes": 1}
_FAST_TEST_SCRYPT: dict[str, Any] = {"name": "scrypt", "n": 16, "r": 8, "p": 1}

# Calibration bounds: at least RFC 9106's 64 MiB; at most 256 MiB so unlock stays
# friendly on small laptops (the target time is reached with extra iterations).
_CAL_MIN_MEMORY_KIB = 64 * 1024
_CAL_MAX_MEMORY_KIB = 256 * 1024
_CAL_MIN_ITERATIONS = 3
_CAL_MAX_ITERATIONS = 10
_CAL_LANES = 2

_argon2_ok: bool | None = None


def argon2_available() -> bool:
    """True if this ``cryptography`` build can compute Argon2id."""
    global _argon2_ok
    if _argon2_ok is None:
        try:
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            Argon2id(salt=b"\0" * SALT_LENGTH, length=KEY_LENGTH, iterations=1, lanes=1, memory_cost=8).derive(b"x")
            _argon2_ok = True
        except Exception:  # ImportError on old versions, UnsupportedAlgorithm on some OpenSSL builds
            _argon2_ok = False
    return _argon2_ok


def _int(params: dict, key: str, lo: int, hi: int) -> int:
    value = params.get(key)
    if type(value) is not int:  # rejects bool, float, str
        raise FormatError(f"KDF parameter {key!r} must be an integer")
    if not lo <= value <= hi:
        raise FormatError(f"KDF parameter {key!r}={value} outside [{lo}, {hi}]")
    return value


def check_params(params: Any) -> dict[str, Any]:
    """Validate and cap KDF parameters; return a normalised copy. Raises FormatError."""
    if not isinstance(params, dict):
        raise FormatError("KDF parameters must be an object")
    name = params.get("name")
    if name == "argon2id":
        keys = {"name", "memory_cost", "iterations", "lanes"}
        lanes = _int(params, "lanes", 1, MAX_ARGON2_LANES)
        memory = _int(params, "memory_cost", 8 * lanes, MAX_MEMORY_BYTES // 1024)
        iterations = _int(params, "iterations", 1, MAX_ARGON2_ITERATIONS)
        out = {"name": name, "memory_cost": memory, "iterations": iterations, "lanes": lanes}
    elif name == "scrypt":
        keys = {"name", "n", "r", "p"}
        n = _int(params, "n", 2, 1 << MAX_SCRYPT_LOG2_N)
        if n & (n - 1):
            raise FormatError("scrypt parameter 'n' must be a power of two")
        r = _int(params, "r", 1, MAX_SCRYPT_R)
        p = _int(params, "p", 1, MAX_SCRYPT_P)
        if 128 * n * r > MAX_MEMORY_BYTES:
            raise FormatError("scrypt parameters need more than 1 GiB of memory")
        out = {"name": name, "n": n, "r": r, "p": p}
    else:
        raise FormatError(f"unknown KDF {name!r}")
    if set(params) != keys:
        raise FormatError("unexpected KDF parameter keys")
    return out


_fixed: dict[str, Any] | None = None


def fast_test_params() -> dict[str, Any]:
    """Tiny parameters for test suites (cheap to brute-force: never for real keys)."""
    return dict(FAST_TEST_PARAMS if argon2_available() else _FAST_TEST_SCRYPT)


def use_fixed_params(params: dict[str, Any] | None) -> None:
    """Give every new key `params` instead of calibrated ones (None: calibrate again). For tests."""
    global _fixed
    _fixed = check_params(params) if params is not None else None


def fixed_params() -> dict[str, Any] | None:
    return dict(_fixed) if _fixed is not None else None


def default_params() -> dict[str, Any]:
    """Parameters for a new sealed key: :func:`calibrate`, unless a test fixed them."""
    return fixed_params() or calibrate()


def _normalise(passphrase: str) -> bytes:
    # NFC so "ø" typed as one code point or as o + combining stroke gives the same key.
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be str")
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_key(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    """Derive a 32-byte key. ``params`` are checked (and capped) first."""
    params = check_params(params)
    if len(salt) != SALT_LENGTH:
        raise FormatError("bad KDF salt length")
    secret = _normalise(passphrase)
    if params["name"] == "argon2id":
        if not argon2_available():
            raise FormatError("this installation cannot compute Argon2id")
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        return Argon2id(
            salt=salt,
            length=KEY_LENGTH,
            iterations=params["iterations"],
            lanes=params["lanes"],
            memory_cost=params["memory_cost"],
        ).derive(secret)
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=KEY_LENGTH, n=params["n"], r=params["r"], p=params["p"]).derive(secret)


def _time(params: dict[str, Any]) -> float:
    start = time.perf_counter()
    derive_key("calibration", b"\0" * SALT_LENGTH, params)
    return time.perf_counter() - start


def calibrate(target_seconds: float = 0.5) -> dict[str, Any]:
    """Pick parameters that take about ``target_seconds`` to derive on this machine.

    Argon2id: 2 lanes; memory doubles from 64 MiB up to 256 MiB while a 3-iteration
    run is under half the target, then iterations are scaled to hit the target
    (3..10). Scrypt fallback: N doubles (r=8, p=1) up to 256 MiB.
    """
    if target_seconds <= 0:
        raise ValueError("target_seconds must be positive")
    if argon2_available():
        params: dict[str, Any] = {"name": "argon2id", "memory_cost": _CAL_MIN_MEMORY_KIB, "iterations": _CAL_MIN_ITERATIONS, "lanes": _CAL_LANES}
        elapsed = _time(params)
        while elapsed < target_seconds / 2 and params["memory_cost"] < _CAL_MAX_MEMORY_KIB:
            params["memory_cost"] *= 2
            elapsed = _time(params)
        per_iteration = elapsed / params["iterations"]
        wanted = round(target_seconds / per_iteration) if per_iteration > 0 else _CAL_MAX_ITERATIONS
        params["iterations"] = max(_CAL_MIN_ITERATIONS, min(_CAL_MAX_ITERATIONS, wanted))
        return check_params(params)
    params = {"name": "scrypt", "n": 1 << 14, "r": 8, "p": 1}
    while _time(params) < target_seconds / 2 and 128 * params["n"] * params["r"] < _CAL_MAX_MEMORY_KIB * 1024:
        params["n"] *= 2
    return check_params(params)
