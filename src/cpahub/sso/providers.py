"""Single sign-on providers: OpenID Connect and the signed gateways of government platforms (赣政通).

A provider does two things: build the URL that sends the person to the provider
(`authorization_url`), and turn the code the provider sends back into verified `Claims` (`complete`).
What happens with the claims (log in, link, refuse) is decided in `views` and `services`, never here.

Providers are built from settings on each call and listed only when enabled, so `override_settings`
and a changed environment take effect without a restart of anything but the process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cpahub.sso import signing

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600  # provider metadata and keys
CLOCK_LEEWAY_SECONDS = 60


class SSOError(Exception):
    """The provider's answer cannot be trusted or used. `reason` is a short code for logs and pages."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _UnknownKey(SSOError):
    pass


@dataclass(frozen=True)
class Claims:
    """Who the provider says the person is. `subject` is stable; everything else is informative."""

    subject: str
    username_hint: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    raw: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Claims:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass(frozen=True)
class PKCE:
    """Proof Key for Code Exchange (RFC 7636) with the S256 method."""

    verifier: str
    method: str = "S256"

    @classmethod
    def generate(cls) -> PKCE:
        return cls(verifier=secrets.token_urlsafe(64))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Flow:
    """One sign-on attempt as remembered in the session between `login` and `callback`."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_url: str
    started: float

    @property
    def pkce(self) -> PKCE:
        return PKCE(self.code_verifier)


class Provider:
    name: str = ""
    # Query parameters of the provider's redirect back to us.
    code_param = "code"
    state_param = "state"
    error_param = "error"

    def __init__(self, *, label: str, timeout: int):
        self.label = label
        self.timeout = timeout

    def redirect_uri(self, request) -> str:
        """Where the provider sends the person back: register exactly this URL with the provider.

        Built from CPAHUB_SITE_URL, not from the request, so that it is the same behind any proxy.
        """
        from django.urls import reverse

        site = urlsplit(settings.SITE_URL)
        return f"{site.scheme}://{site.netloc}" + reverse("sso:callback", kwargs={"provider": self.name})

    def authorization_url(self, request, state: str, nonce: str, pkce: PKCE) -> str:
        """The provider's page that asks the person to sign on, then redirects to `redirect_uri`."""
        raise NotImplementedError

    def complete(self, request, code: str, flow: Flow) -> Claims:
        """Exchange `code` and return verified claims, or raise SSOError."""
        raise NotImplementedError

    # -- HTTP helpers ------------------------------------------------------------------------
    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = requests.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            logger.warning("sso %s: %s %s failed: %s", self.name, method, url, exc)
            raise SSOError("unreachable", f"{method} {url}: {exc.__class__.__name__}") from exc
        return response

    @staticmethod
    def _json(response: requests.Response, what: str) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise SSOError("provider_error", f"{what}: not JSON (HTTP {response.status_code})") from None
        if not isinstance(data, dict):
            raise SSOError("provider_error", f"{what}: not a JSON object")
        return data


def _append_query(url: str, params: dict) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


# --- OpenID Connect --------------------------------------------------------------------------

# Claims about the token rather than the person: not kept in the identity's snapshot.
_TOKEN_CLAIMS = frozenset({"nonce", "at_hash", "c_hash", "exp", "iat", "nbf", "auth_time", "jti", "sid"})


def select_jwk(jwks: dict, kid: str | None, algorithm: str):
    """The verification key for a token header's `kid` from a JWKS document."""
    candidates = []
    for data in (jwks or {}).get("keys", []):
        if data.get("use", "sig") != "sig":
            continue
        if data.get("alg") and data["alg"] != algorithm:
            continue
        if kid is not None and data.get("kid") != kid:
            continue
        candidates.append(data)
    if len(candidates) != 1:
        raise _UnknownKey("invalid_token", f"no single signing key for kid {kid!r}")
    try:
        return jwt.PyJWK(candidates[0], algorithm=algorithm).key
    except jwt.PyJWTError as exc:
        raise SSOError("invalid_token", f"unusable key: {exc}") from None


def verify_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    algorithm: str,
    nonce: str,
    jwks: dict | None = None,
    client_secret: str = "",
    leeway: int = CLOCK_LEEWAY_SECONDS,
) -> dict:
    """Verify an ID token (OIDC Core 3.1.3.7) and return its claims, or raise SSOError."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SSOError("invalid_token", "malformed ID token") from None
    if header.get("alg") != algorithm:
        raise SSOError("invalid_token", f"signed with {header.get('alg')!r}, expected {algorithm!r}")
    if algorithm.startswith("HS"):
        key = client_secret.encode("utf-8")
    else:
        key = select_jwk(jwks or {}, header.get("kid"), algorithm)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=issuer,
            leeway=leeway,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise SSOError("invalid_token", str(exc)) from None
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise SSOError("invalid_token", "several audiences and we are not the authorised party")
    if "azp" in claims and claims["azp"] != client_id:
        raise SSOError("invalid_token", "issued to another authorised party")
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise SSOError("invalid_token", "nonce does not match this sign-on")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise SSOError("invalid_token", "no subject")
    return claims


class OIDCProvider(Provider):
    """OpenID Connect relying party: discovery, code flow with state, nonce and PKCE (S256)."""

    name = "oidc"

    def __init__(self, *, issuer, client_id, client_secret, algorithm, scopes, label, timeout):
        super().__init__(label=label, timeout=timeout)
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.algorithm = algorithm
        self.scopes = scopes

    @classmethod
    def from_settings(cls) -> OIDCProvider:
        scopes = settings.OIDC_RP_SCOPES.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        return cls(
            issuer=settings.OIDC_OP_ISSUER,
            client_id=settings.OIDC_RP_CLIENT_ID,
            client_secret=settings.OIDC_RP_CLIENT_SECRET,
            algorithm=settings.OIDC_RP_SIGN_ALGO,
            scopes=" ".join(scopes),
            label=settings.CPAHUB_OIDC_LABEL or _("Unified identity login"),
            timeout=settings.CPAHUB_SSO_HTTP_TIMEOUT,
        )

    def _cache_key(self, what: str) -> str:
        return f"cpahub:sso:oidc:{what}:{hashlib.sha256(self.issuer.encode()).hexdigest()[:32]}"

    def metadata(self, refresh: bool = False) -> dict:
        key = self._cache_key("metadata")
        data = None if refresh else cache.get(key)
        if data is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            response = self._call("GET", url, headers={"Accept": "application/json"})
            if response.status_code != 200:
                raise SSOError("provider_error", f"discovery answered HTTP {response.status_code}")
            data = self._json(response, "discovery")
            if str(data.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
                raise SSOError("provider_error", f"discovery names another issuer {data.get('issuer')!r}")
            for endpoint in ("authorization_endpoint", "token_endpoint"):
                if not data.get(endpoint):
                    raise SSOError("provider_error", f"discovery has no {endpoint}")
            if not self.algorithm.startswith("HS") and not data.get("jwks_uri"):
                raise SSOError("provider_error", "discovery has no jwks_uri")
            cache.set(key, data, CACHE_SECONDS)
        return data

    def jwks(self, refresh: bool = False) -> dict:
        key = self._cache_key("jwks")
        data = None if refresh else cache.get(key)
        if data is None:
            response = self._call("GET", self.metadata()["jwks_uri"], headers={"Accept": "application/json"})
            if response.status_code != 200:
                raise SSOError("provider_error", f"JWKS answered HTTP {response.status_code}")
            data = self._json(response, "JWKS")
            cache.set(key, data, CACHE_SECONDS)
        return data

    def authorization_url(self, request, state, nonce, pkce) -> str:
        return _append_query(
            self.metadata()["authorization_endpoint"],
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri(request),
                "scope": self.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce.challenge,
                "code_challenge_method": pkce.method,
            },
        )

    def complete(self, request, code, flow) -> Claims:
        meta = self.metadata()
        # RFC 9207: when the provider names itself in the redirect, it must be the one we asked.
        returned_issuer = request.GET.get("iss")
        if returned_issuer is not None and returned_issuer != meta["issuer"]:
            raise SSOError("provider_error", "authorization response from another issuer")
        tokens = self._exchange(meta, code, flow)
        id_token = tokens.get("id_token")
        access_token = tokens.get("access_token")
        if not id_token or not access_token:
            raise SSOError("provider_error", "token response lacks id_token or access_token")
        verify = {
            "issuer": meta["issuer"],
            "client_id": self.client_id,
            "algorithm": self.algorithm,
            "nonce": flow.nonce,
            "client_secret": self.client_secret,
        }
        jwks = None if self.algorithm.startswith("HS") else self.jwks()
        try:
            id_claims = verify_id_token(id_token, jwks=jwks, **verify)
        except _UnknownKey:
            # The provider may have rotated its keys since we cached them: fetch once more.
            id_claims = verify_id_token(id_token, jwks=self.jwks(refresh=True), **verify)
        info = self._userinfo(meta, access_token)
        if info and info.get("sub") != id_claims["sub"]:
            raise SSOError("invalid_token", "userinfo is about another subject")
        raw = {k: v for k, v in id_claims.items() if k not in _TOKEN_CLAIMS and k not in ("aud", "azp")}
        raw.update(info)
        return Claims(
            subject=id_claims["sub"],
            username_hint=str(raw.get("preferred_username", "")),
            name=str(raw.get("name", "")),
            email=str(raw.get("email", "")),
            phone=str(raw.get("phone_number", "")),
            raw=raw,
        )

    def _exchange(self, meta: dict, code: str, flow: Flow) -> dict:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.code_verifier,
        }
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth = None
        if "client_secret_basic" in methods:
            auth = (self.client_id, self.client_secret)
        else:
            data.update(client_id=self.client_id, client_secret=self.client_secret)
        response = self._call(
            "POST", meta["token_endpoint"], data=data, auth=auth, headers={"Accept": "application/json"}
        )
        if response.status_code != 200:
            error = ""
            with contextlib.suppress(ValueError, AttributeError):
                error = str(response.json().get("error", ""))[:100]
            raise SSOError("provider_error", f"token endpoint answered HTTP {response.status_code} {error}")
        return self._json(response, "token response")

    def _userinfo(self, meta: dict, access_token: str) -> dict:
        url = meta.get("userinfo_endpoint")
        if not url:
            return {}
        response = self._call(
            "GET", url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        )
        if response.status_code != 200:
            raise SSOError("provider_error", f"userinfo answered HTTP {response.status_code}")
        return self._json(response, "userinfo")


# --- Government gateways (赣政通 and the like) ---------------------------------------------

# The gateway's names for things, in one place: change these (or set CPAHUB_GATEWAY_FIELDS, e.g.
# "user_id=userId,phone=mobile") to match a real gateway's documentation.
GATEWAY_FIELDS = {
    # query parameters of the redirect to authorize_url
    "authorize_app_id": "app_id",
    "authorize_redirect_uri": "redirect_uri",
    "authorize_state": "state",
    "authorize_response_type": "response_type",
    # query parameters of the gateway's redirect back to us
    "callback_code": "code",
    "callback_state": "state",
    "callback_error": "error",
    # JSON body of the POST to token_url
    "token_app_id": "app_id",
    "token_code": "code",
    "token_grant_type": "grant_type",
    "token_redirect_uri": "redirect_uri",
    # query parameters of the GET to userinfo_url
    "userinfo_app_id": "app_id",
    "userinfo_access_token": "access_token",
    # the envelope of every reply: {"code": 0, "msg": "ok", "data": {...}}
    "reply_code": "code",
    "reply_message": "msg",
    "reply_data": "data",
    "reply_success": "0",
    # inside data
    "access_token": "access_token",
    "user_id": "user_id",
    "username": "account",
    "name": "name",
    "email": "email",
    "phone": "mobile",
}


def gateway_fields(overrides: list[str] | dict | None = None) -> dict[str, str]:
    fields = dict(GATEWAY_FIELDS)
    if isinstance(overrides, dict):
        items = overrides.items()
    else:
        items = []
        for item in overrides or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise ImproperlyConfigured(f"CPAHUB_GATEWAY_FIELDS item {item!r} is not key=value")
            items.append((key.strip(), value.strip()))
    for key, value in items:
        if key not in GATEWAY_FIELDS:
            raise ImproperlyConfigured(f"CPAHUB_GATEWAY_FIELDS names unknown field {key!r}")
        fields[key] = value
    return fields


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class GatewayProvider(Provider):
    """OAuth2-like code flow where every call and reply is signed with the app secret (see signing)."""

    name = "gateway"

    def __init__(
        self,
        *,
        authorize_url,
        token_url,
        userinfo_url,
        app_id,
        app_secret,
        sign_algo,
        label,
        timeout,
        fields=None,
        require_signed_replies=False,
    ):
        super().__init__(label=label, timeout=timeout)
        self.authorize_url = authorize_url
        self.token_url = token_url
        self.userinfo_url = userinfo_url
        self.app_id = app_id
        self.app_secret = app_secret
        self.sign_algo = sign_algo
        self.require_signed_replies = require_signed_replies
        self.fields = gateway_fields(fields)
        self.code_param = self.fields["callback_code"]
        self.state_param = self.fields["callback_state"]
        self.error_param = self.fields["callback_error"]

    @classmethod
    def from_settings(cls) -> GatewayProvider:
        conf = settings.CPAHUB_GATEWAY_SSO
        return cls(
            authorize_url=conf["authorize_url"],
            token_url=conf["token_url"],
            userinfo_url=conf["userinfo_url"],
            app_id=conf["app_id"],
            app_secret=conf["app_secret"],
            sign_algo=conf["sign_algo"],
            label=conf.get("name") or _("Government platform login"),
            timeout=settings.CPAHUB_SSO_HTTP_TIMEOUT,
            fields=conf.get("fields"),
            require_signed_replies=conf.get("require_signed_replies", False),
        )

    def _sign(self, payload: bytes | str) -> dict[str, str]:
        return signing.sign(
            app_id=self.app_id, secret=self.app_secret, algorithm=self.sign_algo, payload=payload
        )

    def authorization_url(self, request, state, nonce, pkce) -> str:
        # These gateways know neither nonce nor PKCE; the state still binds the reply to the session.
        f = self.fields
        return _append_query(
            self.authorize_url,
            {
                f["authorize_app_id"]: self.app_id,
                f["authorize_redirect_uri"]: self.redirect_uri(request),
                f["authorize_response_type"]: "code",
                f["authorize_state"]: state,
            },
        )

    def _reply_data(self, response: requests.Response, what: str) -> dict:
        """Check a reply's signature (when it has one, or always if required) and unwrap its data."""
        if signing.is_signed(response.headers) or self.require_signed_replies:
            try:
                signing.verify(
                    response.headers,
                    response.content,
                    app_id=self.app_id,
                    secret=self.app_secret,
                    algorithm=self.sign_algo,
                )
            except signing.SignatureError as exc:
                raise SSOError("bad_signature", f"{what}: {exc}") from None
        f = self.fields
        body = self._json(response, what)
        if response.status_code != 200 or str(body.get(f["reply_code"])) != f["reply_success"]:
            message = str(body.get(f["reply_message"], ""))[:200]
            raise SSOError(
                "provider_error",
                f"{what}: HTTP {response.status_code}, code {body.get(f['reply_code'])!r} {message}",
            )
        data = body.get(f["reply_data"])
        if not isinstance(data, dict):
            raise SSOError("provider_error", f"{what}: no data object")
        return data

    def complete(self, request, code, flow) -> Claims:
        f = self.fields
        body = _json_bytes(
            {
                f["token_app_id"]: self.app_id,
                f["token_code"]: code,
                f["token_grant_type"]: "authorization_code",
                f["token_redirect_uri"]: flow.redirect_uri,
            }
        )
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        response = self._call("POST", self.token_url, data=body, headers={**headers, **self._sign(body)})
        token = self._reply_data(response, "token")
        access_token = token.get(f["access_token"])
        if not access_token:
            raise SSOError("provider_error", "token: no access token")

        params = sorted({f["userinfo_app_id"]: self.app_id, f["userinfo_access_token"]: access_token}.items())
        url = _append_query(self.userinfo_url, dict(params))
        query = urlsplit(url).query
        response = self._call("GET", url, headers={"Accept": "application/json", **self._sign(query)})
        info = self._reply_data(response, "userinfo")
        subject = info.get(f["user_id"])
        if subject is None or str(subject).strip() == "":
            raise SSOError("provider_error", f"userinfo: no {f['user_id']!r}")

        def text(key: str) -> str:
            value = info.get(f[key])
            return "" if value is None else str(value)

        return Claims(
            subject=str(subject).strip(),
            username_hint=text("username"),
            name=text("name"),
            email=text("email"),
            phone=text("phone"),
            raw=info,
        )


# --- Registry --------------------------------------------------------------------------------


def enabled_providers() -> dict[str, Provider]:
    """The providers switched on in settings, by name, in the order buttons should show."""
    providers: dict[str, Provider] = {}
    if settings.CPAHUB_GATEWAY_SSO.get("enabled"):
        providers[GatewayProvider.name] = GatewayProvider.from_settings()
    if settings.CPAHUB_OIDC_ENABLED:
        providers[OIDCProvider.name] = OIDCProvider.from_settings()
    return providers


def get_provider(name: str) -> Provider | None:
    return enabled_providers().get(name)
