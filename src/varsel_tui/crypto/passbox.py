"""Password-sealed bytes for files that leave the app (a strictly secret case's archive package).

The key is scrypt(password, salt) — N=2^15, r=8, p=1, 32 bytes: ~0.1 s and 32 MiB per guess —
and each file is ``nonce(12) || AES-256-GCM(key, nonce, data, aad)``, the associated data naming
the file, so a sealed member moved to another name in the package fails to open.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = ["SCHEME", "new_params", "derive", "seal", "open_sealed", "WrongPassword"]

SCHEME = "scrypt+aes-256-gcm"
_NONCE = 12


class WrongPassword(ValueError):
    """The password is wrong, or the sealed bytes were altered."""


def new_params() -> dict[str, Any]:
    return {"scheme": SCHEME, "salt": os.urandom(16).hex(), "n": 1 << 15, "r": 8, "p": 1}


def derive(password: str, params: dict[str, Any]) -> bytes:
    n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    if params.get("scheme") != SCHEME or not (1 << 10 <= n <= 1 << 20) or not (1 <= r <= 32) or not (1 <= p <= 16):
        raise ValueError("unsupported or out-of-range password-sealing parameters")
    return Scrypt(salt=bytes.fromhex(params["salt"]), length=32, n=n, r=r, p=p).derive(password.encode("utf-8"))


def seal(key: bytes, data: bytes, aad: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, data, aad.encode("utf-8"))


def open_sealed(key: bytes, blob: bytes, aad: str) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad.encode("utf-8"))
    except (InvalidTag, ValueError):
        raise WrongPassword("wrong password, or the file was altered") from None
