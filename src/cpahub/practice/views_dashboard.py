"""The partner dashboard page (partners and the firm administrator of a firm)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core.permissions import scope_for
from cpahub.core.views import log_denied
from cpahub.practice import dashboard
from cpahub.practice.access import PARTNERS, firms_for


class PartnerDashboardView(LoginRequiredMixin, View):
    template_name = "practice/dashboard.html"

    def get(self, request):
        firms = list(firms_for(scope_for(request.user), PARTNERS).order_by("name"))
        if not firms:
            log_denied(request, "partner dashboard")
            raise PermissionDenied
        chosen = request.GET.get("firm")
        firm = next((f for f in firms if str(f.pk) == chosen), firms[0])
        board = dashboard.build(firm, request.user)
        rows = {
            name: [(c, [s["values"][i] for s in chart["series"]]) for i, c in enumerate(chart["categories"])]
            for name, chart in board.charts.items()
        }
        context = {"title": _("Partner dashboard"), "board": board, "firms": firms, "chart_rows": rows}
        return render(request, self.template_name, context)
