"""The archive package (arkivpakke) of a closed case: one zip for the archive (StInn 6.3 «Arkivere
saksdokumentene»; UiO: «Alle sakens dokumenter skal journalføres», the final report archived),
shaped like a Noark-style submission: the content files and a signed manifest.

    manifest.json        what is in the package: the case, the signer, and for every other member
                         its path, kind, size and SHA-256 (of the bytes stored in the zip)
    manifest.sig         Ed25519 signature of the exporting user over
                         record("varsel-tui/archive-manifest/v1", manifest.json's bytes)
    report.pdf           the case report, PDF/A-2b (full)
    report-sensurert.pdf the redacted report, PDF/A-2b (StInn 3.12: «en sensurert versjon»)
    journal.json         the case's journal with its hash chain (hash, prev_hash, state_digest)
    journal.pdf          the journal, PDF/A-2b
    case.json            the report's data: steps, answers, parties, measures, hearings
    letters.json         the letters marked sent (title, subject, body, sent on, checksum) …
    letters/ID.pdf       … and each as its PDF
    documents.json       the attached documents (id, original file name, SHA-256, size) …
    documents/ID-NAME    … and each as it was stored (its SHA-256 checked against the record)

A strictly secret case's package carries no plaintext: every member but the manifest and its
signature is sealed with a password (crypto/passbox.py: scrypt → AES-256-GCM, the member's path as
associated data) and gets the suffix `.enc`; document names are left out of its member paths and
its manifest (they are in the sealed documents.json). The manifest says how it was sealed (salt, parameters).

`verify` checks the signature with the signer's public key *as the verifier knows it* — from the
database's approved users (the approval chains to the trust anchor), or a key given by hand — not
the one the package names, then every listed member's size and SHA-256, and that the zip holds
nothing else: a changed, missing, added or duplicated member and an altered or re-signed manifest
all fail.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from ..store.reads import CaseDetail
from .report import JOURNAL, report_data, template

FORMAT = "varsel-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNATURE_LABEL = "varsel-tui/archive-manifest/v1"
SEALED_SUFFIX = ".enc"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # members carry no time of their own: the manifest has it


@dataclass
class Member:
    path: str
    kind: str
    data: bytes


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name).lstrip("._")
    return cleaned[-80:] or "dokument"


def journal_json(d: CaseDetail) -> bytes:
    rows = [{"id": e.id, "at": e.at.isoformat(timespec="microseconds"), "by": e.by, "kind": e.kind,
             "text": d.text(e, "text"), "prev_hash": e.prev_hash, "hash": e.hash, "state_digest": e.state_digest}
            for e in d.journal]
    return json.dumps({"case": d.case.number, "journal": rows}, ensure_ascii=False, indent=2).encode("utf-8")


def collect(store: Any, d: CaseDetail, *, by: str, made_on: date, secret: bool) -> list[Member]:
    """The package's content members (rendered now; letters and documents from the store)."""
    from .pdf import render

    number = d.case.number
    data = report_data(d, redacted=False, made_by=by, made_on=made_on)
    redacted = report_data(d, redacted=True, made_by=by, made_on=made_on)
    members = [
        Member("report.pdf", "report", render(template(), data, pdfa=True)),
        # StInn 3.12: the report «og en sensurert versjon»
        Member("report-sensurert.pdf", "report", render(template(), redacted, pdfa=True)),
        Member("journal.json", "journal", journal_json(d)),
        Member("journal.pdf", "journal", render(template(JOURNAL), data, pdfa=True)),
        Member("case.json", "case", _json(data)),
    ]
    # Letters and documents come from the letters and documents parts of the store, which the
    # lead wires in when merging; until then a package holds what this store has.
    letters = getattr(store, "letters", None)
    letter_pdf = getattr(store, "letter_pdf", None)
    if callable(letters) and callable(letter_pdf):
        sent = [letter for letter in letters(number) if getattr(letter, "status", None) == "sent"]
        if sent:
            members.append(Member("letters.json", "letter", _json([
                {key: getattr(letter, key, None) for key in ("id", "title", "subject", "body", "sent_on", "checksum")}
                for letter in sent])))
        members.extend(Member(f"letters/{letter.id}.pdf", "letter", letter_pdf(number, letter.id)) for letter in sent)
    documents = getattr(store, "documents", None)
    document_bytes = getattr(store, "document_bytes", None)
    if callable(documents) and callable(document_bytes):
        docs = list(documents(number))
        if docs:  # the index keeps the original names (sealed with the rest in a secret package)
            members.append(Member("documents.json", "document", _json([
                {key: getattr(doc, key, None) for key in ("id", "filename", "sha256", "size")} for doc in docs])))
        for doc in docs:
            content = document_bytes(number, doc.id)
            recorded = getattr(doc, "sha256", None)
            if recorded and _sha(content) != recorded:
                raise ValueError(f"document {doc.id} of case {number} does not match its recorded SHA-256; "
                                 "nothing was archived")
            name = f"documents/{doc.id}" if secret else f"documents/{doc.id}-{_safe_name(doc.filename)}"
            members.append(Member(name, "document", content))
    return members


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def build(store: Any, d: CaseDetail, *, by: str, signing_key: Any, made_on: date,
          password: str | None = None) -> bytes:
    """The signed zip of case `d`. A strictly secret case needs `password` (ValueError without)."""
    from ..crypto import passbox
    from ..crypto.signing import record

    secret = d.case.classification == "strengt_hemmelig"
    if secret and not password:
        raise ValueError(f"case {d.case.number} is strictly secret: its archive package is only made "
                         "password-protected (--password-file)")
    members = collect(store, d, by=by, made_on=made_on, secret=secret)
    sealing = passbox.new_params() if password else None
    if sealing is not None and password:
        key = passbox.derive(password, sealing)
        members = [Member(m.path + SEALED_SUFFIX, m.kind, passbox.seal(key, m.data, m.path + SEALED_SUFFIX))
                   for m in members]
    manifest = {
        "format": FORMAT,
        "case": d.case.number,
        "workflow": d.workflow.id,
        "classification": d.case.classification,
        "status": d.state.status,
        "received": d.case.received.isoformat(),
        "closed_on": d.state.closed_on.isoformat() if d.state.closed_on else None,
        "made_on": made_on.isoformat(),
        "signer": {"name": by, "signing_public_key": signing_key.public_key().public_bytes_raw().hex()},
        "encryption": sealing,
        "files": [{"path": m.path, "kind": m.kind, "size": len(m.data), "sha256": _sha(m.data)} for m in members],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    signature = signing_key.sign(record(SIGNATURE_LABEL, manifest_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, data in [(MANIFEST, manifest_bytes), (SIGNATURE, signature)] + [(m.path, m.data) for m in members]:
            z.writestr(zipfile.ZipInfo(path, date_time=_FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def verify(package: bytes, trusted_key: Callable[[str], bytes | None]) -> Verification:
    """Check a package; `trusted_key(name)` gives the signer's Ed25519 public key as the verifier
    knows it (None: not a signer the verifier trusts)."""
    from ..crypto.signing import record
    from ..crypto.signing import verify as verify_signature

    result = Verification()
    problems = result.problems
    try:
        z = zipfile.ZipFile(io.BytesIO(package))
    except zipfile.BadZipFile:
        return Verification(["not a zip file"])
    with z:
        names = [i.filename for i in z.infolist()]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{dup}: in the package more than once")
        if MANIFEST not in names or SIGNATURE not in names:
            problems.append(f"{MANIFEST} or {SIGNATURE} is missing: not a varsel archive package")
            return result
        manifest_bytes, signature = z.read(MANIFEST), z.read(SIGNATURE)
        try:
            manifest = json.loads(manifest_bytes)
            signer = manifest["signer"]["name"]
            named_key = bytes.fromhex(manifest["signer"]["signing_public_key"])
            files = {f["path"]: f for f in manifest["files"]}
            if manifest.get("format") != FORMAT:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            problems.append(f"{MANIFEST} is not a {FORMAT} manifest")
            return result
        result.manifest = manifest
        known = trusted_key(signer)
        if known is None:
            problems.append(f"signed by {signer}, who is not an approved user here (no trusted key)")
        elif known != named_key:
            problems.append(f"the manifest names a key that is not {signer}'s")
        elif not verify_signature(known, signature, record(SIGNATURE_LABEL, manifest_bytes)):
            problems.append(f"{MANIFEST}: the signature does not match (the manifest was altered)")
        present = set(names) - {MANIFEST, SIGNATURE}
        for path, f in files.items():
            if path not in present:
                problems.append(f"{path}: missing")
                continue
            data = z.read(path)
            if len(data) != f.get("size") or _sha(data) != f.get("sha256"):
                problems.append(f"{path}: changed (its SHA-256 does not match the manifest)")
        for path in sorted(present - set(files)):
            problems.append(f"{path}: added (not in the manifest)")
    return result


def extract(package: bytes, password: str | None) -> dict[str, bytes]:
    """Members by their original path, unsealed with `password` when the package is sealed
    (call `verify` first). WrongPassword when the password does not open them."""
    from ..crypto import passbox

    out: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        manifest = json.loads(z.read(MANIFEST))
        sealing = manifest.get("encryption")
        if sealing and not password:
            raise ValueError("this package is password-protected: give --password-file")
        key = passbox.derive(password, sealing) if sealing and password else None
        for f in manifest["files"]:
            data = z.read(f["path"])
            if key is not None:
                out[f["path"].removesuffix(SEALED_SUFFIX)] = passbox.open_sealed(key, data, f["path"])
            else:
                out[f["path"]] = data
    return out
