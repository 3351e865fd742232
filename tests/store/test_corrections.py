"""Corrections with a trail (issue 10, item 6) and documents (issue 11, item 4), against real
SQLite files and a real PostgreSQL server, with real crypto and two users (one without access)."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest

from varsel_tui.crypto.keys import new_user_keys
from varsel_tui.store.access import NoCaseAccess
from varsel_tui.store.service import CaseTampered, DocumentRefused, Store, StoreError, ValidationFailed

PASS = "korrekt hest batteri"
ORAL = {"kanal": "muntlig", "varsler_er_fornærmede": "ja"}
WRITTEN = {"kanal": "skriftlig", "anonym": "nei", "varsler_er_fornærmede": "ja"}
CANARY = "Hemmelig-KX93"


@pytest.fixture
def org(db_url):
    """kari is a line manager and in OU (StInn's first bodies); per and mallory are in no body."""
    s = Store.open(db_url)
    s.register_user("admin", PASS)
    s.unlock("admin", PASS)
    for body in ("linjeleder", "OU", "KKV", "Presidentskapet", "IE-fakultetet", "NV-fakultetet"):
        s.ensure_body(body)
    for name, body in {"kari": "OU", "per": None, "mallory": None}.items():
        private, public, sealed = new_user_keys(PASS)
        s.add_user(name, public_key=public, sealed_private_key=sealed, private_key=private)
        s.approve_user(name, "officer")
        if body:
            s.add_member(body, name)
        if body == "OU":
            s.add_member("linjeleder", name)
    s.lock()
    s.actor = None
    yield s
    s.close()


def as_user(db_url: str, name: str, *, unlock: bool = True) -> Store:
    s = Store.open(db_url, actor=name)
    if unlock:
        s.unlock(name, PASS)
    return s


def written_case(kari: Store, **kw) -> str:
    return kari.create_case("stinn-varsling", f"Sak om {CANARY}", date(2026, 11, 2), by="kari", intake=WRITTEN,
                            parties=[{"role": "varsler", "name": f"{CANARY} varsler"}], **kw).case.number


def kinds(d) -> list[str]:  # noqa: ANN001
    return [e.kind for e in d.journal]


# -- corrections -------------------------------------------------------------------------------

def test_amending_an_intake_answer_is_journalled_with_the_reason_and_raises_the_classification(org, db_url):
    kari = as_user(db_url, "kari")
    d = kari.create_case("stinn-varsling", "Muntlig sak", date(2026, 11, 2), by="kari", intake=ORAL)
    number = d.case.number
    assert d.case.classification == "fortrolig" and d.case.current_step == "1.1"
    with pytest.raises(StoreError, match="reason"):
        kari.amend_intake(number, {"kanal": "skriftlig", "anonym": "nei"}, reason=" ", by="kari")
    with pytest.raises(StoreError, match="no field nope"):
        kari.amend_intake(number, {"nope": "x"}, reason="feil", by="kari")
    with pytest.raises(ValidationFailed):  # skriftlig needs the anonymity answer
        kari.amend_intake(number, {"kanal": "skriftlig"}, reason="feil", by="kari")
    d = kari.amend_intake(number, {"kanal": "skriftlig", "anonym": "nei"}, reason="kom skriftlig på e-post",
                          by="kari")
    assert d.intake["kanal"] == "skriftlig"
    assert d.case.classification == "strengt_hemmelig" and d.case.intake_json is None  # sealed now
    assert d.case.current_step == "2.1"  # the deadlines and the route follow the corrected answer
    entry = next(e for e in d.journal if e.kind == "correction")
    text = d.text(entry, "text")
    assert "kanal: muntlig → skriftlig" in text and "kom skriftlig på e-post" in text and entry.by == "kari"
    assert entry.text is None  # the trail of a strictly secret case is sealed too
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").amend_intake(number, {"varsler_er_fornærmede": "nei"}, reason="x", by="mallory")


def test_editing_and_removing_a_party_recompute_who_may_see_the_case(org, db_url):
    kari = as_user(db_url, "kari")
    number = kari.create_case("stinn-varsling", "Sak", date(2026, 11, 2), by="kari", intake=ORAL,
                              classification="fortrolig",
                              parties=[{"role": "varsler", "name": "Vera"}, {"role": "vitne", "name": "Per"}]).case.number
    kari.add_hearing(number, ["per"], date(2026, 12, 4), by="kari")
    per = as_user(db_url, "per")
    assert per.get_case(number).title == "Sak"  # a hearing participant
    witness = next(p for p in kari.get_case(number).parties if p.role == "vitne")
    # Per named as the accused: he loses the case at once (the conflict rule); the journal says why.
    d = kari.edit_party(number, witness.id, role="anklagede", reason="feil rolle registrert", by="kari")
    assert "part #%d rettet: vitne Per → anklagede Per (begrunnelse: feil rolle registrert)" % witness.id in [
        d.text(e, "text") for e in d.journal]
    with pytest.raises(NoCaseAccess):
        per.get_case(number)
    d = kari.remove_party(number, witness.id, reason="lagt til på feil sak", by="kari")
    assert [p.role for p in d.parties] == ["varsler"]
    assert per.get_case(number).title == "Sak"  # entitled again
    with pytest.raises(StoreError, match="no party"):
        kari.remove_party(number, witness.id, reason="igjen", by="kari")
    with pytest.raises(StoreError, match="reason"):
        kari.edit_party(number, d.parties[0].id, name="Vera V.", reason="", by="kari")


def test_a_measure_added_by_mistake_is_withdrawn_with_the_reason(org, db_url):
    kari = as_user(db_url, "kari")
    number = written_case(kari)
    d = kari.add_measure(number, f"Samtale med {CANARY}", by="kari")
    d = kari.remove_measure(number, d.measures[0].id, reason="dobbeltregistrert", by="kari")
    assert d.measures == []
    assert any(f"Samtale med {CANARY}" in (d.text(e, "text") or "") and "dobbeltregistrert" in d.text(e, "text")
               for e in d.journal if e.kind == "correction")
    assert kari.verify_state() == []


def test_a_void_case_is_kept_marked_and_out_of_the_queue_and_due_lists(org, db_url):
    from varsel_tui.store.queue import open_source

    kari = as_user(db_url, "kari")
    number, keep = written_case(kari), written_case(kari)
    for n in (number, keep):  # 2.2 has a due date
        kari.advance(n, {"innsendt_via": "nettside"}, by="kari", on=date(2026, 11, 3))
    assert {c.number for c in kari.due_cases(date(2026, 11, 23), 365, viewer="kari")} == {number, keep}
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").void_case(number, reason="x", by="mallory")
    d = kari.void_case(number, reason="registrert to ganger", by="kari")
    assert (d.case.status, d.case.current_step, d.case.due) == ("void", None, None)
    assert "void" in kinds(d)
    assert [c.number for c in kari.due_cases(date(2026, 11, 23), 365, viewer="kari")] == [keep]
    assert [c.number for c in kari.list_cases(status="open", viewer="kari")] == [keep]
    source = open_source(db_url)
    try:
        assert [c.number for c in source.due("kari", date(2026, 11, 23), 365)] == [keep]
        assert [c.number for c in source.summaries("kari")] == [keep]
        assert {c.number for c in source.summaries("kari", include_void=True)} == {number, keep}
        assert [c.number for c in source.summaries("kari", status="void")] == [number]
    finally:
        source.close()
    assert kari.get_case(number).case.status == "void"  # still there, with everything in it
    with pytest.raises(StoreError, match="no active step"):
        kari.advance(number, {}, by="kari")
    with pytest.raises(StoreError, match="void"):
        kari.void_case(number, reason="igjen", by="kari")
    kari.add_note(number, "notat etterpå", by="kari")  # a note may still be added
    assert kari.get_case(number).case.status == "void"
    assert kari.verify_state() == []


# -- documents ---------------------------------------------------------------------------------

def make_pdf(text: str, pages: int = 2) -> bytes:
    """A real PDF with `text` on each page (pypdf writes it; the text is extractable)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    for _ in range(pages):
        page = w.add_blank_page(width=300, height=300)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): w._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode())
        page[NameObject("/Contents")] = w._add_object(stream)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_document_reads_back_with_its_sha256_and_its_pdf_text_is_searchable(org, db_url, tmp_path):
    kari = as_user(db_url, "kari")
    number = kari.create_case("stinn-varsling", "Vanlig", date(2026, 11, 2), by="kari", intake=ORAL).case.number
    pdf = tmp_path / "varsel.pdf"
    pdf.write_bytes(make_pdf("Bevisord-QZ7"))
    info = kari.add_document(number, pdf, by="kari")
    assert (info.filename, info.pages, info.size) == ("varsel.pdf", 2, pdf.stat().st_size)
    assert info.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert kari.documents(number) == [info]
    data = kari.document_bytes(number, info.id, by="kari")
    assert hashlib.sha256(data).hexdigest() == info.sha256
    d = kari.get_case(number)
    assert [d.text(e, "text").split(":")[0] for e in d.journal if e.kind == "document"] == [
        f"dokument #{info.id} lagt til", f"dokument #{info.id} hentet"]
    assert "bevisord-qz7" in d.case.search  # the filter finds the PDF's words
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").documents(number)
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").document_bytes(number, info.id)
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").add_document(number, pdf, by="mallory")


def test_a_secret_case_document_is_sealed_and_tampering_or_a_wrong_key_fails(org, db_url, tmp_path):
    from sqlalchemy import text

    kari = as_user(db_url, "kari")
    number = written_case(kari)
    f = tmp_path / f"{CANARY}.pdf"
    pdf_bytes = make_pdf(CANARY)
    assert CANARY.encode() in pdf_bytes  # uncompressed: a leak would show in the file
    f.write_bytes(pdf_bytes)
    info = kari.add_document(number, f, by="kari")
    assert hashlib.sha256(kari.document_bytes(number, info.id)).hexdigest() == hashlib.sha256(f.read_bytes()).hexdigest()
    with kari.engine.begin() as conn:
        row = conn.execute(text("SELECT filename, sha256, content, text, content_ct FROM documents")).one()
    assert row[:4] == (None, None, None, None) and CANARY.encode() not in bytes(row[4])
    assert CANARY not in kari.get_case(number).case.search
    # a wrong key: someone who is not entitled has no wrap, and the store refuses; the ciphertext
    # itself opens with the case key only (another key, with the right associated data, fails)
    with pytest.raises(NoCaseAccess):
        as_user(db_url, "mallory").document_bytes(number, info.id)
    import os
    import struct

    from varsel_tui.crypto.envelope import decrypt_bytes
    from varsel_tui.crypto.errors import CryptoError

    ct = bytes(row[4])
    (generation,) = struct.unpack(">I", ct[:4])
    with pytest.raises(CryptoError):
        decrypt_bytes(os.urandom(32), ct[4:], case_id=number, field=f"documents.content:{info.id}", version=generation)
    # the ciphertext moved to another row's field (wrong associated data) or changed: refused
    second = kari.add_document(number, f, by="kari")
    with kari.engine.begin() as conn:
        conn.execute(text("UPDATE documents SET content_ct = (SELECT content_ct FROM documents WHERE id = :a) "
                          "WHERE id = :b"), {"a": info.id, "b": second.id})
    with pytest.raises(CaseTampered):
        kari.document_bytes(number, second.id)
    with kari.engine.begin() as conn:
        ct = bytearray(conn.execute(text("SELECT content_ct FROM documents WHERE id = :a"), {"a": info.id}).scalar())
        ct[-1] ^= 1
        conn.execute(text("UPDATE documents SET content_ct = :c WHERE id = :a"), {"a": info.id, "c": bytes(ct)})
    with pytest.raises(CaseTampered):
        kari.document_bytes(number, info.id)
    with kari.engine.begin() as conn:  # a plain copy slipped in beside the ciphertext
        conn.execute(text("UPDATE documents SET content = :c WHERE id = :a"), {"a": info.id, "c": b"plain"})
    with pytest.raises(CaseTampered, match="a plain document on a strictly secret case"):
        kari.documents(number)
    with kari.engine.begin() as conn:
        conn.execute(text("UPDATE documents SET content = NULL WHERE id = :a"), {"a": info.id})
    if not db_url.startswith("postgresql"):
        kari.close()
        files = list(Path(db_url).parent.glob(Path(db_url).name + "*"))  # the database, its WAL if any
        assert Path(db_url) in files and all(CANARY.encode() not in f.read_bytes() for f in files)
        assert sum(f.stat().st_size for f in files) > 2 * len(pdf_bytes)  # the ciphertext is in there


def test_corrupt_protected_and_oversized_files_are_refused_with_nothing_stored(org, db_url, tmp_path, monkeypatch):
    from pypdf import PdfWriter

    from varsel_tui.store import documents

    kari = as_user(db_url, "kari")
    number = kari.create_case("stinn-varsling", "Vanlig", date(2026, 11, 2), by="kari", intake=ORAL).case.number
    before = len(kari.get_case(number).journal)
    corrupt = tmp_path / "skadet.pdf"
    corrupt.write_bytes(make_pdf("x")[:200])
    with pytest.raises(DocumentRefused, match="skadet.pdf is not a readable PDF"):
        kari.add_document(number, corrupt, by="kari")
    w = PdfWriter()
    w.add_blank_page(width=100, height=100)
    w.encrypt("hemmelig")
    protected = tmp_path / "låst.pdf"
    with protected.open("wb") as out:
        w.write(out)
    with pytest.raises(DocumentRefused, match="password-protected"):
        kari.add_document(number, protected, by="kari")
    big = tmp_path / "stor.bin"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1024)
    with pytest.raises(DocumentRefused, match="larger than"):
        kari.add_document(number, big, by="kari")
    assert kari.documents(number) == []
    assert len(kari.get_case(number).journal) == before


def test_documents_of_a_case_raised_to_strictly_secret_are_sealed_and_their_text_dropped(org, db_url, tmp_path):
    from sqlalchemy import text

    kari = as_user(db_url, "kari")
    number = kari.create_case("stinn-varsling", "Muntlig", date(2026, 11, 2), by="kari", intake=ORAL).case.number
    pdf = tmp_path / "notat.pdf"
    pdf.write_bytes(make_pdf(CANARY, pages=1))
    info = kari.add_document(number, pdf, by="kari")
    assert CANARY.lower() in kari.get_case(number).case.search
    d = kari.amend_intake(number, {"kanal": "skriftlig", "anonym": "nei"}, reason="kom skriftlig", by="kari")
    assert d.case.classification == "strengt_hemmelig" and CANARY.lower() not in d.case.search
    with kari.engine.begin() as conn:
        row = conn.execute(text("SELECT filename, sha256, content, text FROM documents")).one()
    assert row == (None, None, None, None)
    assert kari.documents(number) == [info]  # name, checksum and pages as before, opened with the key
    assert hashlib.sha256(kari.document_bytes(number, info.id)).hexdigest() == info.sha256
    assert kari.verify_state() == [] and kari.verify_audit()[1] == []


def test_a_logical_backup_restores_documents_byte_for_byte(org, db_url, tmp_path):
    from varsel_tui.store import backup as bk

    kari = as_user(db_url, "kari")
    number = written_case(kari)
    f = tmp_path / "bevis.pdf"
    f.write_bytes(make_pdf("Bevis"))
    info = kari.add_document(number, f, by="kari")
    bk.backup(kari, tmp_path / "backup.zip", logical=True)
    target = str(tmp_path / "restored.db")
    bk.restore(tmp_path / "backup.zip", target)
    again = as_user(target, "kari")
    assert again.documents(number) == [info]
    assert again.document_bytes(number, info.id) == f.read_bytes()


def test_an_amended_intake_date_that_must_have_happened_is_not_after_today(org, db_url):
    # ntnu-klage's «karakteren ble kunngjort» is `date_is = "past"`: refused at registration, and
    # so in a correction (it would move the complaint deadline into next year).
    kari = as_user(db_url, "kari")
    number = kari.create_case("ntnu-klage", "Begrunnelse TDT4100", date(2026, 11, 16), by="kari",
                              intake={"sakstype": "begrunnelse", "karakter_kunngjort": "2026-11-13",
                                      "opprinnelig_karakter": "C"}).case.number
    with pytest.raises(ValidationFailed, match="karakter_kunngjort"):
        kari.amend_intake(number, {"karakter_kunngjort": "2027-06-01"}, reason="skrivefeil", by="kari")
    assert kari.get_case(number).intake["karakter_kunngjort"] == "2026-11-13"
