"""Record which users were active on which day (for the usage figures)."""

from django.utils import timezone

_SESSION_KEY = "cpahub_active_day"
_seen: dict[int, str] = {}  # user id -> last day recorded by this process (token clients have no session)


def note_active(user, session=None) -> None:
    """Record today's activity of `user` once per session (or process) and day."""
    from cpahub.metering.models import ActiveDay

    today = timezone.localdate()
    key = today.isoformat()
    if session is not None:
        if session.get(_SESSION_KEY) == key:
            return
        session[_SESSION_KEY] = key
    elif _seen.get(user.pk) == key:
        return
    _seen[user.pk] = key
    if len(_seen) > 10_000:
        _seen.clear()
    ActiveDay.objects.bulk_create([ActiveDay(user_id=user.pk, day=today)], ignore_conflicts=True)


class ActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # After the view: API requests authenticate inside it (DRF sets request.user then).
        if user is not None and user.is_authenticated and response.status_code < 400:
            # A token client has no session worth saving: the process remembers instead.
            api = request.path.startswith("/api/")
            note_active(user, None if api else getattr(request, "session", None))
        return response
