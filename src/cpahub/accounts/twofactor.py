"""Two-factor rules: who must use TOTP, and whether they have a confirmed device."""

from django_otp import devices_for_user

from cpahub.accounts.choices import TWO_FACTOR_ROLES
from cpahub.core.permissions import scope_for


def requires_two_factor(user) -> bool:
    return scope_for(user).has_role(*TWO_FACTOR_ROLES)


def user_has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))
