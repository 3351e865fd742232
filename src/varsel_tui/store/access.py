"""Who may see a case now (every classification), and keeping a strictly secret case's key wraps
in line with that.

Entitlement follows the workflow (DESIGN.md "Confidentiality"; the rule is domain/entitlement.py,
decided on the real clock):
- the members of the body handling the case's current phase (the creator while no body is set),
- participants of a hearing that is open and has not passed its end date,
- the organisation recovery key, when one is set up,
- never a person the case concerns: an accused party by name, or any member of a body the case
  concerns (the procedures' conflict rule).

`sync` runs inside every write: new recipients get wraps of every generation; when someone has
lost entitlement, their wraps are deleted and the case gets a new key generation before anything
new is sealed, so what is written from then on is unreadable to them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlalchemy import LargeBinary, bindparam, text
from sqlmodel import Session, col, select

from ..domain.entitlement import entitled_people
from ..domain.entitlement import may_see as may_see_rule
from . import journal, trust
from .db import StoreError
from .models import CaseKey, Hearing, Party, Setting, row_id
from .secrets import RECOVERY, RECOVERY_SETTING, SEALED_COLUMNS, SECRET, NoAccess, user_recipient, wrap_for
from .server import has_function

if TYPE_CHECKING:
    from .models import Case
    from .unit import Db


def _real_today():  # noqa: ANN202
    # Access follows the real clock: VARSEL_TODAY (deadline display) must not reopen a hearing.
    from ..clock import real_today

    return real_today()


class NoCaseAccess(NoAccess):
    """A case (any classification) the acting user is not entitled to see: nothing of it is told,
    not even its title. A NoAccess, so callers that refuse a secret case refuse this alike."""

    def __init__(self, number: str, who: str):
        self.number, self.who = number, who
        self.pending = False
        self.recorded = False  # journalled as an organisation event (by the outermost store call)
        StoreError.__init__(self, f"you have no access to case {number}")


def start_keys(db: "Db", case: "Case") -> None:
    """Give a strictly secret case without keys its first data key generation."""
    if case.classification == SECRET and case.key_generation == 0:
        from ..crypto.envelope import new_data_key

        case.key_generation = 1
        db.codec.set_fresh(case.number, 1, new_data_key())


def recovery_public_key(s: Session) -> bytes | None:
    row = s.get(Setting, RECOVERY_SETTING)
    return bytes(row.blob) if row is not None and row.blob else None


def members_of(s: Session, bodies: list[str]) -> set[str]:
    """The members of `bodies`: the one place that says who belongs to a body. Signed memberships
    only (store/trust.py): a member row put in behind the app's back counts for nothing."""
    members = trust.read(s).members
    return {p for b in bodies for p in members.get(b, set())}


def _hearings(s: Session, case: "Case") -> list[tuple[list[str], date, date | None]]:
    return [(h.participants.split(","), h.ends_on, h.closed_on)
            for h in s.exec(select(Hearing).where(Hearing.case_id == case.id))]


def _rule(s: Session, case: "Case", *, members: Callable[[str], Iterable[str]] | None = None,
          hearings: list[tuple[list[str], date, date | None]] | None = None, **kw: Any) -> dict[str, date | None]:
    return entitled_people(body=case.body, creator=case.created_by,
                           members_of=members or (lambda b: members_of(s, [b])),
                           hearings=_hearings(s, case) if hearings is None else hearings, today=_real_today(), **kw)


def people_in_reach(s: Session, case: "Case") -> set[str]:
    """Whom the workflow puts near the case now, before the conflict rule is applied."""
    return set(_rule(s, case))


def concerned_members(s: Session, case: "Case") -> set[str]:
    """Members of the bodies the case concerns (plain metadata: no key needed)."""
    return members_of(s, [b for b in case.concerns.split(",") if b])


def accused_names(db: "Db", s: Session, case: "Case") -> set[str]:
    """Names of the accused parties (decrypted: needs the case's key)."""
    names: set[str] = set()
    for p in s.exec(select(Party).where(Party.case_id == case.id, Party.role == "anklagede")):
        name = db.codec.open_row(case, p, "name")
        if name and name.strip():
            names.add(name.strip())
    return names


def accused_names_if_open(db: "Db", s: Session, case: "Case") -> set[str] | None:
    """The accused names, or None when they are sealed and this process cannot open them."""
    if case.classification == SECRET and not db.codec.can_open(case):
        return None
    return accused_names(db, s, case)


def entitled_users(db: "Db", s: Session, case: "Case", *, accused: set[str], users: dict[str, str] | None = None,
                   members: Callable[[str], Iterable[str]] | None = None,
                   hearings: list[tuple[list[str], date, date | None]] | None = None) -> dict[str, date | None]:
    """User name → last day of access (None: open-ended), by the one entitlement rule
    (domain/entitlement.py), for every classification. `accused`: names to bar. `users` (name →
    full name), `members` (a cached `members_of`) and `hearings` may be given by a caller that
    reads them for many cases at once."""
    if users is None:
        users = {name: u.display_name or "" for name, u in trust.verified_users(s).items()}  # approved only
    return _rule(s, case, members=members, hearings=hearings, concerns=[b for b in case.concerns.split(",") if b],
                 excluded=accused, display_names=users, users=users)


def would_see(db: "Db", s: Session, case: "Case", user: str, *, body: str | None, concerns: Iterable[str],
              accused: set[str]) -> bool:
    """Whether `user` would still be entitled to the case if it were handled by `body`, concerned
    `concerns` and named `accused` (a foresight for a write about to be made; same rule)."""
    users = {name: u.display_name or "" for name, u in trust.verified_users(s).items()}
    people = entitled_people(body=body, creator=case.created_by, members_of=lambda b: members_of(s, [b]),
                             concerns=concerns, hearings=_hearings(s, case), excluded=accused,
                             display_names=users, users=users, today=_real_today())
    return may_see_rule(people, user, _real_today())


def entitled(db: "Db", s: Session, case: "Case") -> dict[str, bytes]:
    """Recipient id → public key of everyone entitled to the case now (key wraps)."""
    people = entitled_users(db, s, case, accused=accused_names(db, s, case))
    out: dict[str, bytes] = {}
    approved = trust.verified_users(s)  # the approved public key, never one put in the row since
    for name in sorted(set(people) & set(approved)):
        if approved[name].public_key:
            out[user_recipient(name)] = bytes(approved[name].public_key or b"")
    recovery = recovery_public_key(s)
    if recovery:
        out[RECOVERY] = recovery
    return out


def may_see(db: "Db", s: Session, case: "Case", user: str) -> bool:
    """Whether `user` may see the case today (real clock): the rule gives them access (an access
    row it does not give is ignored) and their `case_access` row says so. For a strictly secret
    case the accused names are sealed; `load_wraps` bars an accused person once the key is open."""
    from .case_state import has_row

    accused = set() if case.classification == SECRET else accused_names(db, s, case)
    return may_see_rule(entitled_users(db, s, case, accused=accused), user, _real_today()) \
        and has_row(s, case, user)


def _approved_key(s: Session, name: str, public_key: bytes) -> bool:
    """The unlocked key is the approved one of an approved user (not pending, not replaced)."""
    user = trust.verified_users(s).get(name)
    return user is not None and bytes(user.public_key or b"") == public_key


def load_wraps(db: "Db", s: Session, case: "Case") -> None:
    """Give the codec the unlocked user's wraps for this case, if the workflow lets them in now."""
    who = db.codec.unlocked_as
    if case.classification != SECRET or who is None:
        return
    name = who.removeprefix("user:")
    if who != RECOVERY and (name not in entitled_users(db, s, case, accused=set())
                            or not _approved_key(s, name, db.codec.session.public_key)):
        db.codec.set_wraps(case.number, None)  # a wrap left from before does not let them in
        return
    rows = s.exec(select(CaseKey.key_version, CaseKey.wrap).where(CaseKey.case_id == case.id,
                                                                  CaseKey.recipient == who))
    db.codec.set_wraps(case.number, {g: bytes(w) for g, w in rows})
    # Named as accused: only their own key can tell (the names are sealed), and then it may not be used.
    if who != RECOVERY and db.codec.can_open(case):
        if name not in entitled_users(db, s, case, accused=accused_names(db, s, case)):
            db.codec.set_wraps(case.number, None)


def sync(db: "Db", s: Session, case: "Case", by: str) -> None:
    """Wraps for exactly who is entitled now; a new key generation if anyone lost entitlement."""
    if case.classification != SECRET or case.key_generation == 0:
        return
    from ..crypto.envelope import new_data_key

    by = by or (db.codec.unlocked_as or "").removeprefix("user:")
    want = entitled(db, s, case)
    if not want:
        raise StoreError(f"no one could read strictly secret case {case.number}: nobody entitled to it has a key "
                         f"pair ({case.body or case.created_by}) and no recovery key is set up "
                         "(see 'varsel user add' and 'varsel recovery init'); nothing was saved")
    rows = list(s.exec(select(CaseKey).where(CaseKey.case_id == case.id)))
    stale = sorted({r.recipient for r in rows} - set(want))
    if stale:
        for r in rows:
            if r.recipient in stale:
                s.delete(r)
        rows = [r for r in rows if r.recipient not in stale]
        s.flush()
        case.key_generation += 1
        s.add(case)
        db.codec.set_fresh(case.number, case.key_generation, new_data_key())
        journal.append(db, s, case, by, "access", f"tilgang fjernet: {', '.join(_who(r) for r in stale)}; "
                                              f"ny nøkkelgenerasjon {case.key_generation}")
    have = {(r.recipient, r.key_version) for r in rows}
    granted: list[str] = []
    for recipient, public in want.items():
        for generation in range(1, case.key_generation + 1):
            if (recipient, generation) in have:
                continue
            wrap = wrap_for(db.codec.key(case, generation), case.number, generation, recipient, public)
            s.add(CaseKey(case_id=row_id(case), recipient=recipient, key_version=generation, wrap=wrap))
            if recipient not in granted:
                granted.append(recipient)
    if granted:
        s.flush()
        journal.append(db, s, case, by, "access", f"tilgang gitt: {', '.join(_who(r) for r in granted)}")


def _who(recipient: str) -> str:
    return "gjenopprettingsnøkkelen" if recipient == RECOVERY else recipient.removeprefix("user:")


def recipients(s: Session, case: "Case") -> dict[str, list[int]]:
    """Recipient → generations wrapped for it (plain metadata: who holds a key)."""
    out: dict[str, list[int]] = {}
    for r in s.exec(select(CaseKey).where(CaseKey.case_id == case.id).order_by(col(CaseKey.recipient), col(CaseKey.key_version))):
        out.setdefault(_who(r.recipient), []).append(r.key_version)
    return out


def seal_existing(db: "Db", s: Session, case: "Case", by: str, *,
                  why: str = "omklassifisert til strengt hemmelig") -> None:
    """A case raised to strictly secret (StInn 2.4): seal everything stored in plain so far.

    The journal's entries are sealed too, which changes what their hashes cover, so the case's
    chain is recomputed and the old head is recorded in the organisation's chain.
    """
    from ..crypto.audit import chain_hash
    from .models import Draft, History, JournalEntry, Letter, Measure

    case.classification = SECRET
    start_keys(db, case)
    codec = db.codec
    for column, _ in SEALED_COLUMNS["cases"]:
        codec.seal_row(case, case, column, getattr(case, column))
    for model in (Party, History, Draft, Measure, Hearing, Letter):
        for row in s.exec(select(model).where(model.case_id == case.id)):
            for column, _ in SEALED_COLUMNS[model.__tablename__]:
                codec.seal_row(case, row, column, getattr(row, column))
            s.add(row)
    from .documents import seal_documents

    seal_documents(db, s, case)
    s.add(case)
    s.flush()  # the case is strictly secret in the database before its journal is sealed
    entries = list(s.exec(select(JournalEntry).where(JournalEntry.case_id == case.id).order_by(col(JournalEntry.id))))
    old_head = entries[-1].hash if entries else None
    # A committee's PostgreSQL database: officers may not update journal rows, so a definer
    # function swaps each entry's plain text for its ciphertext (store/server.py).
    through_function = has_function(s, "varsel_seal_journal(integer, bytea, text, text)")
    prev = None
    with s.no_autoflush:
        for e in entries:
            codec.seal_row(case, e, "text", e.text)
            e.prev_hash = prev
            e.hash = prev = chain_hash(prev, journal.audit_event(e))
            if through_function:
                s.expunge(e)
                s.execute(text("SELECT varsel_seal_journal(:id, :ct, :prev, :hash)")
                          .bindparams(bindparam("ct", type_=LargeBinary)),
                          {"id": e.id, "ct": e.text_ct, "prev": e.prev_hash, "hash": e.hash})
            else:
                s.add(e)
    s.flush()
    journal.append(db, s, None, by, "reclassified", f"sak {case.number} {why}; "
                                                f"journalen forseglet (tidligere kjedehode {old_head})")
    db.needs_checkpoint = True
