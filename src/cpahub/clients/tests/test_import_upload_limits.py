"""The client import's upload is limited while it arrives (core/uploads.py): an oversized file is
refused with 413 on the upload page before it is received, nothing is stored, and the page still
needs a login and the CSRF token."""

import io

import pytest
from django.test import Client
from django.utils import translation

from cpahub.registry.importing import uploads
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import firm_world
from cpahub.testing.uploads import TWO_GB, multipart, post_counted

pytestmark = pytest.mark.django_db

UPLOAD = "/clients/import/"
LIMIT = 1000
REFUSED = "The file is larger than 1000\xa0bytes; it was not accepted and nothing was stored."
SMALL = "客户名称,统一社会信用代码\n江西甲公司,91360100MA35X0001A\n".encode()


@pytest.fixture(autouse=True)
def limits(tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    settings.CPAHUB_MAX_UPLOAD_BYTES = LIMIT
    with translation.override("en"):
        yield tmp_path


@pytest.fixture
def w():
    return firm_world()


@pytest.fixture
def manager(client, w):
    login_verified(client, w.manager_a)
    return client


def nothing_stored(client, media) -> bool:
    imports = media / "imports"
    return uploads.SESSION_KEY not in client.session and not (imports.exists() and any(imports.iterdir()))


def refused_on_the_page(response) -> bool:
    form = response.context["form"]
    return (
        response.status_code == 413
        and form.errors == {"file": [REFUSED]}
        and REFUSED in response.content.decode()
        and "is-invalid" in str(form["file"])
    )


def test_a_declared_oversize_is_refused_unread(manager, w, limits):
    body = multipart(SMALL, firm=str(w.firm_a.pk))
    response, stream = post_counted(manager, UPLOAD, body, declared=TWO_GB)
    assert refused_on_the_page(response)
    assert stream.consumed == 0
    assert nothing_stored(manager, limits)


def test_a_file_streaming_past_the_limit_is_stopped(manager, w, limits):
    body = multipart(b"x" * (LIMIT + 1), firm=str(w.firm_a.pk))
    response, stream = post_counted(manager, UPLOAD, body)
    assert refused_on_the_page(response)
    assert stream.consumed <= len(body)
    assert nothing_stored(manager, limits)
    # A Content-Length lower than the body: no more than it is read, and the file is still cut off.
    body = multipart(b"x" * 1024 * 1024, firm=str(w.firm_a.pk))
    response, stream = post_counted(manager, UPLOAD, body, declared=3000)
    assert refused_on_the_page(response)
    assert stream.consumed <= 3000
    assert nothing_stored(manager, limits)


def test_a_file_within_the_limit_is_checked(manager, w):
    response, _stream = post_counted(manager, UPLOAD, multipart(SMALL, "clients.csv", firm=str(w.firm_a.pk)))
    assert response.status_code == 302 and response["Location"].startswith(UPLOAD)
    [entry] = manager.session[uploads.SESSION_KEY].values()
    assert (entry["filename"], entry["size"], entry["firm"]) == ("clients.csv", len(SMALL), w.firm_a.pk)


def test_a_normal_post_still_needs_the_csrf_token(w, limits):
    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, w.manager_a)
    upload = io.BytesIO(SMALL)
    upload.name = "clients.csv"
    response = strict.post(UPLOAD, {"firm": w.firm_a.pk, "file": upload})
    assert response.status_code == 403
    assert nothing_stored(strict, limits)


def test_an_anonymous_post_is_sent_to_login_unread(client, w):
    response, stream = post_counted(client, UPLOAD, multipart(SMALL, firm=str(w.firm_a.pk)), declared=TWO_GB)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert stream.consumed == 0


def test_who_may_not_import_gets_403_even_for_an_oversize(client, w):
    login_verified(client, w.auditor_a)
    response, stream = post_counted(client, UPLOAD, multipart(SMALL, firm=str(w.firm_a.pk)), declared=TWO_GB)
    assert response.status_code == 403
    assert stream.consumed == 0
