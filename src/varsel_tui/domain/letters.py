"""Letter templates: the e-mails and letters a procedure requires, as data (data/letters/*.toml).

A template names who receives the letter (party roles and bodies, never addresses typed into
the template), a subject and a plain-text body with `$placeholders` over a fixed set of case
fields. Substitution is string.Template-style: a value is inserted as text, never interpreted —
no attribute access, no format specs, no markup. Parsing, checking and rendering are pure; the
caller reads the files.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .policy import PARTY_ROLES

# The case fields a template may use, with what they hold (shown by `varsel letters --check`).
FIELDS: dict[str, str] = {
    "saksnummer": "sakens nummer (2026-0001)",
    "sakstittel": "sakens tittel",
    "mottatt": "datoen saken ble mottatt",
    "dato": "brevets dato",
    "prosedyre": "prosedyrens navn",
    "steg": "steget som laget brevet",
    "steg_tittel": "stegets tittel",
    "organ": "organet som behandler saken nå",
    "utfall": "sakens utfall (når den er avsluttet)",
    "frist": "lovbestemt frist (f.eks. fvl. § 11a), om saken har en",
    "varsler": "varslers/melders navn («varsler (anonym)» når anonym)",
    "anklagede": "navnene på den/de det er varslet om",
    "fornærmede": "fornærmedes navn",
    "parter": "de navngitte partene (anonyme utelatt)",
    "avsender": "saksbehandleren som lager brevet",
    "fritekst": "saksbehandlerens egen tekst",
}

# Recipient rules: `party:ROLE` (every party with that role), `parties` (every party), `body`
# (the body handling the case now), `body:NAME` (a named body) and `answer:FIELD` (the person or
# unit a form answer names, e.g. NTNU's «behandler»).
RecipientRule = str
KINDS = ("step", "preliminary")
NOTIFIER_ROLES = ("varsler", "melder")


class LetterError(ValueError):
    """An invalid template; the message names the file and what is wrong."""


class _Text(string.Template):
    # Norwegian placeholder names ($fornærmede): letters beyond ASCII, no dots or brackets.
    idpattern = r"[^\W\d]\w*"


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-zæøå][a-zæøå0-9.-]*$")
    title: str
    lang: Literal["nb", "nn", "en"] = "nb"
    kind: Literal["step", "preliminary"] = "step"  # preliminary: drafted when a case is flagged
    source: str = ""  # where the procedure requires the letter
    to: list[RecipientRule] = []
    cc: list[RecipientRule] = []
    bcc: list[RecipientRule] = []
    subject: str = ""
    body: str = ""


def placeholders(text: str) -> list[str]:
    """The placeholder names a text uses, and `$` signs that are not valid placeholders."""
    out: list[str] = []
    for m in _Text.pattern.finditer(text):
        name = m.group("named") or m.group("braced")
        if name:
            out.append(name)
        elif m.group("invalid") is not None:
            snippet = re.match(r"\S{0,30}", text[m.start("invalid"):])
            out.append("$" + (snippet.group() if snippet else ""))
    return out


def _rule_problem(rule: str) -> str | None:
    if rule in ("parties", "body"):
        return None
    kind, _, arg = rule.partition(":")
    if kind == "answer":
        return None if re.fullmatch(r"[^\W\d]\w*", arg) else f"'{rule}' names no form field"
    if kind == "party":
        return None if arg in PARTY_ROLES else f"unknown party role '{arg}' (roles: {', '.join(PARTY_ROLES)})"
    if kind == "body" and arg:
        return None
    return f"unknown recipient rule '{rule}' (use party:ROLE, parties, body, body:NAME or answer:FIELD)"


def check(t: Template, bodies: set[str] | None = None) -> list[str]:
    """Every problem of a parsed template (empty: fine). `bodies`: known body names, if checked."""
    problems: list[str] = []
    if not t.subject.strip():
        problems.append("missing subject")
    if not t.body.strip():
        problems.append("missing body")
    for where, text in (("subject", t.subject), ("body", t.body)):
        for name in placeholders(text):
            if name.startswith("$"):
                problems.append(f"{where}: '{name}' is not a valid placeholder (write $$ for a dollar sign)")
            elif name not in FIELDS:
                problems.append(f"{where}: unknown placeholder ${name} (known: {', '.join(FIELDS)})")
    for where, rules in (("to", t.to), ("cc", t.cc), ("bcc", t.bcc)):
        for rule in rules:
            why = _rule_problem(rule)
            if why is None and bodies is not None and rule.startswith("body:") and rule[5:] not in bodies:
                why = f"unknown body '{rule[5:]}'"
            if why:
                problems.append(f"{where}: {why}")
    if not (t.to or t.cc or t.bcc):
        problems.append("no recipients (to, cc or bcc)")
    return problems


def parse_template(text: str, filename: str = "<letter>") -> tuple[Template | None, list[str]]:
    """(template, problems): the template is None when it cannot be read at all."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{filename}: not valid TOML: {exc}"]
    try:
        t = Template.model_validate(data)
    except ValidationError as exc:
        return None, [f"{filename}: {'.'.join(str(x) for x in e['loc']) or 'top level'}: "
                      f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
    return t, [f"{filename}: {p}" for p in check(t)]


# -- recipients -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartyFact:
    role: str
    name: str
    anonymous: bool = False


@dataclass(frozen=True)
class Recipient:
    name: str  # what a mail client shows
    address: str  # an e-mail address, or MISSING when the case does not hold one
    anonymous: bool = False

    def header(self) -> str:
        return str(Address(display_name=self.name, addr_spec=self.address))

    def label(self) -> str:
        return self.name if self.address == MISSING else f"{self.name} <{self.address}>"


# The `.invalid` top-level domain (RFC 2606) never delivers: a mail client shows the draft with
# this address, and the officer types the real one before sending.
MISSING = "adresse-mangler@varsel.invalid"
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def valid_address(address: str) -> bool:
    """A plain e-mail address (local@domain.tld), as a body's mailbox setting must be: one that
    an e-mail header takes back unchanged (no list, no quotes, no display name)."""
    if not _ADDRESS.match(address):
        return False
    try:
        return Address(addr_spec=address).addr_spec == address
    except (ValueError, IndexError):
        return False


def _recipient(display: str, anonymous: bool = False) -> Recipient:
    """A party's or body's name, which may carry an address ("Ola Nordmann <ola@uni.no>")."""
    name, addr = parseaddr(display)
    if addr and _ADDRESS.match(addr):
        return Recipient(name or addr, addr, anonymous)
    return Recipient(display.strip(), MISSING, anonymous)


def notifier_anonymous(answers: dict[str, Any]) -> bool:
    """The case's answers say the notifier is anonymous (StInn «anonym», UiO kanal «anonym»)."""
    return answers.get("anonym") in (True, "ja") or answers.get("kanal") == "anonym"


def anonymous_label(role: str) -> str:
    return f"{role} (anonym)"


@dataclass
class Recipients:
    to: list[Recipient] = field(default_factory=list)
    cc: list[Recipient] = field(default_factory=list)
    bcc: list[Recipient] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {k: [{"name": r.name, "address": r.address, "anonymous": r.anonymous} for r in getattr(self, k)]
                for k in ("to", "cc", "bcc")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Recipients":
        return cls(**{k: [Recipient(r["name"], r["address"], bool(r.get("anonymous"))) for r in data.get(k, [])]
                      for k in ("to", "cc", "bcc")})


def answer_fields(t: Template) -> list[str]:
    """The form fields a template's `answer:FIELD` rules name."""
    return [r[7:] for r in (*t.to, *t.cc, *t.bcc) if r.startswith("answer:")]


def recipients(t: Template, parties: list[PartyFact], body: str | None,
               answers: dict[str, Any] | None = None, mailboxes: dict[str, str] | None = None) -> Recipients:
    """To/cc/bcc from the case's parties and bodies. An anonymous party is only ever on Bcc.
    `mailboxes`: the organisation's addresses of bodies (OU, EIR, IE-fakultetet …), used for a body
    named by a rule or an answer."""
    out = Recipients()
    seen: set[tuple[str, str]] = set()
    boxes = mailboxes or {}

    def named(display: str) -> Recipient:
        box = boxes.get(display.strip())
        return Recipient(display.strip(), box) if box else _recipient(display)

    def add(kind: str, r: Recipient) -> None:
        if r.anonymous:
            kind = "bcc"
        key = (r.name, r.address)
        if key in seen:
            return
        seen.add(key)
        getattr(out, kind).append(r)

    for kind in ("to", "cc", "bcc"):
        for rule in getattr(t, kind):
            if rule == "body":
                if body:
                    add(kind, named(body))
            elif rule.startswith("body:"):
                add(kind, named(rule[5:]))
            elif rule.startswith("answer:"):
                value = (answers or {}).get(rule[7:])
                # a text naming people, or a `users` answer (a list of user names)
                people = value if isinstance(value, list) else re.split(r"[,;\n]+", value) if isinstance(value, str) else []
                for one in (str(p) for p in people):
                    if one.strip():
                        add(kind, named(one))
            else:
                role = rule.partition(":")[2] if rule != "parties" else None
                for p in parties:
                    if role is None or p.role == role:
                        shown = p.name if p.name.strip() and not p.anonymous else anonymous_label(p.role)
                        if p.anonymous:
                            # Bcc only; the anonymous party's own address, if one was registered.
                            r = _recipient(p.name) if p.name.strip() else Recipient(shown, MISSING, True)
                            add(kind, Recipient(shown, r.address, True))
                        else:
                            add(kind, _recipient(shown))
    return out


def party_values(parties: list[PartyFact]) -> dict[str, str]:
    """The placeholders naming parties; an anonymous party is never named in any letter."""
    def names(roles: tuple[str, ...]) -> str:
        shown = [anonymous_label(p.role) if p.anonymous or not p.name.strip() else parseaddr(p.name)[0] or p.name
                 for p in parties if p.role in roles]
        return ", ".join(shown)

    return {
        "varsler": names(NOTIFIER_ROLES),
        "anklagede": names(("anklagede",)),
        "fornærmede": names(("fornærmede",)),
        "parter": ", ".join(parseaddr(p.name)[0] or p.name for p in parties if not p.anonymous and p.name.strip()),
    }


def render_text(text: str, values: dict[str, str]) -> str:
    """Substitute the fixed case fields into a checked template text; values stay text."""
    known = {k: str(values.get(k, "")) for k in FIELDS}
    try:
        return _Text(text).substitute(known)
    except (KeyError, ValueError) as exc:
        raise LetterError(f"the template uses an unknown or invalid placeholder: {exc}") from None
