"""Upload size limits applied while a request arrives, not after Django has received the file.

`LimitedUploadHandler` goes first among a request's upload handlers. A declared Content-Length over
the limit (plus room for the form's other fields) is refused before any of the body is read; a file
whose bytes pass the limit while they stream in stops the upload there, and the handlers behind it
(memory or temporary file) drop what they had. Either way `request.upload_refused` holds the limit
and nothing is stored.

Upload handlers must be in place before anything reads the body, and the CSRF check reads it. So a
limited view is CSRF-exempt on the outside: `guard()` sends an anonymous user to the login page,
installs the handler, refuses a declared oversize at once, and only then runs the CSRF check, reads
the body through the limit and calls the view. `LimitedUploadMixin` (class-based views) and
`limited_upload` (function views) both go through `guard()`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# A form's fields other than the file (CSRF token, choices) and the multipart boundaries.
FORM_SLACK_BYTES = 64 * 1024


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def declared_too_large(request, limit: int) -> bool:
    return declared_length(request) > limit + FORM_SLACK_BYTES


def refusal_message(limit: int) -> str:
    return _("The file is larger than %(limit)s; it was not accepted and nothing was stored.") % {
        "limit": filesizeformat(limit)
    }


class LimitedUploadHandler(FileUploadHandler):
    """Stop an upload as soon as it is known to pass `limit` bytes (see the module doc)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit + FORM_SLACK_BYTES:
            self._mark()
            return QueryDict(encoding=encoding), MultiValueDict()  # the body is never read
        return None

    def new_file(
        self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None
    ):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if content_length is not None and content_length > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _mark(self) -> None:
        self.request.upload_refused = self.limit

    def _refuse(self) -> None:
        self._mark()
        # The rest of the body is read and dropped: it is bounded by the Content-Length checked above.
        raise StopUpload(connection_reset=False)


class UnguardedUploadHandler(LimitedUploadHandler):
    """First of every request's upload handlers (settings.FILE_UPLOAD_HANDLERS): a view that does not
    set its own limit (`guard`) takes no file over `FILE_UPLOAD_MAX_MEMORY_SIZE`, so a large file
    posted to any other page is never written to a temporary file. Such a body is not read on."""

    def __init__(self, request=None):
        super().__init__(request, settings.FILE_UPLOAD_MAX_MEMORY_SIZE)

    def _refuse(self) -> None:
        self._mark()
        raise StopUpload(connection_reset=True)


def install(request, limit: int) -> LimitedUploadHandler:
    """Put `limit` in force for this request (instead of the default for unguarded views)."""
    handler = LimitedUploadHandler(request, limit)
    handlers = request.upload_handlers  # changed in place: a DRF request only proxies this list
    handlers[:] = [handler, *(h for h in handlers if not isinstance(h, UnguardedUploadHandler))]
    return handler


Refused = Callable[[HttpRequest, int], HttpResponse]  # (request, limit) -> the refusal page


def guard(request, view, limit: Callable[[], int], refused: Refused, *args, **kwargs):
    """Run `view` with the upload limit in force; called from a CSRF-exempt view (see the module doc).

    An oversized request gets `refused(request, limit)`: a declared one before CSRF or the view run,
    one that passes the limit while streaming once the body is read (after the CSRF check), before
    the view. `limit()` is only asked for a POST.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())  # the body is never read
    if request.method == "POST":
        size = limit()
        install(request, size)
        if declared_too_large(request, size):
            request.upload_refused = size
            return refused(request, size)

    @csrf_protect
    def checked(request, *args, **kwargs):
        if request.method == "POST":
            request.FILES  # noqa: B018 - reads the body now, through the limit
            over = getattr(request, "upload_refused", None)
            if over is not None:
                return refused(request, over)
        return view(request, *args, **kwargs)

    return checked(request, *args, **kwargs)


def limited_upload(*, limit: Callable[[HttpRequest], int], refused: Refused):
    """Decorator for a function view that receives a file: `limit(request)` bytes at most.

    `refused(request, limit)` answers an oversized upload (status 413, the view's page). An
    anonymous user is sent to the login page first, so `login_required` is not needed.
    """

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def limited(request, *args, **kwargs):
            return guard(request, view, lambda: limit(request), refused, *args, **kwargs)

        return limited

    return decorate


class LimitedUploadMixin:
    """For a view that receives a file: `upload_limit()` bytes at most, checked as the body arrives.

    An oversized request gets `upload_refused(request, limit)` (status 413, its page); see `guard()`.
    """

    def upload_limit(self) -> int:
        raise NotImplementedError

    def upload_refused(self, request, limit: int):
        raise NotImplementedError

    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        return guard(request, super().dispatch, self.upload_limit, self.upload_refused, *args, **kwargs)

    @classmethod
    def as_view(cls, **initkwargs):
        # Whatever comes first in the MRO, the CSRF middleware must leave the body unread.
        return csrf_exempt(super().as_view(**initkwargs))
