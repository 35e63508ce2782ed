"""DRF exception handler: the standard one, plus a security-log entry for every permission denial."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        request = context.get("request")
        if request is not None:
            from cpahub.accounts.security import log_permission_denied

            view = context.get("view")
            log_permission_denied(
                request,
                reason=str(getattr(exc, "detail", exc))[:300],
                view=type(view).__name__ if view is not None else "",
                api=True,
            )
    return response
