"""Letters on a case, against real SQLite files and a real PostgreSQL server: drafts made when a
step names a letter, recipients from the parties (an anonymous notifier only on Bcc), the .eml
and PDF read back, a strictly secret case's draft sealed, sending journalled with a checksum."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import date
from email import message_from_bytes, policy
from email.utils import getaddresses

import pytest
from pypdf import PdfReader

from varsel_tui.domain.conditions import Context
from varsel_tui.store.demo import auto_answers
from varsel_tui.store.service import Store, StoreError

ANON = "Siri Skjult"
ACCUSED = "Per #set page(width: 2cm) *Hansen* $x$ #emph[y]"  # Typst markup must print as text


def _oral_stinn_to_1_6(store: Store) -> str:
    d = store.create_case("stinn-varsling", "Trakassering i gruppa", date(2026, 11, 16), by="kari",
                          intake={"kanal": "muntlig", "varsler_er_fornærmede": False},
                          parties=[{"role": "varsler", "name": f"{ANON} <siri@example.no>"},
                                   {"role": "anklagede", "name": ACCUSED},
                                   {"role": "fornærmede", "name": "Fia Fornærmet <fia@example.no>"}])
    n = d.case.number
    for sid, answers in (("1.1", {"anonym": True}), ("1.2", {"gjelder_linjeleder": False, "har_myndighet": True}),
                         ("1.3", {"fornærmede_informert": True}), ("1.4", {}),
                         ("1.5", {"enighet": True, "løsning": "Per bytter gruppe"}),
                         ("1.6", {"varsler_på_blindkopi": True})):
        store.advance(n, answers, by="kari", step_id=sid, on=date(2026, 11, 17))
    return n


def _addresses(msg, header: str) -> list[tuple[str, str]]:
    return getaddresses([str(v) for v in msg.get_all(header, [])])


def test_completing_1_6_drafts_the_solution_letter_with_the_anonymous_notifier_only_on_bcc(store):
    n = _oral_stinn_to_1_6(store)
    [letter] = store.letters(n)
    assert (letter.template, letter.step, letter.status) == ("stinn-1.6-losning", "1.6", "draft")
    assert letter.bcc == ["varsler (anonym) <siri@example.no>"]
    assert not any(ANON in x for x in letter.to + letter.cc)
    store.edit_letter(n, letter.id, "Per bytter gruppe fra januar.", by="kari")
    raw = store.letter_eml(n, letter.id, attachments=[("rapport.pdf", b"%PDF-1.7 rapport")])

    msg = message_from_bytes(raw, policy=policy.default)
    assert _addresses(msg, "Bcc") == [("varsler (anonym)", "siri@example.no")]
    to = _addresses(msg, "To")
    assert [a for _, a in to] == ["adresse-mangler@varsel.invalid", "fia@example.no"]
    assert to[0][0] == ACCUSED and msg["Cc"] is None
    assert msg["Subject"] == f"Sak {n}: løsningen partene ble enige om" and msg["X-Unsent"] == "1"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Per bytter gruppe fra januar." in body and ANON not in body and "siri@" not in body
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "rapport.pdf" and attachment.get_content() == b"%PDF-1.7 rapport"
    assert ANON not in raw.decode("utf-8")  # the draft's Bcc shows the role, not the name


def test_the_pdf_letter_prints_markup_in_names_as_text_and_never_the_bcc(store):
    n = _oral_stinn_to_1_6(store)
    store.edit_letter(n, "stinn-1.6-losning", "Avtalt: *ingen* #linebreak() endring $1$.", by="kari")
    pdf = store.letter_pdf(n, "stinn-1.6-losning")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert ACCUSED in text  # literally, markup characters and all
    assert "Avtalt: *ingen* #linebreak() endring $1$." in text
    assert f"Sak {n}: løsningen partene ble enige om" in text and "Fia Fornærmet" in text
    assert ANON not in text and "siri@" not in text and "anonym" not in text


def test_marking_sent_freezes_the_letter_and_journals_the_sha256_of_its_eml(store):
    n = _oral_stinn_to_1_6(store)
    sent = store.letter_sent(n, "stinn-1.6-losning", by="kari", on=date(2026, 11, 20))
    assert sent.status == "sent" and sent.sent_on == date(2026, 11, 20)
    eml = store.letter_eml(n, sent.id)
    assert sent.checksum == hashlib.sha256(eml).hexdigest()
    msg = message_from_bytes(eml, policy=policy.default)
    assert msg["X-Unsent"] is None and "20 Nov 2026" in msg["Date"]
    journal = [e.text for e in store.get_case(n).journal if e.kind == "letter"]
    assert journal[0].startswith("utkast laget: Løsningen sendes skriftlig til partene (stinn-1.6-losning)")
    assert journal[-1] == f"sendt 2026-11-20: Løsningen sendes skriftlig til partene (brev {sent.id}); " \
                          f"SHA-256 {sent.checksum}"
    with pytest.raises(StoreError, match="not changed"):
        store.edit_letter(n, sent.id, "etterpå", by="kari")
    with pytest.raises(StoreError, match="already marked sent"):
        store.letter_sent(n, sent.id, by="kari")


def _walk_secret_to_2_5(store: Store) -> str:
    d = store.create_case("stinn-varsling", "Hemmelig tittel", date(2026, 11, 16), by="kari",
                          intake={"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True},
                          parties=[{"role": "varsler", "name": "Hemmelig Varslersen <hv@example.no>"},
                                   {"role": "anklagede", "name": "Hemmelig Anklagesen"}])
    n = d.case.number
    rng = random.Random(3)
    while True:
        detail = store.get_case(n)
        sid = detail.state.current
        step = detail.workflow.step(sid)
        answers = auto_answers(step.form, detail.state.answers, Context(detail.state.answers), date(2026, 11, 17),
                               rng, ["OU"])
        store.advance(n, answers, by="kari", step_id=sid, on=date(2026, 11, 17))
        if sid == "2.5":
            return n


def test_a_strictly_secret_cases_drafts_are_sealed(store, db_url):
    n = _walk_secret_to_2_5(store)
    found = {i.template: i for i in store.letters(n)}
    assert set(found) == {"stinn-2.2-saksnummer", "stinn-2.5-bekreftelse"}
    assert found["stinn-2.5-bekreftelse"].to == ["Hemmelig Varslersen <hv@example.no>"]
    store.edit_letter(n, "stinn-2.5-bekreftelse", "FRITEKST-SOM-ER-HEMMELIG", by="kari")
    eml = store.letter_eml(n, "stinn-2.5-bekreftelse").decode()
    assert "FRITEKST-SOM-ER-HEMMELIG" in eml and "Hemmelig Varslersen" in eml
    if store.loc.is_sqlite:
        store.checkpoint()
        stored = b"".join(p.read_bytes() for p in store.loc.path.parent.glob(store.loc.path.name + "*"))
        for secret in ("FRITEKST-SOM-ER-HEMMELIG", "Hemmelig Varslersen", "hv@example.no", "Hemmelig tittel",
                       "vi har mottatt varslingen din"):
            assert secret.encode() not in stored, secret
    else:
        from sqlalchemy import text

        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT subject, body, free_text, values_json, recipients_json FROM letters")).all()
        assert rows and all(v is None for row in rows for v in row)


def test_a_case_flagged_for_a_preliminary_reply_gets_its_draft_and_sending_it_records_the_reply(store):
    d = store.create_case("ntnu-avvik", "Pensum mangler", date(2026, 10, 19), by="kari",
                          intake={"melder_type": "student", "gjelder": "utdanning"},
                          parties=[{"role": "melder", "name": "Ola Olsen <ola@example.no>"}])
    n = d.case.number
    assert store.get_case(n).state.needs_preliminary_reply
    [prelim] = store.letters(n)
    assert (prelim.template, prelim.step, prelim.to) == ("ntnu-avvik-foreløpig-svar", "", ["Ola Olsen <ola@example.no>"])
    assert "2026-11-16" in prelim.body  # the 4-week limit, counted from 19 October
    assert len(store.letters(n)) == 1  # drafted once
    store.letter_sent(n, prelim.id, by="kari")
    after = store.get_case(n)
    assert after.case.prelim_sent == date(2026, 11, 23) and not after.state.needs_preliminary_reply
    assert "prelim_reply" in [e.kind for e in after.journal]


def test_avvik_receipt_drafts_the_behandler_and_line_manager_letters(store):
    d = store.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 16), by="kari",
                          intake={"melder_type": "student", "gjelder": "utdanning"},
                          parties=[{"role": "melder", "name": "Ola Olsen"}])
    _, out = store.advance(d.case.number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                           "vurdering": "godkjent", "lokal_enhet": "IE-fakultetet",
                                           "behandler": "Kari Behandler"}, by="kari", on=date(2026, 11, 17))
    assert out.letters == ["ntnu-avvik-til-linjeleder", "ntnu-avvik-til-behandler"]
    made = store.letters(d.case.number)
    assert [i.template for i in made] == out.letters
    assert made[1].to == ["Kari Behandler"] and made[1].cc == ["IE-fakultetet"]  # from the form's answers
    assert made[0].to == ["IE-fakultetet"]


def test_the_archive_package_holds_the_sent_letters_from_the_real_store(db_url):
    """outputs/archive.py reads Store.letters and Store.letter_pdf: the sent letter goes in with its
    checksum, a draft stays out."""
    import json
    import zipfile

    from varsel_tui.outputs import archive

    s = Store.open(db_url, actor="admin")
    s.register_user("admin", "korrekt hest batteri")
    s.unlock("admin", "korrekt hest batteri")
    number = s.create_case("ntnu-avvik", "Lab ute av drift", date(2026, 11, 2), by="admin",
                           intake={"melder_type": "student"}, parties=[{"role": "melder", "name": "Ola Student"}]
                           ).case.number
    s.advance(number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                       "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik"}, by="admin", on=date(2026, 11, 20))
    sent = s.letter_sent(number, "ntnu-avvik-ikke-godkjent", by="admin", on=date(2026, 11, 20))
    name, key = s.signing_identity()
    package = archive.build(s, s.get_case(number), by=name, signing_key=key, made_on=date(2026, 11, 23))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        listed = json.loads(z.read("letters.json"))
        pdf = z.read(f"letters/{sent.id}.pdf")
        assert sorted(n for n in z.namelist() if n.startswith("letters/")) == [f"letters/{sent.id}.pdf"]
    assert [(x["id"], x["checksum"], x["sent_on"]) for x in listed] == [(sent.id, sent.checksum, "2026-11-20")]
    assert "Lab ute av drift" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert archive.verify(package, s.verified_signing_key).ok
    s.close()


def test_a_bodys_mailbox_is_the_administrators_to_set_and_addresses_later_drafts(store, admin):
    from varsel_tui.store.trust import NotAdmin

    admin.set_body_address("IE-fakultetet", "ie-post@example.no")
    assert store.body_addresses() == {"IE-fakultetet": "ie-post@example.no"}
    with pytest.raises(StoreError, match="not an e-mail address"):
        admin.set_body_address("IE-fakultetet", "ie-post")
    d = store.create_case("ntnu-avvik", "Pensum mangler", date(2026, 11, 16), by="kari",
                          intake={"melder_type": "student", "gjelder": "utdanning"})
    store.advance(d.case.number, {"sensitive_opplysninger": False, "kritikkverdige_forhold": False,
                                  "vurdering": "godkjent", "lokal_enhet": "IE-fakultetet", "behandler": "Per"},
                  by="kari", on=date(2026, 11, 17))
    letters = {x.template: x for x in store.letters(d.case.number)}
    assert letters["ntnu-avvik-til-linjeleder"].to == ["IE-fakultetet <ie-post@example.no>"]
    store.lock()  # not an unlocked administrator now
    with pytest.raises(NotAdmin):
        store.set_body_address("IE-fakultetet", "someone@evil.example")
    assert admin.body_addresses() == {"IE-fakultetet": "ie-post@example.no"}  # the refused change changed nothing
