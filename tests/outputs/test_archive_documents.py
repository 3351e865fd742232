"""The archive package with documents from the real store (store/documents.py), both backends."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest

from varsel_tui.outputs import archive
from varsel_tui.store.service import Store

PASS = "korrekt hest batteri"


@pytest.fixture
def admin(db_url):
    s = Store.open(db_url, actor="admin")
    s.register_user("admin", PASS)  # the first user: administrator, in no body, so she holds her cases
    s.unlock("admin", PASS)
    yield s
    s.close()


def test_a_closed_case_with_an_attached_document_is_archived_and_verifies(admin, tmp_path):
    number = admin.create_case("ntnu-avvik", "Lab ute av drift", date(2026, 11, 2), by="admin",
                               intake={"melder_type": "student"}).case.number
    f = tmp_path / "referat.txt"
    f.write_bytes("Referat fra møtet\n".encode())
    info = admin.add_document(number, f, by="admin")
    admin.advance(number, {"sensitive_opplysninger": "nei", "kritikkverdige_forhold": "nei",
                           "vurdering": "ikke_godkjent", "begrunnelse": "Ikke et avvik"}, by="admin",
                  on=date(2026, 11, 20))
    name, key = admin.signing_identity()
    package = archive.build(admin, admin.get_case(number), by=name, signing_key=key, made_on=date(2026, 11, 23))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.read(f"documents/{info.id}-referat.txt") == f.read_bytes()
        assert json.loads(z.read("documents.json"))[0]["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert archive.verify(package, admin.verified_signing_key).ok
