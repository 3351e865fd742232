"""Archive packages and export events against both backends, and with the letters and documents
the store will offer once the other parts of issue 11 are merged (called through getattr guards)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest

from varsel_tui.outputs import archive
from varsel_tui.store.service import Store, StoreError

PASS = "korrekt hest batteri"


@pytest.fixture
def admin(db_url):
    s = Store.open(db_url, actor="admin")
    s.register_user("admin", PASS)  # the first user: administrator, and no body, so she holds her cases
    s.unlock("admin", PASS)
    yield s
    s.close()


def closed_case(store: Store, *, secret: bool = False) -> str:
    number = store.create_case("ntnu-avvik", "Lab ute av drift", date(2026, 11, 2), by="admin", secret=secret,
                               intake={"melder_type": "student"},
                               parties=[{"role": "varsler", "name": "Ola Student"}]).case.number
    store.advance(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                           "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik"}, by="admin",
                  on=date(2026, 11, 20))
    return number


@dataclass
class Letter:
    id: int
    title: str
    status: str


@dataclass
class Document:
    id: int
    filename: str
    sha256: str
    size: int


class WithAttachments:
    """The store with the letters and documents API of the other parts (a stand-in until merged)."""

    def __init__(self, store: Store, docs: dict[int, tuple[str, bytes]], recorded: dict[int, str] | None = None):
        self.store, self.docs, self.recorded = store, docs, recorded or {}

    def letters(self, number: str) -> list[Letter]:
        return [Letter(1, "Melder får svar", "sent"), Letter(2, "Utkast", "draft")]

    def letter_pdf(self, number: str, letter_id: int) -> bytes:
        return f"%PDF-1.7 brev {letter_id}".encode()

    def documents(self, number: str) -> list[Document]:
        return [Document(i, name, self.recorded.get(i, hashlib.sha256(data).hexdigest()), len(data))
                for i, (name, data) in self.docs.items()]

    def document_bytes(self, number: str, doc_id: int) -> bytes:
        return self.docs[doc_id][1]


def test_a_package_is_signed_by_the_exporting_user_and_its_export_journalled(admin):
    number = closed_case(admin)
    name, key = admin.signing_identity()
    assert name == "admin"
    d = admin.get_case(number)
    package = archive.build(admin, d, by=name, signing_key=key, made_on=date(2026, 11, 23))
    assert archive.verify(package, admin.verified_signing_key).ok
    sha = hashlib.sha256(package).hexdigest()
    admin.record_export(number, by="admin", what="arkivpakke (zip, signert)", sha256=sha)
    journal = admin.get_case(number).journal
    assert journal[-1].kind == "export" and journal[-1].by == "admin"
    assert admin.verify_audit()[1] == [] and admin.verify_state() == []


def test_signing_needs_an_unlocked_approved_user(admin):
    admin.lock()
    with pytest.raises(StoreError, match="needs your passphrase"):
        admin.signing_identity()


def test_sent_letters_and_documents_go_in_and_secret_names_stay_out(admin):
    docs = {1: ("Varsel fra Ola Student.pdf", b"%PDF-1.7 varselet"), 2: ("../referat møte.docx", b"referat")}
    open_number = closed_case(admin)
    name, key = admin.signing_identity()
    source = WithAttachments(admin, docs)
    package = archive.build(source, admin.get_case(open_number), by=name, signing_key=key, made_on=date(2026, 11, 23))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        names = z.namelist()
        assert z.read("documents/1-Varsel_fra_Ola_Student.pdf") == b"%PDF-1.7 varselet"
        assert z.read("letters/1.pdf").startswith(b"%PDF")
        assert json.loads(z.read("documents.json"))[0]["filename"] == "Varsel fra Ola Student.pdf"
        assert [x["id"] for x in json.loads(z.read("letters.json"))] == [1]
    assert "documents/2-referat_m\u00f8te.docx" in names and "letters/2.pdf" not in names  # drafts stay out
    assert archive.verify(package, admin.verified_signing_key).ok

    secret_number = closed_case(admin, secret=True)
    sealed = archive.build(source, admin.get_case(secret_number), by=name, signing_key=key,
                           made_on=date(2026, 11, 23), password="et langt eksportpassord")
    with zipfile.ZipFile(io.BytesIO(sealed)) as z:
        manifest = z.read("manifest.json")
        assert sorted(n for n in z.namelist() if n.startswith("documents/")) == ["documents/1.enc", "documents/2.enc"]
    assert b"Ola" not in manifest and "referat" not in json.loads(manifest)["files"].__repr__()
    files = archive.extract(sealed, "et langt eksportpassord")
    assert files["documents/1"] == b"%PDF-1.7 varselet" and files["letters/1.pdf"].startswith(b"%PDF")
    assert json.loads(files["documents.json"])[1]["filename"] == "../referat møte.docx"  # names kept, sealed
    assert archive.verify(sealed, admin.verified_signing_key).ok


def test_a_document_that_does_not_match_its_record_is_not_archived(admin):
    number = closed_case(admin)
    name, key = admin.signing_identity()
    source = WithAttachments(admin, {1: ("a.pdf", b"%PDF-1.7 endret")}, recorded={1: "00" * 32})
    with pytest.raises(ValueError, match="document 1 of case .* does not match its recorded SHA-256"):
        archive.build(source, admin.get_case(number), by=name, signing_key=key, made_on=date(2026, 11, 23))
