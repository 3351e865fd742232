"""Ed25519 signing keys derived from a user's X25519 private key, and signatures over
canonical records.

No second secret is stored: the signing key is
``HKDF-SHA256(ikm = X25519 private key, salt = none, info = b"varsel ed25519 signing key v1")``
taken as an Ed25519 seed, so whoever can unseal the X25519 key can sign, and a changed
passphrase changes nothing here.

A signed record is ``label || (u32be(len) || field)*`` (length-prefixed UTF-8 or raw bytes), so
no two different field lists encode to the same bytes and a signature made for one kind of
record (an approval) never verifies as another (a membership).
"""

from __future__ import annotations

import struct
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SIGNING_INFO", "signing_key", "signing_public_bytes", "record", "sign", "verify"]

SIGNING_INFO = b"varsel ed25519 signing key v1"


def signing_key(x25519_private: X25519PrivateKey) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SIGNING_INFO).derive(
        x25519_private.private_bytes_raw())
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_public_bytes(x25519_private: X25519PrivateKey) -> bytes:
    return signing_key(x25519_private).public_key().public_bytes_raw()


def record(label: str, *fields: str | bytes) -> bytes:
    """The canonical bytes of a record to sign: a label and length-prefixed fields."""
    parts = [label.encode("utf-8")]
    for f in fields:
        parts.append(f.encode("utf-8") if isinstance(f, str) else bytes(f))
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    return key.sign(message)


def verify(public: bytes | None, signature: bytes | None, message: bytes) -> bool:
    """True only for a well-formed public key and a valid signature (never raises)."""
    if not public or not signature or len(public) != 32 or len(signature) != 64:
        return False
    return _verify(bytes(public), bytes(signature), message)


@lru_cache(maxsize=8192)  # access checks verify the same few records on every write
def _verify(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
