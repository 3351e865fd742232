"""Where the database is: peer-login PostgreSQL URLs and the single-user SQLite file."""

from __future__ import annotations

import os

import psycopg
import pytest

from varsel_tui.store import db as store_db
from varsel_tui.store.db import StoreError, locate
from varsel_tui.store.service import Store


@pytest.fixture
def socket_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(store_db, "DEFAULT_SOCKET_DIR", str(tmp_path))
    monkeypatch.delenv("PGHOST", raising=False)
    return str(tmp_path)


def _conninfo(url: str) -> dict:
    """What libpq (the queue's psycopg reader, and SQLAlchemy's driver) makes of the URL."""
    return psycopg.conninfo.conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://", 1))


def test_a_url_without_a_host_is_the_local_socket_with_the_os_login(socket_dir):
    loc = locate("postgresql:///varsel")
    assert _conninfo(loc.url) == {"dbname": "varsel", "host": socket_dir}
    assert "user" not in _conninfo(loc.url) and "password" not in _conninfo(loc.url)
    assert loc.display() == "postgresql:///varsel" and not loc.is_sqlite
    assert _conninfo(locate("postgres:///varsel?sslmode=disable").url) == {
        "dbname": "varsel", "sslmode": "disable", "host": socket_dir}


@pytest.mark.parametrize("url, host", [
    ("postgresql://kari@db.example/varsel", "db.example"),
    ("postgresql:///varsel?host=/srv/pg", "/srv/pg"),
])
def test_a_url_with_a_host_is_left_as_it_is(socket_dir, url, host):
    assert _conninfo(locate(url).url)["host"] == host


def test_pghost_wins_over_the_default_socket(socket_dir, monkeypatch):
    monkeypatch.setenv("PGHOST", "/elsewhere")
    assert "host" not in _conninfo(locate("postgresql:///varsel").url)


def test_a_new_sqlite_file_is_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        Store.open(str(tmp_path / "new.db")).close()
    finally:
        os.umask(old)
    assert (tmp_path / "new.db").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("mode", [0o660, 0o640, 0o604, 0o666])
def test_a_shared_sqlite_file_is_refused_and_left_as_it_is(tmp_path, mode):
    path = tmp_path / "shared.db"
    Store.open(str(path)).close()
    path.chmod(mode)
    with pytest.raises(StoreError, match="for one user.*A committee on one server") as err:
        Store.open(str(path))
    assert f"{mode:04o}" in str(err.value)
    assert path.stat().st_mode & 0o777 == mode  # not silently chmodded back


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another account")
def test_another_accounts_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "theirs.db"
    Store.open(str(path)).close()
    os.chown(path, 65534, -1)  # nobody
    with pytest.raises(StoreError, match="belongs to another account.*A committee on one server"):
        Store.open(str(path))


@pytest.mark.parametrize("argv", [["server", "init", "committee.db"], ["server", "upgrade", "committee.db"]])
def test_server_commands_need_a_postgresql_url(tmp_path, capsys, argv):
    from varsel_tui import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv[:2], str(tmp_path / argv[2])])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "needs a PostgreSQL URL" in err and len(err.strip().splitlines()) == 1


def test_server_init_refuses_a_password_on_the_command_line(capsys):
    from varsel_tui import cli

    with pytest.raises(SystemExit):
        cli.main(["server", "init", "postgresql://postgres:hemmelig@localhost/varsel"])
    assert "refusing a database password on the command line" in capsys.readouterr().err
