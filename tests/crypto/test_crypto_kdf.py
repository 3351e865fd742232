import pytest

from varsel_tui.crypto import kdf
from varsel_tui.crypto.errors import FormatError

SALT = bytes(16)


def test_fast_mode_params_are_tiny_and_valid():
    params = kdf.default_params()  # the tests' fixture fixed them
    assert params == kdf.FAST_TEST_PARAMS
    assert kdf.check_params(params) == params


def test_no_environment_variable_makes_production_keys_cheap(monkeypatch):
    kdf.use_fixed_params(None)  # as in production: nothing fixed them
    for name in ("VARSEL_TEST_FAST_KDF", "VARSEL_FAST_KDF", "VARSEL_KDF"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setattr(kdf, "calibrate", lambda: {"calibrated": True})
    assert kdf.default_params() == {"calibrated": True}


def test_derive_is_deterministic_and_salted():
    params = kdf.FAST_TEST_PARAMS
    a = kdf.derive_key("passord", SALT, params)
    assert len(a) == 32
    assert kdf.derive_key("passord", SALT, params) == a
    assert kdf.derive_key("passord", b"\1" * 16, params) != a
    assert kdf.derive_key("Passord", SALT, params) != a


def test_unicode_passphrase_is_nfc_normalised():
    params = kdf.FAST_TEST_PARAMS
    composed, decomposed = "bl\u00e5b\u00e6r", "bla\u030ab\u00e6r"
    assert composed != decomposed
    assert kdf.derive_key(composed, SALT, params) == kdf.derive_key(decomposed, SALT, params)


def test_scrypt_params_work():
    params = {"name": "scrypt", "n": 16, "r": 8, "p": 1}
    assert len(kdf.derive_key("x", SALT, params)) == 32


@pytest.mark.parametrize(
    "params",
    [
        {"name": "argon2id", "memory_cost": 2 * 1024 * 1024, "iterations": 1, "lanes": 1},  # 2 GiB
        {"name": "argon2id", "memory_cost": 64, "iterations": 21, "lanes": 1},
        {"name": "argon2id", "memory_cost": 64, "iterations": 10**9, "lanes": 1},
        {"name": "argon2id", "memory_cost": 1024, "iterations": 1, "lanes": 17},
        {"name": "argon2id", "memory_cost": 64, "iterations": 0, "lanes": 1},
        {"name": "argon2id", "memory_cost": 8, "iterations": 1, "lanes": 2},  # < 8 * lanes
        {"name": "argon2id", "memory_cost": 64.0, "iterations": 1, "lanes": 1},
        {"name": "argon2id", "memory_cost": "64", "iterations": 1, "lanes": 1},
        {"name": "argon2id", "memory_cost": 64, "iterations": True, "lanes": 1},
        {"name": "argon2id", "memory_cost": 64, "iterations": 1, "lanes": 1, "extra": 1},
        {"name": "argon2id", "memory_cost": 64, "iterations": 1},
        {"name": "scrypt", "n": 1 << 21, "r": 8, "p": 1},
        {"name": "scrypt", "n": 1 << 20, "r": 16, "p": 1},  # 2 GiB
        {"name": "scrypt", "n": 1000, "r": 8, "p": 1},  # not a power of two
        {"name": "scrypt", "n": 16, "r": 8, "p": 17},
        {"name": "pbkdf2", "iterations": 1},
        {},
        [],
        None,
    ],
)
def test_out_of_bounds_params_raise_format_error(params):
    with pytest.raises(FormatError):
        kdf.check_params(params)
    with pytest.raises(FormatError):
        kdf.derive_key("x", SALT, params)


def test_caps_allow_the_limits_themselves():
    kdf.check_params({"name": "argon2id", "memory_cost": 1024 * 1024, "iterations": 20, "lanes": 16})
    kdf.check_params({"name": "scrypt", "n": 1 << 17, "r": 8, "p": 1})


def test_bad_salt_length():
    with pytest.raises(FormatError):
        kdf.derive_key("x", b"short", kdf.FAST_TEST_PARAMS)


def test_calibrate_returns_capped_argon2_params():
    params = kdf.calibrate(target_seconds=0.05)
    assert params["name"] == "argon2id"
    assert params["lanes"] == 2
    assert params["memory_cost"] >= 64 * 1024
    assert 3 <= params["iterations"] <= 10
    assert kdf.check_params(params) == params


def test_scrypt_fallback_when_argon2_missing(monkeypatch):
    monkeypatch.setattr(kdf, "_argon2_ok", False)
    assert kdf.fast_test_params()["name"] == "scrypt"
    params = kdf.calibrate(target_seconds=0.01)
    assert params["name"] == "scrypt" and params["n"] >= 1 << 14
    with pytest.raises(FormatError):
        kdf.derive_key("x", SALT, kdf.FAST_TEST_PARAMS)
