"""Who is acting: the login; --user only where it is the login or on one account's own file."""

import os

import pytest

from varsel_tui.identity import IdentityRefused, acting_user, os_login
from varsel_tui.store.db import locate


def test_the_login_is_the_user_and_a_claim_on_a_private_file_is_a_convenience(tmp_path):
    db = tmp_path / "own.db"
    db.write_bytes(b"")
    os.chmod(db, 0o600)
    assert acting_user(locate(str(db)), None) == os_login()
    assert acting_user(locate(str(db)), "kari") == "kari"


@pytest.mark.parametrize("mode", [0o660, 0o644, 0o606])
def test_a_claim_on_a_shared_file_is_refused(tmp_path, mode):
    db = tmp_path / "shared.db"
    db.write_bytes(b"")
    os.chmod(db, mode)
    assert acting_user(locate(str(db)), os_login()) == os_login()
    with pytest.raises(IdentityRefused) as err:
        acting_user(locate(str(db)), "kari")
    assert str(err.value).startswith(f"you are logged in as {os_login()}; --user kari is not accepted here")


def test_postgresql_believes_the_server_not_the_flag():
    loc = locate("postgresql://x@localhost/db")
    assert acting_user(loc, None, lambda: "nora") == "nora"
    assert acting_user(loc, "nora", lambda: "nora") == "nora"
    with pytest.raises(IdentityRefused, match="you are logged in as nora; --user kari is not accepted here"):
        acting_user(loc, "kari", lambda: "nora")
