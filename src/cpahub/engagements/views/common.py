"""What every engagement page shares: fetching through the gate, the header, the tabs, HTMX replies."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import View

from cpahub.core.permissions import CHANGE, VIEW, can
from cpahub.core.views import get_restricted_object
from cpahub.engagements.choices import AcceptanceStatus, RiskLevel, Status
from cpahub.engagements.models import Engagement
from cpahub.engagements.services import lifecycle

STATUS_BADGES = {
    Status.PROPOSED: "text-bg-info",
    Status.ACCEPTED: "text-bg-primary",
    Status.PLANNED: "text-bg-primary",
    Status.FIELDWORK: "text-bg-warning",
    Status.REVIEW: "text-bg-warning",
    Status.ISSUED: "text-bg-success",
    Status.ARCHIVED: "text-bg-secondary",
    Status.DECLINED: "text-bg-dark",
    Status.CANCELLED: "text-bg-dark",
}
RISK_BADGES = {
    RiskLevel.LOW: "text-bg-success",
    RiskLevel.MEDIUM: "text-bg-warning",
    RiskLevel.HIGH: "text-bg-danger",
}
ACCEPTANCE_BADGES = {
    AcceptanceStatus.DRAFT: "text-bg-secondary",
    AcceptanceStatus.SUBMITTED: "text-bg-info",
    AcceptanceStatus.APPROVED: "text-bg-success",
    AcceptanceStatus.RETURNED: "text-bg-danger",
}
TABS = (
    ("overview", _("Overview"), "engagements:engagement_detail"),
    ("acceptance", _("Acceptance"), "engagements:acceptance"),
    ("team", _("Team and budget"), "engagements:team"),
    ("milestones", _("Milestones"), "engagements:milestones"),
    ("reviews", _("Reviews"), "engagements:reviews"),
    ("history", pgettext_lazy("engagement tab", "History"), "engagements:history"),
)


def engagement_for(request, pk, action=VIEW) -> Engagement:
    queryset = Engagement.objects.select_related("client", "office", "firm", "partner", "manager")
    return get_restricted_object(request, queryset, action, pk=pk)


def page_context(request, engagement, tab: str) -> dict:
    """The header (facts, status, the steps the user may take) and the tabs."""
    return {
        "object": engagement,
        "tab": tab,
        "tabs": TABS,
        "status_badge": STATUS_BADGES.get(engagement.status, "text-bg-secondary"),
        "can_change": can(request.user, CHANGE, engagement),
        "steps": lifecycle.actions_for(request.user, engagement),
        "today": timezone.localdate(),
    }


def render_tab(request, engagement, tab: str, template: str, extra: dict | None = None, status: int = 200):
    return render(
        request, template, {**page_context(request, engagement, tab), **(extra or {})}, status=status
    )


class EngagementView(LoginRequiredMixin, View):
    """A page about one engagement; `action` is what the user needs on it (view or change)."""

    action = VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.engagement = engagement_for(request, kwargs["pk"], self.action)
        return super().dispatch(request, *args, **kwargs)


def htmx_redirect(url: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response
