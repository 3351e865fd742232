"""The facts statistics count (domain/statistics.py), read without decrypting anything: the
workflow, dates, status and outcome of every case, plus the rows retention keeps of destroyed
cases. No title, party or answer is read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from ..domain.calendar import working_days_between
from ..domain.statistics import THRESHOLD, CaseFact, quarter_of, tabulate
from . import directory
from .models import Case, CaseStatistic
from .unit import Db

# Who makes the statistics: one table for the whole organisation, made by an administrator. An
# officer's reads are limited to the cases they may see (row-level security on a committee
# server), so their counts would be a second, smaller table, and the difference between two such
# tables can give away exactly the small counts the suppression hides. Privacy of small counts
# goes before completeness.
ADMIN_FOR = "make the statistics (one table for the whole organisation)"
LEGEND = {"<5": "1–4 saker", "x": "skjult, så en liten celle ikke kan regnes ut av summen",
          "åpen": "saken er åpen", "ukjent": "ikke tatt vare på (saken er slettet etter oppbevaringstiden)"}


def case_facts(db: Db) -> list[CaseFact]:
    """Every case the connection can read (on a committee server an administrator reads all),
    and every destroyed case's statistics row. A destroyed case kept its year of receipt, outcome
    and closing month, not its quarter of receipt or its duration: those count as unknown."""
    with db.reading() as s:
        # Only these columns: the encrypted ones are never read (five columns: SQLAlchemy's select).
        cases = s.execute(sa_select(col(Case.workflow_id), col(Case.received), col(Case.status), col(Case.outcome),
                                    col(Case.closed_on)).order_by(col(Case.id))).all()
        kept = s.exec(select(CaseStatistic).order_by(col(CaseStatistic.id))).all()
    facts = [CaseFact(workflow=wf, year=received.year, quarter=quarter_of(received),
                      outcome=outcome or "", open=status == "open",
                      working_days=(working_days_between(received, closed_on)
                                    if status != "open" and closed_on is not None else None))
             for wf, received, status, outcome, closed_on in cases]
    facts += [CaseFact(workflow=k.workflow_id, year=k.year, quarter=None, outcome=k.outcome or "", working_days=None)
              for k in kept]
    return facts


def report(db: Db, year: int | None, *, by: str) -> dict[str, Any]:
    """The statistics as data (CLI and TUI): groups, threshold and legend. Administrators only."""
    from .. import workflows

    directory.require_approved(db, by, admin_for=ADMIN_FOR)
    names = {wf.id: wf.name for wf in workflows.all_workflows().values()}
    groups = tabulate(case_facts(db), year)
    return {"threshold": THRESHOLD, "year": year, "legend": LEGEND,
            "groups": [{**asdict(g), "workflow_name": names.get(g.workflow, g.workflow)} for g in groups]}
