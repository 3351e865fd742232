import json
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from varsel_tui.crypto import envelope, keys
from varsel_tui.crypto.errors import FormatError, InvalidRecoveryKey, WrongPassphrase


def _split(sealed):
    (n,) = struct.unpack(">H", sealed[4:6])
    return json.loads(sealed[6 : 6 + n]), sealed[6 + n :]


def _join(header, body):
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return b"VSK1" + struct.pack(">H", len(raw)) + raw + body


def test_generate_and_unseal_round_trip():
    public, sealed = keys.generate_user_keys("korrekt hest batteri")
    private = keys.unseal_private_key(sealed, "korrekt hest batteri")
    assert keys.public_bytes(private) == public
    assert keys.sealed_public_key(sealed) == public
    assert sealed.startswith(b"VSK1")


def test_sealed_header_is_self_describing():
    _, sealed = keys.generate_user_keys("pw")
    header, body = _split(sealed)
    assert header["v"] == 1 and header["aead"] == "aes-256-gcm"
    assert header["kdf"]["name"] == "argon2id"
    assert keys.sealed_kdf_params(sealed) == header["kdf"]
    assert len(body) == 12 + 32 + 16


def test_wrong_passphrase():
    _, sealed = keys.generate_user_keys("riktig")
    with pytest.raises(WrongPassphrase):
        keys.unseal_private_key(sealed, "galt")


def test_empty_passphrase_refused():
    with pytest.raises(ValueError):
        keys.generate_user_keys("")


def test_scrypt_sealed_key_round_trip():
    public, sealed = keys.generate_user_keys("pw", {"name": "scrypt", "n": 16, "r": 8, "p": 1})
    assert keys.public_bytes(keys.unseal_private_key(sealed, "pw")) == public


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h["kdf"].update(iterations=2),
        lambda h: h["kdf"].update(memory_cost=128),
        lambda h: h.update(salt="A" * 22 + "=="),
        lambda h: h.update(pub=keys._b64(bytes(range(32)))),
    ],
)
def test_tampered_header_is_detected(edit):
    _, sealed = keys.generate_user_keys("pw")
    header, body = _split(sealed)
    edit(header)
    with pytest.raises(WrongPassphrase):
        keys.unseal_private_key(_join(header, body), "pw")


def test_oversize_kdf_params_raise_format_error_without_running_kdf():
    _, sealed = keys.generate_user_keys("pw")
    header, body = _split(sealed)
    header["kdf"] = {"name": "argon2id", "memory_cost": 64 * 1024 * 1024, "iterations": 1000, "lanes": 1}
    with pytest.raises(FormatError):
        keys.unseal_private_key(_join(header, body), "pw")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1],
        lambda s: s + b"\0",
        lambda s: b"VSK2" + s[4:],
        lambda s: s[:6] + b"#" + s[7:],
        lambda s: b"",
        lambda s: s[:5],
    ],
)
def test_garbled_sealed_blob_raises_format_error(mangle):
    _, sealed = keys.generate_user_keys("pw")
    with pytest.raises(FormatError):
        keys.unseal_private_key(mangle(sealed), "pw")


def test_unknown_header_version_raises_format_error():
    _, sealed = keys.generate_user_keys("pw")
    header, body = _split(sealed)
    header["v"] = 2
    with pytest.raises(FormatError):
        keys.unseal_private_key(_join(header, body), "pw")


def test_change_passphrase_keeps_key_pair_and_old_one_stops_working():
    public, sealed = keys.generate_user_keys("gammelt")
    data_key = envelope.new_data_key()
    wrap = envelope.wrap_data_key(data_key, public, case_id="c1", recipient_id="u1")

    resealed = keys.change_passphrase(sealed, "gammelt", "nytt")
    assert keys.sealed_public_key(resealed) == public
    with pytest.raises(WrongPassphrase):
        keys.unseal_private_key(resealed, "gammelt")
    private = keys.unseal_private_key(resealed, "nytt")
    assert keys.public_bytes(private) == public
    # Existing wraps still open: no case needs re-encryption.
    assert envelope.unwrap_data_key(wrap, private, case_id="c1", recipient_id="u1") == data_key


def test_change_passphrase_needs_the_old_one():
    _, sealed = keys.generate_user_keys("gammelt")
    with pytest.raises(WrongPassphrase):
        keys.change_passphrase(sealed, "feil", "nytt")


# --- recovery key -----------------------------------------------------------------

FIXED_RECOVERY = X25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def test_recovery_key_round_trip_and_shape():
    public, text = keys.generate_recovery_key()
    prefix, *groups = text.split(" ")
    assert prefix == "VR1" and len(groups) == 14 and all(len(g) == 4 for g in groups)
    assert keys.public_bytes(keys.load_recovery_key(text)) == public


def test_recovery_key_text_is_forgiving_about_layout():
    text = keys.format_recovery_key(FIXED_RECOVERY)
    raw = FIXED_RECOVERY.private_bytes_raw()
    body = text.split(" ", 1)[1]
    for variant in (text.lower(), body.replace(" ", ""), body.replace(" ", "-"), "  " + text + "\n",
                    text.replace("O", "0").replace("I", "1").replace("B", "8")):
        assert keys.load_recovery_key(variant).private_bytes_raw() == raw


def test_every_single_character_typo_is_detected():
    text = keys.format_recovery_key(FIXED_RECOVERY)
    body = text.replace(" ", "")[3:]
    for i, char in enumerate(body):
        replacement = "A" if char != "A" else "B"
        with pytest.raises(InvalidRecoveryKey, match="checksum"):
            keys.load_recovery_key(body[:i] + replacement + body[i + 1 :])


def test_swapped_adjacent_characters_are_detected():
    body = keys.format_recovery_key(FIXED_RECOVERY).replace(" ", "")[3:]
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            with pytest.raises(InvalidRecoveryKey):
                keys.load_recovery_key(swapped)


def test_recovery_key_bad_character_and_length():
    body = keys.format_recovery_key(FIXED_RECOVERY).replace(" ", "")[3:]
    with pytest.raises(InvalidRecoveryKey, match="position 5"):
        keys.load_recovery_key(body[:4] + "!" + body[5:])
    with pytest.raises(InvalidRecoveryKey, match="55 characters"):
        keys.load_recovery_key(body[:-1])
    assert issubclass(InvalidRecoveryKey, FormatError)


def test_recovery_key_can_unwrap_a_case_key():
    public, text = keys.generate_recovery_key()
    data_key = envelope.new_data_key()
    wrap = envelope.wrap_data_key(data_key, public, case_id="c9", recipient_id="recovery")
    private = keys.load_recovery_key(text)
    assert envelope.unwrap_data_key(wrap, private, case_id="c9", recipient_id="recovery") == data_key
