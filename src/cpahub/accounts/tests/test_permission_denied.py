import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.views import APIView

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.tests.conftest import events
from cpahub.core.api.exceptions import exception_handler


def test_permission_denied_page_is_friendly_and_logged(client, people):
    client.force_login(people.plain)
    response = client.get("/accounts/security-log/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="forbidden"' in html
    assert "/accounts/profile/" in html
    [denied] = events(SecurityEventType.PERMISSION_DENIED)
    assert (denied.user_id, denied.outcome) == (people.plain.pk, Outcome.FAILURE)
    assert denied.detail["path"] == "/accounts/security-log/"
    assert denied.detail["method"] == "GET"


def _context(user, path="/api/things/"):
    from rest_framework.request import Request

    request = Request(RequestFactory().get(path))
    request._force_auth_user = user
    request.user = user
    return {"request": request, "view": APIView()}


def test_drf_permission_denial_is_logged_once(people):
    context = _context(people.plain)
    response = exception_handler(exceptions.PermissionDenied("nope"), context)
    assert response.status_code == 403
    exception_handler(exceptions.PermissionDenied("nope"), context)  # same request: once
    [denied] = events(SecurityEventType.PERMISSION_DENIED)
    assert denied.user_id == people.plain.pk
    assert denied.detail == {
        "path": "/api/things/",
        "method": "GET",
        "reason": "nope",
        "view": "APIView",
        "api": True,
    }


def test_django_permission_denied_in_an_api_view_is_logged(people):
    response = exception_handler(PermissionDenied(), _context(people.plain))
    assert response.status_code == 403
    assert len(events(SecurityEventType.PERMISSION_DENIED)) == 1


@pytest.mark.parametrize(
    "exc", [exceptions.NotAuthenticated(), exceptions.NotFound(), exceptions.ValidationError("x")]
)
def test_other_api_errors_are_not_denials(people, exc):
    exception_handler(exc, _context(people.plain))
    assert events(SecurityEventType.PERMISSION_DENIED) == []


def test_settings_use_the_handler(settings):
    assert settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "cpahub.core.api.exceptions.exception_handler"
