"""`varsel report` and `varsel archive` as a script uses them; every output read back (pypdf,
zipfile), every export found in the journal with the file's SHA-256."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from varsel_tui.cli import main

PASSPHRASE = "korrekt hest batteri"
ANON = "Kari #Nordmann]"  # Typst markup characters in a name: printed, never obeyed
CONTACT = "telefon 99887766, kari.n@example.no"


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VARSEL_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("VARSEL_USER", "kari")
    monkeypatch.setenv("VARSEL_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str):
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return code, out.out, out.err

    def js(*argv: str):
        code, out, err = run(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    run.json = js
    run("user", "add", "kari")  # the administrator; no body: she holds the cases she registers
    return run


def _text(pdf: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return "".join(page.extract_text() for page in reader.pages)


def _exports(varsel, number: str) -> list[str]:
    return [r["text"] for r in varsel.json("audit", "log", "--case", number) if r["kind"] == "export"]


def _password_file(tmp_path: Path, password: str = "et langt eksportpassord") -> str:
    path = tmp_path / "pw.txt"
    path.write_text(password + "\n")
    path.chmod(0o600)
    return str(path)


def _uio_case(varsel) -> str:
    case = varsel.json("case", "new", "--workflow", "uio-varsling", "--title", "Trakassering på lab [A]",
                       "--received", "2026-11-16", "--set", "kanal=anonym", "--set", "innmelder=ansatt",
                       "--set", "anklage=nei", "--party", f"varsler:{ANON}:anonym", "--party", "anklagede:Per Hansen")
    number = case["number"]
    varsel.json("case", "advance", number, "--set", f"innhentet_informasjon={CONTACT}",
                "--set", "kontakt_med_innmelder=nei", "--on", "2026-11-17")
    varsel.json("case", "note", number, f"Samtale med {ANON.upper()} om saken")
    return number


def _closed_avvik(varsel, *extra: str) -> str:
    number = varsel.json("case", "new", "--workflow", "ntnu-avvik", "--title", "Lab ute av drift", "--received",
                         "2026-11-02", "--set", "melder_type=student", "--party", "varsler:Ola Student", *extra)["number"]
    varsel.json("case", "note", number, "Referat fra møte med instituttet")
    varsel.json("case", "advance", number, "--set", "sensitive_opplysninger=nei", "--set", "kritikkverdige_forhold=nei",
                "--set", "vurdering=ikke_godkjent", "--set", "begrunnelse=Ikke et avvik", "--on", "2026-11-20")
    return number


def test_full_report_has_everything_and_the_redacted_one_not_the_names(varsel, tmp_path):
    number = _uio_case(varsel)
    done = varsel.json("report", number, "--pdf", "full.pdf")
    assert done["redacted"] is False and done["encrypted"] is False
    full = Path("full.pdf").read_bytes()
    assert (Path("full.pdf").stat().st_mode & 0o777) == 0o600
    text = _text(full)
    for expected in (number, "Trakassering på lab [A]", ANON, "Per Hansen", CONTACT, "Innhentet informasjon",
                     "M1", "Muntlig eller anonymt varsel", f"Samtale med {ANON.upper()} om saken", "Tidslinje",
                     "Journal", "Parter", "Tiltak", "Høringsrunder"):
        assert expected in text, expected

    varsel.json("report", number, "--pdf", "sensurert.pdf", "--redacted")
    redacted = _text(Path("sensurert.pdf").read_bytes())
    assert "Sensurert versjon" in redacted and "Per Hansen" in redacted  # only the anonymous are removed
    assert "Innhentet informasjon" in redacted and "[fjernet]" in redacted
    for gone in ("Nordmann", "99887766", "example.no", "KARI"):
        assert gone not in redacted, gone
    assert "Samtale med [anonym] om saken" in redacted

    exports = _exports(varsel, number)
    assert exports == [
        f"eksportert: full rapport (PDF); SHA-256 {hashlib.sha256(full).hexdigest()}",
        "eksportert: sensurert rapport (PDF); SHA-256 "
        + hashlib.sha256(Path("sensurert.pdf").read_bytes()).hexdigest(),
    ]
    assert varsel("audit", "verify")[0] == 0


def test_someone_without_access_gets_the_usual_refusal_and_no_file(varsel, monkeypatch):
    number = _uio_case(varsel)
    varsel.json("user", "add", "lars")
    varsel.json("user", "approve", "lars")
    monkeypatch.setenv("VARSEL_USER", "lars")
    code, out, err = varsel("report", number, "--pdf", "stjålet.pdf")
    assert code == 1 and err.strip() == f"varsel: you have no access to case {number}"
    assert not Path("stjålet.pdf").exists() and not list(Path().glob(".*part"))
    code, _, err = varsel("archive", number, "--out", "stjålet.zip")
    assert code == 1 and err.strip() == f"varsel: you have no access to case {number}"


def test_a_strictly_secret_report_is_only_exported_encrypted(varsel, tmp_path):
    number = _closed_avvik(varsel, "--secret")
    code, _, err = varsel("report", number, "--pdf", "hemmelig.pdf")
    assert code == 1 and "strictly secret: it is exported only password-protected" in err
    assert not Path("hemmelig.pdf").exists()
    weak = tmp_path / "weak.txt"
    weak.write_text("kort\n")
    code, _, err = varsel("report", number, "--pdf", "hemmelig.pdf", "--password-file", str(weak))
    assert code == 1 and "export password" in err

    done = varsel.json("report", number, "--pdf", "hemmelig.pdf", "--password-file", _password_file(tmp_path))
    assert done["encrypted"] is True
    pdf = Path("hemmelig.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.decrypt("feil passord") == 0
    with pytest.raises(FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert reader.decrypt("et langt eksportpassord") != 0
    assert reader.trailer["/Encrypt"]["/V"] == 5  # AES-256 (PDF 2.0 security handler)
    assert "Lab ute av drift" in _text(pdf, "et langt eksportpassord")
    assert b"Lab ute av drift" not in pdf
    assert _exports(varsel, number) == [
        f"eksportert: full rapport (PDF, passordbeskyttet); SHA-256 {hashlib.sha256(pdf).hexdigest()}"]


def test_an_open_case_is_not_archived(varsel):
    number = _uio_case(varsel)
    code, _, err = varsel("archive", number, "--out", "pakke.zip")
    assert code == 1 and "still open" in err and not Path("pakke.zip").exists()


def _rezip(src: Path, dst: Path, change) -> None:  # noqa: ANN001
    """Copy a package member by member through `change(name, data) -> [(name, data)]`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            for name, data in change(info.filename, zin.read(info.filename)):
                zout.writestr(name, data)


@pytest.mark.filterwarnings("ignore:Duplicate name")  # the duplicated member is the point
def test_archive_package_verifies_and_every_tampering_is_found(varsel, tmp_path):
    number = _closed_avvik(varsel)
    done = varsel.json("archive", number, "--out", "pakke.zip")
    assert done["signer"] == "kari" and done["encrypted"] is False
    package = Path("pakke.zip")
    assert _exports(varsel, number) == [
        f"eksportert: arkivpakke (zip, signert); SHA-256 {hashlib.sha256(package.read_bytes()).hexdigest()}"]
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        report, journal = z.read("report.pdf"), json.loads(z.read("journal.json"))
        journal_pdf = z.read("journal.pdf")
    assert names == ["manifest.json", "manifest.sig", "report.pdf", "report-sensurert.pdf", "journal.json",
                     "journal.pdf", "case.json"]
    assert [f["path"] for f in manifest["files"]] == names[2:]
    assert manifest["case"] == number and manifest["status"] == "closed" and manifest["encryption"] is None
    xmp = PdfReader(io.BytesIO(report)).xmp_metadata
    assert xmp is not None and b"<pdfaid:part>2</pdfaid:part>" in xmp.stream.get_data()
    assert "Lab ute av drift" in _text(report) and "Referat fra møte med instituttet" in _text(journal_pdf)
    with zipfile.ZipFile(package) as z:
        assert "Sensurert versjon" in _text(z.read("report-sensurert.pdf"))
    assert [e["kind"] for e in journal["journal"]][:2] == ["created", "note"]
    assert all(e["hash"] for e in journal["journal"])

    verified = varsel.json("archive", "verify", "pakke.zip")
    assert verified["ok"] is True and verified["signer"] == "kari" and verified["files"] == 5

    def fails(name: str, change, message: str) -> None:  # noqa: ANN001
        bad = tmp_path / name
        _rezip(package, bad, change)
        code, _, err = varsel("archive", "verify", str(bad))
        assert code == 1 and message in err, err

    fails("changed.zip", lambda n, d: [(n, d.replace(b"Ikke et avvik", b"Ikke et AVVIK") if n == "case.json" else d)],
          "case.json: changed")
    fails("missing.zip", lambda n, d: [] if n == "journal.pdf" else [(n, d)], "journal.pdf: missing")
    fails("added.zip", lambda n, d: [(n, d)] + ([("documents/1-ekstra.pdf", b"%PDF-1.7")] if n == "case.json" else []),
          "documents/1-ekstra.pdf: added")
    fails("twice.zip", lambda n, d: [(n, d)] * (2 if n == "report.pdf" else 1), "report.pdf: in the package more than once")
    fails("manifest.zip", lambda n, d: [(n, d.replace(b'"status": "closed"', b'"status": "open"')
                                         if n == "manifest.json" else d)],
          "the signature does not match")

    # A forger re-signs an edited manifest with a key of their own and names it: the verifier's key is kari's.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from varsel_tui.crypto.signing import record
    from varsel_tui.outputs.archive import SIGNATURE_LABEL

    forger = Ed25519PrivateKey.generate()
    forged = dict(manifest, signer={"name": "kari", "signing_public_key": forger.public_key().public_bytes_raw().hex()})
    forged_bytes = json.dumps(forged).encode()
    swap = {"manifest.json": forged_bytes, "manifest.sig": forger.sign(record(SIGNATURE_LABEL, forged_bytes))}
    fails("forged.zip", lambda n, d: [(n, swap.get(n, d))], "names a key that is not kari's")
    # …and checked against the forger's own key given by hand, the package is the forger's, not kari's
    code, _, err = varsel("archive", "verify", str(tmp_path / "forged.zip"),
                          "--signer-key", forger.public_key().public_bytes_raw().hex())
    assert code == 0
    code, _, err = varsel("archive", "verify", "pakke.zip", "--signer-key", forger.public_key().public_bytes_raw().hex())
    assert code == 1 and "not kari's" in err
    # a signer the database does not know
    stranger = dict(manifest, signer={"name": "mallory", "signing_public_key": "00" * 32})
    fails("stranger.zip", lambda n, d: [(n, json.dumps(stranger).encode() if n == "manifest.json" else d)],
          "signed by mallory, who is not an approved user here")


def test_a_strictly_secret_package_holds_no_plaintext(varsel, tmp_path):
    number = _closed_avvik(varsel, "--secret")
    code, _, err = varsel("archive", number, "--out", "hemmelig.zip")
    assert code == 1 and "only made password-protected" in err and not Path("hemmelig.zip").exists()
    pw = _password_file(tmp_path)
    done = varsel.json("archive", number, "--out", "hemmelig.zip", "--password-file", pw)
    assert done["encrypted"] is True
    with zipfile.ZipFile("hemmelig.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
        members = {n: z.read(n) for n in z.namelist() if n not in ("manifest.json", "manifest.sig")}
    assert manifest["encryption"]["scheme"] == "scrypt+aes-256-gcm"
    assert sorted(members) == ["case.json.enc", "journal.json.enc", "journal.pdf.enc", "report-sensurert.pdf.enc",
                               "report.pdf.enc"]
    raw = Path("hemmelig.zip").read_bytes()
    for data in list(members.values()) + [raw]:
        assert not data.startswith(b"%PDF") and b"Lab ute av drift" not in data and b"Ola Student" not in data
    assert varsel.json("archive", "verify", "hemmelig.zip")["ok"] is True  # verifiable without the password

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("et annet langt passord\n")
    assert varsel.json("archive", "verify", "hemmelig.zip", "--password-file", pw)["ok"] is True
    code, _, err = varsel("archive", "verify", "hemmelig.zip", "--password-file", str(wrong))
    assert code == 1 and "wrong password" in err
    code, _, err = varsel("archive", "extract", "hemmelig.zip", "--out", "ut", "--password-file", str(wrong))
    assert code == 1 and "wrong password" in err
    varsel.json("archive", "extract", "hemmelig.zip", "--out", "ut", "--password-file", pw)
    assert "Lab ute av drift" in _text(Path("ut/report.pdf").read_bytes())
    assert json.loads(Path("ut/journal.json").read_text())["case"] == number
