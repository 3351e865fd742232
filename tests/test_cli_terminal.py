"""Nothing secret on argv, nothing raw to a terminal: the CLI as another account on the server
and a hostile text would meet it. Separate processes where argv and output bytes matter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_env import subprocess_env

from varsel_tui.cli import main

PASSPHRASE = "korrekt hest batteri"
PAYLOAD = "\x1b]0;PWNED\x07 \x1b]52;c;SGVsbG8=\x07 \x1b[2J \x9b31m [reverse]X[/reverse] [link=http://x]y[/link] [bold"
SHOWN = "␛]0;PWNED␇ ␛]52;c;SGVsbG8=␇ ␛[2J \\x9b31m [reverse]X[/reverse] [link=http://x]y[/link] [bold"


@pytest.fixture
def env(db_url, tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of a CLI user on SQLite, or on PostgreSQL with the password where it
    belongs: in a PGPASSFILE, not in the URL. The login is the database's administrator."""
    if db_url.startswith("postgresql"):
        db_url = _bare_url(db_url, tmp_path, monkeypatch)
    monkeypatch.setenv("VARSEL_DB", db_url)
    monkeypatch.setenv("VARSEL_PASSPHRASE", PASSPHRASE)
    _register_login()
    return subprocess_env()


@pytest.fixture
def local_env(tmp_path, monkeypatch) -> dict[str, str]:
    """A SQLite database: for what does not depend on the backend."""
    monkeypatch.setenv("VARSEL_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("VARSEL_PASSPHRASE", PASSPHRASE)
    _register_login()
    return subprocess_env()


def _register_login() -> None:
    """Whoever runs the tests registers first: the database's administrator and an approved user."""
    from varsel_tui.store.service import Store

    store = Store.open(os.environ["VARSEL_DB"])
    try:
        store.register_user(_login(store), PASSPHRASE)
    finally:
        store.close()


def _login(store) -> str:  # noqa: ANN001
    """Who the CLI takes us for: the OS login, or the database's session user on PostgreSQL."""
    from varsel_tui.identity import acting_user, session_user

    return acting_user(store.loc, None, lambda: session_user(store.engine))


def _bare_url(url: str, tmp_path: Path, monkeypatch) -> str:  # noqa: ANN001
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or 5432
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{parts.hostname}:{port}:{parts.path.lstrip('/')}:{parts.username}:{parts.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    return f"postgresql://{parts.username}@{parts.hostname}:{port}{parts.path}"


def varsel(env: dict[str, str], *argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "varsel_tui", *argv], env=env, input=stdin, capture_output=True,
                          timeout=120)


def in_process(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def new_case(capsys, tmp_path: Path, title: str = "Pensum mangler") -> str:
    import getpass

    # The registering officer has the case while no body is set, if they are a registered user.
    in_process(capsys, "user", "add", os.environ.get("VARSEL_USER") or getpass.getuser())
    f = tmp_path / "title.txt"
    f.write_text(title + "\n", encoding="utf-8")
    code, out, err = in_process(capsys, "case", "new", "--workflow", "ntnu-avvik", "--title", f"@{f}",
                                "--received", "2026-11-02", "--set", "melder_type=student", "--json")
    assert code == 0, err
    return json.loads(out)["number"]


def cmdlines() -> dict[int, bytes]:
    """Every process's argv as another account reads it."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = (entry / "cmdline").read_bytes()
            except OSError:
                pass
    return out


# -- free text from a file or standard input -------------------------------------------------------

def test_a_note_from_stdin_never_appears_in_any_cmdline(env, capsys, tmp_path):
    number = new_case(capsys, tmp_path)
    canary = f"CANARY-{os.getpid()}-{time.time_ns()}"
    proc = subprocess.Popen([sys.executable, "-m", "varsel_tui", "case", "note", number, "@-"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # right after fork the child's cmdline can still be empty: wait for the exec
        deadline = time.monotonic() + 20
        while b"varsel_tui" not in cmdlines().get(proc.pid, b"") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b"varsel_tui" in cmdlines().get(proc.pid, b"")
        proc.stdin.write(f"Varsleren heter {canary}\n".encode())
        proc.stdin.close()
        # while it reads and writes the note: its argv and every varsel process's hold no canary
        while proc.poll() is None:
            for pid, cmd in cmdlines().items():
                assert canary.encode() not in cmd, f"process {pid} shows the note on its command line"
            time.sleep(0.01)
        proc.wait(timeout=60)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    code, out, _ = in_process(capsys, "case", "show", number, "--json")
    notes = [j["text"] for j in json.loads(out)["journal"] if j["kind"] == "note"]
    assert notes == [f"Varsleren heter {canary}"]


def test_a_one_megabyte_note_from_a_file(env, capsys, tmp_path):
    number = new_case(capsys, tmp_path)
    text = ("Referat fra møtet. " * 60_000)[:1_000_000]
    f = tmp_path / "note.txt"
    f.write_text(text, encoding="utf-8")
    res = varsel(env, "case", "note", number, f"@{f}", "--kind", "minutes")
    assert res.returncode == 0, res.stderr
    code, out, _ = in_process(capsys, "case", "show", number, "--json")
    assert [j["text"] for j in json.loads(out)["journal"] if j["kind"] == "minutes"] == [text]


def test_every_free_text_value_takes_a_file(env, capsys, tmp_path):
    def put(name: str, text: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return f"@{tmp_path / name}"

    from varsel_tui.store.service import Store

    store = Store.open(os.environ["VARSEL_DB"])
    me = _login(store)  # registered by the fixture; an OU officer: the case goes to OU
    store.close()
    for argv in (("body", "add", "OU"), ("body", "member", "add", "OU", me)):
        assert in_process(capsys, *argv)[0] == 0
    code, out, err = in_process(capsys, "case", "new", "--workflow", "stinn-varsling", "--title", put("t", "Tittel"),
                                "--received", "2026-11-02", "--set", f"kanal={put('k', 'skriftlig')}",
                                "--set", "anonym=nei", "--set", "varsler_er_fornærmede=ja",
                                "--classification", "fortrolig",
                                "--party", put("p", "anklagede:Per Persen"), "--json")
    assert code == 0, err
    case = json.loads(out)
    number = case["number"]
    assert case["title"] == "Tittel" and case["intake"]["kanal"] == "skriftlig"
    assert [p["name"] for p in case["parties"]] == ["Per Persen"]
    code, out, err = in_process(capsys, "case", "party", number, "--role", "vitne", "--name", put("n", "Vera Vitne"),
                                "--json")
    assert code == 0, err
    assert "Vera Vitne" in [p["name"] for p in json.loads(out)["parties"]]
    code, out, err = in_process(capsys, "case", "measure", "add", number, put("m", "Nytt rutinedokument"),
                                "--responsible", put("r", "Instituttleder Ida"), "--json")
    assert code == 0, err
    assert json.loads(out)["measures"][0] == {"id": 1, "title": "Nytt rutinedokument",
                                                   "responsible": "Instituttleder Ida", "due": None, "done_on": None}
    code, out, err = in_process(capsys, "case", "hearing", "add", number, "--participant", me, "--ends",
                                "2026-12-04", "--question", put("q", "Hva mener du?"), "--json")
    assert code == 0, err
    assert json.loads(out)["hearings"][0]["question"] == "Hva mener du?"
    code, out, err = in_process(capsys, "body", "add", "OU2", "--title", put("b", "Organisasjonsutvalget"), "--json")
    assert code == 0 and json.loads(out)["title"] == "Organisasjonsutvalget", err
    if not os.environ["VARSEL_DB"].startswith("postgresql"):  # on a server one registers only one's own login
        code, out, err = in_process(capsys, "user", "add", "vera", "--display-name", put("d", "Vera Vitne"),
                                    "--json")
        assert code == 0 and json.loads(out)["display_name"] == "Vera Vitne", err
    # @@ is a literal leading @
    code, out, err = in_process(capsys, "case", "note", number, "@@per sa ja", "--json")
    assert code == 0, err
    assert json.loads(out)["journal"][-1]["text"] == "@per sa ja"


@pytest.mark.parametrize("argv, message", [
    (["case", "note", "2026-0001", "@/nowhere/note.txt"], "the note: no such file /nowhere/note.txt"),
    (["case", "note", "2026-0001", "@"], "the note: '@' must be followed by a file name"),
    (["case", "new", "--workflow", "ntnu-avvik", "--title", "@-", "--received", "2026-11-02",
      "--set", "melder_type=@-"], "--set melder_type: standard input was already read for --title"),
])
def test_an_unreadable_text_is_one_line_and_non_zero(local_env, capsys, tmp_path, argv, message):
    new_case(capsys, tmp_path)
    res = varsel(local_env, *argv, stdin=b"x")
    assert res.returncode == 1 and res.stdout == b""
    assert res.stderr.decode().startswith(f"varsel: {message}")
    assert len(res.stderr.decode().strip().splitlines()) == 1


# -- nothing raw to a terminal -------------------------------------------------------------------------

def test_control_sequences_in_stored_values_are_shown_not_sent(env, capsys, tmp_path):
    def put(name: str, text: str) -> str:
        (tmp_path / name).write_bytes(text.encode("utf-8"))
        return f"@{tmp_path / name}"

    number = new_case(capsys, tmp_path, "Sak " + PAYLOAD)
    for argv in (["case", "note", number, put("n", "Notat " + PAYLOAD + "\nlinje to")],
                 ["case", "party", number, "--role", "vitne", "--name", put("p", "Part " + PAYLOAD)],
                 ["case", "measure", "add", number, put("m", "Tiltak " + PAYLOAD), "--responsible", put("r", PAYLOAD)],
                 ["case", "advance", number, "--set", "sensitive_opplysninger=nei", "--set",
                  "kritikkverdige_forhold=nei", "--set", "vurdering=ikke_godkjent", "--set",
                  f"begrunnelse={put('a', 'Svar ' + PAYLOAD)}", "--set",
                  f"lukking_åpne_tiltak={put('l', 'Ikke et avvik ' + PAYLOAD)}", "--on", "2026-11-20"]):
        res = varsel(env, *argv)
        assert res.returncode == 0, res.stderr
        assert b"\x1b" not in res.stdout and b"\x07" not in res.stdout and b"\xc2\x9b" not in res.stdout
    import getpass
    from urllib.parse import urlsplit

    from access_grants import grant

    login = urlsplit(env["VARSEL_DB"]).username if env["VARSEL_DB"].startswith("postgresql") else getpass.getuser()
    grant(env["VARSEL_DB"], [login])  # `case list` shows what they may see
    outputs = {}
    for argv in (["case", "list"], ["case", "show", number], ["audit", "log"], ["audit", "log", "--case", number],
                 ["case", "measure", "add", number, "Mer"]):
        res = varsel(env, *argv)
        assert res.returncode == 0, res.stderr
        for raw in (res.stdout, res.stderr):
            assert b"\x1b" not in raw and b"\x07" not in raw and b"\xc2\x9b" not in raw, argv
        outputs[argv[1] if argv[0] == "case" else " ".join(argv[:3])] = res.stdout.decode()
    assert "Notat " + SHOWN + "␊linje to" in outputs["audit log --case"]  # one row stays one line
    assert "Sak " + SHOWN in outputs["list"] and "Sak " + SHOWN in outputs["show"]
    assert "Tiltak " + SHOWN + " · " + SHOWN in outputs["measure"]
    # JSON escapes them, and stays JSON
    res = varsel(env, "case", "show", number, "--json")
    assert b"\x1b" not in res.stdout and b"\xc2\x9b" not in res.stdout
    shown = json.loads(res.stdout)
    assert shown["title"] == "Sak " + PAYLOAD and shown["answers"]["begrunnelse"] == "Svar " + PAYLOAD
    assert "Part " + PAYLOAD in [p["name"] for p in shown["parties"]]


def test_an_error_quoting_a_value_is_escaped_too(local_env, capsys, tmp_path):
    res = varsel(local_env, "case", "show", "2026-0001\x1b]0;PWNED\x07")
    assert res.returncode != 0 and b"\x1b" not in res.stderr and b"\x07" not in res.stderr


# -- passwords and passphrases -------------------------------------------------------------------------

def test_a_database_password_on_argv_is_refused(local_env, capsys):
    res = varsel(local_env, "--db", "postgresql://varsel:s3cret@127.0.0.1/varsel", "case", "list")
    err = res.stderr.decode()
    assert res.returncode == 1 and len(err.strip().splitlines()) == 1
    assert "refusing a database password on the command line" in err and "PGPASSFILE" in err
    assert "s3cret" not in err
    res = varsel(local_env, "case", "list", "--db", "postgresql://varsel@127.0.0.1/varsel?password=s3cret")
    assert res.returncode == 1 and b"refusing" in res.stderr


def test_a_password_in_varsel_db_is_warned_about_once(local_env):
    url = os.environ.get("VARSEL_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL server (set VARSEL_TEST_PG_URL)")
    res = varsel({**local_env, "VARSEL_DB": url}, "workflows")
    warnings = [line for line in res.stderr.decode().splitlines() if "warning" in line]
    assert res.returncode == 0 and len(warnings) == 1 and "PGPASSFILE" in warnings[0]


def test_the_password_comes_from_pgpassfile(env):
    if "PGPASSFILE" not in env:
        pytest.skip("the PostgreSQL case")
    res = varsel(env, "--db", env["VARSEL_DB"], "case", "list", "--json")
    assert res.returncode == 0, res.stderr
    assert res.stderr == b"" and json.loads(res.stdout) == []
    res = varsel({**env, "PGPASSFILE": "/nonexistent"}, "--db", env["VARSEL_DB"], "case", "list")
    assert res.returncode == 1 and b"wants a password" in res.stderr and b"PGPASSFILE" in res.stderr


def test_a_peer_url_uses_the_unix_socket():
    from varsel_tui.store.db import DEFAULT_SOCKET_DIR, locate

    assert locate("postgresql:///varsel").url == f"postgresql+psycopg:///varsel?host={DEFAULT_SOCKET_DIR}"
    assert locate("postgresql:///varsel").libpq_url == f"postgresql:///varsel?host={DEFAULT_SOCKET_DIR}"
    assert locate("postgresql://officer@/varsel?sslmode=disable").url.endswith(
        f"?sslmode=disable&host={DEFAULT_SOCKET_DIR}")
    assert locate("postgresql:///varsel?host=/run/pg").url == "postgresql+psycopg:///varsel?host=/run/pg"
    assert locate("postgresql://db.example/varsel").url == "postgresql+psycopg://db.example/varsel"


def test_a_peer_url_reaches_the_server_over_the_socket(local_env):
    """The server answers over the socket: it lets the OS account in when it has a role of that
    name, and refuses a role of another name (peer authentication), in one line either way."""
    if not os.environ.get("VARSEL_TEST_PG_URL") or not Path("/var/run/postgresql/.s.PGSQL.5432").exists():
        pytest.skip("no local PostgreSQL socket")
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ["VARSEL_TEST_PG_URL"])
    res = varsel(local_env, "--db", f"postgresql://{parts.username}@{parts.path}", "case", "list")
    err = res.stderr.decode()
    import getpass

    if getpass.getuser() != parts.username:
        assert res.returncode == 1 and "peer authentication failed" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("weak, message", [
    ("kort", "at least 12 characters"),
    ("aaaaaaaaaaaaaaaa", "one character repeated"),
    ("1234567890123456", "digits only"),
])
def test_weak_passphrases_are_refused(local_env, capsys, monkeypatch, weak, message):
    monkeypatch.setenv("VARSEL_PASSPHRASE", weak)
    code, out, err = in_process(capsys, "user", "add", "lars")
    assert code == 1 and out == "" and message in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("VARSEL_PASSPHRASE", PASSPHRASE)
    assert in_process(capsys, "user", "add", "lars")[0] == 0
    monkeypatch.setenv("VARSEL_NEW_PASSPHRASE", weak)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = in_process(capsys, "user", "passwd", "lars")
    assert code == 1 and message in err
    # the administrator (VARSEL_PASSPHRASE) gives lars a new passphrase (VARSEL_NEW_PASSPHRASE)
    in_process(capsys, "user", "approve", "lars")
    code, _, err = in_process(capsys, "user", "reset", "lars")
    assert code == 1 and message in err


def test_a_passphrase_file_others_can_read_is_warned_about(local_env, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("VARSEL_PASSPHRASE")
    f = tmp_path / "pass.txt"
    f.write_text(PASSPHRASE + "\n")
    f.chmod(0o644)
    code, _, err = in_process(capsys, "user", "add", "lars", "--passphrase-file", str(f))
    assert code == 0 and "can be read by other accounts" in err and str(f) in err
    f.chmod(0o600)
    code, _, err = in_process(capsys, "user", "passwd", "lars", "--passphrase-file", str(f))
    assert "can be read by other accounts" not in err


def test_a_damaged_pdf_is_refused_in_one_line_without_quoting_its_bytes(local_env, capsys, tmp_path):
    # pypdf logs what it finds wrong, quoting the file's bytes; in a real process that reaches stderr.
    number = new_case(capsys, tmp_path)
    bad = tmp_path / "vedlegg.pdf"
    bad.write_bytes(b"hemmelig innhold, ikke en pdf")
    done = varsel(local_env, "doc", "add", number, str(bad))
    err = done.stderr.decode()
    assert done.returncode == 1 and err.startswith("varsel: vedlegg.pdf is not a readable PDF"), err
    assert err.count("\n") == 1 and "hemmelig" not in err


def test_an_unexpected_database_error_is_one_short_line():
    """A driver error carries its whole statement and parameters on the lines after the first
    (a bulk statement: megabytes); the CLI says the first line only."""
    from varsel_tui.cli import _explain

    statement = "[SQL: SELECT id FROM cases WHERE id IN (" + ", ".join(["%s"] * 100_000) + ")]"
    message = _explain(RuntimeError("sending query failed: too many parameters\n" + statement))
    assert message == ("unexpected error: RuntimeError: sending query failed: too many parameters "
                       "(set VARSEL_DEBUG=1 for details)")
    assert len(_explain(RuntimeError("x" * 10_000))) < 400
