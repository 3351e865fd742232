"""Per-user X25519 key pairs sealed by passphrase, and the organisation recovery key.

Sealed private key format (version 1)::

    b"VSK1" || header_len (2 bytes, big-endian) || header || nonce (12) || ciphertext+tag (32+16)

``header`` is compact sorted-keys UTF-8 JSON::

    {"aead": "aes-256-gcm", "kdf": {...kdf params...}, "pub": "<base64 public key>",
     "salt": "<base64 16-byte salt>", "v": 1}

The wrapping key is ``kdf.derive_key(passphrase, salt, kdf)``; the plaintext is the raw
32-byte X25519 private key; the AEAD associated data is everything before the nonce
(magic, length, header), so changing the KDF parameters or the public key is detected.
Changing the passphrase reseals the same key pair, so no case needs re-encryption.

Recovery key text: base32 (RFC 4648, no padding) of ``private_key(32) || checksum(3)``
where checksum = SHA-256(b"varsel-tui/recovery/v1" || private_key)[:3], shown as
14 groups of 4 characters after the prefix ``VR1``. A typo is caught by the checksum
(miss chance 2**-24) and reported with :class:`InvalidRecoveryKey`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import struct
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import kdf
from .errors import FormatError, InvalidRecoveryKey, TamperedData, WrongPassphrase

__all__ = [
    "generate_user_keys",
    "new_user_keys",
    "unseal_private_key",
    "change_passphrase",
    "sealed_public_key",
    "sealed_kdf_params",
    "public_bytes",
    "load_public_key",
    "generate_recovery_key",
    "load_recovery_key",
    "format_recovery_key",
]

_MAGIC = b"VSK1"
_VERSION = 1
_AEAD = "aes-256-gcm"
_NONCE_LEN = 12
_BODY_LEN = _NONCE_LEN + 32 + 16
_MAX_HEADER = 1024

_RECOVERY_PREFIX = "VR1"
_RECOVERY_LABEL = b"varsel-tui/recovery/v1"
_RECOVERY_CHECK_LEN = 3


def public_bytes(private_key: X25519PrivateKey) -> bytes:
    """Raw 32-byte public key of ``private_key``."""
    return private_key.public_key().public_bytes_raw()


def load_public_key(data: bytes) -> X25519PublicKey:
    if not isinstance(data, (bytes, bytearray)) or len(data) != 32:
        raise FormatError("public key must be 32 bytes")
    return X25519PublicKey.from_public_bytes(bytes(data))


# --- sealed private key ------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, length: int, what: str) -> bytes:
    if not isinstance(text, str):
        raise FormatError(f"sealed key: {what} missing")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"sealed key: {what} is not base64") from exc
    if len(data) != length:
        raise FormatError(f"sealed key: {what} has wrong length")
    return data


def _seal(private_key: X25519PrivateKey, passphrase: str, params: dict[str, Any]) -> bytes:
    params = kdf.check_params(params)
    salt = os.urandom(kdf.SALT_LENGTH)
    header = json.dumps(
        {"aead": _AEAD, "kdf": params, "pub": _b64(public_bytes(private_key)), "salt": _b64(salt), "v": _VERSION},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    prefix = _MAGIC + struct.pack(">H", len(header)) + header
    wrapping_key = kdf.derive_key(passphrase, salt, params)
    nonce = os.urandom(_NONCE_LEN)
    ciphertext = AESGCM(wrapping_key).encrypt(nonce, private_key.private_bytes_raw(), prefix)
    return prefix + nonce + ciphertext


def _parse(sealed: bytes) -> tuple[bytes, dict[str, Any], bytes]:
    """Split a sealed blob into (associated data, header dict, nonce+ciphertext)."""
    if not isinstance(sealed, (bytes, bytearray)):
        raise FormatError("sealed key must be bytes")
    sealed = bytes(sealed)
    if sealed[:4] != _MAGIC or len(sealed) < 6:
        raise FormatError("not a sealed key (unknown magic/version)")
    (header_len,) = struct.unpack(">H", sealed[4:6])
    if header_len > _MAX_HEADER or len(sealed) != 6 + header_len + _BODY_LEN:
        raise FormatError("sealed key has wrong length")
    prefix, body = sealed[: 6 + header_len], sealed[6 + header_len :]
    try:
        header = json.loads(prefix[6:].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError("sealed key header is garbled") from exc
    if not isinstance(header, dict) or header.get("v") != _VERSION or header.get("aead") != _AEAD:
        raise FormatError("sealed key: unsupported version or cipher")
    if set(header) != {"aead", "kdf", "pub", "salt", "v"}:
        raise FormatError("sealed key: unexpected header fields")
    header["kdf"] = kdf.check_params(header["kdf"])
    header["salt"] = _unb64(header["salt"], kdf.SALT_LENGTH, "salt")
    header["pub"] = _unb64(header["pub"], 32, "public key")
    return prefix, header, body


def sealed_public_key(sealed: bytes) -> bytes:
    """Public key recorded in a sealed blob's header (authenticated only on unseal)."""
    return _parse(sealed)[1]["pub"]


def sealed_kdf_params(sealed: bytes) -> dict[str, Any]:
    """KDF parameters recorded in a sealed blob (checked against the caps)."""
    return _parse(sealed)[1]["kdf"]


def new_user_keys(passphrase: str, kdf_params: dict[str, Any] | None = None) -> tuple[X25519PrivateKey, bytes, bytes]:
    """New key pair -> (private key, public key bytes, sealed private key); the private key is for
    signing the registration (crypto/signing.py) and is then dropped by the caller."""
    if not passphrase:
        raise ValueError("passphrase must not be empty")
    private_key = X25519PrivateKey.generate()
    params = kdf_params if kdf_params is not None else kdf.default_params()
    return private_key, public_bytes(private_key), _seal(private_key, passphrase, params)


def generate_user_keys(passphrase: str, kdf_params: dict[str, Any] | None = None) -> tuple[bytes, bytes]:
    """New key pair -> (public key bytes, sealed private key). ``kdf_params`` default: :func:`kdf.default_params`."""
    return new_user_keys(passphrase, kdf_params)[1:]


def unseal_private_key(sealed: bytes, passphrase: str) -> X25519PrivateKey:
    """Open a sealed private key. WrongPassphrase if the passphrase (or the header) is wrong."""
    prefix, header, body = _parse(sealed)
    wrapping_key = kdf.derive_key(passphrase, header["salt"], header["kdf"])
    try:
        raw = AESGCM(wrapping_key).decrypt(body[:_NONCE_LEN], body[_NONCE_LEN:], prefix)
    except InvalidTag:
        raise WrongPassphrase() from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    if public_bytes(private_key) != header["pub"]:  # only reachable if the sealer was buggy
        raise TamperedData("sealed key does not match its public key")
    return private_key


def change_passphrase(
    sealed: bytes, old_passphrase: str, new_passphrase: str, kdf_params: dict[str, Any] | None = None
) -> bytes:
    """Reseal the same key pair under a new passphrase (fresh salt and nonce).

    ``kdf_params`` defaults to the blob's current parameters.
    """
    if not new_passphrase:
        raise ValueError("passphrase must not be empty")
    _, header, _ = _parse(sealed)
    private_key = unseal_private_key(sealed, old_passphrase)
    return _seal(private_key, new_passphrase, kdf_params if kdf_params is not None else header["kdf"])


# --- organisation recovery key ----------------------------------------------------


def _recovery_checksum(raw: bytes) -> bytes:
    return hashlib.sha256(_RECOVERY_LABEL + raw).digest()[:_RECOVERY_CHECK_LEN]


def format_recovery_key(private_key: X25519PrivateKey) -> str:
    """Human-transcribable text for a recovery private key."""
    raw = private_key.private_bytes_raw()
    text = base64.b32encode(raw + _recovery_checksum(raw)).decode("ascii")  # 35 bytes -> 56 chars, no padding
    groups = [text[i : i + 4] for i in range(0, len(text), 4)]
    return _RECOVERY_PREFIX + " " + " ".join(groups)


def generate_recovery_key() -> tuple[bytes, str]:
    """New organisation recovery key -> (public key bytes, secret text to print and lock away)."""
    private_key = X25519PrivateKey.generate()
    return public_bytes(private_key), format_recovery_key(private_key)


_B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Digits 0, 1 and 8 are not in the alphabet; read them as the letters they resemble.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def load_recovery_key(secret_text: str) -> X25519PrivateKey:
    """Parse recovery key text (case, spaces and dashes ignored). InvalidRecoveryKey on a typo."""
    if not isinstance(secret_text, str):
        raise InvalidRecoveryKey("recovery key must be text")
    text = "".join(secret_text.split()).replace("-", "").upper()
    if text.startswith(_RECOVERY_PREFIX):
        text = text[len(_RECOVERY_PREFIX) :]
    text = text.translate(_LOOKALIKES)
    for position, char in enumerate(text, start=1):
        if char not in _B32_ALPHABET:
            raise InvalidRecoveryKey(f"invalid character {char!r} at position {position} (group {(position - 1) // 4 + 1})")
    if len(text) != 56:
        raise InvalidRecoveryKey(f"recovery key has {len(text)} characters, expected 56 (14 groups of 4)")
    data = base64.b32decode(text)
    raw, check = data[:32], data[32:]
    if _recovery_checksum(raw) != check:
        raise InvalidRecoveryKey("recovery key checksum does not match; check for a typo")
    return X25519PrivateKey.from_private_bytes(raw)
