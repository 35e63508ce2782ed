"""The one gate: which rows a user may see or change.

`Model.objects.restrict(user, action)` is how every list, detail, API, export and search gets its
rows. Each restricted model says who may do what in one classmethod, `restrict_q(scope, action)`,
returning a `Q` (rows allowed), `ALL` or `NOTHING`. A model without that method shows nothing to
anyone: the gate fails closed.

A `Scope` is what the gate knows of a user: their active roles in which organisations, and what
those roles reach (the whole province, some cities, some firms with their branches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
EXPORT = "export"
ACTIONS = (VIEW, ADD, CHANGE, DELETE, EXPORT)

ALL = Q()
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    # role -> organisation ids where the user holds it (active memberships only)
    roles: dict[str, frozenset[int]] = field(default_factory=dict)
    # derived reach
    province: frozenset[str] = frozenset()  # roles held at the provincial association
    city_codes: frozenset[str] = frozenset()  # cities whose association the user staffs
    firm_ids: frozenset[int] = frozenset()  # firms (and their branches) the user works in
    admin_firm_ids: frozenset[int] = frozenset()  # firms (and branches) the user administers
    org_ids: frozenset[int] = frozenset()  # every organisation of an active membership
    person_ids: frozenset[int] = frozenset()  # CPA records linked to the user

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        return any(self.roles.get(role) for role in roles)

    def orgs_with(self, *roles: str) -> frozenset[int]:
        found: set[int] = set()
        for role in roles:
            found |= self.roles.get(role, frozenset())
        return frozenset(found)


ANONYMOUS = Scope()


def any_of(*conditions: Q) -> Q:
    """OR of the conditions that may match something; NOTHING when none does."""
    kept = [c for c in conditions if c is not None and c is not NOTHING]
    if not kept:
        return NOTHING
    combined = kept[0]
    for condition in kept[1:]:
        combined |= condition
    return combined


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_cpahub_scope", None)
    if cached is None:
        from cpahub.accounts.scope import build_scope

        cached = build_scope(user)
        user._cpahub_scope = cached
    return cached


def forget_scope(user) -> None:
    """Call after changing a user's memberships so that the next check recomputes."""
    if user is not None and hasattr(user, "_cpahub_scope"):
        del user._cpahub_scope


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        policy = getattr(self.model, "restrict_q", None)
        if policy is None:
            return self.none()
        q = policy(scope_for(user), action)
        if q is None or q is NOTHING:
            return self.none()
        return self.filter(q) if q is not ALL else self.all()


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def can(user, action: str, obj) -> bool:
    """True when `user` may apply `action` to the saved object `obj` (same rule as lists)."""
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


def can_add(user, model, **context) -> bool:
    """Adding has no row to filter; models answer with `can_add(scope, **context)`."""
    policy = getattr(model, "can_add", None)
    return bool(policy and policy(scope_for(user), **context))
