"""Who may do what, tried as an attacker would: through the CLI, as separate users, on SQLite and
on PostgreSQL (there each user is their own database login, so the server says who they are).

Attacks tried (README "Confidentiality — threat model", issue 8): a claimed identity, an
unapproved user, a non-administrator's administrator acts, a member row inserted behind the
app's back, a replaced public key, a self-made administrator, seed-demo on a real database, the
conflict rule with Norwegian names.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import unicodedata

import pytest

from varsel_tui.cli import main

WRITTEN = ["--set", "kanal=skriftlig", "--set", "anonym=nei", "--set", "varsler_er_fornærmede=ja"]
PEOPLE = ("admin", "kari", "nora", "lars", "mallory", "orjan", "eve")


class Org:
    """One database and a way to run `varsel` as each person."""

    def __init__(self, backend: str, db_url: str, monkeypatch, capsys):  # noqa: ANN001
        self.backend, self.db_url, self.mp, self.capsys = backend, db_url, monkeypatch, capsys
        # On PostgreSQL a person is a login role; the varsel user name is that role's name.
        self.name = {p: (f"idt_{p}" if backend == "postgres" else p) for p in PEOPLE}

    def passphrase(self, person: str) -> str:
        return f"{person} sin lange passfrase"

    def run(self, person: str, *argv: str, passphrase: str | None = None, claim: str | None = None):
        """`varsel ARGV` as `person` (their login); `claim` is a --user they give."""
        if self.backend == "postgres":  # each person's own login; passwords in the PGPASSFILE
            base = self.db_url.split("://", 1)[1].split("@", 1)[1]
            self.mp.setenv("VARSEL_DB", f"postgresql://{self.name[person]}@{base}")
            self.mp.delenv("VARSEL_USER", raising=False)
        else:
            self.mp.setenv("VARSEL_DB", self.db_url)
            self.mp.setenv("VARSEL_USER", person)  # one account's own file: naming the user is allowed
        self.mp.setenv("VARSEL_PASSPHRASE", passphrase or self.passphrase(person))
        if claim:
            argv = (*argv, "--user", claim)
        self.capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = self.capsys.readouterr()
        return code, out.out, out.err

    def ok(self, person: str, *argv: str, **kw):  # noqa: ANN201
        code, out, err = self.run(person, *argv, "--json", **kw)
        assert code == 0, err
        return json.loads(out)

    def refused(self, person: str, *argv: str, **kw) -> str:
        code, out, err = self.run(person, *argv, **kw)
        assert code != 0 and out == "", (code, out, err)
        assert len(err.strip().splitlines()) == 1, err
        return err.strip()

    def sql(self, statement: str, *params) -> list:  # noqa: ANN002
        """Change the database behind the app's back, as someone with write access would."""
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(self.db_url, autocommit=True) as conn:
                cur = conn.execute(statement.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        conn = sqlite3.connect(self.db_url)
        try:
            rows = conn.execute(statement, params).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()


def _login_roles(url: str, pgpass: "os.PathLike[str]", monkeypatch) -> None:  # noqa: ANN001
    """A PostgreSQL login per person, with the tables' privileges (store/server.py's grants do this
    properly; here membership in the owner role stands in for them), passwords in a PGPASSFILE."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    with open(pgpass, "w", encoding="utf-8") as fh:
        for person in PEOPLE:
            fh.write(f"{parts.hostname}:{parts.port or 5432}:{parts.path.lstrip('/')}:idt_{person}:idt_{person}\n")
    os.chmod(pgpass, 0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with psycopg.connect(url, autocommit=True) as conn:
        owner = conn.execute("SELECT current_user").fetchone()[0]
        for person in PEOPLE:
            role = f"idt_{person}"
            for attempt in range(5):  # roles are cluster-wide: another xdist worker may be making them too
                try:
                    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                        conn.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD \'{role}\'')
                    conn.execute(f'GRANT "{owner}" TO "{role}"')
                    break
                except psycopg.Error:
                    if attempt == 4:
                        raise
                    time.sleep(0.2)


@pytest.fixture
def org(db_url, monkeypatch, capsys, tmp_path) -> Org:
    """OU (kari, nora, orjan «Ørjan Ås») and KKV (lars); admin administers; mallory registered
    herself and was approved as an ordinary officer, in no body."""
    backend = "postgres" if "://" in db_url else "sqlite"
    if backend == "postgres":
        _login_roles(db_url, tmp_path / "pgpass", monkeypatch)
        from varsel_tui.store.service import Store

        Store.open(db_url).close()  # the schema, made by its owner
    o = Org(backend, db_url, monkeypatch, capsys)
    n = o.name
    first = o.ok("admin", "user", "add", n["admin"])
    assert first["role"] == "admin" and first["approved"] is True
    for person in ("kari", "nora", "lars", "mallory"):
        o.ok(person, "user", "add", n[person])
    o.ok("orjan", "user", "add", n["orjan"], "--display-name", "Ørjan Ås")
    for person in ("kari", "nora", "lars", "mallory", "orjan"):
        o.ok("admin", "user", "approve", n[person])
    for body in ("OU", "KKV", "Presidentskapet"):
        o.ok("admin", "body", "add", body)
    for body, person in (("OU", "kari"), ("OU", "nora"), ("OU", "orjan"), ("KKV", "lars")):
        o.ok("admin", "body", "member", "add", body, n[person])
    return o


def _secret_case(o: Org, by: str = "kari", *parties: str) -> str:
    argv = ["case", "new", "--workflow", "stinn-varsling", "--title", "Trakassering på styremøtet",
            "--received", "2026-11-02", *WRITTEN]
    for p in parties:
        argv += ["--party", p]
    return o.ok(by, *argv)["number"]


def test_a_claimed_identity_is_refused(org):
    n = org.name
    if org.backend == "postgres":
        # kari's login, claiming to be the administrator
        err = org.refused("kari", "body", "member", "add", "OU", n["mallory"], claim=n["admin"],
                          passphrase=org.passphrase("admin"))
        assert err == f"varsel: you are logged in as {n['kari']}; --user {n['admin']} is not accepted here"
        # registering someone else's name on a shared database
        err = org.refused("mallory", "user", "add", n["lars"])
        assert "you can only register yourself" in err
    else:
        # a SQLite file shared with other accounts (group-writable): the login is the user
        os.chmod(org.db_url, 0o660)
        import pwd

        login = pwd.getpwuid(os.geteuid()).pw_name
        err = org.refused("mallory", "body", "member", "add", "OU", "mallory", passphrase=org.passphrase("admin"),
                          claim="admin")
        assert err.startswith(f"varsel: you are logged in as {login}; --user admin is not accepted here")
        err = org.refused("mallory", "case", "list")  # VARSEL_USER is a claim too
        assert f"you are logged in as {login}; --user mallory is not accepted here" in err
        # and as the login itself, a file other accounts can open is refused (a committee shares PostgreSQL)
        err = org.refused("mallory", "audit", "verify", claim=login)
        assert "can be read or written by other accounts" in err


def test_an_unapproved_user_can_do_nothing_until_an_administrator_approves(org):
    n = org.name
    number = _secret_case(org)
    org.ok("admin", "case", "new", "--workflow", "ntnu-avvik", "--title", "Vanlig sak", "--received",
           "2026-11-02", "--set", "melder_type=student")
    assert org.ok("eve", "user", "add", n["eve"])["approved"] is False
    pending = f"varsel: {n['eve']} is waiting for an administrator's approval ('varsel user approve {n['eve']}')"
    for argv in (("case", "list"), ("case", "show", number), ("case", "show", "2026-0002"),
                 ("case", "note", "2026-0002", "skriver likevel"), ("due",), ("access", "sync"),
                 ("case", "new", "--workflow", "ntnu-avvik", "--title", "x", "--received", "2026-11-02",
                  "--set", "melder_type=student")):
        assert org.refused("eve", *argv) == pending
    assert org.refused("eve", "user", "approve", n["eve"]) == pending
    users = {u["name"]: u for u in org.ok("admin", "user", "list")}
    assert users[n["eve"]]["status"] == "pending" and users[n["eve"]]["approved_by"] is None
    assert users[n["kari"]]["status"] == "approved" and users[n["kari"]]["approved_by"] == n["admin"]
    assert users[n["admin"]]["role"] == "admin" and users[n["admin"]]["approved_by"] == n["admin"]
    org.ok("admin", "user", "approve", n["eve"])
    assert isinstance(org.ok("eve", "case", "list"), list)  # allowed now (what it holds is case_access's)


ADMIN_ACTS = [
    ("body", "member", "add", "OU", "{mallory}"),
    ("body", "member", "remove", "OU", "{kari}"),
    ("body", "add", "Skyggeutvalget"),
    ("user", "approve", "{mallory}", "--role", "admin"),
    ("user", "reset", "{lars}"),
    ("recovery", "init"),
    ("retention-policy", "stinn-varsling", "1"),
    ("retention", "--destroy", "--yes"),
]


def test_an_officers_administrator_acts_are_refused(org):
    # one organisation for every act (setting one up is most of the time): each refusal leaves it as it was
    for act in ADMIN_ACTS:
        argv = [a.format(**org.name) for a in act]
        err = org.refused("mallory", *argv)
        assert err.startswith("varsel: only an administrator may ") and err.endswith(
            f"{org.name['mallory']} is not one"), (act, err)
        # nothing happened, and the journal has no such act by anyone
        assert org.name["mallory"] not in {m for b in org.ok("kari", "body", "list") for m in b["members"]}, act
        assert org.name["kari"] in {m for b in org.ok("kari", "body", "list") if b["name"] == "OU" for m in b["members"]}


def test_administrator_acts_need_the_administrators_passphrase_and_journal_the_real_actor(org):
    n = org.name
    err = org.refused("admin", "body", "member", "add", "OU", n["mallory"], passphrase="gjettet passfrase")
    assert err == f"varsel: wrong passphrase for {n['admin']}"
    org.ok("admin", "body", "member", "add", "Presidentskapet", n["mallory"])
    log = org.ok("admin", "audit", "log")
    changes = [r for r in log if r["kind"] in ("body", "user") and r["case"] is None]
    assert changes and all(r["by"] for r in changes)  # never by=""
    assert any(r["by"] == n["admin"] and r["text"] == f"{n['mallory']} lagt til i Presidentskapet" for r in changes)


def test_a_member_row_inserted_in_the_database_gives_no_access_and_is_reported(org):
    n = org.name
    number = _secret_case(org)
    ou = org.sql("SELECT id FROM bodies WHERE name = 'OU'")[0][0]
    mallory_id = org.sql("SELECT id FROM users WHERE name = ?", n["mallory"])[0][0]
    org.sql("INSERT INTO members (body_id, person, user_id) VALUES (?, ?, ?)", ou, n["mallory"], mallory_id)
    org.ok("kari", "case", "note", number, "et ærlig notat")  # the next honest write
    holders = {a["recipient"] for a in org.ok("kari", "access", "show", number)}
    assert n["mallory"] not in holders and {n["kari"], n["nora"]} <= holders
    err = org.refused("mallory", "case", "show", number)
    assert err == f"varsel: you have no access to case {number}"
    # a forged signature does not help either
    org.sql("UPDATE members SET signed_by = ?, added_at = ?, sig = ? WHERE person = ?", n["admin"],
            "2026-11-23 10:00:00", b"\x01" * 64, n["mallory"])
    assert org.refused("mallory", "case", "show", number).endswith(f"no access to case {number}")
    code, _, err = org.run("kari", "audit", "verify")
    assert code == 1
    assert f"varsel: membership of {n['mallory']} in OU is not signed by an administrator" in err.splitlines()


def test_a_replaced_public_key_gets_no_wrap(org):
    """A database writer puts their own key pair in nora's row: the next write would have wrapped
    the case for it. It does not; nora's record no longer verifies and is reported."""
    from varsel_tui.crypto.keys import generate_user_keys

    n = org.name
    number = _secret_case(org)
    public, sealed = generate_user_keys("angriperens passfrase")
    org.sql("UPDATE users SET public_key = ?, sealed_private_key = ? WHERE name = ?", public, sealed, n["nora"])
    org.ok("kari", "case", "note", number, "et ærlig notat")
    holders = org.ok("kari", "access", "show", number)
    assert n["nora"] not in {a["recipient"] for a in holders}
    err = org.refused("nora", "case", "show", number, passphrase="angriperens passfrase")
    assert "changed outside varsel" in err
    code, _, err = org.run("kari", "audit", "verify")
    assert code == 1 and f"user {n['nora']}: the approval, role or keys are not signed by an administrator" in err


def test_a_self_made_administrator_is_not_honoured(org):
    n = org.name
    org.sql("UPDATE users SET role = 'admin' WHERE name = ?", n["mallory"])
    err = org.refused("mallory", "body", "member", "add", "OU", n["mallory"])
    assert "changed outside varsel" in err
    # nor copying the administrator's signature onto her own row
    sig, by, at = org.sql("SELECT approval_sig, approved_by, approved_at FROM users WHERE name = ?", n["admin"])[0]
    org.sql("UPDATE users SET approval_sig = ?, approved_by = ?, approved_at = ? WHERE name = ?", sig, by, at,
            n["mallory"])
    assert "changed outside varsel" in org.refused("mallory", "user", "reset", n["lars"])
    code, _, err = org.run("kari", "audit", "verify")
    assert code == 1 and f"user {n['mallory']}: the approval, role or keys are not signed" in err


def test_the_accused_is_matched_by_name_whatever_the_unicode_form_and_routed_past_his_body(org):
    """«Ørjan Ås» sits in OU: a case naming him (decomposed Å, other case) goes to KKV, and he
    gets no key — on SQLite too, where lower() folds ASCII only."""
    n = org.name
    accused = unicodedata.normalize("NFD", "ØRJAN ÅS")
    number = _secret_case(org, "kari", f"anklagede:{accused}")
    case = org.ok("lars", "case", "show", number)
    assert case["body"] == "KKV" and case["concerns"] == ["OU"]
    holders = {a["recipient"] for a in org.ok("lars", "access", "show", number)}
    assert n["orjan"] not in holders and n["lars"] in holders
    assert org.refused("orjan", "case", "show", number).endswith(f"no access to case {number}")


def test_seed_demo_refuses_a_real_database(org):
    err = org.refused("admin", "seed-demo", "--cases", "5")
    assert err.startswith("varsel: seed-demo fills only a demo database; this one has users of its own")
    assert org.ok("admin", "case", "list") == []


def test_a_replaced_trust_anchor_is_refused_by_everyone_who_used_the_database(org):
    """mallory, with write access to settings and her own key, makes herself the anchor and signs
    herself in as administrator: inside the database that verifies, so the anchor each account
    pinned when it first used the database (store/anchor_pin.py) is what catches it."""
    from datetime import datetime, timezone

    from varsel_tui.crypto.keys import unseal_private_key
    from varsel_tui.crypto.signing import signing_key
    from varsel_tui.store.trust import approval_record

    n = org.name
    org.ok("kari", "case", "list")  # kari has used the database: its anchor is pinned for her
    sealed, public, display = org.sql("SELECT sealed_private_key, public_key, display_name FROM users "
                                      "WHERE name = ?", n["mallory"])[0]
    key = signing_key(unseal_private_key(bytes(sealed), org.passphrase("mallory")))
    mine = key.public_key().public_bytes_raw()
    at = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    sig = key.sign(approval_record(n["mallory"], display, "admin", bytes(public), mine, at))
    org.sql("UPDATE settings SET blob = ? WHERE key = 'trust_anchor'", mine)
    org.sql("UPDATE users SET role = 'admin', approved_by = ?, approved_at = ?, approval_sig = ? WHERE name = ?",
            n["mallory"], at.replace(tzinfo=None), sig, n["mallory"])
    for person in ("kari", "admin", "lars"):
        err = org.refused(person, "case", "list")
        assert "trust anchor" in err and "is not the one this account first saw" in err
    assert "is not the one this account first saw" in org.refused("kari", "audit", "verify")
