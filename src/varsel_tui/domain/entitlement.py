"""Who the workflow entitles to a case now (pure: no I/O).

DESIGN.md "Confidentiality": the members of the body handling the case's current phase (the
creator while no body is set), participants of an open hearing until it ends, and never a member
of a body the case concerns or a person named as accused. The answer, person → last day of access
(None: for as long as the case stays where it is), is what `case_access` holds and whom a strictly
secret case's key is wrapped for.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable


def entitled_people(*, body: str | None, creator: str, members_of: Callable[[str], Iterable[str]],
                    concerns: Iterable[str] = (), hearings: Iterable[tuple[Iterable[str], date, date | None]] = (),
                    excluded: Iterable[str] = (), today: date) -> dict[str, date | None]:
    """Person → the last day they may see the case (None: no end date).

    `hearings` are (participants, ends_on, closed_on); `excluded` are people named as accused.
    """
    people: dict[str, date | None] = {}
    if body:
        people.update((p, None) for p in members_of(body))
    elif creator:
        people[creator] = None
    for participants, ends_on, closed_on in hearings:
        if closed_on is not None or ends_on < today:
            continue
        for p in participants:
            if not p:
                continue
            if p in people:
                until = people[p]
                if until is None or until >= ends_on:
                    continue  # a member already, or in a hearing that lasts longer
            people[p] = ends_on
    barred = set(excluded) | {p for b in concerns for p in members_of(b)}
    return {p: until for p, until in people.items() if p not in barred}
