"""Writing what leaves varsel (a document, later letters and reports) to a file of the user's."""

from __future__ import annotations

import os
from pathlib import Path


class OutputExists(OSError):
    """The target exists: nothing is written over it."""


def write_new_private(path: str | Path, data: bytes) -> None:
    """Write `data` to a new file readable only by its owner (0600 from the start), never over an
    existing file or through a link someone put there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise OutputExists(f"{path} exists; nothing was written (choose a new file)") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        Path(path).unlink(missing_ok=True)  # no half-written copy left behind
        raise
