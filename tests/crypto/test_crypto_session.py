import subprocess
import sys

import pytest

from varsel_tui.crypto import envelope, keys
from varsel_tui.crypto.errors import NotEntitled, SessionLocked, TamperedData, WrongPassphrase
from varsel_tui.crypto.session import DEFAULT_IDLE_TIMEOUT, UnlockSession


@pytest.fixture
def user():
    public, sealed = keys.generate_user_keys("pw")
    return public, sealed


def test_unlock_and_cache_data_keys(user):
    public, sealed = user
    data_key = envelope.new_data_key()
    wrap = envelope.wrap_data_key(data_key, public, case_id="c1", recipient_id="u1")
    session = UnlockSession.unlock("u1", sealed, "pw")
    assert session.public_key == public and not session.locked
    assert session.data_key("c1", wrap) == data_key
    assert session.data_key("c1", None) == data_key  # cached


def test_unlock_wrong_passphrase(user):
    with pytest.raises(WrongPassphrase):
        UnlockSession.unlock("u1", user[1], "feil")


def test_not_entitled_without_wrap(user):
    session = UnlockSession.unlock("u1", user[1], "pw")
    with pytest.raises(NotEntitled):
        session.data_key("c1", None)


def test_wrap_for_another_user_id_is_rejected(user):
    public, sealed = user
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u2")
    session = UnlockSession.unlock("u1", sealed, "pw")
    with pytest.raises(TamperedData):
        session.data_key("c1", wrap)


def test_lock_wipes_cached_keys_and_drops_private_key(user):
    public, sealed = user
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1")
    session = UnlockSession.unlock("u1", sealed, "pw")
    session.data_key("c1", wrap)
    cached = session._data_keys["c1"]
    session.lock()
    assert session.locked
    assert cached == bytearray(32)
    assert session._data_keys == {} and session._private_key is None
    with pytest.raises(SessionLocked):
        session.data_key("c1", wrap)
    with pytest.raises(SessionLocked):
        _ = session.private_key


def test_forget_case(user):
    public, sealed = user
    session = UnlockSession.unlock("u1", sealed, "pw")
    session.data_key("c1", envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1"))
    session.forget_case("c1")
    with pytest.raises(NotEntitled):
        session.data_key("c1", None)


def test_idle_timeout(user):
    now = [1000.0]
    session = UnlockSession.unlock("u1", user[1], "pw", clock=lambda: now[0])
    assert session.idle_timeout == DEFAULT_IDLE_TIMEOUT == 600
    assert not session.expired(1000 + 599)
    assert session.expired(1000 + 600)
    session.touch(1500)
    assert not session.expired(2000)
    now[0] = 2100.0
    assert session.expired()
    session.touch()
    assert not session.expired()


def test_custom_idle_timeout(user):
    session = UnlockSession.unlock("u1", user[1], "pw", idle_timeout=60, clock=lambda: 0.0)
    assert session.expired(60) and not session.expired(59)


def test_disable_core_dumps_in_subprocess():
    code = (
        "import resource\n"
        "from varsel_tui.crypto.session import disable_core_dumps\n"
        "assert disable_core_dumps() is True\n"
        "assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)\n"
        "assert disable_core_dumps() is True\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
