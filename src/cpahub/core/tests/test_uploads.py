"""Upload limits applied while the request arrives (core/uploads.py): the handler on its own, then the
same rules through the decorator of function views and the mixin of class-based views."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.shortcuts import resolve_url
from django.test import RequestFactory
from django.views.generic import View

from cpahub.core.uploads import FORM_SLACK_BYTES, LimitedUploadHandler, LimitedUploadMixin, limited_upload
from cpahub.testing.uploads import MULTIPART, TWO_GB, CountingStream, multipart

# --- the handler ------------------------------------------------------------------------------


def parse(body: bytes, limit: int, *, declared: int | None = None):
    request = HttpRequest()
    stream = CountingStream(body)
    meta = {"CONTENT_TYPE": MULTIPART, "CONTENT_LENGTH": str(declared if declared is not None else len(body))}
    storing = TemporaryFileUploadHandler(request)
    handlers = [LimitedUploadHandler(request, limit), MemoryFileUploadHandler(request), storing]
    post, files = MultiPartParser(meta, stream, handlers).parse()
    return request, stream, post, files, storing


def test_a_large_content_length_is_refused_before_reading_the_body():
    request, stream, post, files, _storing = parse(
        multipart(b"x" * 1000, csrfmiddlewaretoken="t0k3n"), 100_000, declared=TWO_GB
    )
    assert request.upload_refused == 100_000
    assert stream.consumed == 0
    assert not post and not files


def test_a_file_streaming_past_the_limit_is_stopped_and_dropped(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the storing handler writes a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    limit = 50_000
    request, _stream, post, files, storing = parse(
        multipart(b"y" * (limit + 1), csrfmiddlewaretoken="t0k3n"), limit
    )
    assert request.upload_refused == limit
    assert post["csrfmiddlewaretoken"] == "t0k3n"  # the fields before the file are read
    assert "file" not in files
    assert storing.file.closed
    assert not list(Path(tmp_path).iterdir())  # the temporary file went with it


def test_a_file_within_the_limit_passes():
    request, _stream, _post, files, _storing = parse(multipart(b"z" * 5000), 5000)
    assert not hasattr(request, "upload_refused")
    assert files["file"].read() == b"z" * 5000


# --- the decorator and the mixin --------------------------------------------------------------

LIMIT = 1000
calls: list[str] = []


def refused(request, limit):
    return HttpResponse(f"refused {limit}", status=413)


def received(request):
    calls.append(request.method)
    if request.method == "POST":
        upload = request.FILES.get("file")
        size = len(upload.read()) if upload else "no file"
        return HttpResponse(f"got {size} {request.POST.get('note', '')}".strip())
    return HttpResponse("the form")


@limited_upload(limit=lambda request: LIMIT, refused=refused)
def function_view(request):
    return received(request)


class ClassView(LimitedUploadMixin, View):
    def upload_limit(self):
        return LIMIT

    def upload_refused(self, request, limit):
        return refused(request, limit)

    def get(self, request):
        return received(request)

    def post(self, request):
        return received(request)


@pytest.fixture(params=["decorator", "mixin"])
def view(request):
    calls.clear()
    return function_view if request.param == "decorator" else ClassView.as_view()


def post(view, body: bytes, *, declared=None, user=True, csrf=False):
    """Call `view` with a POST of `body`; `csrf=True` leaves the CSRF check on (no token is sent)."""
    stream = CountingStream(body)
    length = str(len(body) if declared is None else declared)
    request = RequestFactory().generic(
        "POST", "/upload/", body, content_type=MULTIPART, **{"wsgi.input": stream, "CONTENT_LENGTH": length}
    )
    request.user = get_user_model()(username="someone") if user else AnonymousUser()
    request._dont_enforce_csrf_checks = not csrf
    return view(request), stream


def test_a_normal_upload_reaches_the_view(view):
    response, _stream = post(view, multipart(b"a" * LIMIT, note="hi"))
    assert (response.status_code, response.content) == (200, f"got {LIMIT} hi".encode())
    assert calls == ["POST"]


def test_get_shows_the_page(view):
    request = RequestFactory().get("/upload/")
    request.user = get_user_model()(username="someone")
    assert view(request).content == b"the form"


def test_an_anonymous_post_goes_to_login_unread(view):
    response, stream = post(view, multipart(b"a" * 10), user=False, csrf=True)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert stream.consumed == 0 and calls == []


def test_a_declared_oversize_is_refused_unread_before_csrf(view):
    response, stream = post(view, multipart(b"a" * 10), declared=TWO_GB, csrf=True)
    assert (response.status_code, response.content) == (413, f"refused {LIMIT}".encode())
    assert stream.consumed == 0 and calls == []


def test_the_slack_is_room_for_the_other_fields_only(view):
    body = multipart(b"a" * 10)
    response, stream = post(view, body, declared=LIMIT + FORM_SLACK_BYTES + 1)
    assert response.status_code == 413 and stream.consumed == 0
    response, _stream = post(view, body, declared=LIMIT + FORM_SLACK_BYTES)
    assert response.status_code == 200


def test_a_streamed_oversize_is_stopped_before_the_view(view):
    body = multipart(b"a" * (LIMIT + 1))
    response, stream = post(view, body)
    assert (response.status_code, response.content) == (413, f"refused {LIMIT}".encode())
    assert stream.consumed <= len(body) and calls == []


def test_a_content_length_lower_than_the_body_bounds_what_is_read(view):
    body = multipart(b"a" * 1024 * 1024)
    response, stream = post(view, body, declared=3000)
    assert response.status_code == 413
    assert stream.consumed <= 3000 and calls == []


def test_without_a_content_length_nothing_is_read(view):
    response, stream = post(view, multipart(b"a" * 1024 * 1024), declared="")
    # Django reads a multipart body only up to its declared length: a chunked upload brings nothing.
    assert (response.status_code, response.content) == (200, b"got no file")
    assert stream.consumed == 0


def test_csrf_is_checked_after_the_declared_size_and_before_the_body_limit(view):
    response, _stream = post(view, multipart(b"a" * 10), csrf=True)
    assert response.status_code == 403 and calls == []
    response, _stream = post(view, multipart(b"a" * (LIMIT + 1)), csrf=True)
    assert response.status_code == 403  # the CSRF check runs first, then the streamed limit


def test_the_limited_views_keep_their_name_and_are_csrf_exempt_outside():
    assert function_view.__name__ == "function_view"
    assert function_view.csrf_exempt is True
    assert ClassView.as_view().csrf_exempt is True


# --- pages that set no limit --------------------------------------------------------------------


def unguarded_request(body: bytes, declared=None):
    stream = CountingStream(body)
    length = str(len(body) if declared is None else declared)
    request = RequestFactory().generic(
        "POST", "/form/", body, content_type=MULTIPART, **{"wsgi.input": stream, "CONTENT_LENGTH": length}
    )
    return request, stream


def test_a_page_without_its_own_limit_takes_no_large_file(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    cap = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    request, stream = unguarded_request(multipart(b"b" * (cap * 2), note="hi"))
    assert "file" not in request.FILES and request.upload_refused == cap
    assert stream.consumed < len(stream.getvalue())  # not read on once past the cap
    assert not list(Path(tmp_path).iterdir())
    declared, unread = unguarded_request(multipart(b"c" * 10), declared=TWO_GB)
    assert not declared.FILES and unread.consumed == 0
    small, _stream = unguarded_request(multipart(b"d" * 1000, note="hi"))
    assert small.FILES["file"].size == 1000 and small.POST["note"] == "hi"


def test_a_guarded_page_replaces_the_default_cap_with_its_own(settings):
    from cpahub.core.uploads import UnguardedUploadHandler, install

    big = settings.FILE_UPLOAD_MAX_MEMORY_SIZE * 2
    request, _stream = unguarded_request(multipart(b"e" * big))
    install(request, big)
    assert not any(isinstance(h, UnguardedUploadHandler) for h in request.upload_handlers)
    assert request.FILES["file"].size == big
