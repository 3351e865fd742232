"""Cryptographic core for strictly secret cases.

Modules (import them directly; this package file stays import-cheap and must not
import ``cryptography``):

- ``errors``   – exception types the UI translates.
- ``kdf``      – passphrase -> key (Argon2id, scrypt fallback), parameter caps.
- ``keys``     – per-user X25519 key pairs sealed by passphrase; recovery key.
- ``envelope`` – per-case data keys, field/document AEAD, key wraps.
- ``session``  – in-memory unlock session with idle timeout.
- ``audit``    – hash-chained audit journal helpers (hashlib only).
"""
