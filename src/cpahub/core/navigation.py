"""The main menu: each entry says which roles may use it; the menu shows only those."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import scope_for


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: tuple[str, ...] | None = None  # None: every logged-in user
    icon: str = ""


@dataclass(frozen=True)
class MenuGroup:
    label: str
    items: tuple[MenuItem, ...]


_MENU: list[MenuGroup] = []


def register(group: MenuGroup) -> None:
    """Apps add their menu groups from AppConfig.ready()."""
    _MENU.append(group)


def menu_for(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    scope = scope_for(user)
    groups = []
    for group in _MENU:
        items = []
        for item in group.items:
            if item.roles is not None and not scope.has_role(*item.roles):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url, "icon": item.icon})
        if items:
            groups.append({"label": group.label, "items": items})
    return groups


__all__ = ["MenuGroup", "MenuItem", "_", "menu_for", "register"]
