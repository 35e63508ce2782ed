"""Querysets shared by the registry's pages, API and exports (one place for joins and counts)."""

from django.db.models import Count, Q

from cpahub.registry.choices import CPAStatus
from cpahub.registry.models import CPA, Firm, Penalty


def firms(user, action="view"):
    return (
        Firm.objects.restrict(user, action)
        .select_related("organisation", "organisation__parent")
        .annotate(cpa_count=Count("cpas", filter=Q(cpas__status=CPAStatus.PRACTISING)))
        .order_by("organisation__name", "pk")
    )


def cpas(user, action="view"):
    return CPA.objects.restrict(user, action).select_related("firm__organisation").order_by("certificate_no")


def penalties(user, action="view"):
    return (
        Penalty.objects.restrict(user, action)
        .select_related("firm__organisation", "cpa")
        .order_by("-decided_on", "-pk")
    )
