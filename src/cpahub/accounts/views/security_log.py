"""The security log: read, searched and exported by the audit administrator only (三员分立)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.filtersets import SecurityEventFilterSet
from cpahub.accounts.models import SecurityEvent
from cpahub.accounts.security import log_event, verify_chain
from cpahub.core import exports
from cpahub.core.permissions import EXPORT, VIEW

PAGE_SIZE = 50
FILTER_KEYS = ("username", "event", "outcome", "address", "since", "until")


def _allowed(request, action):
    queryset = SecurityEvent.objects.restrict(request.user, action)
    if queryset.query.is_empty():
        raise PermissionDenied(_("Only the audit administrator reads the security log."))
    return queryset


def _rows(request, action):
    queryset = _allowed(request, action)
    filterset = SecurityEventFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none(), filterset
    return filterset.qs, filterset


def _filters(request) -> dict:
    return {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}


@login_required
def security_log(request):
    rows, filterset = _rows(request, VIEW)
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/security_log.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "paginator": paginator,
            "events": page.object_list,
            "query": query.urlencode(),
        },
    )


@login_required
def security_log_export(request):
    rows, _filterset = _rows(request, EXPORT)
    log_event(
        SecurityEventType.LOG_EXPORTED,
        user=request.user,
        request=request,
        filter=_filters(request),
        rows=rows.count(),
    )
    headers = [
        _("Time"),
        _("Event"),
        _("Outcome"),
        _("User name"),
        _("Address"),
        _("User agent"),
        _("Request id"),
        _("Detail"),
        _("Digest"),
    ]

    def lines():
        for event in rows.order_by("pk").iterator(chunk_size=2000):
            yield [
                timezone.localtime(event.time).strftime("%Y-%m-%d %H:%M:%S"),
                event.get_event_display(),
                event.get_outcome_display(),
                event.username,
                event.address,
                event.user_agent,
                event.request_id,
                json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
                event.digest,
            ]

    return exports.csv_response("security-log", headers, lines())


@login_required
def security_log_verify(request):
    everything = _allowed(request, VIEW).order_by("pk")
    broken = verify_chain(everything.iterator(chunk_size=2000))
    return render(
        request,
        "accounts/security_log_verify.html",
        {
            "checked": everything.count(),
            "broken": broken[:200],
            "broken_count": len(broken),
            "first": everything.first(),
            "last": everything.last(),
            "checked_at": timezone.now(),
        },
    )
