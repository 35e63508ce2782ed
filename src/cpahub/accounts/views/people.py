"""Every account, for the security administrator and association staff: find accounts (also those
without any role, which no organisation page lists), see a person's roles, give one, and — where
`services.may_manage_user` allows — reset the password or the second factor, or deactivate.

Roles are given through the organisation pages' grant action (`views.organisations`), which comes
back here; every change goes through `accounts.services`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts import services
from cpahub.accounts.choices import OrgStatus, Role
from cpahub.accounts.filtersets import PeopleFilterSet
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.accounts.tables import PeopleTable
from cpahub.accounts.views import common
from cpahub.core.permissions import VIEW, scope_for
from cpahub.core.views import ObjectListView

PEOPLE_ROLES = (Role.SECURITY_ADMIN, Role.ASSOCIATION_STAFF)
SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 10


def may_list_people(user) -> bool:
    return scope_for(user).has_role(*PEOPLE_ROLES)


def _check_access(request) -> None:
    if not may_list_people(request.user):
        raise PermissionDenied(_("Only the security administrator and association staff list all accounts."))


def _people(user, action=VIEW):
    return User.objects.restrict(user, action).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(active=True)
            .select_related("organisation")
            .order_by("organisation__name", "role"),
            to_attr="current_memberships",
        )
    )


class PeopleListView(ObjectListView):
    model = User
    filterset_class = PeopleFilterSet
    table_class = PeopleTable
    title = gettext_lazy("People")
    template_name = "accounts/people_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_access(request)
            # The account review export is the security administrator's (the gate lets nobody
            # else export accounts).
            self.export_name = "people" if scope_for(request.user).has_role(Role.SECURITY_ADMIN) else ""
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, action=VIEW):
        return _people(self.request.user, action).order_by("username")

    def extra_context(self) -> dict:
        return {"without_role": self.request.GET.get("roles") == PeopleFilterSet.WITHOUT}


def _person(request, pk) -> User:
    _check_access(request)
    return get_object_or_404(_people(request.user), pk=pk)


@never_cache
@login_required
def person_detail(request, pk):
    person = _person(request, pk)
    actor = request.user
    find = request.GET.get("org", "").strip()
    context = {
        "person": person,
        "has_device": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
        "former_memberships": Membership.objects.filter(user=person, active=False)
        .select_related("organisation")
        .order_by("-ended", "-pk"),
        "may_manage": person.is_active
        and services.may_manage_user(actor, person, person.current_memberships),
        "find": find,
        "places": _places(actor, find) if person.is_active else [],
    }
    return render(request, "accounts/person_detail.html", context)


def _places(actor, find: str) -> list[dict]:
    """Active organisations matching `find` where `actor` may give some role, with those roles."""
    if len(find) < SEARCH_MIN_LENGTH:
        return []
    found = (
        Organisation.objects.restrict(actor, VIEW)
        .filter(status=OrgStatus.ACTIVE)
        .filter(Q(name__icontains=find) | Q(short_name__icontains=find))
        .order_by("name")[: SEARCH_LIMIT * 3]
    )
    places = []
    for organisation in found:
        roles = services.manageable_roles(actor, organisation)
        if roles:
            places.append({"organisation": organisation, "roles": [(r, Role(r).label) for r in roles]})
        if len(places) == SEARCH_LIMIT:
            break
    return places


def _back(person) -> str:
    return reverse("accounts:person_detail", args=[person.pk])


@require_POST
@login_required
def person_reset_password(request, pk):
    person = _person(request, pk)
    return common.reset_password(request, person, _back(person)) or redirect(_back(person))


@require_POST
@login_required
def person_reset_two_factor(request, pk):
    person = _person(request, pk)
    common.reset_two_factor(request, person)
    return redirect(_back(person))


@require_POST
@login_required
def person_deactivate(request, pk):
    person = _person(request, pk)
    common.deactivate(request, person)
    return redirect(_back(person))
