"""Free text for the CLI from a file or standard input instead of argv.

Other accounts on a shared server read every process's arguments in /proc/PID/cmdline, and argv
cannot hold a long text anyway. So every free-text value takes `@FILE` (the file's text) or `@-`
(standard input, read once); `@@…` stands for a literal leading `@`. Anything else is the value
itself.
"""

from __future__ import annotations

import os
import stat
import sys


class InputError(Exception):
    """A value could not be read; one line for the user."""


class TextSource:
    """Resolves `@FILE` / `@-` values; standard input can be read only once per command."""

    def __init__(self) -> None:
        self._stdin_used_by: str | None = None

    def resolve(self, value: str | None, what: str) -> str | None:
        if value is None or not value.startswith("@"):
            return value
        if value.startswith("@@"):
            return value[1:]
        target = value[1:]
        if target == "-":
            if self._stdin_used_by is not None:
                raise InputError(f"{what}: standard input was already read for {self._stdin_used_by}")
            self._stdin_used_by = what
            if sys.stdin.isatty():
                print(f"varsel: {what}: type the text, then Ctrl-D on a line of its own", file=sys.stderr)
            try:
                text = sys.stdin.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{what}: cannot read standard input: {exc}") from None
            return _chomp(text)
        if not target:
            raise InputError(f"{what}: '@' must be followed by a file name, '-' for standard input, or '@' "
                             "for a literal @")
        try:
            with open(target, encoding="utf-8") as fh:
                return _chomp(fh.read())
        except FileNotFoundError:
            raise InputError(f"{what}: no such file {target}") from None
        except UnicodeDecodeError:
            raise InputError(f"{what}: {target} is not UTF-8 text") from None
        except OSError as exc:
            raise InputError(f"{what}: cannot read {target}: {exc.strerror or exc}") from None


def _chomp(text: str) -> str:
    """One trailing newline is the file's, not the text's (as `$(cat FILE)` would drop it)."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def readable_by_others(path: str) -> bool:
    """True when a secret file may be read by the group or other accounts."""
    try:
        return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)
    except OSError:
        return False
