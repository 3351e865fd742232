"""`varsel doc add | list | get`: files attached to a case (store/documents.py).

`doc get` writes the file owner-only and never over an existing file. Registered by cli.py's
parser builder; the shared helpers come from cli.py.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    doc = sub.add_parser("doc", help="documents attached to a case").add_subparsers(dest="doc_cmd", required=True)
    da = doc.add_parser("add", parents=[common], help="attach a file (PDFs: page count and text are read)")
    da.add_argument("number")
    da.add_argument("file")
    da.set_defaults(func=cmd_doc_add)
    dl = doc.add_parser("list", parents=[common], help="the case's documents")
    dl.add_argument("number")
    dl.set_defaults(func=cmd_doc_list)
    dg = doc.add_parser("get", parents=[common], help="write a document's content to a new, owner-only file")
    dg.add_argument("number")
    dg.add_argument("doc_id", type=int)
    dg.add_argument("--out", required=True, help="the file to write (must not exist)")
    dg.set_defaults(func=cmd_doc_get)


def document_json(info: Any) -> dict[str, Any]:
    return {"id": info.id, "filename": info.filename, "size": info.size, "sha256": info.sha256,
            "pages": info.pages, "added_by": info.added_by, "added_at": info.added_at.isoformat(timespec="seconds")}


def _line(r: dict[str, Any]) -> str:
    from .cli import _one

    pages = f"  {r['pages']} s." if r["pages"] else ""
    return f"#{r['id']}  {_one(r['filename'])}  {r['size']} byte{pages}  {r['added_by']} {r['added_at']}  {r['sha256']}"


def cmd_doc_add(args: argparse.Namespace) -> None:
    from .cli import _print, _store, _unlocking, _user

    store = _store(args, create=False)
    info = _unlocking(args, store, lambda: store.add_document(args.number, args.file, by=_user(args)))
    data = document_json(info)
    _print(args, data, f"added to {args.number}: " + _line(data))


def cmd_doc_list(args: argparse.Namespace) -> None:
    from .cli import _print, _store, _unlocking

    store = _store(args, create=False)
    rows = [document_json(i) for i in _unlocking(args, store, lambda: store.documents(args.number))]
    _print(args, rows, "\n".join(_line(r) for r in rows) or "(no documents)")


def cmd_doc_get(args: argparse.Namespace) -> None:
    from .cli import CliError, _print, _store, _unlocking, _user
    from .outputs.files import OutputExists, write_new_private

    if os.path.lexists(args.out):  # before the read, so a refused write journals no read
        raise CliError(f"{args.out} exists; nothing was written (choose a new file)")
    store = _store(args, create=False)
    data = _unlocking(args, store, lambda: store.document_bytes(args.number, args.doc_id, by=_user(args)))
    try:
        write_new_private(args.out, data)
    except OutputExists as exc:
        raise CliError(str(exc)) from None
    _print(args, {"number": args.number, "id": args.doc_id, "out": args.out, "size": len(data)},
           f"wrote document #{args.doc_id} of {args.number} to {args.out} ({len(data)} byte)")
