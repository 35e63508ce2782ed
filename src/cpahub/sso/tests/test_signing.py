"""The gateway signing scheme, against an independent computation of the documented example."""

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from cpahub.sso import signing

APP_ID = "cpahub-app-01"
SECRET = "s3cret"
TIMESTAMP = "1735689600000"
NONCE = "0123456789abcdef0123456789abcdef"
BODY = '{"app_id":"cpahub-app-01","code":"abc"}'
MESSAGE = f"{APP_ID}\n{TIMESTAMP}\n{NONCE}\n{BODY}".encode()


def test_signing_string_is_app_id_timestamp_nonce_payload_joined_by_newlines():
    assert signing.signing_string(APP_ID, TIMESTAMP, NONCE, BODY) == MESSAGE


def test_sha256_signature_matches_the_standard_library():
    headers = signing.sign(
        app_id=APP_ID, secret=SECRET, algorithm="hmac-sha256", payload=BODY, timestamp=TIMESTAMP, nonce=NONCE
    )
    assert headers == {
        "X-App-Id": APP_ID,
        "X-Timestamp": TIMESTAMP,
        "X-Nonce": NONCE,
        "X-Signature": hmac.new(SECRET.encode(), MESSAGE, hashlib.sha256).hexdigest(),
    }


def test_sm3_signature_matches_cryptography():
    mac = crypto_hmac.HMAC(SECRET.encode(), hashes.SM3())
    mac.update(MESSAGE)
    headers = signing.sign(
        app_id=APP_ID, secret=SECRET, algorithm="hmac-sm3", payload=BODY, timestamp=TIMESTAMP, nonce=NONCE
    )
    assert headers["X-Signature"] == mac.finalize().hex()
    assert len(headers["X-Signature"]) == 64


def test_fresh_headers_have_a_millisecond_timestamp_and_a_random_nonce():
    first = signing.sign(app_id=APP_ID, secret=SECRET, algorithm="hmac-sm3", payload=b"")
    second = signing.sign(app_id=APP_ID, secret=SECRET, algorithm="hmac-sm3", payload=b"")
    assert len(first["X-Timestamp"]) == 13
    assert len(first["X-Nonce"]) == 32
    assert first["X-Nonce"] != second["X-Nonce"]


def good_headers(algorithm="hmac-sm3"):
    return signing.sign(
        app_id=APP_ID, secret=SECRET, algorithm=algorithm, payload=BODY, timestamp=TIMESTAMP, nonce=NONCE
    )


def check(headers, payload=BODY, now=1735689600.0, **overrides):
    options = {"app_id": APP_ID, "secret": SECRET, "algorithm": "hmac-sm3", "now": now}
    options.update(overrides)
    signing.verify(headers, payload, **options)


def test_verify_accepts_a_good_signature_within_the_window():
    check(good_headers())
    check(good_headers(), now=1735689600.0 + 299)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: {**h, "X-Signature": "00" + h["X-Signature"][2:]}, "signature does not match"),
        (lambda h: {**h, "X-Nonce": "f" * 32}, "signature does not match"),
        (lambda h: {**h, "X-App-Id": "another-app"}, "signed for another application"),
        (lambda h: {**h, "X-Timestamp": "soon"}, "timestamp is not a number of milliseconds"),
        (lambda h: {k: v for k, v in h.items() if k != "X-Nonce"}, "missing X-Nonce"),
        (lambda h: {}, "missing X-App-Id, X-Timestamp, X-Nonce, X-Signature"),
    ],
)
def test_verify_refuses_altered_headers(change, message):
    with pytest.raises(signing.SignatureError) as raised:
        check(change(good_headers()))
    assert str(raised.value) == message


def test_verify_refuses_an_altered_payload():
    with pytest.raises(signing.SignatureError, match="signature does not match"):
        check(good_headers(), payload=BODY.replace("abc", "abd"))


def test_verify_refuses_the_other_algorithm():
    with pytest.raises(signing.SignatureError, match="signature does not match"):
        check(good_headers("hmac-sha256"))


def test_verify_refuses_old_and_future_messages():
    with pytest.raises(signing.SignatureError, match="outside the accepted window"):
        check(good_headers(), now=1735689600.0 + 301)
    with pytest.raises(signing.SignatureError, match="outside the accepted window"):
        check(good_headers(), now=1735689600.0 - 301)


def test_the_worked_example_in_docs_sso_md():
    """docs/sso.md prints these values (also checked there with `openssl dgst -hmac`)."""
    body = (
        '{"app_id":"cpahub-app-01","code":"Zx8kP2","grant_type":"authorization_code",'
        '"redirect_uri":"https://cpahub.example.cn/sso/callback/gateway/"}'
    )
    signed = {
        algorithm: signing.sign(
            app_id="cpahub-app-01",
            secret="s3cret",
            algorithm=algorithm,
            payload=body,
            timestamp="1735689600000",
            nonce="0123456789abcdef0123456789abcdef",
        )["X-Signature"]
        for algorithm in signing.ALGORITHMS
    }
    assert signed == {
        "hmac-sm3": "1e09a0c1b90dee7ef40f8d668aafbc7b19549f409bba060e2c8ee6471c21619d",
        "hmac-sha256": "8a2514f7cf5c17bf452c8d37dfbba24a050adcc07ffa585a4c02be2af26a250f",
    }
