"""Commercial cryptography (GB/T 39786): SM3 digests, SM4 encryption at rest, SM2 signatures.

SM3 and SM4 come from `cryptography` (OpenSSL); SM2 from `gmssl-pyx` (GmSSL), behind `Sm2KeyPair`
so that the package can be swapped without touching callers.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "sm4gcm1:"


class DecryptionError(ValueError):
    pass


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm3_file_hex(fileobj, chunk_size: int = 1 << 20) -> str:
    digest = hashes.Hash(hashes.SM3())
    for chunk in iter(lambda: fileobj.read(chunk_size), b""):
        digest.update(chunk)
    return digest.finalize().hex()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@lru_cache(maxsize=8)
def _derive(master: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=16, salt=b"cpahub", info=purpose).derive(
        master.encode("utf-8")
    )


def _master() -> str:
    from django.conf import settings

    return settings.FIELD_ENCRYPTION_KEY


def encrypt_text(plain: str) -> str:
    key = _derive(_master(), b"field-encryption")
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plain.encode("utf-8")) + encryptor.finalize()
    return _PREFIX + base64.b64encode(nonce + encryptor.tag + body).decode("ascii")


def decrypt_text(stored: str) -> str:
    if not stored.startswith(_PREFIX):
        raise DecryptionError("value is not in the sm4gcm1 format")
    raw = base64.b64decode(stored[len(_PREFIX) :])
    nonce, tag, body = raw[:12], raw[12:28], raw[28:]
    key = _derive(_master(), b"field-encryption")
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag:
        raise DecryptionError("value was altered or the key is wrong") from None


def blind_index(value: str) -> str:
    """Keyed digest of a sensitive value, for equality lookups without decrypting."""
    return hmac_sm3(_derive(_master(), b"blind-index"), value.encode("utf-8")).hex()


class Sm2KeyPair:
    """SM2 signing keys (GB/T 32918) with the default signer id."""

    def __init__(self, private_key: bytes | None, public_key: bytes):
        self.private_key = private_key
        self.public_key = public_key

    @classmethod
    def generate(cls) -> Sm2KeyPair:
        import gmssl_pyx

        public, private = gmssl_pyx.sm2_key_generate()
        return cls(private, public)

    def sign(self, data: bytes) -> bytes:
        import gmssl_pyx

        if self.private_key is None:
            raise ValueError("this key pair has no private key")
        return gmssl_pyx.sm2_sign(self.private_key, self.public_key, data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        import gmssl_pyx

        try:
            return bool(gmssl_pyx.sm2_verify(self.public_key, data, signature))
        except Exception:
            return False
