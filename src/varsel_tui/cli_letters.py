"""`varsel letter …` and `varsel letters`: the letters drafted on a case, and the templates.

    varsel letter list NUMBER [--json]
    varsel letter show NUMBER LETTER_ID
    varsel letter new NUMBER TEMPLATE_ID
    varsel letter edit NUMBER LETTER_ID --text TEXT|@FILE
    varsel letter write NUMBER LETTER_ID (--eml FILE | --pdf FILE) [--attach FILE …]
    varsel letter sent NUMBER LETTER_ID [--on DATE]
    varsel letters [--check]

LETTER_ID is the letter's number on the case, or its template id when the case has one letter
from that template.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from .cli import CliError, _date, _print, _store, _text, _unlocking, _user


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read: a letter carries case content."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror}") from None


def _line(info: Any) -> str:
    to = ", ".join(info.to) or "–"
    return f"{info.id:>3}  {info.status:<5}  {info.step or 'frist':<5}  {info.title}  → {to}" + (
        f"  (bcc {len(info.bcc)})" if info.bcc else "")


def cmd_letter_list(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    found = _unlocking(args, store, lambda: store.letters(args.number, by=_user(args)))
    _print(args, [i.as_json() for i in found],
           "\n".join(_line(i) for i in found) or f"case {args.number} has no letters")


def _show_text(info: Any) -> str:
    head = [f"Brev {info.id}: {info.title} ({info.template}, {info.status})",
            f"Til: {', '.join(info.to) or '–'}"]
    if info.cc:
        head.append(f"Kopi: {', '.join(info.cc)}")
    if info.bcc:
        head.append(f"Blindkopi: {', '.join(info.bcc)}")
    head.append(f"Emne: {info.subject}")
    if info.checksum:
        head.append(f"Sendt {info.sent_on}, SHA-256 {info.checksum}")
    return "\n".join(head) + "\n\n" + info.body


def cmd_letter_show(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    info = _unlocking(args, store, lambda: store.letter(args.number, args.letter_id))
    _print(args, {**info.as_json(), "subject": info.subject, "body": info.body, "free_text": info.free_text},
           _show_text(info))


def cmd_letter_new(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    info = _unlocking(args, store, lambda: store.draft_letter(args.number, args.template, by=_user(args)))
    _print(args, info.as_json(), f"letter {info.id} drafted on {args.number} ({info.template})")


def cmd_letter_edit(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    text = _text(args, args.text, "--text") or ""
    info = _unlocking(args, store, lambda: store.edit_letter(args.number, args.letter_id, text, by=_user(args)))
    _print(args, info.as_json(), f"letter {info.id} of {args.number} updated")


def cmd_letter_write(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.pdf and args.attach:
        raise CliError("--attach goes with --eml (a PDF letter has no attachments)")
    attachments: list[tuple[str, bytes]] = []
    for name in args.attach or []:
        try:
            attachments.append((Path(name).name, Path(name).read_bytes()))
        except OSError as exc:
            raise CliError(f"{name}: cannot read: {exc.strerror}") from None
    if args.eml:
        data = _unlocking(args, store, lambda: store.letter_eml(args.number, args.letter_id,
                                                                 attachments=attachments))
        out = Path(args.eml)
    else:
        data = _unlocking(args, store, lambda: store.letter_pdf(args.number, args.letter_id))
        out = Path(args.pdf)
    write_private(out, data)
    _print(args, {"file": str(out), "bytes": len(data)}, f"wrote {out} ({len(data)} bytes)")


def cmd_letter_sent(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    on = _date(args.on, "--on") if args.on else None
    info = _unlocking(args, store, lambda: store.letter_sent(args.number, args.letter_id, by=_user(args), on=on))
    _print(args, info.as_json(), f"letter {info.id} of {args.number} marked sent {info.sent_on} "
                                 f"(SHA-256 {info.checksum})")


def template_problems() -> tuple[dict[str, Any], list[str]]:
    """Every template, and every problem: in the templates and in workflows naming a missing one."""
    from . import letter_templates, workflows
    from .domain.letters import answer_fields

    found, problems = letter_templates.scan()
    try:
        letter_templates.layout()
    except ValueError as exc:
        problems.append(str(exc))
    for wf in workflows.all_workflows().values():
        named = [(s.id, t) for s in wf.steps for t in s.letters]
        named += [(s.id, t) for s in wf.steps for b in s.branches for t in b.letters]
        named += [("frist", t) for st in wf.statutory for t in st.letters]
        fields = {f.id for f in wf.intake.form.fields} | {f.id for s in wf.steps if s.form for f in s.form.fields}
        for where, tid in named:
            if tid not in found:
                problems.append(f"workflow {wf.id}, step {where}: unknown letter template '{tid}'")
                continue
            for name in answer_fields(found[tid]):
                if name not in fields:
                    problems.append(f"workflow {wf.id}, step {where}: template {tid} sends to answer:{name}, "
                                    "which no form of the workflow has")
    return found, problems


def cmd_letters(args: argparse.Namespace) -> None:
    found, problems = template_problems()
    if args.check:
        if problems:
            raise CliError(f"{len(problems)} problem(s) in the letter templates:\n" + "\n".join(problems))
        _print(args, {"templates": len(found), "problems": []}, f"{len(found)} letter templates: OK")
        return
    rows = [{"id": t.id, "title": t.title, "lang": t.lang, "kind": t.kind, "to": t.to, "cc": t.cc, "bcc": t.bcc}
            for t in found.values()]
    _print(args, rows, "\n".join(f"{r['id']:<34} {r['lang']}  {r['title']}" for r in rows))


def add_letter_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    lt = sub.add_parser("letter", parents=[common], help="letters drafted on a case").add_subparsers(
        dest="letter_cmd", required=True)
    ll = lt.add_parser("list", parents=[common], help="the case's letters")
    ll.add_argument("number")
    ll.set_defaults(func=cmd_letter_list)
    ls = lt.add_parser("show", parents=[common], help="preview one letter")
    ls.add_argument("number")
    ls.add_argument("letter_id")
    ls.set_defaults(func=cmd_letter_show)
    ln = lt.add_parser("new", parents=[common], help="draft a letter from any template (see 'varsel letters')")
    ln.add_argument("number")
    ln.add_argument("template")
    ln.set_defaults(func=cmd_letter_new)
    le = lt.add_parser("edit", parents=[common], help="set the letter's free text")
    le.add_argument("number")
    le.add_argument("letter_id")
    le.add_argument("--text", required=True, help="the text, or @FILE / @- to read it")
    le.set_defaults(func=cmd_letter_edit)
    lw = lt.add_parser("write", parents=[common], help="write the letter as .eml or PDF")
    lw.add_argument("number")
    lw.add_argument("letter_id")
    out = lw.add_mutually_exclusive_group(required=True)
    out.add_argument("--eml", metavar="FILE", help="an RFC 5322 e-mail draft")
    out.add_argument("--pdf", metavar="FILE", help="a PDF letter")
    lw.add_argument("--attach", metavar="FILE", action="append", help="attach a file to the .eml (repeatable)")
    lw.set_defaults(func=cmd_letter_write)
    lsn = lt.add_parser("sent", parents=[common], help="mark the letter sent (journalled with its SHA-256)")
    lsn.add_argument("number")
    lsn.add_argument("letter_id")
    lsn.add_argument("--on", help="the date it was sent (default today)")
    lsn.set_defaults(func=cmd_letter_sent)
    lts = sub.add_parser("letters", parents=[common], help="the letter templates")
    lts.add_argument("--check", action="store_true", help="validate every template; non-zero exit on problems")
    lts.set_defaults(func=cmd_letters)
