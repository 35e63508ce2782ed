"""Authentication backend for people signed in through a single sign-on provider.

The views log people in with `login(request, user, backend=SSO_BACKEND)` after a provider's claims
were verified; the session then remembers this backend, which reloads the (active) user on each
request. `authenticate` answers only for verified `Claims` of an identity that is already linked.
"""

from django.contrib.auth import get_user_model

from cpahub.sso.providers import Claims

SSO_BACKEND = "cpahub.sso.backends.SSOBackend"


class SSOBackend:
    def authenticate(
        self, request, *, sso_provider: str | None = None, sso_claims: Claims | None = None, **kwargs
    ):
        if not sso_provider or not isinstance(sso_claims, Claims):
            return None
        from cpahub.sso.services import find_identity

        identity = find_identity(sso_provider, sso_claims.subject)
        if identity is None or not identity.user.is_active:
            return None
        return identity.user

    def get_user(self, user_id):
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
