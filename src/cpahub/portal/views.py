"""The public portal (PORTAL-2), the firm sign-up (SEC-2), the logged-in home page and the health check.

Public pages get their rows from `cpahub.portal.public`, which holds the public rule; the home page
gets its figures from `cpahub.portal.dashboard`, which uses the user's own reach.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from cpahub.core.middleware import client_address
from cpahub.portal import dashboard, public
from cpahub.portal.forms import KIND_CPA, ApplyForm, PenaltyFilterForm, SearchForm
from cpahub.registry import services as registry_services
from cpahub.registry.models import FirmApplication

SEARCH_PAGE_SIZE = 20
SEARCH_PAGE_SIZES = (10, 20, 50)
LIST_PAGE_SIZE = 20
APPLY_WINDOW_SECONDS = 3600
_APPLY_SALT = "cpahub.portal.apply"


def _page(request, rows, size: int):
    paginator = Paginator(rows, size)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, paginator, query.urlencode()


def chart_data(cities: list[dict], series: list[tuple[str, str]]) -> tuple[dict, list]:
    """The JSON for core/charts.js and the same figures as table rows [(city, [values])]."""
    data = {
        "categories": [city["name"] for city in cities],
        "series": [{"name": str(label), "values": [city[key] for city in cities]} for key, label in series],
    }
    rows = [(city["name"], [city[key] for key, _label in series]) for city in cities]
    return data, rows


# --- public pages ------------------------------------------------------------------------------


@require_GET
def index(request):
    figures = public.industry_figures()
    chart, chart_rows = chart_data(
        figures["cities"], [("firms", _("Active firms")), ("cpas", _("Practising CPAs"))]
    )
    context = {"figures": figures, "chart": chart, "chart_rows": chart_rows, "search_form": SearchForm()}
    return render(request, "portal/index.html", context)


def search_page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", SEARCH_PAGE_SIZE))
    except ValueError:
        return SEARCH_PAGE_SIZE
    return size if size in SEARCH_PAGE_SIZES else SEARCH_PAGE_SIZE


@require_GET
def firm_search(request):
    form = SearchForm(request.GET or None)
    values = form.values()
    if values["kind"] == KIND_CPA:
        rows, to_records = public.search_cpas(values["q"], values["city"]), public.cpa_records
    else:
        rows, to_records = public.search_firms(values["q"], values["city"]), public.firm_records
    page, paginator, query = _page(request, rows, search_page_size(request))
    context = {
        "form": form,
        "values": values,
        "results": to_records(page.object_list),
        "page_obj": page,
        "paginator": paginator,
        "query": query,
    }
    partial = bool(getattr(request, "htmx", False)) and not request.htmx.boosted
    template = "portal/includes/search_results.html" if partial else "portal/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def firm_detail(request, pk: int):
    firm = public.public_firm(pk)
    if firm is None:
        raise Http404
    context = {
        "firm": firm,
        "branches": public.firm_branches(pk),
        "cpas": public.firm_practising_cpas(pk),
        "penalties": public.firm_penalties(pk),
    }
    return render(request, "portal/firm_detail.html", context)


@require_GET
def cpa_detail(request, pk: int):
    cpa = public.public_cpa(pk)
    if cpa is None:
        raise Http404
    return render(request, "portal/cpa_detail.html", {"cpa": cpa, "penalties": public.cpa_penalties(pk)})


@require_GET
def penalties(request):
    form = PenaltyFilterForm(request.GET or None, years=public.penalty_years())
    page, paginator, query = _page(request, public.search_penalties(**form.values()), LIST_PAGE_SIZE)
    context = {
        "form": form,
        "penalties": public.penalty_records(page.object_list),
        "page_obj": page,
        "paginator": paginator,
        "query": query,
    }
    return render(request, "portal/penalties.html", context)


@require_GET
def cases(request):
    page, paginator, query = _page(request, public.public_cases(), LIST_PAGE_SIZE)
    context = {
        "cases": public.case_records(page.object_list),
        "page_obj": page,
        "paginator": paginator,
        "query": query,
    }
    return render(request, "portal/cases.html", context)


@require_GET
def case_detail(request, pk: int):
    case = public.public_case(pk)
    if case is None:
        raise Http404
    related = []
    if case["penalty_id"]:  # shown only when the penalty itself is published
        related = public.penalty_records(public.public_penalties().filter(pk=case["penalty_id"]))
    return render(request, "portal/case_detail.html", {"case": case, "penalties": related})


# --- firm sign-up (SEC-2) ----------------------------------------------------------------------


def _apply_key(request) -> str:
    return f"portal:apply:{client_address(request) or 'unknown'}"


def apply_limit() -> int:
    return settings.CPAHUB_APPLY_LIMIT_PER_HOUR


def applications_from(request) -> int:
    return cache.get(_apply_key(request), 0)


def _count_application(request) -> None:
    key = _apply_key(request)
    cache.add(key, 0, APPLY_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, APPLY_WINDOW_SECONDS)


@require_http_methods(["GET", "POST"])
def apply(request):
    if request.method == "POST" and applications_from(request) >= apply_limit():
        return render(request, "portal/apply_throttled.html", {"limit": apply_limit()}, status=429)
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = registry_services.apply_for_membership(**form.service_data())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            _count_application(request)
            ref = signing.dumps(application.pk, salt=_APPLY_SALT)
            return redirect(f"{reverse('portal:apply_done')}?ref={ref}")
    return render(request, "portal/apply.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
def apply_done(request):
    try:
        pk = signing.loads(request.GET.get("ref", ""), salt=_APPLY_SALT, max_age=APPLY_WINDOW_SECONDS)
    except signing.BadSignature:
        return redirect("portal:apply")
    # The signed reference proves the visitor submitted this application; the page shows only
    # what they typed in, and no contact details (the link may end up in a browser history).
    application = FirmApplication.objects.filter(pk=pk).first()
    if application is None:
        return redirect("portal:apply")
    return render(request, "portal/apply_done.html", {"application": application})


# --- logged-in home ----------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    board = dashboard.build(request.user)
    chart = chart_rows = None
    if board.overview is not None and board.overview.level == "province":
        chart, chart_rows = chart_data(board.overview.firms_by_city, [("firms", _("Active firms"))])
    context = {"board": board, "chart": chart, "chart_rows": chart_rows}
    return render(request, "portal/home.html", context)


# --- operations --------------------------------------------------------------------------------


@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitors: no login, no session, one `SELECT 1`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
