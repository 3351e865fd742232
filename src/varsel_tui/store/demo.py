"""Realistic demo data from every bundled workflow.

Cases are walked through the real engine with generated answers that pass each step's form
validation, so the demo shows real branches (skipped phases, closed cases, transfers). For large
counts (benchmarks), a pool of walked histories is replayed once each and then bulk-inserted, so
100,000 cases take seconds, not hours.
"""

from __future__ import annotations

import json
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..domain.conditions import Context, evaluate
from ..domain.engine import CaseFacts, CaseState, EngineError, HistoryItem, preview, replay
from ..domain.forms import Form, FormField, validate
from ..domain.workflow import Workflow

FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Sofie", "Emil", "Nora", "Jonas", "Ida", "Henrik", "Maja", "Sander",
         "Thea", "Magnus", "Selma", "Tobias", "Aisha", "Mohammed", "Linnea", "Even"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
        "Karlsen", "Berg", "Haugen", "Hagen", "Eriksen", "Bakke", "Solberg", "Dahl", "Lund"]
TITLES = {
    "stinn-varsling": ["Trakassering på styremøte", "Ubehagelige kommentarer i gruppechat", "Utestengning fra verv",
                       "Press om å stemme", "Seksuell trakassering på fest", "Misbruk av organisasjonens midler",
                       "Trusler etter valg", "Mobbing i utvalg"],
    "ntnu-avvik": ["Forelesninger avlyst uten varsel", "Pensum ikke tilgjengelig", "Eksamen med feil i oppgavesett",
                   "Manglende veiledning i masteremne", "Lab-utstyr ute av drift", "Emnebeskrivelse avviker fra undervisning",
                   "Sen sensur i emne", "Manglende tilrettelegging på lesesal"],
    "uio-varsling": ["Diskriminering i seminargruppe", "Uetisk forskningspraksis", "Fare for helse på lab",
                     "Mobbing i studentforening", "Misbruk av offentlige midler", "Trakassering fra ansatt"],
    "ntnu-klage": ["Begrunnelse i TDT4100", "Klage på karakter i MA1101", "Begrunnelse i EXPH0300",
                   "Klage på sensur i TMA4100", "Begrunnelse i IT1901", "Klage på karakter i TFY4115"],
}
TEXT = ["Se referat i saken.", "Avklart med partene i møte.", "Vurdert etter rutinen.",
        "Dokumentert i saksmappen.", "Partene er informert skriftlig."]
EXAMINERS = "Ola Berg (ekstern), Kari Dahl"

BODIES = [("linjeleder", "Linjeledere"), ("OU", "Organisatorisk utvalg"),
          ("KKV", "Kontroll- og konstitusjonsutvalget"), ("Presidentskapet", "Presidentskapet"),
          ("IE-fakultetet", "Fakultet for informasjonsteknologi og elektroteknikk"),
          ("NV-fakultetet", "Fakultet for naturvitenskap"), ("Institutt for informatikk", "UiO IFI")]
MEMBERS = {"OU": ["kari", "per", "nora"], "KKV": ["lars", "ingrid"], "Presidentskapet": ["sofie", "emil"],
           "IE-fakultetet": ["kari"], "NV-fakultetet": ["nils"], "Institutt for informatikk": ["hanne"],
           "linjeleder": ["jonas"]}
# The bodies' mailboxes for letters (the reserved .example domain never delivers).
MAILBOXES = {"OU": "ou@studentparlamentet.example", "KKV": "kkv@studentparlamentet.example",
             "Presidentskapet": "presidentskapet@studentparlamentet.example",
             "IE-fakultetet": "avvik-ie@ntnu.example", "NV-fakultetet": "avvik-nv@ntnu.example"}
# Every demo user's passphrase (README). Demo keys use a light KDF setting so the demo opens at once;
# `varsel user add` calibrates real keys to about half a second.
DEMO_PASSPHRASE = "varsel-demo-2026"
DEMO_KDF = {"name": "argon2id", "memory_cost": 16 * 1024, "iterations": 2, "lanes": 1}


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _pick(f: FormField, on: date, rng: random.Random, bodies: list[str]) -> Any:
    if f.type in ("choice",):
        return rng.choice(f.options).value
    if f.type == "multichoice":
        return [o.value for o in f.options if rng.random() < 0.7] or [f.options[0].value]
    if f.type == "bool":
        return rng.random() < 0.6
    if f.type == "date" and f.date_is == "future":  # e.g. when a hearing ends
        return (on + timedelta(days=rng.choice([7, 14, 21]))).isoformat()
    if f.type == "date":
        return (on - timedelta(days=rng.choice([0, 0, 1, 2]))).isoformat()
    if f.type == "grade":
        return rng.choice("ABCDEF")
    if f.type == "number":
        return rng.randint(1, 5)
    if f.type == "body":
        return rng.choice(bodies)
    if f.type == "users":
        return [rng.choice(sorted({p for people in MEMBERS.values() for p in people}))]
    if f.type == "measures":
        return []  # the demo records no measures: a step that needs them waits for one
    if f.type == "examiners":
        return EXAMINERS
    text = rng.choice(TEXT)
    return text if len(text) >= f.min_length else text + " " + "Utfyllende vurdering. " * (f.min_length // 20 + 1)


def auto_answers(form: Form | None, known: dict[str, Any], ctx: Context, on: date, rng: random.Random,
                 bodies: list[str], tries: int = 40) -> dict[str, Any] | None:
    """Answers that pass the form's validation, chosen at random; None if none were found."""
    if form is None:
        return {}
    for _ in range(tries):
        answers: dict[str, Any] = {}
        for f in form.fields:
            c = Context({**known, **answers}, ctx.concerns, ctx.dates)
            if f.visible_if is not None and not evaluate(f.visible_if, c):
                continue
            answers[f.id] = _pick(f, on, rng, bodies)
        clean, problems = validate(form, answers, Context(known, ctx.concerns, ctx.dates))
        if not any(p.severity == "error" for p in problems):
            return clean
    return None


@dataclass
class Walked:
    workflow: Workflow
    received: date
    intake: dict[str, Any]
    concerns: tuple[str, ...]
    history: list[HistoryItem]
    state: CaseState


def walk(wf: Workflow, received: date, today: date, rng: random.Random, bodies: list[str],
         max_steps: int) -> Walked | None:
    concerns: tuple[str, ...] = tuple(b for b in ("OU", "KKV") if rng.random() < 0.12)
    facts = CaseFacts(received, {}, lambda b: b in concerns)
    intake = auto_answers(wf.intake.form, {}, Context({}), received, rng, bodies)
    if intake is None:
        return None
    facts.intake = intake
    history: list[HistoryItem] = []
    on = received
    for _ in range(max_steps):
        state = replay(wf, facts, history, today)
        if state.current is None:
            break
        step = wf.step(state.current)
        nxt = on + timedelta(days=rng.choice([0, 1, 1, 2, 3]))
        if nxt > today:
            break
        on = nxt
        ctx = Context(state.answers, facts.concerns, {**state.dates, **state.events})
        answers = auto_answers(step.form, state.answers, ctx, on, rng, bodies)
        if answers is None:
            break
        if any(b.allowed_after for b in step.branches) and not preview(wf, facts, history, step.id, answers, on).ok:
            break  # a decision that waits for its window ("ikke påklaget"): the case waits there too
        history.append(HistoryItem("complete", step.id, on, answers))
        try:
            replay(wf, facts, history, today)
        except EngineError:
            history.pop()
            break
    return Walked(wf, received, intake, concerns, history, replay(wf, facts, history, today))


DEMO_SETTING = "demo_users"  # the users a demo database was made with (seed-demo fills nothing else)


def _demo_names(store) -> set[str]:  # noqa: ANN001
    from .models import Setting

    with store.session() as s:
        row = s.get(Setting, DEMO_SETTING)
    return set((row.value or "").split(",")) if row is not None else set()


def _claim_demo_database(store, names) -> None:  # noqa: ANN001
    """Refuse a database that has users of its own; remember the demo's users in a fresh one."""
    from .db import StoreError
    from .models import Setting

    demo = _demo_names(store)
    strangers = sorted({u.name for u in store.users()} - demo)
    if strangers:
        raise StoreError(f"seed-demo fills only a demo database; this one has users of its own "
                         f"({', '.join(strangers[:5])}{', …' if len(strangers) > 5 else ''})")
    with store.session() as s:
        row = s.get(Setting, DEMO_SETTING) or Setting(key=DEMO_SETTING)
        row.value = ",".join(sorted(demo | set(names)))
        s.add(row)
        s.commit()


@contextmanager
def _demo_admin(store):  # noqa: ANN001, ANN202
    """A second handle on the database, unlocked as its administrator with the demo passphrase
    (the caller's store keeps its own unlock state)."""
    from sqlmodel import select

    from .db import StoreError
    from .models import User
    from .service import Store
    from .trust import anchor

    admin = Store(store.loc, store.engine)
    with store.session() as s:
        root = anchor(s)
        name = next((u.name for u in s.exec(select(User)) if root and u.signing_public_key
                     and bytes(u.signing_public_key) == root), None)
    if name is None:
        raise StoreError("this demo database has no administrator")
    try:
        admin.unlock(name, DEMO_PASSPHRASE)
    except StoreError:
        raise StoreError("seed-demo fills only a demo database; its administrator's passphrase is not the "
                         "demo's") from None
    try:
        yield admin
    finally:
        admin.lock()


def _administered(store, admin):  # noqa: ANN001, ANN202
    """`admin` (a store unlocked as an administrator of this database, who chose to add the demo's
    people to it), or the demo's own administrator, in a demo database only."""
    from contextlib import nullcontext

    return nullcontext(admin) if admin is not None else _demo_admin(store)


def ensure_demo_users(store, names, admin=None) -> None:  # noqa: ANN001
    """Demo users with key pairs sealed by DEMO_PASSPHRASE, approved by the demo's administrator
    (the first of them, in a fresh database)."""
    from ..crypto import kdf
    from ..crypto.keys import new_user_keys

    names = list(dict.fromkeys(names))
    if admin is None:
        _claim_demo_database(store, names)
    params = kdf.fixed_params() or (DEMO_KDF if kdf.argon2_available() else {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1})
    existing = {u.name for u in store.users()}
    for name in names:
        if name not in existing:
            private, public, sealed = new_user_keys(DEMO_PASSPHRASE, params)
            store.add_user(name, public_key=public, sealed_private_key=sealed, private_key=private)
    with _administered(store, admin) as admin:
        approved = admin.trust().users
        for name in names:
            if name not in approved:
                admin.approve_user(name)


def ensure_demo_org(store, extra: dict[str, list[str]] | None = None, admin=None) -> None:  # noqa: ANN001
    """The demo's bodies and (signed) members; `extra` adds members to bodies."""
    wanted = {body: list(people) + (extra or {}).get(body, []) for body, people in MEMBERS.items()}
    ensure_demo_users(store, [p for people in wanted.values() for p in people], admin)
    with _administered(store, admin) as admin:
        for name, title in BODIES:
            admin.ensure_body(name, title)
        existing = {b.name: set(m) for b, m in admin.bodies()}
        for body, people in wanted.items():
            for person in dict.fromkeys(people):
                if person not in existing.get(body, set()):
                    admin.add_member(body, person)


def seed_demo(store, user: str, cases: int = 80, seed: int = 7) -> int:  # noqa: ANN001
    """The database `varsel demo` opens: an organisation with bodies and members, and cases. In a
    fresh database `user` registers first, so they are its administrator."""
    ensure_demo_users(store, [user])
    # so the "mine" and "my body's" views have cases
    ensure_demo_org(store, {"OU": [user], "IE-fakultetet": [user]})
    with _administered(store, None) as admin:
        for body, address in MAILBOXES.items():
            admin.set_body_address(body, address)
    n = seed_bulk(store, cases, seed=seed, created_by=user, span_days=45)
    return n + seed_stories(store, user)


def seed_stories(store, user: str) -> int:  # noqa: ANN001
    """A few cases made through the store itself, step by step, so the demo shows what the bulk
    rows cannot: a hearing open with its participant's access, a measure, letters drafted by the
    steps. NTNU avvik, handled at IE-fakultetet, where `user` is a member."""
    from ..clock import today
    from ..domain.calendar import is_working_day

    def working_days_before(d: date, n: int) -> date:
        while n:
            d -= timedelta(days=1)
            n -= is_working_day(d)
        return d

    day = today()
    start = working_days_before(day, 6)
    intake = {"melder_type": "student", "gjelder": "utdanning", "mottakende_enhet": "IE-fakultetet"}
    m1 = {"sensitive_opplysninger": False, "kritikkverdige_forhold": False, "vurdering": "godkjent",
          "lokal_enhet": "Institutt for datateknologi og informatikk", "behandler": user}
    made = 0
    lab = store.create_case("ntnu-avvik", "Lab-utstyr ute av drift i flere uker", start, by=user, intake=intake,
                            parties=[{"role": "melder", "name": "Sofie Berg"}]).case.number
    store.advance(lab, m1, by=user, on=start + timedelta(days=1))
    store.add_measure(lab, "Reparere måleutstyret på lab 3", responsible="Instituttleder",
                      due=day + timedelta(days=14), by=user)
    store.advance(lab, {"behandler_vurdering": "Utstyret må repareres; linjeleder bør uttale seg om rutinen.",
                        "høringsrunde": True, "høring_deltakere": "jonas", "høring_slutt": (day + timedelta(days=10)).isoformat(),
                        "høring_spørsmål": "Hvordan sikrer vi at feil på utstyr meldes raskt?", "tiltak": True},
                  by=user, on=working_days_before(day, 2))
    made += 1
    fresh = store.create_case("ntnu-avvik", "Pensum ikke tilgjengelig i emnet", working_days_before(day, 1), by=user,
                              intake=intake, parties=[{"role": "melder", "name": "Emil Hagen"}]).case.number
    store.advance(fresh, m1, by=user, on=day)
    made += 1
    return made


def seed_bulk(store, n: int, *, seed: int = 1, created_by: str = "demo", span_days: int = 400,  # noqa: ANN001
              admin=None) -> int:  # noqa: ANN001
    """N demo cases. The demo's people are added by `admin` (a store unlocked as an administrator)
    or, in a demo database only, by the demo's own administrator; `varsel seed-demo` never passes
    one, so it refuses a database with users of its own."""
    from sqlalchemy import func, insert, select
    from sqlmodel import col

    from .. import workflows
    from ..clock import today as clock_today
    from .models import Case, History, JournalEntry, Party

    ensure_demo_org(store, admin=admin)
    rng = random.Random(seed)
    today = clock_today()
    wfs = list(workflows.all_workflows().values())
    bodies = [b.name for b, _ in store.bodies()]
    # A pool of walked histories: enough variety, bounded cost.
    pool: list[Walked] = []
    pool_size = min(n, 240)
    attempts = 0
    while len(pool) < pool_size and attempts < pool_size * 3:
        attempts += 1
        wf = wfs[len(pool) % len(wfs)]
        received = today - timedelta(days=rng.randint(0, span_days))
        # StInn's answers name its own bodies; the universities' name their units.
        named = {b for other in wfs for b in other.bodies}
        fitting = [b for b in bodies if (b in wf.bodies if wf.bodies else b not in named)] or bodies
        w = walk(wf, received, today, rng, fitting, max_steps=rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 60]))
        if w is not None:
            pool.append(w)
    if not pool:
        return 0
    from ..crypto.audit import chain_hash
    from ..domain.entitlement import entitled_people
    from ..domain.policy import CLASSIFICATIONS, SECRET, classify, prelim_warn_from
    from .journal import audit_event
    from .models import CaseAccess, CaseKey

    now = datetime.now(timezone.utc)
    sealer = _BulkSealer(store)
    members = store.trust().members  # signed memberships only
    with store.engine.begin() as conn:
        years: dict[int, int] = {}
        for year, last in conn.execute(select(col(Case.year), func.max(Case.seq)).group_by(col(Case.year))):
            years[year] = last or 0
        ids = {t: (conn.execute(select(func.max(t.id))).scalar() or 0) + 1 for t in (Case, Party, History, JournalEntry)}
        first_case_id = ids[Case]
        picks = sorted((rng.choice(pool) for _ in range(n)), key=lambda w: w.received)
        rows: dict = {Case: [], Party: [], History: [], JournalEntry: [], CaseKey: [], CaseAccess: []}

        def next_id(table) -> int:  # noqa: ANN001
            ids[table] += 1
            return ids[table] - 1

        for w in picks:
            wf, st = w.workflow, w.state
            years[w.received.year] = years.get(w.received.year, 0) + 1
            seq = years[w.received.year]
            number = f"{w.received.year}-{seq:04d}"
            classification = classify(wf, w.intake, None, False)
            if st.classification and CLASSIFICATIONS.index(st.classification) > CLASSIFICATIONS.index(classification):
                classification = st.classification  # raised by a step, as the store does
            secret = classification == SECRET
            seal = sealer.for_case(number) if secret else None
            title = rng.choice(TITLES.get(wf.id, ["Sak"]))
            people = [("varsler" if "varsling" in wf.id else "melder" if wf.id == "ntnu-avvik" else "student",
                       _name(rng), rng.random() < 0.25)]
            if "varsling" in wf.id:
                people.append(("anklagede", _name(rng), False))
            statutory = [(s.due, spec) for s, spec in zip(st.statutory, wf.statutory, strict=False) if not s.met and s.due]
            stat_due = min((due for due, _ in statutory), default=None)
            warn_from = None
            if statutory:
                due0, spec0 = min(statutory, key=lambda x: x[0])
                warn_from = prelim_warn_from(due0, spec0.warn_working_days)
            search_parts = [number, wf.id, st.current or "", wf.step(st.current).title if st.current else "", st.body or ""]
            if not secret:
                search_parts += [title] + [p[1] for p in people]
            case_id = next_id(Case)
            case_row = dict(
                id=case_id, number=number, year=w.received.year, seq=seq, workflow_id=wf.id,
                classification=classification, received=w.received, status=st.status, outcome=st.outcome,
                current_step=st.current, current_step_title=wf.step(st.current).title if st.current else "",
                body=st.body, due=st.current_due, statutory_due=stat_due, prelim_warn_from=warn_from,
                closed_on=st.closed_on, concerns=",".join(w.concerns), search=" ".join(search_parts).lower(),
                created_by=created_by, created_at=now, updated_at=now, version=1 + len(w.history),
                key_generation=1 if secret else 0)
            _put(case_row, "title", "cases.title", title, seal)
            _put(case_row, "intake_json", "cases.intake_json", json.dumps(w.intake, ensure_ascii=False), seal,
                 ct="intake_ct")
            rows[Case].append(case_row)
            for role, name, anon in people:
                pid = next_id(Party)
                row: dict[str, Any] = dict(id=pid, case_id=case_id, role=role, anonymous=anon, concerns_body=None)
                _put(row, "name", f"parties.name:{pid}", name, seal)
                rows[Party].append(row)
            for body in w.concerns:
                rows[Party].append(dict(id=next_id(Party), case_id=case_id, role="anklagede", name=None,
                                        anonymous=False, concerns_body=body))
            for h in w.history:
                hid = next_id(History)
                row = dict(id=hid, case_id=case_id, kind=h.kind, ref=h.ref, on_date=h.on, by=created_by, at=now)
                _put(row, "answers_json", f"history.answers_json:{hid}", json.dumps(h.answers, ensure_ascii=False),
                     seal, ct="answers_ct")
                rows[History].append(row)
            jid = next_id(JournalEntry)
            entry = JournalEntry(id=jid, case_id=case_id, at=now, by=created_by, kind="created")
            row = dict(id=jid, case_id=case_id, at=now, by=created_by, kind="created", prev_hash=None)
            _put(row, "text", f"journal.text:{jid}", f"sak {number} opprettet ({wf.name})", seal)
            entry.text, entry.text_ct = row.get("text"), row.get("text_ct")
            row["hash"] = chain_hash(None, audit_event(entry))
            rows[JournalEntry].append(row)
            # Who may see it: the queue reads case_access, a secret case's key is wrapped for them.
            entitled = entitled_people(body=st.body, creator=created_by, members_of=lambda b: members.get(b, ()),
                                       concerns=w.concerns, today=today)
            rows[CaseAccess].extend(dict(case_id=case_id, user_name=p, until=until) for p, until in entitled.items())
            if seal is not None:
                rows[CaseKey].extend(dict(case_id=case_id, **k) for k in sealer.wraps(number, entitled))
        for table in (Case, Party, History, JournalEntry, CaseKey, CaseAccess):
            table_rows = rows[table]
            for i in range(0, len(table_rows), 5000):
                chunk = table_rows[i:i + 5000]
                keys = set().union(*(r.keys() for r in chunk))
                # SQLModel's stubs do not declare `__table__`, which every table class has at run time.
                conn.execute(insert(table.__table__), [  # type: ignore[union-attr]
                    {k: r.get(k) for k in keys} for r in chunk])
        if conn.dialect.name == "postgresql":  # ids were given explicitly: move the sequences past them
            for table in (Case, Party, History, JournalEntry):
                name = table.__tablename__
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT COALESCE(MAX(id), 1) FROM {name}))")
    # Rows written in bulk, past the store's commit hook: record their state and access rows now.
    from .case_state import adopt

    with store.session() as s:
        adopt(store.db, s, list(s.scalars(select(Case).where(col(Case.id) >= first_case_id))))
        s.commit()
    return n


def _put(row: dict, column: str, field: str, value: str, seal, ct: str | None = None) -> None:  # noqa: ANN001
    """Plain column for an ordinary case, ciphertext twin for a strictly secret one."""
    if seal is None:
        row[column] = value
    else:
        row[column] = None
        row[ct or f"{column}_ct"] = seal(field, value)


class _BulkSealer:
    """Encrypts bulk demo cases the way the store does (store/secrets.py): a data key per case,
    wrapped for the entitled people with key pairs and for the recovery key."""

    def __init__(self, store) -> None:  # noqa: ANN001
        from . import trust
        from .access import recovery_public_key

        with store.session() as s:
            # only approved users get wraps
            self.users = {name: bytes(u.public_key or b"") for name, u in trust.read(s).users.items()}
            self.recovery = recovery_public_key(s)
        self.keys: dict[str, bytes] = {}

    def for_case(self, number: str):  # noqa: ANN201
        from ..crypto.envelope import new_data_key
        from .secrets import seal_value

        key = self.keys[number] = new_data_key()
        return lambda field, value: seal_value(key, number, field, 1, value)

    def wraps(self, number: str, people: dict) -> list[dict]:  # noqa: ANN001
        """The case's key wrapped for the entitled `people` who have a key pair, and for recovery."""
        from .secrets import RECOVERY, user_recipient, wrap_for

        recipients = [(user_recipient(u), self.users[u]) for u in sorted(people) if u in self.users]
        if self.recovery:
            recipients.append((RECOVERY, self.recovery))
        key = self.keys.pop(number)
        return [dict(recipient=r, key_version=1, wrap=wrap_for(key, number, 1, r, pk)) for r, pk in recipients]
