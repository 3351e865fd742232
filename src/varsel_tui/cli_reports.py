"""`varsel report` and `varsel archive`: a case as a PDF report, and a closed case as a signed
archive package (outputs/report.py, outputs/archive.py). Registered by cli.build_parser.

Every export is a journal event (what, redacted or not, by whom, the file's SHA-256). A strictly
secret case leaves only password-protected: the report as an AES-256 encrypted PDF, the archive
package with every member sealed (crypto/passbox.py). The password comes from --password-file
or a prompt, never the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser("report", parents=[common], help="a case as a PDF report (full or redacted)")
    r.add_argument("number")
    r.add_argument("--pdf", required=True, metavar="FILE", help="where to write the PDF")
    r.add_argument("--redacted", action="store_true",
                   help="leave out anonymous parties' names and the fields the workflow marks as identifying")
    r.add_argument("--password-file", metavar="FILE",
                   help="encrypt the PDF with the password in FILE (AES-256; strictly secret cases always)")
    r.set_defaults(func=cmd_report)

    a = sub.add_parser("archive", parents=[common],
                       help="a closed case as a signed archive package (zip); 'archive verify FILE.zip' checks one; "
                            "'archive extract FILE.zip --out DIR' unpacks one")
    a.add_argument("target", metavar="NUMBER|verify|extract", help="a case number, or 'verify' / 'extract'")
    a.add_argument("file", nargs="?", metavar="FILE.zip", help="the package to verify or extract")
    a.add_argument("--out", metavar="FILE.zip|DIR", help="where to write the package (or, extracting, the folder)")
    a.add_argument("--password-file", metavar="FILE",
                   help="seal the package with the password in FILE (strictly secret cases always); with "
                        "verify or extract: the password that opens it")
    a.add_argument("--signer-key", metavar="HEX",
                   help="verify against this Ed25519 public key instead of the database's approved users")
    a.set_defaults(func=cmd_archive)


def _password(args: argparse.Namespace, *, required_for: str | None, new: bool) -> str | None:
    """The export password: from --password-file, else a prompt when `required_for` says why one
    is needed (refused without a terminal); None when none is needed and none was given."""
    from .cli import CliError, _warn

    path = getattr(args, "password_file", None)
    if path:
        from .cli_input import readable_by_others

        if readable_by_others(path):
            _warn(f"password file {path} can be read by other accounts; chmod 600 it")
        try:
            with open(path, encoding="utf-8") as fh:
                password = fh.readline().rstrip("\r\n")
        except OSError as exc:
            raise CliError(f"cannot read password file {path}: {exc.strerror}") from None
    elif required_for is None:
        return None
    elif not sys.stdin.isatty():
        raise CliError(f"{required_for}: give --password-file FILE (no terminal to ask)")
    else:
        import getpass

        password = getpass.getpass("Password for the exported file: ")
        if new and getpass.getpass("Repeat: ") != password:
            raise CliError("the passwords did not match")
    if new:
        from .crypto.strength import passphrase_problem

        problem = passphrase_problem(password)
        if problem:
            raise CliError(f"the export password: {problem}")
    if not password:
        raise CliError("an empty password was given")
    return password


def _required(args: argparse.Namespace, d: Any, why: str) -> str | None:
    from .outputs.exports import needs_password

    return _password(args, new=True, required_for=f"case {d.case.number} is strictly secret: {why}"
                     if needs_password(d) else None)


def cmd_report(args: argparse.Namespace) -> None:
    from .cli import _print, _store, _unlocking, _user
    from .clock import today
    from .outputs.exports import export_report

    store = _store(args, create=False)
    user = _user(args)
    d = _unlocking(args, store, lambda: store.get_case(args.number))
    password = _required(args, d, "it is exported only password-protected")
    done = export_report(store, d, args.pdf, by=user, redacted=args.redacted, password=password, made_on=today())
    _print(args, {"number": args.number, "file": done.path, "redacted": args.redacted, "encrypted": bool(password),
                  "sha256": done.sha256, "bytes": done.size},
           f"{done.what} of {args.number} written to {done.path} (SHA-256 {done.sha256})")


def cmd_archive(args: argparse.Namespace) -> None:
    from .cli import CliError

    if args.target in ("verify", "extract"):
        if not args.file:
            raise CliError(f"archive {args.target} needs the package: varsel archive {args.target} FILE.zip")
        (_verify if args.target == "verify" else _extract)(args)
        return
    if args.file:
        raise CliError("archive NUMBER takes --out FILE.zip, not a second argument")
    if not args.out:
        raise CliError("archive NUMBER needs --out FILE.zip")
    _export(args)


def _export(args: argparse.Namespace) -> None:
    from .cli import CliError, _print, _store, _unlocking, _user, read_passphrase
    from .clock import today
    from .outputs.exports import export_archive

    store = _store(args, create=False)
    user = _user(args)
    d = _unlocking(args, store, lambda: store.get_case(args.target))
    if d.state.status == "open":
        raise CliError(f"case {args.target} is still open: only a closed case is archived")
    password = _required(args, d, "its archive package is only made password-protected")
    if store.unlocked_as != f"user:{user}":  # the package is signed with the user's own key
        store.unlock(user, read_passphrase(args, f"Passphrase for {user} (to sign the package): "))
    done = export_archive(store, d, args.out, by=user, password=password, made_on=today())
    _print(args, {"number": args.target, "file": done.path, "encrypted": bool(password), "signer": done.signer,
                  "sha256": done.sha256, "bytes": done.size},
           f"archive package of {args.target} written to {done.path}, signed by {done.signer} "
           f"(SHA-256 {done.sha256})")


def _read_package(path: str) -> bytes:
    from .cli import CliError

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _verify(args: argparse.Namespace) -> None:
    from .cli import CliError, _print, _store
    from .outputs import archive

    package = _read_package(args.file)
    if args.signer_key:
        try:
            given = bytes.fromhex(args.signer_key)
        except ValueError:
            raise CliError("--signer-key takes the signer's Ed25519 public key in hex") from None
        result = archive.verify(package, lambda _name: given)
    else:
        store = _store(args, create=False, role=None)
        result = archive.verify(package, store.verified_signing_key)
    m = result.manifest
    if result.ok and m.get("encryption") and args.password_file:  # also: do the sealed members open?
        from .crypto.passbox import WrongPassword

        try:
            archive.extract(package, _password(args, new=False, required_for=None))
        except WrongPassword as exc:
            result.problems.append(str(exc))
    data = {"file": args.file, "ok": result.ok, "problems": result.problems, "case": m.get("case"),
            "signer": (m.get("signer") or {}).get("name"), "files": len(m.get("files") or [])}
    if not result.ok:
        from .textsafe import printable

        if args.json:
            _print(args, data, "")
        for line in result.problems[:-1]:
            print(f"varsel: {printable(line)}", file=sys.stderr)
        raise CliError(f"{args.file}: {result.problems[-1]}")
    _print(args, data, f"{args.file}: intact — case {data['case']}, {data['files']} files, signed by {data['signer']}")


def _extract(args: argparse.Namespace) -> None:
    from .cli import CliError, _print, _store
    from .crypto.passbox import WrongPassword
    from .outputs import archive

    if not args.out:
        raise CliError("archive extract needs --out DIR")
    package = _read_package(args.file)
    store = _store(args, create=False, role=None)
    result = archive.verify(package, store.verified_signing_key)
    if not result.ok:
        raise CliError(f"{args.file} does not verify ({result.problems[0]}); nothing was extracted")
    sealed = bool(result.manifest.get("encryption"))
    password = _password(args, new=False, required_for="this package is password-protected" if sealed else None)
    try:
        files = archive.extract(package, password)
    except WrongPassword as exc:
        raise CliError(str(exc)) from None
    out = Path(args.out)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, data in files.items():
        target = out / name
        if name.startswith("/") or ".." in Path(name).parts:  # signed, but never outside the folder
            raise CliError(f"{args.file}: member {name} would be written outside {out}")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    _print(args, {"file": args.file, "out": str(out), "files": sorted(files)},
           f"{len(files)} files of {args.file} written to {out}")
