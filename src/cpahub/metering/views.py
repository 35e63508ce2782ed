"""The usage page: figures per firm and month for the association, a city, or a firm's partners."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.security import log_event
from cpahub.core import exports
from cpahub.core.permissions import VIEW, scope_for
from cpahub.core.views import log_denied
from cpahub.metering import usage
from cpahub.metering.models import usage_q

TREND_MONTHS = 12


def visible_firms(user):
    q = usage_q(scope_for(user), VIEW, "pk")
    return usage.head_offices().filter(q).order_by("city", "name")


def _months_back(month: datetime.date, n: int) -> list[datetime.date]:
    months = []
    for _i in range(n):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _headers():
    return [
        _("Firm"),
        _("City"),
        _("Practising CPAs"),
        _("Active users"),
        _("Engagements in progress"),
        _("New engagements"),
        _("Time entries"),
        _("Reports issued"),
        _("First day on the platform"),
    ]


def _row(u):
    firm = u.firm
    return [
        firm.name,
        firm.get_city_display(),
        u.cpas,
        u.active_users,
        u.engagements_open,
        u.engagements_new,
        u.time_entries,
        u.reports_issued,
        u.first_active.isoformat() if u.first_active else "",
    ]


class UsageView(LoginRequiredMixin, View):
    template_name = "metering/usage.html"

    def get(self, request):
        firms = visible_firms(request.user)
        if not firms.exists():
            log_denied(request, "usage")
            raise PermissionDenied
        this_month = timezone.localdate().replace(day=1)
        try:
            month = usage.parse_month(request.GET["month"]) if request.GET.get("month") else this_month
        except ValueError:
            month = this_month
        month = min(month, this_month)
        rows = usage.figures_for(month, firms)
        if request.GET.get("export") == "xlsx":
            log_event(
                SecurityEventType.EXPORT, user=request.user, request=request, what="usage", month=str(month)
            )
            return exports.xlsx_response(
                f"usage-{month:%Y-%m}", _("Usage"), _headers(), (_row(u) for u in rows)
            )
        totals = {name: sum(getattr(u, name) for u in rows) for name in usage.FIGURES}
        trend = usage.monthly_totals(firms, _months_back(month, TREND_MONTHS))
        chart = {
            "categories": [f"{t['month']:%Y-%m}" for t in trend],
            "series": [
                {"name": _("Active users"), "values": [t["active_users"] for t in trend]},
                {"name": _("Engagements in progress"), "values": [t["engagements_open"] for t in trend]},
                {"name": _("Reports issued"), "values": [t["reports_issued"] for t in trend]},
            ],
        }
        context = {
            "title": _("Platform usage by firm"),
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "max_month": f"{this_month:%Y-%m}",
            "rows": rows,
            "totals": totals,
            "chart": chart,
            "chart_rows": [
                (c, [s["values"][i] for s in chart["series"]]) for i, c in enumerate(chart["categories"])
            ],
            "closed": bool(rows) and all(u.closed for u in rows),
        }
        return render(request, self.template_name, context)
