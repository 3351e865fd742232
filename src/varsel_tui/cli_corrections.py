"""`varsel case amend | party-edit | party-remove | measure remove | void`: corrections with a trail.

Each takes a required `--reason` (text, or @FILE / @-) that goes into the case's journal with who
made the correction (store/corrections.py). Registered on the `case` command by cli.py's parser
builder; the shared helpers come from cli.py.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(case_cmds: Any, measure_cmds: Any, common: argparse.ArgumentParser) -> None:
    """Add the correction commands to `varsel case` (and `varsel case measure`)."""
    def reason(p: argparse.ArgumentParser) -> None:
        p.add_argument("--reason", required=True, help="why (journalled with your name), or @FILE / @-")
        p.add_argument("--expect-version", type=int, help="refuse if the case changed since this version")

    am = case_cmds.add_parser("amend", parents=[common], help="correct intake answers (FIELD=VALUE; empty VALUE removes)")
    am.add_argument("number")
    am.add_argument("answers", nargs="+", metavar="FIELD=VALUE", help="VALUE may be @FILE or @-")
    reason(am)
    am.set_defaults(func=cmd_case_amend)

    pe = case_cmds.add_parser("party-edit", parents=[common], help="correct a party's role, name, anonymity or body")
    pe.add_argument("number")
    pe.add_argument("party_id", type=int, help="the party's id (case show --json: parties[].id)")
    pe.add_argument("--role")
    pe.add_argument("--name", help="the party's name, or @FILE / @-")
    anon = pe.add_mutually_exclusive_group()
    anon.add_argument("--anonymous", dest="anonymous", action="store_const", const=True, default=None)
    anon.add_argument("--not-anonymous", dest="anonymous", action="store_const", const=False)
    pe.add_argument("--body", help="the body the party is or belongs to ('' for none)")
    reason(pe)
    pe.set_defaults(func=cmd_case_party_edit)

    pr = case_cmds.add_parser("party-remove", parents=[common], help="withdraw a party added by mistake")
    pr.add_argument("number")
    pr.add_argument("party_id", type=int)
    reason(pr)
    pr.set_defaults(func=cmd_case_party_remove)

    mr = measure_cmds.add_parser("remove", parents=[common], help="withdraw a measure added by mistake")
    mr.add_argument("number")
    mr.add_argument("id", type=int)
    reason(mr)
    mr.set_defaults(func=cmd_case_measure_remove)

    vo = case_cmds.add_parser("void", parents=[common],
                              help="mark a case registered in error as void (kept; out of the queue and due lists)")
    vo.add_argument("number")
    reason(vo)
    vo.set_defaults(func=cmd_case_void)


def _run(args: argparse.Namespace, write: Any) -> None:
    """Open the store, run the correction with the reason, print the case."""
    from .cli import CliError, _case_text, _print, _store, _text, _unlocking, _user, case_detail_json

    store = _store(args, create=False)
    why = _text(args, args.reason, "--reason") or ""
    if not why.strip():
        raise CliError("--reason must say why (it goes into the case's journal); nothing was changed")
    d = _unlocking(args, store, lambda: write(store, why, _user(args)))
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))


def cmd_case_amend(args: argparse.Namespace) -> None:
    from .cli import _pairs

    changes = _pairs(args, args.answers)
    _run(args, lambda store, why, by: store.amend_intake(args.number, changes, reason=why, by=by,
                                                         expected_version=args.expect_version))


def cmd_case_party_edit(args: argparse.Namespace) -> None:
    from .cli import CliError, _text

    name = _text(args, args.name, "--name") if args.name is not None else None
    if name is None and args.role is None and args.anonymous is None and args.body is None:
        raise CliError("say what to correct: --role, --name, --anonymous/--not-anonymous or --body")
    _run(args, lambda store, why, by: store.edit_party(args.number, args.party_id, reason=why, by=by, role=args.role,
                                                       name=name, anonymous=args.anonymous, body=args.body,
                                                       expected_version=args.expect_version))


def cmd_case_party_remove(args: argparse.Namespace) -> None:
    _run(args, lambda store, why, by: store.remove_party(args.number, args.party_id, reason=why, by=by,
                                                         expected_version=args.expect_version))


def cmd_case_measure_remove(args: argparse.Namespace) -> None:
    _run(args, lambda store, why, by: store.remove_measure(args.number, args.id, reason=why, by=by,
                                                           expected_version=args.expect_version))


def cmd_case_void(args: argparse.Namespace) -> None:
    _run(args, lambda store, why, by: store.void_case(args.number, reason=why, by=by,
                                                      expected_version=args.expect_version))
