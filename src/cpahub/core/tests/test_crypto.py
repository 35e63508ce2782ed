import pytest

from cpahub.core import crypto


def test_sm3_known_vector():
    # GB/T 32905-2016 example 1
    assert crypto.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_file_matches_bytes(tmp_path):
    path = tmp_path / "f.bin"
    data = b"x" * (3 * 1024 * 1024 + 7)
    path.write_bytes(data)
    with path.open("rb") as handle:
        assert crypto.sm3_file_hex(handle) == crypto.sm3_hex(data)


def test_sm4_round_trip_and_randomised():
    first = crypto.encrypt_text("360102198501010052")
    second = crypto.encrypt_text("360102198501010052")
    assert first != second  # fresh nonce each time
    assert first.startswith("sm4gcm1:")
    assert crypto.decrypt_text(first) == "360102198501010052"


def test_sm4_detects_tampering():
    stored = crypto.encrypt_text("secret")
    body = stored[len("sm4gcm1:") :]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text("sm4gcm1:" + flipped)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text("plain text")


def test_sm4_wrong_key_fails(settings):
    stored = crypto.encrypt_text("secret")
    settings.FIELD_ENCRYPTION_KEY = "another key entirely"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(stored)


def test_blind_index_is_keyed_and_stable(settings):
    first = crypto.blind_index("abc")
    assert first == crypto.blind_index("abc")
    assert first != crypto.blind_index("abd")
    settings.FIELD_ENCRYPTION_KEY = "another key entirely"
    assert crypto.blind_index("abc") != first


def test_sm2_sign_and_verify():
    keys = crypto.Sm2KeyPair.generate()
    signature = keys.sign(b"report 123")
    assert keys.verify(b"report 123", signature)
    assert not keys.verify(b"report 124", signature)
    assert not keys.verify(b"report 123", b"\x00" * 10)
    public_only = crypto.Sm2KeyPair(None, keys.public_key)
    assert public_only.verify(b"report 123", signature)
    with pytest.raises(ValueError, match="no private key"):
        public_only.sign(b"x")
