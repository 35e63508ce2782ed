from django import template

from cpahub.timesheets.budget import budget_status

register = template.Library()


@register.simple_tag(takes_context=True)
def budget_for(context, engagement=None):
    """{% budget_for as budget %}: budget vs actual hours of `engagement` (default: the page's
    `engagement` or `object`)."""
    engagement = engagement or context.get("engagement") or context.get("object")
    return budget_status(engagement) if getattr(engagement, "pk", None) else None


@register.filter
def hours(value, zero=None):
    """8.00 → 8, 7.50 → 7.5; empty for nothing, and for 0 with `hours:"blank"`."""
    if value in (None, "") or (zero == "blank" and not value):
        return ""
    from decimal import Decimal

    return format(Decimal(value).normalize(), "f")


@register.filter
def at(sequence, index):
    """sequence|at:i — the i-th item (for the day list of the grid)."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return None
