"""The trust anchor pinned outside the database, per OS account (trust on first use).

The anchor (store/trust.py) lives in the database, so whoever can rewrite `settings` could put
their own key there and sign themselves in. The first time an account uses a database, its
anchor is recorded in that account's own data directory (``trust-anchors.json``, owner-only,
keyed by the database's location without a password); from then on a different anchor is refused
until the account's owner removes the line — after an administrator confirms the database was
really re-created.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .db import Location, StoreError


class AnchorChanged(StoreError):
    """The database's trust anchor is not the one this account pinned (light: the CLI's fast reads
    import this module without SQLAlchemy or the crypto)."""

FILE_NAME = "trust-anchors.json"


def pin_file() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("varsel-tui")) / FILE_NAME


def _key(loc: Location) -> str:
    return str(loc.path.resolve()) if loc.path is not None else loc.display()


def check(loc: Location, anchor: bytes | None) -> None:
    """Pin `anchor` for `loc` on first sight; AnchorChanged if it differs from the pinned one."""
    if anchor is None:
        return
    path = pin_file()
    try:
        pins = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pins = {}
    except (OSError, ValueError):
        raise AnchorChanged(f"{path} is unreadable; it pins the databases' trust anchors for this account") from None
    key, seen = _key(loc), anchor.hex()
    pinned = pins.get(key)
    if pinned == seen:
        return
    if pinned is not None:
        raise AnchorChanged(f"the administrator key (trust anchor) of {loc.display()} is not the one this account "
                        f"first saw: it was replaced in the database, or the database was made anew — if an "
                        f"administrator confirms the latter, remove its line from {path}")
    pins[key] = seen
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(pins, fh, indent=1, sort_keys=True)
    os.replace(tmp, path)
