"""Per-case data keys, field/document encryption and key wraps for recipients.

All AEAD is AES-256-GCM. Associated data and HKDF info are built with :func:`_lp`
(each part as a 4-byte big-endian length followed by the bytes), so no two different
(case, field, version) tuples can encode to the same bytes.

Field / document blob, version 1::

    0x01 || nonce (12) || ciphertext+tag
    AAD = lp(b"varsel-tui/field/v1" | b"varsel-tui/bytes/v1", case_id, field, u64be(version))

A ciphertext moved to another case, another field, replayed at another version, or a
field blob read as a document (or vice versa) fails with :class:`TamperedData`.

Nonces: a fresh random 96-bit nonce per encryption. Reuse needs two encryptions under
the same key to draw the same nonce; with n encryptions per key the chance is about
n**2 / 2**97. Keys are per case (and replaced on re-key), and a case sees at most a few
thousand encryptions, so this is ~2**-75: no practical risk, far inside NIST
SP 800-38D's 2**32-messages-per-key bound for random nonces.

Key wrap, version 1 (ephemeral-static X25519)::

    0x01 || ephemeral_public (32) || nonce (12) || ciphertext+tag (32+16)     = 93 bytes
    info = lp(b"varsel-tui/wrap/v1", case_id, recipient_id, ephemeral_public, recipient_public)
    kek  = HKDF-SHA256(X25519(ephemeral, recipient), salt=None, info=info, length=32)
    ciphertext = AES-256-GCM(kek).encrypt(nonce, data_key, aad=info)

The ``_``-prefixed helpers taking an explicit nonce / ephemeral key exist only for
known-answer tests; the public functions always draw fresh randomness.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import FormatError, TamperedData

__all__ = [
    "DATA_KEY_LENGTH",
    "new_data_key",
    "encrypt_field",
    "decrypt_field",
    "encrypt_bytes",
    "decrypt_bytes",
    "wrap_data_key",
    "unwrap_data_key",
]

DATA_KEY_LENGTH = 32
_NONCE_LEN = 12
_TAG_LEN = 16
_BLOB_V1 = b"\x01"
_WRAP_V1 = b"\x01"
_WRAP_LEN = 1 + 32 + _NONCE_LEN + DATA_KEY_LENGTH + _TAG_LEN
_FIELD_LABEL = b"varsel-tui/field/v1"
_BYTES_LABEL = b"varsel-tui/bytes/v1"
_WRAP_LABEL = b"varsel-tui/wrap/v1"


def _lp(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def _check_key(data_key: bytes) -> bytes:
    if not isinstance(data_key, (bytes, bytearray)) or len(data_key) != DATA_KEY_LENGTH:
        raise ValueError("data key must be 32 bytes")
    return bytes(data_key)


def _text(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty str")
    return value.encode("utf-8")


def _blob_aad(label: bytes, case_id: str, field: str, version: int) -> bytes:
    if type(version) is not int or not 0 <= version < 1 << 63:
        raise ValueError("version must be a non-negative int")
    return _lp(label, _text(case_id, "case_id"), _text(field, "field"), struct.pack(">Q", version))


def new_data_key() -> bytes:
    """Fresh random 32-byte data key for one case."""
    return os.urandom(DATA_KEY_LENGTH)


# --- fields and documents ---------------------------------------------------------


def _seal_with_nonce(label: bytes, data_key: bytes, data: bytes, nonce: bytes, case_id: str, field: str, version: int) -> bytes:
    aad = _blob_aad(label, case_id, field, version)
    return _BLOB_V1 + nonce + AESGCM(_check_key(data_key)).encrypt(nonce, data, aad)


def _open(label: bytes, data_key: bytes, blob: bytes, case_id: str, field: str, version: int) -> bytes:
    aad = _blob_aad(label, case_id, field, version)
    blob = bytes(blob)
    if blob[:1] != _BLOB_V1:
        raise FormatError("unknown ciphertext format version")
    if len(blob) < 1 + _NONCE_LEN + _TAG_LEN:
        raise FormatError("ciphertext too short")
    try:
        return AESGCM(_check_key(data_key)).decrypt(blob[1 : 1 + _NONCE_LEN], blob[1 + _NONCE_LEN :], aad)
    except InvalidTag:
        raise TamperedData() from None


def encrypt_field(data_key: bytes, plaintext: str, *, case_id: str, field: str, version: int) -> bytes:
    if not isinstance(plaintext, str):
        raise TypeError("plaintext must be str")
    return _seal_with_nonce(_FIELD_LABEL, data_key, plaintext.encode("utf-8"), os.urandom(_NONCE_LEN), case_id, field, version)


def decrypt_field(data_key: bytes, blob: bytes, *, case_id: str, field: str, version: int) -> str:
    data = _open(_FIELD_LABEL, data_key, blob, case_id, field, version)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # authenticated but not text: written by something else
        raise TamperedData() from None


def encrypt_bytes(data_key: bytes, data: bytes, *, case_id: str, field: str, version: int) -> bytes:
    """Encrypt a document's bytes; ``field`` names the document slot (e.g. ``"document:17"``)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    return _seal_with_nonce(_BYTES_LABEL, data_key, bytes(data), os.urandom(_NONCE_LEN), case_id, field, version)


def decrypt_bytes(data_key: bytes, blob: bytes, *, case_id: str, field: str, version: int) -> bytes:
    return _open(_BYTES_LABEL, data_key, blob, case_id, field, version)


# --- key wraps --------------------------------------------------------------------


def _wrap_info(case_id: str, recipient_id: str, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return _lp(_WRAP_LABEL, _text(case_id, "case_id"), _text(recipient_id, "recipient_id"), ephemeral_public, recipient_public)


def _kek(shared: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def _wrap_with(
    data_key: bytes, recipient_public: bytes, case_id: str, recipient_id: str, ephemeral: X25519PrivateKey, nonce: bytes
) -> bytes:
    if not isinstance(recipient_public, (bytes, bytearray)) or len(recipient_public) != 32:
        raise ValueError("recipient public key must be 32 bytes")
    recipient_public = bytes(recipient_public)
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    info = _wrap_info(case_id, recipient_id, ephemeral_public, recipient_public)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))  # ValueError on low-order keys
    ciphertext = AESGCM(_kek(shared, info)).encrypt(nonce, _check_key(data_key), info)
    return _WRAP_V1 + ephemeral_public + nonce + ciphertext


def wrap_data_key(data_key: bytes, recipient_public: bytes, *, case_id: str, recipient_id: str) -> bytes:
    """Wrap a case's data key for one recipient (user or recovery key)."""
    return _wrap_with(data_key, recipient_public, case_id, recipient_id, X25519PrivateKey.generate(), os.urandom(_NONCE_LEN))


def unwrap_data_key(wrap: bytes, recipient_private: X25519PrivateKey, *, case_id: str, recipient_id: str) -> bytes:
    """Recover the data key. TamperedData if the wrap was altered, moved, or is for someone else."""
    wrap = bytes(wrap)
    if wrap[:1] != _WRAP_V1:
        raise FormatError("unknown key wrap format version")
    if len(wrap) != _WRAP_LEN:
        raise FormatError("key wrap has wrong length")
    ephemeral_public, nonce, ciphertext = wrap[1:33], wrap[33 : 33 + _NONCE_LEN], wrap[33 + _NONCE_LEN :]
    recipient_public = recipient_private.public_key().public_bytes_raw()
    info = _wrap_info(case_id, recipient_id, ephemeral_public, recipient_public)
    try:
        shared = recipient_private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:  # low-order ephemeral point: can only come from tampering
        raise TamperedData() from None
    try:
        return AESGCM(_kek(shared, info)).decrypt(nonce, ciphertext, info)
    except InvalidTag:
        raise TamperedData() from None
