"""Signed gateway calls (赣政通-style platforms): what is signed, how, and how replies are checked.

Every request to the gateway and every signed reply carries four headers:

    X-App-Id     the application id issued by the gateway
    X-Timestamp  milliseconds since the Unix epoch, as decimal digits
    X-Nonce      32 random hexadecimal characters, fresh for each message
    X-Signature  lowercase hex HMAC over the signing string, keyed with the app secret (UTF-8)

The signing string is the UTF-8 bytes of

    app_id + "\\n" + timestamp + "\\n" + nonce + "\\n" + payload

where payload is the exact request or reply body for POST (the bytes on the wire), and the exact query
string without the leading "?" for GET. The HMAC hash is SM3 (`hmac-sm3`) or SHA-256 (`hmac-sha256`).
docs/sso.md repeats this with a worked example.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from cpahub.core.crypto import hmac_sm3

ALGORITHMS = ("hmac-sm3", "hmac-sha256")
HEADER_APP_ID = "X-App-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
SIGNATURE_HEADERS = (HEADER_APP_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)

# How far a signed message's timestamp may be from our clock.
MAX_SKEW_SECONDS = 300


class SignatureError(Exception):
    """A signed message whose signature, app id or timestamp does not check out."""


def signing_string(app_id: str, timestamp: str, nonce: str, payload: bytes | str) -> bytes:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return "\n".join((app_id, timestamp, nonce)).encode("utf-8") + b"\n" + payload


def compute_signature(secret: str, algorithm: str, message: bytes) -> str:
    key = secret.encode("utf-8")
    if algorithm == "hmac-sm3":
        return hmac_sm3(key, message).hex()
    if algorithm == "hmac-sha256":
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown signature algorithm {algorithm!r}")


def sign(
    *,
    app_id: str,
    secret: str,
    algorithm: str,
    payload: bytes | str,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers for one message."""
    timestamp = timestamp or str(int(time.time() * 1000))
    nonce = nonce or secrets.token_hex(16)
    signature = compute_signature(secret, algorithm, signing_string(app_id, timestamp, nonce, payload))
    return {
        HEADER_APP_ID: app_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }


def is_signed(headers) -> bool:
    """True when the message carries a signature (then it must verify)."""
    return bool(headers.get(HEADER_SIGNATURE))


def verify(
    headers,
    payload: bytes | str,
    *,
    app_id: str,
    secret: str,
    algorithm: str,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:
    """Raise SignatureError unless `headers` sign `payload` for `app_id` with `secret`, recently."""
    got = {name: (headers.get(name) or "").strip() for name in SIGNATURE_HEADERS}
    missing = [name for name, value in got.items() if not value]
    if missing:
        raise SignatureError(f"missing {', '.join(missing)}")
    if not hmac.compare_digest(got[HEADER_APP_ID], app_id):
        raise SignatureError("signed for another application")
    timestamp = got[HEADER_TIMESTAMP]
    if not timestamp.isdigit():
        raise SignatureError("timestamp is not a number of milliseconds")
    now = time.time() if now is None else now
    if abs(now - int(timestamp) / 1000) > max_skew:
        raise SignatureError("timestamp outside the accepted window")
    expected = compute_signature(
        secret, algorithm, signing_string(app_id, timestamp, got[HEADER_NONCE], payload)
    )
    if not hmac.compare_digest(expected, got[HEADER_SIGNATURE].lower()):
        raise SignatureError("signature does not match")
