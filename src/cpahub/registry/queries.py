"""Querysets shared by the registry's pages, API and exports (one place for joins and counts)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from cpahub.registry.choices import CPAStatus
from cpahub.registry.models import CPA, Firm, Penalty


def practising_cpa_count():
    """A firm's number of practising CPAs, derived from the register (never typed).

    A correlated subquery, so that only the rows of the page are counted (a JOIN + GROUP BY counts
    every firm before the page is cut: ~3.5x slower on the demo province).
    """
    counts = (
        CPA.objects.filter(firm=OuterRef("pk"), status=CPAStatus.PRACTISING)
        .order_by()
        .values("firm")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def firms(user, action="view"):
    return (
        Firm.objects.restrict(user, action)
        .select_related("organisation", "organisation__parent")
        .annotate(cpa_count=practising_cpa_count())
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
