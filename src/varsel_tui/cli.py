"""The `varsel` command: the TUI by default, scripting subcommands otherwise.

Errors are one line on stderr and a non-zero exit, never a traceback. Heavy modules (SQLAlchemy,
pydantic, cryptography) are imported inside the commands that need them, so `varsel` reaches its
first screen quickly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import Any, NoReturn

from . import cli_intake

EXIT_ERROR = 1
EXIT_USAGE = 2


class CliError(Exception):
    pass


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    from .textsafe import printable

    # A message may quote a stored value (a name, a title): never raw to the terminal.
    print(f"varsel: {printable(message)}", file=sys.stderr)
    raise SystemExit(code)


def _claimed(args: argparse.Namespace) -> str | None:
    """The name given with --user or VARSEL_USER: a claim, checked by identity.acting_user."""
    return getattr(args, "user", None) or os.environ.get("VARSEL_USER") or None


def _warn(message: str) -> None:
    from .textsafe import printable

    print(f"varsel: warning: {printable(message)}", file=sys.stderr)


def _text(args: argparse.Namespace, value: str | None, what: str) -> str | None:
    """A free-text value: itself, or from `@FILE` / `@-` (see cli_input)."""
    from .cli_input import InputError, TextSource

    source = getattr(args, "texts", None)
    if source is None:
        source = args.texts = TextSource()
    try:
        return source.resolve(value, what)
    except InputError as exc:
        raise CliError(str(exc)) from None


def _user(args: argparse.Namespace) -> str:
    """The acting user: the login (identity.py), resolved when the store was opened."""
    actor = getattr(args, "actor", None)
    if actor is None:  # no store opened (the TUI opens its own): resolve from the location
        from .identity import acting_user, database_user_at
        from .store.db import locate

        loc = locate(args.db)
        args.actor = actor = acting_user(loc, _claimed(args), lambda: database_user_at(loc))
    return actor


def _date(text: str, what: str = "date") -> date:
    from .domain.forms import parse_date

    try:
        return parse_date(text)
    except ValueError:
        raise CliError(f"{what} '{text}' is not a date (use YYYY-MM-DD)") from None


def _store(args: argparse.Namespace, create: bool = True, *, role: str | None = "officer",
           what: str = ""):  # noqa: ANN202
    """Open the store and settle who is acting. `role` "officer": an approved user; "admin": an
    administrator, unlocked with their passphrase for `what`; None: anyone logged in."""
    from .identity import acting_user, session_user, single_user_file
    from .store.db import locate
    from .store.service import Store

    loc = locate(args.db)
    # Before opening, which makes the file owner-only: was it one account's own file?
    args.private_file = loc.path is not None and single_user_file(loc.path)  # a path: SQLite
    if loc.is_sqlite:
        args.actor = acting_user(loc, _claimed(args))
    store = Store.open(args.db, create=create)
    if not loc.is_sqlite:
        args.actor = acting_user(loc, _claimed(args), lambda: session_user(store.engine))
    # The acting user decides which cases this process may see or change (store/access.py).
    store.actor = args.actor
    store.check_anchor_pin()
    if role is not None:
        store.require_approved(args.actor, admin_for=what if role == "admin" else None)
    if role == "admin":
        store.unlock(args.actor, read_passphrase(args, f"Passphrase for {args.actor} (administrator): "))
    return store


def _reader(args: argparse.Namespace, create: bool = True):  # noqa: ANN202
    """The light reader (stdlib sqlite3 / psycopg, no SQLAlchemy) for read commands. A database
    that is missing, older than this version or not a database at all goes through the Store
    first, which creates or upgrades it (or says in one line what is wrong), as before."""
    from .store.db import HEAD_REVISION
    from .store.queue import QueueError, open_source

    source = open_source(args.db)
    try:
        current = source.revision() == HEAD_REVISION
    except QueueError:
        current = False
    if not current:
        source.close()
        _store(args, create=create).close()
        source = open_source(args.db)
    from .store.anchor_pin import check

    user = _user(args)
    check(source.loc, source.trust_anchor())
    # A hint read without checking signatures (that would import the crypto): what the reader
    # shows is filtered by case_access, which writers materialise from signed records only.
    status = source.approval(user)
    if status != "approved":
        source.close()
        raise CliError(f"{user} is waiting for an administrator's approval ('varsel user approve {user}')"
                       if status == "pending" else
                       f"{user} is not a registered user (register with 'varsel user add {user}')")
    return source


def _stream_json(rows) -> None:  # noqa: ANN001
    """Print a JSON array row by row, exactly as json.dumps(list, indent=2) would, in bounded memory.

    A flat row (a summary) is laid out here with the C encoder for its keys and values: json's
    indenting encoder is pure Python and took most of the time on 100,000 cases."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    out = sys.stdout
    first = True
    for row in rows:
        if row and all(v is None or isinstance(v, (str, int, float)) for v in row.values()):
            text = "  {\n" + ",\n".join(f"    {encode(k)}: {encode(v)}" for k, v in row.items()) + "\n  }"
        else:
            text = "\n".join("  " + line for line in
                             json.dumps(row, ensure_ascii=False, indent=2, default=str).split("\n"))
        out.write(("[\n" if first else ",\n") + _json_escaped(text))
        first = False
    out.write("[]\n" if first else "\n]\n")


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    """JSON, or the text with every control character shown, never obeyed: stored values come
    from other people, and an ESC or OSC sequence in a title would otherwise reach the terminal.
    Fields are made one-line where they are formatted (`_one`); this pass is the guarantee."""
    from .textsafe import printable

    if args.json:
        print(_json_text(data))
    else:
        print(printable(text, multiline=True))


def _json_text(data: Any) -> str:
    return _json_escaped(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _json_escaped(out: str) -> str:
    import re

    # json escapes C0 already; DEL, C1 (8-bit CSI/OSC) and bidi overrides are escaped here too.
    return re.sub("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]",
                  lambda m: f"\\u{ord(m.group()):04x}", out)


def _one(value: Any) -> str:
    """A stored value for one line of text output: newlines and control characters shown."""
    from .textsafe import printable

    return printable(value)


def _pairs(args: argparse.Namespace, items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--set takes FIELD=VALUE, got '{item}'")
        from_file = value.startswith("@") and not value.startswith("@@")
        value = _text(args, value, f"--set {key}") or ""
        # Repeating a field collects a list (multichoice); JSON values are accepted for lists
        # typed on the command line (a file's text is always the text).
        if not from_file and value.startswith("[") and value.endswith("]"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise CliError(f"--set {key}: '{value}' is not a JSON list") from None
        if key in out:
            prev = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = prev + [value]
        else:
            out[key] = value
    return out


def _party(args: argparse.Namespace, spec: str) -> dict[str, Any]:
    """ROLE:NAME[:anonym] or ROLE:@BODY (the party is a body); `@FILE` / `@-` reads the whole
    spec, so the name need not be on the command line."""
    if spec.startswith("@") and not spec.startswith("@@"):
        spec = (_text(args, spec, "--party") or "").strip()
    role, _, rest = spec.partition(":")
    name, _, flag = rest.partition(":")
    party: dict[str, Any] = {"role": role.strip(), "name": name.strip()}
    if name.startswith("@"):
        party = {"role": role.strip(), "name": "", "body": name[1:].strip()}
    if flag.strip().lower() in ("anonym", "anonymous"):
        party["anonymous"] = True
    elif flag.strip():
        raise CliError(f"--party '{spec}': the third part may only be 'anonym'")
    return party


# -- passphrases ---------------------------------------------------------------------------------
def _secret_text(path: str | None, env: str, what: str, flag: str, *, first_line: bool) -> str | None:
    """A secret from a file or an environment variable; None when it should be asked for at the
    terminal (never from argv, which other users of a shared server can read)."""
    if path:
        from .cli_input import readable_by_others

        if readable_by_others(path):
            _warn(f"{what} file {path} can be read by other accounts; chmod 600 it")
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n") if first_line else fh.read()
        except OSError as exc:
            raise CliError(f"cannot read {what} file {path}: {exc.strerror}") from None
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise CliError(f"no {what}: set {env} or use {flag} (no terminal to ask)")
    return None


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ", confirm: bool = False) -> str:
    """From --passphrase-file, VARSEL_PASSPHRASE, or a prompt."""
    given = _secret_text(getattr(args, "passphrase_file", None), "VARSEL_PASSPHRASE", "passphrase",
                         "--passphrase-file", first_line=True)
    if given is not None:
        return given
    import getpass

    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat: ") != first:
        raise CliError("the passphrases did not match")
    return first


def _check_strength(passphrase: str) -> None:
    from .crypto.strength import passphrase_problem

    problem = passphrase_problem(passphrase)
    if problem:
        raise CliError(problem)


def _unlocking(args: argparse.Namespace, store, fn):  # noqa: ANN001, ANN202
    """Run `fn`; when it needs the key of a strictly secret case, unlock once (passphrase from
    --passphrase-file, VARSEL_PASSPHRASE or a prompt) and run it again."""
    from .store.secrets import CaseLocked

    try:
        return fn()
    except CaseLocked:
        if store.unlocked_as is not None:
            raise
        user = _user(args)
        store.unlock(user, read_passphrase(args, f"Passphrase for {user}: "))
        return fn()


def _recovery_text(args: argparse.Namespace) -> str:
    """The recovery key from --recovery-key-file, VARSEL_RECOVERY_KEY or a prompt."""
    given = _secret_text(getattr(args, "recovery_key_file", None), "VARSEL_RECOVERY_KEY", "recovery key",
                         "--recovery-key-file", first_line=False)
    if given is not None:
        return given
    import getpass

    return getpass.getpass("Recovery key (VR1 …): ")


# -- JSON shapes (documented in the README; keep stable) ----------------------------------------
def case_summary(case) -> dict[str, Any]:  # noqa: ANN001
    secret = case.classification == "strengt_hemmelig"
    return {
        "number": case.number,
        "workflow": case.workflow_id,
        "title": None if secret else case.title,
        "classification": case.classification,
        "received": case.received.isoformat(),
        "status": case.status,
        "current_step": case.current_step,
        "current_step_title": case.current_step_title or None,
        "body": case.body,
        "due": case.due.isoformat() if case.due else None,
        "statutory_due": case.statutory_due.isoformat() if case.statutory_due else None,
        "version": case.version,
    }


def _english(english: str, norwegian: str) -> str | None:
    """The English of a workflow text, or None when the workflow gives none (or there is no text)."""
    return english if norwegian and english != norwegian else None


def case_detail_json(store, d) -> dict[str, Any]:  # noqa: ANN001
    c, st, wf = d.case, d.state, d.workflow
    linked = {}
    for key, cid in (("linked_from", c.linked_from), ("linked_to", c.linked_to)):
        linked[key] = store.case_number(cid) if cid else None
    return {
        **case_summary(c),
        "title": d.title,
        "workflow_name": wf.name,
        "outcome": st.outcome or None,
        "closed_on": st.closed_on.isoformat() if st.closed_on else None,
        "concerns": [b for b in c.concerns.split(",") if b],
        "needs_preliminary_reply": st.needs_preliminary_reply,
        "preliminary_reply_sent": c.prelim_sent.isoformat() if c.prelim_sent else None,
        "statutory": [
            {"title": s.title, "law": s.law, "due": s.due.isoformat() if s.due else None, "met": s.met,
             "warn": s.warn}
            for s in st.statutory
        ],
        "dates": {k: v.isoformat() for k, v in st.dates.items()},
        "intake": d.intake,
        "answers": st.answers,
        "parties": [
            {"id": p.id, "role": p.role, "name": None if p.anonymous else d.text(p, "name"), "anonymous": p.anonymous,
             "body": p.concerns_body}
            for p in d.parties
        ],
        "steps": [
            {"id": s.id, "phase": wf.phase_of(s.id).id, "title": s.title, "role": s.role or None,
             "status": st.steps[s.id].status,
             "due": st.steps[s.id].due.isoformat() if st.steps[s.id].due else None,
             "done_on": st.steps[s.id].done_on.isoformat() if st.steps[s.id].done_on else None,
             "reason": st.steps[s.id].reason or None,
             "counts_from": st.steps[s.id].counts_from or None,
             "counts_from_en": _english(s.deadline.counts_from_in(st.steps[s.id].counts_from, "en"),
                                        st.steps[s.id].counts_from) if s.deadline else None,
             "will_be_skipped": st.steps[s.id].forecast or None}
            for s in wf.steps
        ],
        "journal": [
            {"at": e.at.isoformat(timespec="seconds"), "by": e.by, "kind": e.kind, "text": d.text(e, "text")}
            for e in d.journal
        ],
        "measures": [
            {"id": m.id, "title": d.text(m, "title"), "responsible": d.text(m, "responsible") or None,
             "due": m.due.isoformat() if m.due else None, "done_on": m.done_on.isoformat() if m.done_on else None}
            for m in d.measures
        ],
        "hearings": [
            {"id": h.id, "participants": [p for p in h.participants.split(",") if p],
             "ends_on": h.ends_on.isoformat(), "closed_on": h.closed_on.isoformat() if h.closed_on else None,
             "question": d.text(h, "question")}
            for h in d.hearings
        ],
        **linked,
    }


def _case_text(data: dict[str, Any]) -> str:
    lines = [
        f"{data['number']}  {data['workflow_name']}  [{data['classification']}]  {data['status']}",
        f"  {_one(data['title']) if data['title'] is not None else '(låst)'}",
        f"  mottatt {data['received']}  aktivt steg: {data['current_step'] or '-'} "
        f"{_one(data['current_step_title'] or '')}  frist: {data['due'] or '-'}  organ: {_one(data['body'] or '-')}",
    ]
    if data["needs_preliminary_reply"]:
        lines.append("  ! foreløpig svar bør sendes (lovbestemt frist nærmer seg)")
    marks = {"done": "✓", "active": "▶", "skipped": "⤼", "pending": "·"}
    for s in data["steps"]:
        reason = f"  ({_one(s['reason'])})" if s["reason"] else ""
        # a skipped step has no deadline to meet; a done one shows the day it was done
        when = "" if s["status"] == "skipped" else (s["done_on"] if s["status"] == "done" else s["due"]) or ""
        lines.append(f"  {marks[s['status']]} {s['id']:<6} {_one(s['title'])[:60]:<60} {when:<10}{reason}")
    return "\n".join(lines)


# -- commands ------------------------------------------------------------------------------------
def cmd_tui(args: argparse.Namespace) -> None:
    from .tui.app import run

    run(args.db, _user(args), args.lang)


def cmd_demo(args: argparse.Namespace) -> None:
    from pathlib import Path

    if args.db:
        path = args.db
    else:
        import tempfile

        path = str(Path(tempfile.mkdtemp(prefix="varsel-demo-")) / "demo.db")
    from .store.demo import seed_demo

    demo = argparse.Namespace(db=path, user=_claimed(args))
    store = _store(demo, role=None)
    if not store.list_cases(limit=1):
        seed_demo(store, user=demo.actor)
    store.close()
    if args.no_tui:
        print(path)
        return
    from .store.demo import DEMO_PASSPHRASE
    from .tui.app import run

    run(path, demo.actor, args.lang, passphrase_hint=DEMO_PASSPHRASE)


def cmd_workflows(args: argparse.Namespace) -> None:
    from . import workflows

    if args.schema:
        from .domain.workflow_schema import schema_json

        sys.stdout.write(schema_json())
        return
    if args.check:
        from pathlib import Path

        from .domain.workflow import WorkflowError
        from .textsafe import printable

        try:
            wf = workflows.check_file(Path(args.check))
        except WorkflowError as exc:
            # Every problem, one line each (an editor can jump to each), then the count.
            for line in exc.problems:
                print(f"varsel: {printable(line)}", file=sys.stderr)
            raise CliError(f"{args.check}: {len(exc.problems)} problem(s)") from None
        _print(args, {"id": wf.id, "name": wf.name, "steps": len(wf.steps), "valid": True},
               f"{args.check}: ok ({wf.id}, {len(wf.steps)} steps)")
        return
    data = [{"id": wf.id, "name": wf.name, "name_en": wf.name_en or None, "steps": len(wf.steps),
             "phases": [{"id": p.id, "title": p.title} for p in wf.phases]}
            for wf in workflows.all_workflows().values()]
    _print(args, data, "\n".join(f"{d['id']:<16} {d['name']}" for d in data))


def cmd_user_add(args: argparse.Namespace) -> None:
    from .crypto.keys import new_user_keys

    store = _store(args, role=None)
    if args.name != _user(args) and not args.private_file:
        raise CliError(f"you are logged in as {_user(args)}: on a shared database you can only register "
                       "yourself")
    passphrase = read_passphrase(args, f"New passphrase for {args.name}: ", confirm=True)
    _check_strength(passphrase)
    private, public, sealed = new_user_keys(passphrase)
    user = store.add_user(args.name, _text(args, args.display_name, "--display-name") or "", public, sealed,
                          private_key=private)
    admin = user.role == "admin" and user.approved_at is not None
    _print(args, {"name": user.name, "display_name": user.display_name, "has_keys": True, "role": user.role,
                  "approved": admin},
           f"user {user.name} registered with a new key pair; " + (
               "as the first user of this database, you are its administrator" if admin else
               f"an administrator must approve you first: varsel user approve {user.name}"))


def cmd_user_approve(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role="admin", what="approve users")
    user = store.approve_user(args.name, args.role)
    _print(args, {"name": user.name, "role": user.role, "approved_by": user.approved_by},
           f"{user.name} approved as {user.role} by {user.approved_by}")


def cmd_user_list(args: argparse.Namespace) -> None:
    store = _store(args, role=None)
    verified = store.trust().users
    data = []
    for u in store.users():
        if u.name in verified:
            status = "approved"
        elif u.approval_sig or u.approved_by or u.approved_at:
            status = "altered"  # claims an approval no administrator signed
        else:
            status = "pending"
        data.append({"name": u.name, "display_name": u.display_name, "has_keys": u.public_key is not None,
                     "role": u.role, "status": status,
                     "approved_by": u.approved_by if status == "approved" else None,
                     "approved_at": u.approved_at.isoformat(timespec="seconds") if status == "approved" else None,
                     "bodies": store.bodies_of(u.name)})
    labels = {"approved": "godkjent av {}", "pending": "venter på godkjenning", "altered": "ENDRET UTENOM APPEN"}
    _print(args, data, "\n".join(
        f"{_one(d['name']):<16} {_one(d['display_name']):<24} {_one(d['role']):<8} "
        f"{_one(labels[d['status']].format(d['approved_by'])):<28} {_one(', '.join(d['bodies']))}" for d in data)
           or "(no users)")


def cmd_user_passwd(args: argparse.Namespace) -> None:
    from .crypto.keys import change_passphrase

    store = _store(args, role=None)
    user = store.get_user(args.name)
    if user.sealed_private_key is None:
        raise CliError(f"user {args.name} has no key pair")
    old = read_passphrase(args, "Current passphrase: ")
    import getpass

    if not sys.stdin.isatty():
        new = os.environ.get("VARSEL_NEW_PASSPHRASE") or ""
        if not new:
            raise CliError("no new passphrase: set VARSEL_NEW_PASSPHRASE (no terminal to ask)")
    else:
        new = getpass.getpass("New passphrase: ")
        if getpass.getpass("Repeat: ") != new:
            raise CliError("the passphrases did not match")
    _check_strength(new)
    store.update_user_keys(args.name, change_passphrase(user.sealed_private_key, old, new))
    _print(args, {"name": args.name, "changed": True}, f"passphrase changed for {args.name}")


def cmd_server_init(args: argparse.Namespace) -> None:
    from .store import server

    done = server.init(args.url, admin=args.admin)
    _print(args, done, f"{done['database']}: committee database ready (schema {done['revision']}, "
                       f"policies {done['security_version']})"
           + (f"; {args.admin} is its first administrator" if args.admin else ""))


def cmd_server_upgrade(args: argparse.Namespace) -> None:
    from .store import server

    done = server.upgrade(args.url or args.db)
    _print(args, done, f"{done['database']}: schema {done['from_revision']} → {done['revision']}, "
                       f"policies {done['security_version']}")


def cmd_body_add(args: argparse.Namespace) -> None:
    body = _store(args, role="admin", what="add bodies").add_body(args.name, _text(args, args.title, "--title") or "")
    _print(args, {"name": body.name, "title": body.title}, f"body {body.name} added")


def cmd_body_list(args: argparse.Namespace) -> None:
    store = _store(args, role=None)
    boxes = store.body_addresses()
    data = [{"name": b.name, "title": b.title, "members": m, "address": boxes.get(b.name)} for b, m in store.bodies()]
    _print(args, data, "\n".join(f"{_one(d['name']):<18} {_one(d['title']):<30} {_one(', '.join(d['members']))}"
                                 + (f"  <{_one(d['address'])}>" if d["address"] else "") for d in data)
           or "(no bodies)")


def cmd_body_address(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role="admin", what="set bodies' addresses")
    store.set_body_address(args.name, args.address)
    _print(args, {"body": args.name, "address": args.address.strip() or None},
           f"{args.name}: letters to it are addressed to {args.address.strip()}" if args.address.strip()
           else f"{args.name}: no address (letters to it say adresse-mangler@varsel.invalid)")


def cmd_body_member(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role="admin", what="change bodies' members")
    if args.member_cmd == "add":
        store.add_member(args.body, args.person)
        msg = f"{args.person} added to {args.body}"
    else:
        pending = store.remove_member(args.body, args.person)
        msg = f"{args.person} removed from {args.body}" + (
            f"; run 'varsel access sync' with a key to re-key {len(pending)} strictly secret case(s) they held: "
            f"{', '.join(pending)}" if pending else "")
    _print(args, {"body": args.body, "person": args.person, "member": args.member_cmd == "add"}, msg)


def cmd_case_new(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    received = _date(args.received, "--received")
    title = _text(args, args.title, "--title")
    d = store.create_case(args.workflow, title, received, by=_user(args), secret=args.secret,
                          classification=args.classification, intake=_pairs(args, args.set),
                          parties=[_party(args, p) for p in args.party or []])
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))


def cmd_case_list(args: argparse.Namespace) -> None:
    source = _reader(args)
    rows = [case_summary(c) for c in source.summaries(_user(args), status=args.status, workflow=args.workflow,
                                                      limit=args.limit, include_void=args.all)]
    source.close()
    _print(args, rows, "\n".join(
        f"{r['number']}  {r['workflow']:<15} {r['status']:<9} {r['current_step'] or '-':<6} "
        f"{r['due'] or '-':<10} {_one(r['title']) if r['title'] is not None else '🔒'}" for r in rows) or "(no cases)")


def cmd_case_show(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    how = " (CLI, JSON)" if args.json else " (CLI)"
    d = _unlocking(args, store, lambda: store.get_case(args.number, viewer=_user(args), how=how))
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))


def cmd_case_form(args: argparse.Namespace) -> None:
    """The active step's form, so a script knows which --set fields to give."""
    store = _store(args, create=False)
    d = _unlocking(args, store, lambda: store.get_case(args.number))
    step = d.workflow.step(d.state.current) if d.state.current else None
    fields = []
    # What a `users` / `measures` answer may name: the approved users, the case's measures (by number).
    picks = {"users": lambda: [name for name, _full in store.approved_users()],
             "measures": lambda: [f"{m.id}" for m in d.measures]}
    if step and step.form:
        for f in step.form.fields:
            options = picks[f.type]() if f.type in picks else [o.value for o in f.options]
            fields.append({"id": f.id, "label": f.label, "type": f.type, "required": f.required,
                           "conditional": f.visible_if is not None or f.required_if is not None,
                           "options": options or None, "help": f.help})
    data = {"number": d.case.number, "step": step.id if step else None, "title": step.title if step else None,
            "fields": fields}
    _print(args, data, "\n".join([f"{data['step']} {data['title']}"] + [
        f"  {f['id']:<24} {f['type']:<10} {'*' if f['required'] else ' '} {f['label']}"
        + (f"  [{', '.join(f['options'])}]" if f["options"] else "") for f in fields]))


def cmd_case_advance(args: argparse.Namespace) -> None:
    from .domain.engine import describe

    store = _store(args, create=False)
    answers = _pairs(args, args.set)
    on = _date(args.on, "--on") if args.on else None
    if args.dry_run:
        out = _unlocking(args, store, lambda: store.preview_step(args.number, answers, on))
        d = store.get_case(args.number)
        data = {"ok": out.ok, "problems": [{"field": p.field, "message": p.message, "severity": p.severity}
                                           for p in out.problems],
                "effects": describe(out, d.workflow), "next_step": out.next_step, "closes": out.closes,
                "loses_access": out.loses_access}
        _print(args, data, "\n".join(data["effects"] + [f"! {p['field'] + ': ' if p['field'] else ''}{p['message']}" for p in data["problems"]]))
        return
    d, out = _unlocking(args, store, lambda: store.advance(args.number, answers, by=_user(args), step_id=args.step,
                                                           on=on, expected_version=args.expect_version))
    data = case_detail_json(store, d)
    data["effects"] = describe(out, d.workflow)
    data["warnings"] = [{"field": p.field, "message": p.message} for p in out.problems if p.severity == "warning"]
    _print(args, data, "\n".join(data["effects"]) + "\n" + _case_text(data))


def cmd_case_action(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    on = _date(args.on, "--on") if args.on else None
    comment = _text(args, args.comment, "--comment")
    d = _unlocking(args, store, lambda: store.act(args.number, args.action, by=_user(args), on=on, comment=comment))
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))


def cmd_case_party(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    name = _text(args, args.name, "--name") or ""
    effect = _unlocking(args, store, lambda: store.party_effect(args.number, args.role, name, args.body))
    if args.dry_run:
        _print(args, {"effects": effect.lines, "loses_access": effect.loses_access, "body": effect.body_after},
               "\n".join(effect.lines) or "the case stays where it is")
        return
    d = _unlocking(args, store, lambda: store.add_party(args.number, args.role, name,
                                                        anonymous=args.anonymous, body=args.body, by=_user(args)))
    if effect.loses_access:  # shown once, as it was written: the case has left this user
        _warn(f"case {args.number} moved to {effect.body_after or '-'}; you no longer have access to it")
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))


def cmd_case_note(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    text = _text(args, args.text, "the note")
    d = _unlocking(args, store, lambda: store.add_note(args.number, text, by=_user(args), kind=args.kind))
    _print(args, case_detail_json(store, d), f"note added to {args.number}")


def cmd_case_prelim(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    on = _date(args.on, "--on") if args.on else None
    d = _unlocking(args, store, lambda: store.record_preliminary_reply(args.number, by=_user(args), on=on))
    _print(args, case_detail_json(store, d), f"preliminary reply recorded for {args.number}")


def cmd_case_measure(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.measure_cmd == "add":
        due = _date(args.due, "--due") if args.due else None
        title = _text(args, args.title, "the measure")
        responsible = _text(args, args.responsible, "--responsible") or ""
        d = _unlocking(args, store, lambda: store.add_measure(args.number, title, responsible=responsible, due=due,
                                                              by=_user(args)))
    else:
        on = _date(args.on, "--on") if args.on else None
        d = _unlocking(args, store, lambda: store.complete_measure(args.number, args.id, by=_user(args), on=on))
    data = case_detail_json(store, d)
    _print(args, data, "\n".join(f"#{m['id']} {_one(m['title'])} · {_one(m['responsible'] or '-')} · "
                                 f"frist {m['due'] or '-'}"
                                 + (f" · gjennomført {m['done_on']}" if m["done_on"] else "")
                                 for m in data["measures"]))


def cmd_case_hearing(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.hearing_cmd == "add":
        ends = _date(args.ends, "--ends")
        question = _text(args, args.question, "--question") or ""
        d = _unlocking(args, store, lambda: store.add_hearing(args.number, args.participant, ends,
                                                              question=question, by=_user(args)))
    else:
        on = _date(args.on, "--on") if args.on else None
        d = _unlocking(args, store, lambda: store.close_hearing(args.number, args.id, by=_user(args), on=on))
    data = case_detail_json(store, d)
    _print(args, data, "\n".join(f"#{h['id']} {_one(', '.join(h['participants']))} til {h['ends_on']}"
                                 + (f" · avsluttet {h['closed_on']}" if h["closed_on"] else "")
                                 for h in data["hearings"]))


def cmd_seed_demo(args: argparse.Namespace) -> None:
    import time

    from .store.demo import seed_bulk

    store = _store(args, role=None)
    t0 = time.perf_counter()
    n = seed_bulk(store, args.cases, seed=args.seed)
    _print(args, {"cases": n, "seconds": round(time.perf_counter() - t0, 2)},
           f"seeded {n} cases in {time.perf_counter() - t0:.1f} s into {store.loc.display()}")


def cmd_due(args: argparse.Namespace) -> None:
    from .clock import today

    source = _reader(args, create=False)
    now = today()

    def rows():  # noqa: ANN202
        for c in source.due(_user(args), now, args.within):
            r = case_summary(c)
            r["overdue"] = bool(c.due and c.due < now)
            r["needs_preliminary_reply"] = bool(c.prelim_warn_from and c.prelim_warn_from <= now and not c.prelim_sent)
            yield r

    # Streamed: a cron job on 100,000 cases needs no more memory than on ten.
    if args.json:
        _stream_json(rows())
    else:
        from .textsafe import printable

        shown = False
        for r in rows():
            print(printable(f"{'FORFALT ' if r['overdue'] else 'frist   '}{r['due'] or '-':<10} {r['number']}  "
                            f"{r['workflow']:<15} {r['current_step'] or '-':<6} {_one(r['current_step_title'] or '')}"
                            + ("  [foreløpig svar]" if r["needs_preliminary_reply"] else ""), multiline=True))
            shown = True
        if not shown:
            print("nothing due")
    source.close()


def cmd_audit_verify(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role=None)
    checked, broken = store.verify_audit()
    # users and memberships no administrator signed; cases whose stored state or access rows were altered
    altered = store.trust().problems + store.verify_state()
    data = {"entries": checked, "intact": not broken and not altered,
            "broken": [{"entry": entry, "case": number} for entry, number in broken], "altered": altered}
    if broken or altered:
        if args.json:
            print(_json_text(data))
        lines = list(altered)
        if broken:
            entry, number = broken[0]
            where = f" (case {number})" if number else ""
            lines.insert(0, f"audit journal altered: first broken link at journal entry #{entry}{where}"
                         + (f"; {len(broken) - 1} more chain(s) broken" if len(broken) > 1 else ""))
        from .textsafe import printable

        for line in lines[:-1]:  # user names in these lines are stored values: escaped
            print(f"varsel: {printable(line)}", file=sys.stderr)
        raise CliError(lines[-1])
    _print(args, data, f"audit journal intact ({checked} entries); every user and membership is signed and "
                       "every case's stored state matches its journal")


def cmd_check(args: argparse.Namespace) -> None:
    """The database's integrity and the audit chains: one line per problem on stdout, exit 1."""
    from .store.check import run

    report = run(_store(args, create=False, role=None))
    data = {"ok": report.ok, "checked": report.checked, "audit_entries": report.audit_entries,
            "problems": [p.as_dict() for p in report.problems]}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif report.ok:
        print(f"database and audit journal intact ({report.audit_entries} journal entries; "
              f"{', '.join(report.checked)})")
    else:
        for problem in report.problems:
            print(problem.message)
    if not report.ok:
        n = len(report.problems)
        raise CliError(f"{n} problem{'s' if n != 1 else ''} found")


def cmd_audit_log(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.case:
        d = _unlocking(args, store, lambda: store.get_case(args.case, viewer=_user(args), how=" (revisjonslogg)"))
        rows = [{"at": e.at.isoformat(timespec="seconds"), "by": e.by, "kind": e.kind, "case": d.case.number,
                 "text": d.text(e, "text")} for e in d.journal][-args.limit:]
    else:
        rows = store.audit_log(limit=args.limit)
    _print(args, rows, "\n".join(
        f"{r['at']}  {_one(r['by'] or '-'):<10} {r['kind']:<12} {r['case'] or '':<10} "
        f"{_one(r['text']) if r['text'] is not None else '🔒'}" for r in rows) or "(empty)")


def cmd_user_reset(args: argparse.Namespace) -> None:
    from .crypto.keys import new_user_keys
    from .crypto.signing import signing_public_bytes

    store = _store(args, create=False, role="admin", what="reset a user's keys")
    store.get_user(args.name)
    passphrase = _secret_text(args.new_passphrase_file, "VARSEL_NEW_PASSPHRASE", "new passphrase",
                              "--new-passphrase-file", first_line=True)
    if passphrase is None:
        import getpass

        passphrase = getpass.getpass(f"New passphrase for {args.name}: ")
        if getpass.getpass("Repeat: ") != passphrase:
            raise CliError("the passphrases did not match")
    _check_strength(passphrase)
    private, public, sealed = new_user_keys(passphrase)
    store.reset_user_keys(args.name, public, sealed, signing_public_key=signing_public_bytes(private))
    _print(args, {"name": args.name, "reset": True},
           f"{args.name} has a new key pair; run 'varsel access sync --with-recovery-key' to give them back "
           "their cases")


def cmd_recovery_init(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role="admin", what="set up the recovery key")
    text = store.init_recovery()
    if args.json:
        print(_json_text({"recovery_key": text}))
        return
    print("Organisasjonens gjenopprettingsnøkkel — vises bare denne ene gangen:\n")
    print(f"    {text}\n")
    print("Skriv den ut eller skriv den av, og lås den inn (safe/arkiv), adskilt fra serveren og "
          "sikkerhetskopiene.\nMed den kan 'varsel access sync --with-recovery-key' gi sakene tilbake "
          "til brukere som har mistet passfrasen.\nNye og endrede strengt hemmelige saker får nøkkelen "
          "som mottaker; kjør 'varsel access sync' for de eksisterende.")


def cmd_access_show(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    who = store.access_list(args.number)
    _print(args, [{"recipient": r, "generations": g} for r, g in who.items()],
           "\n".join(f"{r:<24} generasjon {', '.join(map(str, g))}" for r, g in who.items())
           or f"{args.number} has no key wraps (not strictly secret)")


def cmd_access_sync(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.recovery_key_file or args.with_recovery_key:
        store.unlock_recovery(_recovery_text(args))
    else:
        user = _user(args)
        store.unlock(user, read_passphrase(args, f"Passphrase for {user}: "))
    result = store.sync_access(by=_user(args))
    _print(args, result, f"{len(result['synced'])} strictly secret case(s) in line with the workflow; "
                         f"{len(result['skipped'])} you cannot open were left as they are")


def cmd_retention(args: argparse.Namespace) -> None:
    from .clock import today

    store = _store(args, create=False, role="admin" if args.destroy else "officer", what="destroy cases")
    expired = store.expired_cases(today())
    rows = [{"number": c.number, "workflow": c.workflow_id, "closed_on": c.closed_on.isoformat(),
             "expired_on": e.isoformat()} for c, e in expired]
    if not args.destroy:
        _print(args, rows, "\n".join(f"{r['number']}  {r['workflow']:<15} avsluttet {r['closed_on']}  "
                                     f"utløpt {r['expired_on']}" for r in rows) or "no case is past its retention period")
        return
    if not rows:
        _print(args, {"destroyed": []}, "no case is past its retention period")
        return
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("destroying cases needs --yes when there is no terminal to ask")
        print("\n".join(f"{r['number']}  {r['workflow']}  avsluttet {r['closed_on']}" for r in rows))
        print(f"\n{len(rows)} sak(er) slettes for godt: nøkler og innhold, bare anonym statistikk blir igjen. "
              "Har arkivledelsen godkjent slettingen (UiO: personopplysningsloven, arkivloven)?")
        if input("Skriv 'slett' for å slette: ").strip().lower() != "slett":
            raise CliError("nothing was destroyed")
    from .store.secrets import CaseTampered

    destroyed, refused = [], []
    for r in rows:
        try:
            destroyed.append(store.destroy_case(r["number"]))
        except CaseTampered as exc:  # its status or closing date cannot be trusted: keep it
            refused.append(str(exc))
            _warn(str(exc))
    if not store.checkpoint():
        print("varsel: warning: another program keeps the database busy, so SQLite's -wal file could not be "
              "emptied yet; quit other varsel sessions and run 'varsel retention --destroy' again",
              file=sys.stderr)
    keep = store.backup_max_days()
    _print(args, {"destroyed": destroyed, "backups_hold_them_until_days": keep, "refused": refused},
           f"destroyed {len(destroyed)} case(s): {', '.join(destroyed)}\n"
           f"Backups made before now still hold them: delete backups older than {keep} days, as the README says.")
    if refused:
        raise CliError(f"{len(refused)} case(s) were not destroyed: their stored data was altered outside varsel")


def cmd_retention_policy(args: argparse.Namespace) -> None:
    store = _store(args, create=False, role="admin", what="set retention periods")
    store.set_retention_days(args.workflow, args.days)
    _print(args, {"workflow": args.workflow, "retention_days": args.days},
           f"{args.workflow}: cases are kept {args.days} days after closing" if args.days
           else f"{args.workflow}: cases are kept until an archivist decides")


def cmd_backup(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .store.backup import backup

    store = _store(args, create=False)
    result = backup(store, Path(args.file), force=args.force, logical=args.logical)
    keep = store.backup_max_days()
    rule = (f"Keep backups for at most {keep} days and delete older ones, so a destroyed case is gone "
            f"everywhere {keep} days later (README, Retention).")
    _print(args, {"file": str(result.path), "kind": result.kind, "revision": result.revision,
                  "rows": result.rows, "keep_days": keep},
           f"backup written to {result.path} ({result.kind}, {result.rows.get('cases', 0)} cases)\n{rule}")


def cmd_restore(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .store.backup import restore
    from .store.service import Store

    if not args.db:
        raise CliError("restore needs --db PATH|URL: the empty database to restore into")
    result = restore(Path(args.file), args.db)
    store = Store.open(args.db, create=False)
    try:
        checked, broken = store.verify_audit()
    finally:
        store.close()
    data = {"target": result.target, "kind": result.kind, "revision": result.revision, "rows": result.rows,
            "audit": {"entries": checked, "intact": not broken}}
    _print(args, data, f"restored {result.rows.get('cases', 0)} cases from {args.file} ({result.kind}, schema "
                       f"{result.revision}) into {result.target}"
                       + ("" if broken else f"; audit journal intact ({checked} entries)"))
    if broken:  # restored as the backup had it; the user must know before trusting it
        raise CliError(f"the restored audit journal is broken at journal entry #{broken[0][0]} (so was the "
                       "backup's); run 'varsel audit verify'")


# -- parser --------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file or postgresql:// URL without a password (env VARSEL_DB)")
    common.add_argument("--user", default=argparse.SUPPRESS, help="who you are (env VARSEL_USER, else the OS user)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    common.add_argument("--passphrase-file", default=argparse.SUPPRESS, help="read the passphrase from this file")

    p = argparse.ArgumentParser(prog="varsel", parents=[common],
                                description="Confidential case handling by written procedures. "
                                            "Without a command: open the TUI.")
    p.add_argument("--lang", choices=["nb", "en"], default=None, help="UI language (default nb, or config)")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    d = sub.add_parser("demo", parents=[common], help="open the TUI on a fresh demo database")
    d.add_argument("--no-tui", action="store_true", help="only create the demo database and print its path")
    d.set_defaults(func=cmd_demo)

    w = sub.add_parser("workflows", parents=[common], help="list the workflows")
    w.add_argument("--check", metavar="FILE", help="validate a workflow file; every problem, one line each")
    w.add_argument("--schema", action="store_true", help="print the JSON Schema of workflow files (for editors)")
    w.set_defaults(func=cmd_workflows)

    u = sub.add_parser("user", help="users and their keys").add_subparsers(dest="user_cmd", required=True)
    ua = u.add_parser("add", parents=[common], help="register a user and create their key pair")
    ua.add_argument("name")
    ua.add_argument("--display-name", help="full name (or @FILE, @- for standard input)")
    ua.set_defaults(func=cmd_user_add)
    u.add_parser("list", parents=[common], help="list users").set_defaults(func=cmd_user_list)
    uap = u.add_parser("approve", parents=[common],
                       help="approve a registered user, or change their role (administrators only)")
    uap.add_argument("name")
    uap.add_argument("--role", choices=["officer", "admin"], default="officer")
    uap.set_defaults(func=cmd_user_approve)
    up = u.add_parser("passwd", parents=[common], help="change a user's passphrase")
    up.add_argument("name")
    up.set_defaults(func=cmd_user_passwd)

    b = sub.add_parser("body", help="bodies (OU, KKV, …) and their members").add_subparsers(dest="body_cmd",
                                                                                             required=True)
    ba = b.add_parser("add", parents=[common], help="add a body")
    ba.add_argument("name")
    ba.add_argument("--title", help="full name (or @FILE, @-)")
    ba.set_defaults(func=cmd_body_add)
    b.add_parser("list", parents=[common], help="list bodies, members and addresses").set_defaults(func=cmd_body_list)
    bad = b.add_parser("address", parents=[common], help="the body's e-mail address for letters (administrator)")
    bad.add_argument("name")
    bad.add_argument("address", help="name@domain.no, or '' to remove it")
    bad.set_defaults(func=cmd_body_address)
    bm = b.add_parser("member", help="add or remove a member").add_subparsers(dest="member_cmd", required=True)
    for name in ("add", "remove"):
        x = bm.add_parser(name, parents=[common])
        x.add_argument("body")
        x.add_argument("person")
        x.set_defaults(func=cmd_body_member)

    c = sub.add_parser("case", help="cases").add_subparsers(dest="case_cmd", required=True)
    cn = c.add_parser("new", parents=[common], help="open a case")
    cn.add_argument("--workflow", required=True)
    cn.add_argument("--title", required=True, help="the case's title, or @FILE / @- (standard input)")
    cn.add_argument("--received", required=True, help="YYYY-MM-DD")
    cn.add_argument("--secret", action="store_true", help="classify strengt hemmelig")
    cn.add_argument("--classification", choices=["ordinær", "fortrolig", "strengt_hemmelig"])
    cn.add_argument("--set", action="append", metavar="FIELD=VALUE",
                    help="an intake answer; VALUE may be @FILE or @- (repeatable)")
    cn.add_argument("--party", action="append", metavar="ROLE:NAME[:anonym]",
                    help="a party, e.g. anklagede:Per or varsler:Kari:anonym or anklagede:@OU, or @FILE / @- "
                         "holding such a spec (repeatable)")
    cn.set_defaults(func=cmd_case_new)
    cli_intake.register(c, common)
    cl = c.add_parser("list", parents=[common], help="list cases, due first")
    cl.add_argument("--status", choices=["open", "closed", "withdrawn", "void"])
    cl.add_argument("--all", action="store_true", help="include cases voided as registered in error")
    cl.add_argument("--workflow")
    cl.add_argument("--limit", type=int, default=None)
    cl.set_defaults(func=cmd_case_list)
    cs = c.add_parser("show", parents=[common], help="a case with every step of its workflow")
    cs.add_argument("number")
    cs.set_defaults(func=cmd_case_show)
    cf = c.add_parser("form", parents=[common], help="the active step's form fields")
    cf.add_argument("number")
    cf.set_defaults(func=cmd_case_form)
    ca = c.add_parser("advance", parents=[common], help="complete the active step with form answers")
    ca.add_argument("number")
    ca.add_argument("--step", help="refuse unless this step is the active one")
    ca.add_argument("--set", action="append", metavar="FIELD=VALUE",
                    help="a form answer; VALUE may be @FILE or @- (repeatable)")
    ca.add_argument("--on", help="completion date (default today)")
    ca.add_argument("--expect-version", type=int, help="refuse if the case changed since this version")
    ca.add_argument("--dry-run", action="store_true", help="only say what it would do")
    ca.set_defaults(func=cmd_case_advance)
    cx = c.add_parser("action", parents=[common], help="a case action, e.g. withdraw or reopen a complaint")
    cx.add_argument("number")
    cx.add_argument("action")
    cx.add_argument("--on")
    cx.add_argument("--comment", help="why (journalled; required by some actions), or @FILE / @-")
    cx.set_defaults(func=cmd_case_action)
    cp = c.add_parser("party", parents=[common], help="add a party")
    cp.add_argument("number")
    cp.add_argument("--role", required=True)
    cp.add_argument("--name", help="the party's name, or @FILE / @-; 'Ola Olsen <ola@uni.no>' gives the "
                    "letters an address")
    cp.add_argument("--anonymous", action="store_true")
    cp.add_argument("--body", help="the party is this body (conflict rule)")
    cp.add_argument("--dry-run", action="store_true", help="only say where the case would go and if you keep it")
    cp.set_defaults(func=cmd_case_party)
    cno = c.add_parser("note", parents=[common], help="add a journal note")
    cno.add_argument("number")
    cno.add_argument("text", help="the note, or @FILE / @- (standard input); @@… for a leading @")
    cno.add_argument("--kind", default="note", choices=["note", "minutes", "decision"])
    cno.set_defaults(func=cmd_case_note)
    cpr = c.add_parser("prelim", parents=[common], help="record that a preliminary reply was sent")
    cpr.add_argument("number")
    cpr.add_argument("--on")
    cpr.set_defaults(func=cmd_case_prelim)

    cm = c.add_parser("measure", help="measures (tiltak)").add_subparsers(dest="measure_cmd", required=True)
    cma = cm.add_parser("add", parents=[common], help="add a measure")
    cma.add_argument("number")
    cma.add_argument("title", help="what is to be done, or @FILE / @-")
    cma.add_argument("--responsible", help="who carries it out, or @FILE / @-")
    cma.add_argument("--due", help="YYYY-MM-DD")
    cma.set_defaults(func=cmd_case_measure)
    cmd_ = cm.add_parser("done", parents=[common], help="mark a measure carried out")
    cmd_.add_argument("number")
    cmd_.add_argument("id", type=int)
    cmd_.add_argument("--on")
    cmd_.set_defaults(func=cmd_case_measure)
    ch = c.add_parser("hearing", help="hearings (høringsrunde)").add_subparsers(dest="hearing_cmd", required=True)
    cha = ch.add_parser("add", parents=[common], help="give others temporary access until a date")
    cha.add_argument("number")
    cha.add_argument("--participant", action="append", required=True, help="a user name (repeatable)")
    cha.add_argument("--ends", required=True, help="YYYY-MM-DD")
    cha.add_argument("--question", help="what the participants are asked, or @FILE / @-")
    cha.set_defaults(func=cmd_case_hearing)
    chc = ch.add_parser("close", parents=[common], help="end a hearing before its date")
    chc.add_argument("number")
    chc.add_argument("id", type=int)
    chc.add_argument("--on")
    chc.set_defaults(func=cmd_case_hearing)
    from . import cli_corrections, cli_documents
    cli_corrections.register(c, cm, common)
    cli_documents.register(sub, common)

    sv = sub.add_parser("server", help="a committee's PostgreSQL database (run as the database owner)") \
        .add_subparsers(dest="server_cmd", required=True)
    si = sv.add_parser("init", parents=[common],
                       help="create the database, its roles, schema, grants and row-level security")
    si.add_argument("url", help="e.g. postgresql:///varsel (the local server, peer authentication)")
    si.add_argument("--admin", metavar="LOGIN", help="the OS login of the first administrator")
    si.set_defaults(func=cmd_server_init)
    su = sv.add_parser("upgrade", parents=[common], help="migrate the schema and renew grants and policies")
    su.add_argument("url", nargs="?", help="default: --db / VARSEL_DB")
    su.set_defaults(func=cmd_server_upgrade)

    s = sub.add_parser("seed-demo", parents=[common], help="fill a database with N demo cases")
    s.add_argument("--cases", type=int, default=1000)
    s.add_argument("--seed", type=int, default=1)
    s.set_defaults(func=cmd_seed_demo)

    au = sub.add_parser("audit", help="the hash-chained audit journal").add_subparsers(dest="audit_cmd", required=True)
    au.add_parser("verify", parents=[common], help="check the journal's hash chains; report the first broken link") \
        .set_defaults(func=cmd_audit_verify)

    sub.add_parser("check", parents=[common],
                   help="check the database's integrity and the audit journal; one line per problem") \
        .set_defaults(func=cmd_check)

    al = au.add_parser("log", parents=[common], help="who viewed, changed, exported or granted what, and when")
    al.add_argument("--case", help="only this case's journal (decrypted where you are entitled)")
    al.add_argument("--limit", type=int, default=200)
    al.set_defaults(func=cmd_audit_log)

    up2 = u.add_parser("reset", parents=[common],
                       help="new key pair and passphrase for a user who lost theirs (then 'varsel access sync' "
                            "with the recovery key)")
    up2.add_argument("name")
    up2.add_argument("--new-passphrase-file", help="the user's new passphrase (else VARSEL_NEW_PASSPHRASE or a "
                                                   "prompt); --passphrase-file is the administrator's own")
    up2.set_defaults(func=cmd_user_reset)

    rc = sub.add_parser("recovery", help="the organisation recovery key").add_subparsers(dest="recovery_cmd",
                                                                                           required=True)
    rc.add_parser("init", parents=[common], help="make the recovery key once; print it and lock it away") \
        .set_defaults(func=cmd_recovery_init)

    ac = sub.add_parser("access", help="who holds a key to strictly secret cases").add_subparsers(
        dest="access_cmd", required=True)
    acs = ac.add_parser("show", parents=[common], help="who holds a key to a case")
    acs.add_argument("number")
    acs.set_defaults(func=cmd_access_show)
    acy = ac.add_parser("sync", parents=[common],
                        help="grant and revoke keys on every secret case to match the workflow (for cron, or "
                             "after a recovery)")
    acy.add_argument("--recovery-key-file", help="unlock with the recovery key instead of your passphrase")
    acy.add_argument("--with-recovery-key", action="store_true",
                     help="ask for the recovery key (or VARSEL_RECOVERY_KEY)")
    acy.set_defaults(func=cmd_access_sync)

    rt = sub.add_parser("retention", parents=[common],
                        help="closed cases past their retention period; --destroy deletes them for good")
    rt.add_argument("--destroy", action="store_true", help="destroy the expired cases (asks first)")
    rt.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    rt.set_defaults(func=cmd_retention)
    rtp = sub.add_parser("retention-policy", parents=[common],
                         help="set the organisation's retention period for a workflow")
    rtp.add_argument("workflow")
    rtp.add_argument("days", type=int, help="days after closing (0 = keep until an archivist decides)")
    rtp.set_defaults(func=cmd_retention_policy)

    bk = sub.add_parser("backup", parents=[common], help="write an owner-only backup of the database to FILE")
    bk.add_argument("file")
    bk.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    bk.add_argument("--logical", action="store_true",
                    help="a logical export (zip) instead of an SQLite copy or pg_dump archive; restores into "
                         "either backend")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", parents=[common], help="restore a backup into the empty database given by --db")
    rs.add_argument("file")
    rs.set_defaults(func=cmd_restore)

    du = sub.add_parser("due", parents=[common], help="what is due or overdue (for cron)")
    du.add_argument("--within", type=int, default=7, help="days ahead (default 7)")
    du.set_defaults(func=cmd_due)
    from .cli_reports import add_commands as add_report_commands
    from .cli_stats import register as add_stats_command

    add_report_commands(sub, common)  # report, archive
    add_stats_command(sub, common)  # stats
    from .cli_letters import add_letter_commands

    add_letter_commands(sub, common)  # letter, letters
    return p


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("db", None), ("user", None), ("json", False), ("passphrase_file", None)):
        if not hasattr(args, name):
            setattr(args, name, default)
    func = getattr(args, "func", cmd_tui)
    try:
        _check_db_secret(args)
        func(args)
    except CliError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # one clear line, never a traceback
        _fail(_explain(exc))
    finally:
        _warn_broken_workflows(args)


def _warn_broken_workflows(args: argparse.Namespace) -> None:
    """One line per workflow file the loader left out (the other workflows work as before)."""
    if getattr(args, "check", None) or "varsel_tui.workflows" not in sys.modules:
        return  # --check reports the file itself; nothing loaded: nothing to say
    from .workflows import broken_if_loaded

    for b in broken_if_loaded():
        _warn(f"workflow file {b.summary}; run 'varsel workflows --check {b.path}'")


def _check_db_secret(args: argparse.Namespace) -> None:
    """A PostgreSQL password never on argv (other accounts read /proc/PID/cmdline); in VARSEL_DB
    it is only seen by this account, but a password file or peer authentication is better."""
    from .store.db import PASSWORD_ADVICE, has_password

    for given in (args.db, getattr(args, "url", None)):  # `server init|upgrade URL` too
        if given and has_password(given):
            raise CliError(f"refusing a database password on the command line: {PASSWORD_ADVICE}")
    if not args.db and has_password(os.environ.get("VARSEL_DB", "")):
        _warn(f"VARSEL_DB carries a database password: {PASSWORD_ADVICE}")


def _explain(exc: Exception) -> str:
    from .store.db import StoreError

    if isinstance(exc, StoreError):
        return str(exc)
    try:
        from .domain.engine import EngineError
        from .domain.workflow import WorkflowError
        if isinstance(exc, (WorkflowError, EngineError)):
            return str(exc)
    except ImportError:
        pass
    if type(exc).__module__.startswith("varsel_tui.crypto"):
        return str(exc) or type(exc).__name__
    if isinstance(exc, (ValueError, OSError)):
        return str(exc)
    if os.environ.get("VARSEL_DEBUG"):
        raise exc
    # One line: a database error carries its whole statement and parameters on the lines after.
    first = (str(exc).strip().splitlines() or [""])[0]
    if len(first) > 300:
        first = first[:300] + "…"
    return f"unexpected error: {type(exc).__name__}: {first} (set VARSEL_DEBUG=1 for details)"


if __name__ == "__main__":
    main()
