"""`{% load sso %}{% sso_buttons %}`: one button per enabled sign-on provider (nothing when none is)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from cpahub.sso.providers import enabled_providers

register = template.Library()

ICONS = {"oidc": "shield-lock", "gateway": "bank"}


def sso_provider_links(next_url: str = "") -> list[dict]:
    """Name, label, icon and login URL of each enabled provider (for templates that lay them out)."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return [
        {
            "name": name,
            "label": provider.label,
            "icon": ICONS.get(name, "box-arrow-in-right"),
            "url": reverse("sso:login", kwargs={"provider": name}) + query,
        }
        for name, provider in enabled_providers().items()
    ]


@register.inclusion_tag("sso/buttons.html", takes_context=True)
def sso_buttons(context, next_url=None):
    request = context.get("request")
    if next_url is None:
        next_url = request.GET.get("next", "") if request is not None else ""
    return {"sso_links": sso_provider_links(next_url)}
