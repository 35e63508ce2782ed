"""Account views, one module per page group. `lockout_response` is what AXES_LOCKOUT_CALLABLE names."""

from cpahub.accounts.views.auth import lockout_response

__all__ = ["lockout_response"]
