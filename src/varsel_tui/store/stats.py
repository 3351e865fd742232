"""The facts statistics count (domain/statistics.py), read without decrypting anything: the
workflow, dates, status and outcome of every case, plus the rows retention keeps of destroyed
cases. No title, party or answer is read."""

from __future__ import annotations

from sqlmodel import col, select

from ..domain.calendar import working_days_between
from ..domain.statistics import CaseFact, quarter_of
from .models import Case, CaseStatistic
from .unit import Db


def case_facts(db: Db) -> list[CaseFact]:
    """Every case the connection can read (on a committee server an administrator reads all),
    and every destroyed case's statistics row. A destroyed case kept its year of receipt, outcome
    and closing month, not its quarter of receipt or its duration: those count as unknown."""
    with db.reading() as s:
        cases = s.exec(select(Case.workflow_id, Case.received, Case.status, Case.outcome, Case.closed_on)
                       .order_by(col(Case.id))).all()
        kept = s.exec(select(CaseStatistic.workflow_id, CaseStatistic.year, CaseStatistic.outcome)
                      .order_by(col(CaseStatistic.id))).all()
    facts = [CaseFact(workflow=wf, year=received.year, quarter=quarter_of(received),
                      outcome=outcome or "", open=status == "open",
                      working_days=(working_days_between(received, closed_on)
                                    if status != "open" and closed_on is not None else None))
             for wf, received, status, outcome, closed_on in cases]
    facts += [CaseFact(workflow=wf, year=year, quarter=None, outcome=outcome or "", working_days=None)
              for wf, year, outcome in kept]
    return facts
