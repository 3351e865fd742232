"""`varsel stats [--year YYYY] [--json | --csv]`: the anonymised statistics for annual reports
(domain/statistics.py; store/stats.py says why only administrators make them)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    st = sub.add_parser("stats", parents=[common],
                        help="anonymised counts per workflow, year, quarter, outcome and duration (counts "
                             "under 5 suppressed; administrators)")
    st.add_argument("--year", type=int, help="only cases received this year")
    st.add_argument("--csv", action="store_true", help="print CSV (workflow,year,dimension,category,count)")
    st.set_defaults(func=cmd_stats)


def _csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["workflow", "year", "dimension", "category", "count"])
    for g in report["groups"]:
        w.writerow([g["workflow"], g["year"], "total", "", g["total"]])
        for dimension in ("quarters", "outcomes", "durations"):
            for category, count in g[dimension].items():
                w.writerow([g["workflow"], g["year"], dimension.rstrip("s"), category, count])
        if g["median_working_days"] is not None:
            w.writerow([g["workflow"], g["year"], "median_working_days", "", g["median_working_days"]])
    return out.getvalue()


def text_report(report: dict[str, Any]) -> str:
    if not report["groups"]:
        return "ingen saker" + (f" mottatt i {report['year']}" if report["year"] else "")
    lines: list[str] = []
    for g in report["groups"]:
        lines.append(f"{g['workflow_name']} ({g['workflow']}), mottatt {g['year']}: {g['total']} saker")
        if not g["quarters"]:
            lines.append("  (færre enn 5 saker: ingen fordeling vises)")
            continue
        for label, dimension in (("kvartal", "quarters"), ("utfall", "outcomes"), ("virkedager", "durations")):
            cells = "  ".join(f"{k}: {v}" for k, v in g[dimension].items())
            lines.append(f"  {label:<10} {cells}")
        if g["median_working_days"] is not None:
            lines.append(f"  {'median':<10} {g['median_working_days']:g} virkedager fra mottatt til avsluttet")
    lines.append("")
    lines.append("; ".join(f"{k} = {v}" for k, v in report["legend"].items()))
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> None:
    from .cli import CliError, _print, _store

    if args.json and args.csv:
        raise CliError("choose one of --json and --csv")
    store = _store(args, create=False)
    report = store.statistics_report(args.year, by=args.actor)
    if args.csv:
        sys.stdout.write(_csv(report))
        return
    _print(args, report, text_report(report))
