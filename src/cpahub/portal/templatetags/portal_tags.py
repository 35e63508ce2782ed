"""Small template helpers of the portal."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name, *args):
    """The URL of `name`, or "" when no such page exists (the template then leaves the link out)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
