"""Upload limits applied while the request arrives: a large Content-Length is refused unread, a file
streaming past the limit is stopped, and nothing is stored (ledger upload, profile sample, API)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from rest_framework.test import APIClient

from cpahub.accounts.choices import Role
from cpahub.ledgers import profile_samples, services
from cpahub.ledgers.models import LedgerSnapshot
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.ledgers.uploads import FORM_SLACK_BYTES, LimitedUploadHandler
from cpahub.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]
TWO_GB = 2 * 1024**3
BOUNDARY = "----cpahubboundary"


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def multipart(file_bytes: bytes, *, field_value: str = "t0k3n") -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{field_value}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="gl.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n",
    ]
    return "".join(parts).encode() + file_bytes + f"\r\n--{BOUNDARY}--\r\n".encode()


def parse(body: bytes, limit: int, *, declared: int | None = None, temp_dir: Path | None = None):
    request = HttpRequest()
    stream = CountingStream(body)
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(declared if declared is not None else len(body)),
    }
    storing = TemporaryFileUploadHandler(request)
    handlers = [LimitedUploadHandler(request, limit), MemoryFileUploadHandler(request), storing]
    post, files = MultiPartParser(meta, stream, handlers).parse()
    return request, stream, post, files, storing


def test_a_large_content_length_is_refused_before_reading_the_body():
    request, stream, post, files, _storing = parse(multipart(b"x" * 1000), 100_000, declared=TWO_GB)
    assert request.upload_refused == 100_000
    assert stream.consumed == 0
    assert not post and not files


def test_a_file_streaming_past_the_limit_is_stopped_and_dropped(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the storing handler writes a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    limit = 50_000
    request, _stream, post, files, storing = parse(multipart(b"y" * (limit + 1)), limit)
    assert request.upload_refused == limit
    assert post["csrfmiddlewaretoken"] == "t0k3n"  # the fields before the file are read
    assert "file" not in files
    assert storing.file.closed
    assert not list(tmp_path.iterdir())  # the temporary file went with it


def test_a_file_within_the_limit_passes():
    request, _stream, _post, files, _storing = parse(multipart(b"z" * 5000), 5000)
    assert not hasattr(request, "upload_refused")
    assert files["file"].read() == b"z" * 5000


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
