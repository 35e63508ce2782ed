"""Upload limits applied while the request arrives (core/uploads.py) on the ledger pages and API: a
large Content-Length is refused unread, a file streaming past the limit is stopped, and nothing is
stored (ledger upload, profile sample, API)."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from cpahub.accounts.choices import Role
from cpahub.core.uploads import FORM_SLACK_BYTES
from cpahub.ledgers import profile_samples, services
from cpahub.ledgers.models import LedgerSnapshot
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.testing import factories
from cpahub.testing.uploads import TWO_GB

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


@pytest.fixture
def auditor(client, firm, make_user):
    user = make_user(Role.STAFF_AUDITOR, firm.organisation)
    factories.login_verified(client, user)
    return user


def nothing_stored(prefix: str) -> bool:
    return not default_storage.exists(prefix) or default_storage.listdir(prefix) == ([], [])


def test_ledger_upload_with_a_2_gb_content_length_is_refused_unread(client, auditor, settings):
    # The test client's body is a few bytes: had the view read up to the declared length, the
    # client's payload would have raised. It answers at once, before CSRF and the view.
    settings.CPAHUB_LEDGER_MAX_BYTES = 1024**3
    response = client.post(
        reverse("ledgers:upload"), {"file": io.BytesIO(b"tiny")}, CONTENT_LENGTH=str(TWO_GB)
    )
    assert response.status_code == 413
    assert response.context["refused"] == (
        "The file is larger than 1.0\xa0GB; it was not accepted and nothing was stored."
    )
    assert LedgerSnapshot.objects.count() == 0
    assert nothing_stored(services.UPLOAD_PREFIX)


def test_ledger_upload_streaming_past_the_limit_is_refused(client, auditor, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    response = client.post(reverse("ledgers:upload"), {"file": io.BytesIO(b"x" * 101)})
    assert response.status_code == 413
    assert "The file is larger than 100\xa0bytes; it was not accepted and nothing was stored." in (
        response.content.decode()
    )
    assert LedgerSnapshot.objects.count() == 0
    assert nothing_stored(services.UPLOAD_PREFIX)


def test_csrf_is_still_checked_after_the_size(auditor, firm):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    factories.login_verified(strict, auditor)
    response = strict.post(reverse("ledgers:upload"), {"file": io.BytesIO(b"abc")})
    assert response.status_code == 403
    assert LedgerSnapshot.objects.count() == 0


def test_profile_sample_over_the_limit_is_refused(client, auditor, settings):
    settings.CPAHUB_MAX_UPLOAD_BYTES = 1000
    big = io.BytesIO(b"a,b\n" * 1000)
    big.name = "big.csv"
    response = client.post(reverse("ledgers:profile_sample"), {"kind": "lines", "file": big})
    assert response.status_code == 413
    assert "The file is larger than 1000\xa0bytes" in response.content.decode()
    assert nothing_stored(profile_samples.PREFIX)
    declared = client.post(
        reverse("ledgers:profile_sample"), {"kind": "lines"}, CONTENT_LENGTH=str(1000 + FORM_SLACK_BYTES + 1)
    )
    assert declared.status_code == 413


def test_api_import_with_a_large_content_length(firm, make_user, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 1024**3
    api = APIClient()
    factories.login_verified(api, make_user(Role.STAFF_AUDITOR, firm.organisation))
    response = api.post(
        "/api/ledgers/imports/", {"file": io.BytesIO(b"tiny")}, format="multipart", CONTENT_LENGTH=str(TWO_GB)
    )
    assert response.status_code == 413
    assert "nothing was stored" in response.json()["detail"]
    assert LedgerSnapshot.objects.count() == 0


def test_api_import_streaming_past_the_limit(firm, make_user, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    api = APIClient()
    factories.login_verified(api, make_user(Role.STAFF_AUDITOR, firm.organisation))
    response = api.post("/api/ledgers/imports/", {"file": io.BytesIO(b"x" * 101)}, format="multipart")
    assert response.status_code == 413
    assert LedgerSnapshot.objects.count() == 0
    assert nothing_stored(services.UPLOAD_PREFIX)
