"""The registry import's upload is limited while it arrives (core/uploads.py): nothing of a refused
file is read past the limit or stored, and the page still needs a login and the CSRF token."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from cpahub.registry.importing import uploads
from cpahub.testing import factories as f
from cpahub.testing.uploads import TWO_GB, multipart, post_counted

pytestmark = [pytest.mark.django_db]

UPLOAD = "/registry/import/"
LIMIT = 1000
REFUSED = "The file is larger than 1000\xa0bytes; it was not accepted and nothing was stored."
SMALL = "证书编号,姓名\n360199000008,郑八\n".encode()


@pytest.fixture(autouse=True)
def limits(tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    settings.CPAHUB_MAX_UPLOAD_BYTES = LIMIT
    with translation.override("en"):
        yield tmp_path


def nothing_stored(client, media) -> bool:
    imports = media / "imports"
    return uploads.SESSION_KEY not in client.session and not (imports.exists() and any(imports.iterdir()))


@pytest.fixture
def staff(client, world):
    f.login_verified(client, world.users["assoc_staff"])
    return client


def test_a_declared_oversize_is_refused_unread(staff, limits):
    response, stream = post_counted(staff, UPLOAD, multipart(SMALL, kind="cpa"), declared=TWO_GB)
    assert response.status_code == 413
    assert response.context["too_large"] == REFUSED
    assert 'data-testid="too-large"' in response.content.decode()
    assert stream.consumed == 0
    assert nothing_stored(staff, limits)


def test_a_file_streaming_past_the_limit_is_stopped(staff, limits):
    body = multipart(b"x" * (LIMIT + 1), kind="cpa")
    response, stream = post_counted(staff, UPLOAD, body)
    assert response.status_code == 413
    assert response.context["too_large"] == REFUSED
    assert stream.consumed <= len(body)
    assert nothing_stored(staff, limits)
    # A Content-Length lower than the body: no more than it is read, and the file is still cut off.
    response, stream = post_counted(staff, UPLOAD, multipart(b"x" * 1024 * 1024, kind="cpa"), declared=3000)
    assert response.status_code == 413
    assert stream.consumed <= 3000
    assert nothing_stored(staff, limits)


def test_a_file_within_the_limit_is_uploaded(staff):
    response, _stream = post_counted(staff, UPLOAD, multipart(SMALL, "cpas.csv", kind="cpa"))
    assert response.status_code == 302 and "/registry/import/" in response["Location"]
    assert len(staff.session[uploads.SESSION_KEY]) == 1


def test_the_test_clients_own_encoding_passes_the_limit_too(staff):
    response = staff.post(UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("cpas.csv", SMALL)})
    assert response.status_code == 302


def test_a_normal_post_still_needs_the_csrf_token(world, limits):
    strict = Client(enforce_csrf_checks=True)
    f.login_verified(strict, world.users["assoc_staff"])
    response = strict.post(UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("cpas.csv", SMALL)})
    assert response.status_code == 403
    assert nothing_stored(strict, limits)


def test_an_anonymous_post_is_sent_to_login_unread(client, world):
    response, stream = post_counted(client, UPLOAD, multipart(SMALL, kind="cpa"), declared=TWO_GB)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert stream.consumed == 0


def test_who_may_not_import_gets_403_even_for_an_oversize(client, world):
    f.login_verified(client, world.users["bank"])
    response, stream = post_counted(client, UPLOAD, multipart(SMALL, kind="cpa"), declared=TWO_GB)
    assert response.status_code == 403
    assert stream.consumed == 0
