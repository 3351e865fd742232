import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from varsel_tui.crypto import envelope
from varsel_tui.crypto.errors import FormatError, TamperedData

KEY = bytes(range(32))
NONCE = bytes(range(100, 112))
RECIPIENT = X25519PrivateKey.from_private_bytes(bytes([0x42] * 32))
EPHEMERAL = X25519PrivateKey.from_private_bytes(bytes([0x24] * 32))

# Known answers: if any of these change, the stored format changed and old data
# would no longer decrypt. Bump the format version instead.
FIELD_KAT = (
    "016465666768696a6b6c6d6e6f1e7aac151c8576f153422b9abb0e0b8e31a77463e50b7ab4cdc87342fb0f1e76b1dca9f8d8d8"
)
BYTES_KAT = "016465666768696a6b6c6d6e6f6d4b9a2054d878a99ba9c61067e44ee8d34853da3e4b7344"
WRAP_KAT = (
    "0104bcd2e0d00f2cce5fe8f1c6c2fbec5c07fa56e3aa5c88a5689975d88b3fce05"
    "6465666768696a6b6c6d6e6f"
    "ee097de1719943a05942af489ca9b44360b869145b1679256607d944262fb9b7db1ec21e7092aab58f15e2a985382b80"
)


def lp(*parts):
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


# --- known-answer tests ----------------------------------------------------------


def test_field_known_answer():
    blob = envelope._seal_with_nonce(
        envelope._FIELD_LABEL, KEY, "Varsel om trakassering".encode(), NONCE, "case-2024-001", "title", 3
    )
    assert blob.hex() == FIELD_KAT
    assert envelope.decrypt_field(KEY, blob, case_id="case-2024-001", field="title", version=3) == "Varsel om trakassering"


def test_field_format_matches_documentation():
    aad = lp(b"varsel-tui/field/v1", b"case-2024-001", b"title", struct.pack(">Q", 3))
    expected = b"\x01" + NONCE + AESGCM(KEY).encrypt(NONCE, "Varsel om trakassering".encode(), aad)
    assert expected.hex() == FIELD_KAT


def test_bytes_known_answer():
    blob = envelope._seal_with_nonce(envelope._BYTES_LABEL, KEY, b"%PDF-1.7", NONCE, "case-2024-001", "document:1", 1)
    assert blob.hex() == BYTES_KAT
    assert envelope.decrypt_bytes(KEY, blob, case_id="case-2024-001", field="document:1", version=1) == b"%PDF-1.7"


def test_wrap_known_answer():
    recipient_public = RECIPIENT.public_key().public_bytes_raw()
    wrap = envelope._wrap_with(KEY, recipient_public, "case-2024-001", "user-7", EPHEMERAL, NONCE)
    assert wrap.hex() == WRAP_KAT
    assert envelope.unwrap_data_key(wrap, RECIPIENT, case_id="case-2024-001", recipient_id="user-7") == KEY


def test_wrap_format_matches_documentation():
    recipient_public = RECIPIENT.public_key().public_bytes_raw()
    ephemeral_public = EPHEMERAL.public_key().public_bytes_raw()
    info = lp(b"varsel-tui/wrap/v1", b"case-2024-001", b"user-7", ephemeral_public, recipient_public)
    shared = EPHEMERAL.exchange(RECIPIENT.public_key())
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    expected = b"\x01" + ephemeral_public + NONCE + AESGCM(kek).encrypt(NONCE, KEY, info)
    assert expected.hex() == WRAP_KAT


# --- fields and documents --------------------------------------------------------


@pytest.mark.parametrize("text", ["", "Hei", "Blåbærsyltetøy — «sitat» 🙂", "x" * 100_000])
def test_field_round_trip(text):
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, text, case_id="c1", field="description", version=1)
    assert text.encode() not in blob or text == ""
    assert envelope.decrypt_field(key, blob, case_id="c1", field="description", version=1) == text


def test_fresh_nonce_and_key_each_time():
    key = envelope.new_data_key()
    assert len(key) == 32 and key != envelope.new_data_key()
    a = envelope.encrypt_field(key, "same", case_id="c1", field="f", version=1)
    b = envelope.encrypt_field(key, "same", case_id="c1", field="f", version=1)
    assert a != b and a[1:13] != b[1:13]


def test_bytes_round_trip():
    key = envelope.new_data_key()
    data = bytes(range(256)) * 4096
    blob = envelope.encrypt_bytes(key, data, case_id="c1", field="document:3", version=2)
    assert envelope.decrypt_bytes(key, blob, case_id="c1", field="document:3", version=2) == data
    assert envelope.decrypt_bytes(key, memoryview(blob), case_id="c1", field="document:3", version=2) == data


def test_ciphertext_swapped_between_cases():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "navn", case_id="case-A", field="party", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(key, blob, case_id="case-B", field="party", version=1)


def test_ciphertext_swapped_between_cases_with_their_own_keys():
    key_a, key_b = envelope.new_data_key(), envelope.new_data_key()
    blob = envelope.encrypt_field(key_a, "navn", case_id="case-A", field="party", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(key_b, blob, case_id="case-B", field="party", version=1)


def test_ciphertext_swapped_between_fields():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "tittel", case_id="c1", field="title", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(key, blob, case_id="c1", field="description", version=1)


def test_ciphertext_replayed_at_another_version():
    key = envelope.new_data_key()
    old = envelope.encrypt_field(key, "gammel tekst", case_id="c1", field="title", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(key, old, case_id="c1", field="title", version=2)


def test_length_prefixing_prevents_boundary_shifts():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "x", case_id="ab", field="c", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(key, blob, case_id="a", field="bc", version=1)


def test_field_blob_is_not_a_document_blob():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "tekst", case_id="c1", field="f", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_bytes(key, blob, case_id="c1", field="f", version=1)


def test_every_flipped_bit_position_is_detected():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "hemmelig", case_id="c1", field="f", version=1)
    for i in range(1, len(blob)):
        flipped = bytearray(blob)
        flipped[i] ^= 0x01
        with pytest.raises(TamperedData):
            envelope.decrypt_field(key, bytes(flipped), case_id="c1", field="f", version=1)


def test_wrong_data_key():
    blob = envelope.encrypt_field(envelope.new_data_key(), "x", case_id="c1", field="f", version=1)
    with pytest.raises(TamperedData):
        envelope.decrypt_field(envelope.new_data_key(), blob, case_id="c1", field="f", version=1)


def test_unknown_version_and_short_blob_raise_format_error():
    key = envelope.new_data_key()
    blob = envelope.encrypt_field(key, "x", case_id="c1", field="f", version=1)
    for bad in (b"\x02" + blob[1:], blob[:20], b""):
        with pytest.raises(FormatError):
            envelope.decrypt_field(key, bad, case_id="c1", field="f", version=1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"case_id": "", "field": "f", "version": 1},
        {"case_id": "c", "field": "", "version": 1},
        {"case_id": "c", "field": "f", "version": -1},
        {"case_id": "c", "field": "f", "version": True},
        {"case_id": 1, "field": "f", "version": 1},
    ],
)
def test_bad_binding_arguments(kwargs):
    with pytest.raises(ValueError):
        envelope.encrypt_field(KEY, "x", **kwargs)


def test_bad_data_key_length():
    with pytest.raises(ValueError):
        envelope.encrypt_field(b"short", "x", case_id="c", field="f", version=1)


# --- wraps ------------------------------------------------------------------------


def _user():
    private = X25519PrivateKey.generate()
    return private, private.public_key().public_bytes_raw()


def test_wrap_round_trip_and_fresh_each_time():
    private, public = _user()
    key = envelope.new_data_key()
    a = envelope.wrap_data_key(key, public, case_id="c1", recipient_id="u1")
    b = envelope.wrap_data_key(key, public, case_id="c1", recipient_id="u1")
    assert len(a) == 93 and a != b and key not in a
    assert envelope.unwrap_data_key(a, private, case_id="c1", recipient_id="u1") == key
    assert envelope.unwrap_data_key(b, private, case_id="c1", recipient_id="u1") == key


def test_every_flipped_bit_in_a_wrap_is_detected():
    private, public = _user()
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1")
    for i in range(1, len(wrap)):
        for bit in (0x01, 0x80):
            flipped = bytearray(wrap)
            flipped[i] ^= bit
            with pytest.raises(TamperedData):
                envelope.unwrap_data_key(bytes(flipped), private, case_id="c1", recipient_id="u1")


def test_unwrap_with_another_users_key():
    _, alice_public = _user()
    mallory, _ = _user()
    wrap = envelope.wrap_data_key(envelope.new_data_key(), alice_public, case_id="c1", recipient_id="alice")
    with pytest.raises(TamperedData):
        envelope.unwrap_data_key(wrap, mallory, case_id="c1", recipient_id="alice")


def test_wrap_moved_to_another_case_or_recipient():
    private, public = _user()
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1")
    with pytest.raises(TamperedData):
        envelope.unwrap_data_key(wrap, private, case_id="c2", recipient_id="u1")
    with pytest.raises(TamperedData):
        envelope.unwrap_data_key(wrap, private, case_id="c1", recipient_id="u2")


def test_low_order_ephemeral_point_is_tampering():
    private, public = _user()
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1")
    with pytest.raises(TamperedData):
        envelope.unwrap_data_key(wrap[:1] + bytes(32) + wrap[33:], private, case_id="c1", recipient_id="u1")


def test_wrap_format_errors():
    private, public = _user()
    wrap = envelope.wrap_data_key(envelope.new_data_key(), public, case_id="c1", recipient_id="u1")
    for bad in (b"\x02" + wrap[1:], wrap[:-1], wrap + b"\0", b""):
        with pytest.raises(FormatError):
            envelope.unwrap_data_key(bad, private, case_id="c1", recipient_id="u1")


def test_wrap_refuses_invalid_recipient_key():
    with pytest.raises(ValueError):
        envelope.wrap_data_key(KEY, bytes(32), case_id="c1", recipient_id="u1")  # low-order point
    with pytest.raises(ValueError):
        envelope.wrap_data_key(KEY, b"short", case_id="c1", recipient_id="u1")
