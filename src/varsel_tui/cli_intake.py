"""`varsel case intake NUMBER [--set FIELD=VALUE …]`: the intake answers a re-registered case
still lacks. Without --set it lists them (as `case form` lists a step's fields); with --set it
gives them, and the case starts where its procedure says, classified by its rules."""

from __future__ import annotations

import argparse
from typing import Any


def register(cases: Any, common: argparse.ArgumentParser) -> None:
    ci = cases.add_parser("intake", parents=[common],
                          help="the intake answers a re-registered case lacks (list them, or give them with --set)")
    ci.add_argument("number")
    ci.add_argument("--set", action="append", metavar="FIELD=VALUE",
                    help="an intake answer; VALUE may be @FILE or @- (repeatable)")
    ci.add_argument("--expect-version", type=int, help="refuse if the case changed since this version")
    ci.set_defaults(func=cmd_case_intake)


def cmd_case_intake(args: argparse.Namespace) -> None:
    from .cli import _case_text, _pairs, _print, _store, _unlocking, _user, case_detail_json

    store = _store(args, create=False)
    if not args.set:
        d = _unlocking(args, store, lambda: store.get_case(args.number))
        missing = set(d.state.awaiting_intake)
        fields = [{"id": f.id, "label": f.label, "type": f.type, "missing": f.id in missing,
                   "options": [o.value for o in f.options] or None, "help": f.help}
                  for f in d.workflow.intake.form.fields]
        data = {"number": d.case.number, "workflow": d.workflow.id, "waiting": bool(missing), "answers": d.intake,
                "fields": fields}
        if missing:
            lines = [f"{d.case.number} venter på mottaksopplysninger; gi dem med --set FIELD=VALUE:"]
            lines += [f"  {f['id']}: {f['label']}" + (f" ({', '.join(f['options'])})" if f["options"] else "")
                      for f in fields if f["missing"]]
        else:
            lines = [f"{d.case.number} venter ikke på mottaksopplysninger."]
        _print(args, data, "\n".join(lines))
        return
    answers = _pairs(args, args.set)
    d = _unlocking(args, store, lambda: store.complete_intake(args.number, answers, by=_user(args),
                                                              expected_version=args.expect_version))
    data = case_detail_json(store, d)
    _print(args, data, _case_text(data))
