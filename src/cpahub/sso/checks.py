"""`manage.py check`: an enabled provider must be completely configured (fail at start, not at login)."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from cpahub.sso.providers import gateway_fields
from cpahub.sso.signing import ALGORITHMS

SUPPORTED_OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "HS256")


@register()
def check_sso_settings(app_configs=None, **kwargs):
    problems = []
    if settings.CPAHUB_OIDC_ENABLED:
        required = {
            "CPAHUB_OIDC_ISSUER": settings.OIDC_OP_ISSUER,
            "CPAHUB_OIDC_CLIENT_ID": settings.OIDC_RP_CLIENT_ID,
            "CPAHUB_OIDC_CLIENT_SECRET": settings.OIDC_RP_CLIENT_SECRET,
        }
        problems += [
            Error(f"{name} must be set when CPAHUB_OIDC_ENABLED is on", id="cpahub_sso.E001")
            for name, value in required.items()
            if not value
        ]
        if settings.OIDC_RP_SIGN_ALGO not in SUPPORTED_OIDC_ALGORITHMS:
            problems.append(
                Error(
                    f"CPAHUB_OIDC_SIGN_ALGO must be one of {', '.join(SUPPORTED_OIDC_ALGORITHMS)}",
                    id="cpahub_sso.E002",
                )
            )
        if (
            settings.PRODUCTION
            and settings.OIDC_OP_ISSUER
            and not settings.OIDC_OP_ISSUER.startswith("https://")
        ):
            problems.append(Warning("CPAHUB_OIDC_ISSUER is not an https URL", id="cpahub_sso.W001"))
    gateway = settings.CPAHUB_GATEWAY_SSO
    if gateway.get("enabled"):
        for key in ("authorize_url", "token_url", "userinfo_url", "app_id", "app_secret"):
            if not gateway.get(key):
                problems.append(
                    Error(
                        f"CPAHUB_GATEWAY_{key.upper()} must be set when CPAHUB_GATEWAY_ENABLED is on",
                        id="cpahub_sso.E003",
                    )
                )
        if gateway.get("sign_algo") not in ALGORITHMS:
            problems.append(Error("CPAHUB_GATEWAY_SIGN_ALGO is not supported", id="cpahub_sso.E004"))
        try:
            gateway_fields(gateway.get("fields"))
        except ImproperlyConfigured as exc:
            problems.append(Error(str(exc), id="cpahub_sso.E005"))
    return problems
