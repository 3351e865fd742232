import pytest


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    """Tiny KDF parameters for every crypto test (see varsel_tui.crypto.kdf)."""
    monkeypatch.setenv("VARSEL_TEST_FAST_KDF", "1")
