"""ID token verification: every check of OIDC Core 3.1.3.7 that we rely on, with tokens made here."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cpahub.sso.providers import SSOError, verify_id_token

ISSUER = "https://idp.example/o"
CLIENT_ID = "cpahub"
NONCE = "n-0S6_WzA2Mj"


def make_key(kid):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public.update(kid=kid, use="sig", alg="RS256")
    return key, public


KEY, PUBLIC = make_key("k1")
OTHER_KEY, OTHER_PUBLIC = make_key("k2")
JWKS = {"keys": [PUBLIC, OTHER_PUBLIC]}


def token(key=KEY, kid="k1", algorithm="RS256", **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "42", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": NONCE}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def verify(value, jwks=JWKS, **overrides):
    options = {"issuer": ISSUER, "client_id": CLIENT_ID, "algorithm": "RS256", "nonce": NONCE, "jwks": jwks}
    options.update(overrides)
    return verify_id_token(value, **options)


def test_valid_token_gives_its_claims():
    claims = verify(token(name="张丽"))
    assert (claims["sub"], claims["name"], claims["nonce"]) == ("42", "张丽", NONCE)


def test_key_is_chosen_by_kid():
    assert verify(token(key=OTHER_KEY, kid="k2"))["sub"] == "42"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (lambda: token(key=OTHER_KEY, kid="k1"), "Signature verification failed"),
        (lambda: token(iss="https://evil.example/o"), "Invalid issuer"),
        (lambda: token(aud="someone-else"), "Audience doesn't match"),
        (lambda: token(exp=int(time.time()) - 3600), "Signature has expired"),
        (lambda: token(nonce="replayed"), "nonce does not match this sign-on"),
        (lambda: token(nonce=None), "nonce does not match this sign-on"),
        (lambda: token(sub=None), 'Token is missing the "sub" claim'),
        (lambda: token(aud=[CLIENT_ID, "other"]), "several audiences and we are not the authorised party"),
        (lambda: token(azp="other"), "issued to another authorised party"),
        (lambda: token(kid="unknown"), "no single signing key for kid 'unknown'"),
        (lambda: token(kid=None), "no single signing key for kid None"),
        (lambda: "not-a-token", "malformed ID token"),
    ],
)
def test_bad_tokens_are_refused(value, expected):
    with pytest.raises(SSOError) as raised:
        verify(value())
    assert raised.value.reason == "invalid_token"
    assert raised.value.detail == expected


def test_symmetric_token_is_refused_when_rs256_is_expected():
    """Algorithm confusion: an HS256 token keyed with something public must never pass."""
    forged = jwt.encode(
        {"iss": ISSUER, "sub": "42", "aud": CLIENT_ID, "iat": 1, "exp": 2**31, "nonce": NONCE},
        "public-material-used-as-hmac-key",
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(SSOError) as raised:
        verify(forged)
    assert raised.value.detail == "signed with 'HS256', expected 'RS256'"


def test_unsigned_token_is_refused():
    unsigned = jwt.encode({"iss": ISSUER, "sub": "42", "aud": CLIENT_ID}, None, algorithm="none")
    with pytest.raises(SSOError) as raised:
        verify(unsigned)
    assert raised.value.detail == "signed with 'none', expected 'RS256'"


def test_hs256_uses_the_client_secret():
    secret = "a-client-secret-of-enough-length-0123456789"
    value = token(key=secret, algorithm="HS256", kid=None)
    assert verify(value, jwks=None, algorithm="HS256", client_secret=secret)["sub"] == "42"
    with pytest.raises(SSOError):
        verify(value, jwks=None, algorithm="HS256", client_secret="another-secret-of-enough-length-012345")
