"""Organisations and their people, for the security administrator, association staff and city staff.

Lists show what `Organisation.objects.restrict(user, "view")` allows. On an organisation's page,
whoever may manage some role there (`services.manageable_roles`) invites people by link, gives an
existing account a role, ends a role, resets a password, deactivates an account or resets its
second factor; the services decide every case (grant matrix, 三员分立, last firm administrator) and
log it. Whoever may change the organisation (`services.may_change_organisation`) edits it on its
edit page; a firm is edited on its registry page instead.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpahub.accounts import services
from cpahub.accounts.choices import OrgKind, Role
from cpahub.accounts.filtersets import OrganisationFilterSet
from cpahub.accounts.forms import GrantRoleForm, InvitationForm, OrganisationEditForm, OrganisationForm
from cpahub.accounts.models import Invitation, Membership, Organisation, User
from cpahub.accounts.tables import OrganisationTable
from cpahub.accounts.views import common
from cpahub.accounts.views.auth import safe_next
from cpahub.accounts.views.people import may_list_people
from cpahub.core.permissions import CHANGE, VIEW, can
from cpahub.core.views import (
    ObjectCreateView,
    ObjectEditView,
    ObjectListView,
    changes_for,
    get_restricted_object,
)

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 10


class OrganisationListView(ObjectListView):
    model = Organisation
    filterset_class = OrganisationFilterSet
    table_class = OrganisationTable
    title = gettext_lazy("Organisations")
    export_name = "organisations"
    add_url = "accounts:organisation_add"
    template_name = "accounts/organisation_list.html"

    def get_queryset(self, action=VIEW):
        return Organisation.objects.restrict(self.request.user, action).select_related("parent")

    def extra_context(self) -> dict:
        if not may_list_people(self.request.user):
            return {}
        return {"people_url": reverse("accounts:people") + "?roles=none&active=yes"}


class OrganisationCreateView(ObjectCreateView):
    model = Organisation
    form_class = OrganisationForm
    title = gettext_lazy("New organisation")

    def create(self, data):
        return services.create_organisation(self.request.user, **data)


class OrganisationEditView(ObjectEditView):
    """Edit an organisation other than a firm (`services.update_organisation`); a firm's edit link
    leads to its registry page, which edits the firm and its organisation together."""

    model = Organisation
    form_class = OrganisationEditForm
    template_name = "accounts/organisation_edit.html"

    def get(self, request, *args, **kwargs):
        return self._firm_redirect() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._firm_redirect() or super().post(request, *args, **kwargs)

    def _firm_redirect(self):
        organisation = self.get_object()
        if organisation.kind == OrgKind.FIRM:
            return redirect("registry:firm_edit", organisation.pk)
        return None

    def save(self, organisation, data):
        return services.update_organisation(self.request.user, organisation, request=self.request, **data)


def _organisation(request, pk) -> Organisation:
    return get_restricted_object(request, Organisation.objects.select_related("parent"), VIEW, pk=pk)


def _managed(request, pk) -> tuple[Organisation, list[str]]:
    """The organisation and the roles the user manages there; 403 when there are none."""
    organisation = _organisation(request, pk)
    roles = services.manageable_roles(request.user, organisation)
    if not roles:
        raise PermissionDenied(
            _("You may not manage people in %(organisation)s.") % {"organisation": organisation}
        )
    return organisation, roles


def _invite_form(organisation, roles, data=None) -> InvitationForm:
    form = InvitationForm(
        data, organisations=[organisation], roles=roles, initial={"organisation": organisation.pk}
    )
    form.fields["organisation"].widget = forms.HiddenInput()
    return form


@never_cache
@login_required
def organisation_detail(request, pk):
    organisation = _organisation(request, pk)
    actor = request.user
    roles = services.manageable_roles(actor, organisation)
    new_link = None
    invite_form = _invite_form(organisation, roles) if roles else None
    if request.method == "POST":
        if not roles:
            raise PermissionDenied(
                _("You may not manage people in %(organisation)s.") % {"organisation": organisation}
            )
        invite_form = _invite_form(organisation, roles, request.POST)
        if invite_form.is_valid():
            new_link = common.create_invitation(request, invite_form, [organisation])
            if new_link:
                invite_form = _invite_form(organisation, roles)
    show_former = request.GET.get("former") == "1"
    people = common.people_in(actor, [organisation.pk], all_memberships=True)
    if not show_former:
        people = people.filter(current=True)
    rows = []
    for person in people:
        revocable = _revocable(actor, organisation, person.memberships_here) if person.is_active else set()
        rows.append(
            {
                "person": person,
                "may_manage": person.is_active
                and services.may_manage_user(actor, person, person.all_active_memberships),
                "memberships": [(m, m.role in revocable) for m in person.memberships_here],
            }
        )
    find = request.GET.get("find", "").strip()
    context = {
        "object": organisation,
        "rows": rows,
        "show_former": show_former,
        "roles": [(role, Role(role).label) for role in roles],
        "form": invite_form,
        "new_link": new_link,
        "invitations": _open_invitations(actor, organisation) if roles else [],
        "find": find,
        "candidates": _candidates(actor, find) if roles else [],
        "onboarding": organisation.kind == OrgKind.FIRM and roles == [Role.FIRM_ADMIN],
        "children": Organisation.objects.restrict(actor, VIEW).filter(parent=organisation),
        "may_edit": services.may_change_organisation(actor, organisation),
        "firm_edit": organisation.kind == OrgKind.FIRM and can(actor, CHANGE, organisation),
        "changes": changes_for(actor, organisation)[:20],
    }
    return render(request, "accounts/organisation_detail.html", context)


def _revocable(actor, organisation, memberships) -> set[str]:
    return {m.role for m in memberships if services.may_manage_role(actor, organisation, m.role)}


def _open_invitations(actor, organisation):
    return [
        invitation
        for invitation in common.open_invitations([organisation.pk])
        if all(services.may_manage_role(actor, organisation, role) for role in invitation.roles)
    ]


def _candidates(actor, find: str):
    """Active accounts the user may see whose user name or name contains `find` (exact match first)."""
    if len(find) < SEARCH_MIN_LENGTH:
        return []
    found = list(
        User.objects.restrict(actor, VIEW)
        .filter(is_active=True)
        .filter(Q(username__icontains=find) | Q(display_name__icontains=find))
        .order_by("username")[:SEARCH_LIMIT]
    )
    found.sort(key=lambda user: user.username.casefold() != find.casefold())
    return found


@require_POST
@login_required
def organisation_grant(request, pk):
    organisation, roles = _managed(request, pk)
    form = GrantRoleForm(request.POST, roles=roles)
    # The people pages send their own address as `next`, to come back there.
    back = redirect(safe_next(request, organisation.get_absolute_url()))
    if not form.is_valid():
        messages.error(request, _("Choose an account and one of the roles offered."))
        return back
    username = form.cleaned_data["username"].strip()
    person = (
        User.objects.restrict(request.user, VIEW).filter(username__iexact=username, is_active=True).first()
    )
    if person is None:
        messages.error(request, _("No active account %(username)s was found.") % {"username": username})
        return back
    role = form.cleaned_data["role"]
    try:
        services.grant_role(request.user, person, organisation, role, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, common.error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s in %(organisation)s.")
            % {"name": person, "role": Role(role).label, "organisation": organisation},
        )
    return back


@require_POST
@login_required
def organisation_revoke(request, pk, membership_pk):
    organisation, _roles = _managed(request, pk)
    membership = get_object_or_404(
        Membership.objects.restrict(request.user, VIEW).select_related("user"),
        pk=membership_pk,
        organisation=organisation,
        active=True,
    )
    try:
        services.revoke_role(request.user, membership, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, common.error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s is no longer %(role)s in %(organisation)s.")
            % {"name": membership.user, "role": membership.get_role_display(), "organisation": organisation},
        )
    return redirect("accounts:organisation_detail", pk=organisation.pk)


def _person(request, organisation, user_pk):
    person = common.people_in(request.user, [organisation.pk]).filter(pk=user_pk).first()
    if person is None:
        raise Http404
    return person


@require_POST
@login_required
def organisation_deactivate(request, pk, user_pk):
    organisation = _organisation(request, pk)
    common.deactivate(request, _person(request, organisation, user_pk))
    return redirect("accounts:organisation_detail", pk=organisation.pk)


@require_POST
@login_required
def organisation_reset_two_factor(request, pk, user_pk):
    organisation = _organisation(request, pk)
    common.reset_two_factor(request, _person(request, organisation, user_pk))
    return redirect("accounts:organisation_detail", pk=organisation.pk)


@require_POST
@login_required
def organisation_reset_password(request, pk, user_pk):
    organisation = _organisation(request, pk)
    person = _person(request, organisation, user_pk)
    back = reverse("accounts:organisation_detail", args=[organisation.pk])
    return common.reset_password(request, person, back) or redirect(back)


@require_POST
@login_required
def organisation_invitation_withdraw(request, pk):
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), pk=pk)
    if not services.manageable_roles(request.user, invitation.organisation):
        raise Http404
    common.withdraw_invitation(request, invitation)
    return redirect("accounts:organisation_detail", pk=invitation.organisation_id)
