"""The browser title: "page · site", or the site alone when the page gives no title."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def with_site(page_title: str) -> str:
    page_title = " ".join(str(page_title).split())
    return f"{page_title} · {_('cpahub')}" if page_title else _("cpahub")
