from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from varsel_tui.crypto import signing


def test_the_signing_key_is_derived_from_the_x25519_key_and_stable():
    raw = bytes(range(32))
    a = signing.signing_public_bytes(X25519PrivateKey.from_private_bytes(raw))
    assert a == signing.signing_public_bytes(X25519PrivateKey.from_private_bytes(raw))
    assert a != signing.signing_public_bytes(X25519PrivateKey.generate())
    # known answer: HKDF-SHA256(ikm=00..1f, info=b"varsel ed25519 signing key v1") as the Ed25519 seed
    assert a.hex() == KNOWN_PUBLIC


KNOWN_PUBLIC = "583c75fa3189d2837863e2ede2ca7cbdafc0bc89ab277520f2abdf69ec157643"


def test_signatures_bind_every_field_and_the_kind_of_record():
    key = signing.signing_key(X25519PrivateKey.generate())
    public = key.public_key().public_bytes_raw()
    message = signing.record("varsel-tui/membership/v1", "OU", "kari", "2026-11-23T10:00:00")
    sig = signing.sign(key, message)
    assert signing.verify(public, sig, message)
    for other in (signing.record("varsel-tui/membership/v1", "OU", "mallory", "2026-11-23T10:00:00"),
                  signing.record("varsel-tui/membership/v1", "OUk", "ari", "2026-11-23T10:00:00"),
                  signing.record("varsel-tui/approval/v1", "OU", "kari", "2026-11-23T10:00:00")):
        assert not signing.verify(public, sig, other)
    assert not signing.verify(public, sig[:-1] + bytes([sig[-1] ^ 1]), message)
    assert not signing.verify(None, sig, message) and not signing.verify(public, None, message)
    assert not signing.verify(b"\0" * 31, sig, message)
