"""Exceptions raised by the crypto core. Messages are neutral English; the UI translates by type."""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "WrongPassphrase",
    "TamperedData",
    "NotEntitled",
    "FormatError",
    "InvalidRecoveryKey",
    "SessionLocked",
]


class CryptoError(Exception):
    """Base class for all crypto-core errors."""


class WrongPassphrase(CryptoError):
    """The passphrase does not open the sealed private key.

    A modified key-file header is indistinguishable from a wrong passphrase (both are
    an AEAD failure), so this covers both.
    """

    def __init__(self, message: str = "wrong passphrase") -> None:
        super().__init__(message)


class TamperedData(CryptoError):
    """Authentication failed on field ciphertext or a key wrap: this case's data has been altered."""

    def __init__(self, message: str = "this case's data has been altered") -> None:
        super().__init__(message)


class NotEntitled(CryptoError):
    """There is no key wrap for this user on this case."""

    def __init__(self, message: str = "no access key for this user on this case") -> None:
        super().__init__(message)


class FormatError(CryptoError):
    """Unknown format version, garbled blob, or out-of-bounds parameters."""


class InvalidRecoveryKey(FormatError):
    """The recovery key text is mistyped (bad character, wrong length or checksum mismatch)."""


class SessionLocked(CryptoError):
    """The unlock session is locked; the passphrase must be entered again."""

    def __init__(self, message: str = "session is locked") -> None:
        super().__init__(message)
