"""Who the workflow entitles to a case now (pure: no I/O, no clock of its own).

DESIGN.md "Confidentiality", for every classification: the members of the body handling the
case's current phase (the registering clerk while no body is set), participants of a hearing
that is open and has not passed its end, and never a person the case concerns — a member of a
body it concerns, or someone named as accused (by user name or by their full name).

The answer, person → last day of access (None: for as long as the case stays where it is), is
what `case_access` holds, whom a strictly secret case's key is wrapped for, and whom a read is
allowed for. `today` must come from the real clock (`clock.real_today()`), never from
`VARSEL_TODAY`: an ended hearing gives no access whatever date the environment claims.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, Mapping

from .names import name_key


def entitled_people(*, body: str | None, creator: str, members_of: Callable[[str], Iterable[str]],
                    concerns: Iterable[str] = (), hearings: Iterable[tuple[Iterable[str], date, date | None]] = (),
                    excluded: Iterable[str] = (), display_names: Mapping[str, str] | None = None,
                    users: Iterable[str] | None = None, today: date) -> dict[str, date | None]:
    """Person → the last day they may see the case (None: no end date).

    `hearings` are (participants, ends_on, closed_on); `excluded` are the names of the persons
    named as accused, matched against each person's user name and `display_names` after
    `name_key`. With `users`, only those registered users can be entitled (a member row naming
    somebody who cannot log in gives nothing).
    """
    people: dict[str, date | None] = {}
    if body:
        people.update((p, None) for p in members_of(body) if p)
    elif creator:
        people[creator] = None
    for participants, ends_on, closed_on in hearings:
        if closed_on is not None or ends_on < today:
            continue
        for p in participants:
            p = p.strip()
            if not p:
                continue
            if p in people:
                held = people[p]
                if held is None or held >= ends_on:
                    continue  # a member already, or in a hearing that lasts longer
            people[p] = ends_on
    barred = {p for b in concerns for p in members_of(b)}
    accused = {name_key(n) for n in excluded} - {""}
    names = display_names or {}
    registered = set(users) if users is not None else None
    return {p: until for p, until in people.items()
            if p not in barred and (registered is None or p in registered)
            and not ({name_key(p), name_key(names.get(p))} & accused)}


def may_see(entitled: Mapping[str, date | None], user: str, today: date) -> bool:
    """Whether `user` may see the case today, by the rule's answer (`until` is the last day)."""
    if user not in entitled:
        return False
    until = entitled[user]
    return until is None or until >= today
