"""The least a passphrase must be: a pure rule, no I/O (the CLI and the TUI both ask it).

A sealed private key can be attacked offline by anyone who reads the database, so the KDF's cost
is all that stands between a copied file and a guessed passphrase; a trivially guessable one
makes that cost worthless.
"""

from __future__ import annotations

MIN_LENGTH = 12


def passphrase_problem(passphrase: str) -> str | None:
    """Why `passphrase` is too weak, in one line; None when it is acceptable."""
    stripped = passphrase.strip()
    if len(passphrase) < MIN_LENGTH:
        return f"the passphrase must be at least {MIN_LENGTH} characters (use a few words)"
    if len(set(stripped)) <= 1:
        return "the passphrase must not be one character repeated"
    if stripped.isdigit():
        return "the passphrase must not be digits only (use a few words)"
    return None
