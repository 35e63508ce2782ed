"""Firm administrators manage their firm's people: invite by link, change roles, reset a forgotten
password or a lost second factor, deactivate.

The association and the security administrator use the organisation pages
(`views.organisations`); both share `views.common`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpahub.accounts import services
from cpahub.accounts.choices import FIRM_ROLES, Role
from cpahub.accounts.forms import InvitationForm, RolesForm
from cpahub.accounts.models import Invitation, Membership, Organisation
from cpahub.accounts.views import common
from cpahub.core.permissions import scope_for

FIRM_ROLE_ORDER = [role for role in Role.values if role in FIRM_ROLES]


def _admin_orgs(request):
    ids = scope_for(request.user).admin_firm_ids
    if not ids:
        raise PermissionDenied(_("Only firm administrators manage staff."))
    return list(Organisation.objects.filter(pk__in=ids).order_by("parent_id", "name"))


@never_cache
@login_required
def staff(request):
    orgs = _admin_orgs(request)
    org_ids = [org.pk for org in orgs]
    form = InvitationForm(request.POST or None, organisations=orgs, roles=FIRM_ROLE_ORDER)
    new_link = None
    if request.method == "POST" and form.is_valid():
        new_link = common.create_invitation(request, form, orgs)
        if new_link:
            form = InvitationForm(organisations=orgs, roles=FIRM_ROLE_ORDER)
    show_former = request.GET.get("former") == "1"
    people = common.people_in(request.user, org_ids)
    if not show_former:
        people = people.filter(current=True)
    return render(
        request,
        "accounts/staff.html",
        {
            "people": people,
            "invitations": common.open_invitations(org_ids),
            "form": form,
            "new_link": new_link,
            "show_former": show_former,
            "organisations": orgs,
        },
    )


def _person(request, pk, orgs):
    person = common.people_in(request.user, [org.pk for org in orgs]).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@login_required
def staff_person(request, pk):
    orgs = _admin_orgs(request)
    person = _person(request, pk, orgs)
    current = {}
    for membership in person.memberships_here:
        current.setdefault(membership.organisation_id, []).append(membership.role)
    if request.method == "POST":
        organisation = next((org for org in orgs if str(org.pk) == request.POST.get("organisation")), None)
        if organisation is None:
            raise Http404
        form = RolesForm(request.POST, roles=FIRM_ROLE_ORDER, prefix=f"org{organisation.pk}")
        if form.is_valid():
            try:
                services.set_roles(
                    request.user, person, organisation, form.cleaned_data["roles"], request=request
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, common.error_text(exc))
            else:
                messages.success(request, _("Roles saved."))
            return redirect("accounts:staff_person", pk=person.pk)
    forms = [
        (
            org,
            RolesForm(
                initial={"roles": current.get(org.pk, [])}, roles=FIRM_ROLE_ORDER, prefix=f"org{org.pk}"
            ),
        )
        for org in orgs
    ]
    other = Membership.objects.filter(user=person, active=True).exclude(organisation__in=orgs)
    return render(
        request,
        "accounts/staff_person.html",
        {
            "person": person,
            "forms": forms,
            "other_memberships": other.count(),
            "may_manage": services.may_manage_user(request.user, person),
        },
    )


@require_POST
@login_required
def staff_deactivate(request, pk):
    person = _person(request, pk, _admin_orgs(request))
    if not common.deactivate(request, person):
        return redirect("accounts:staff_person", pk=person.pk)
    return redirect("accounts:staff")


@require_POST
@login_required
def staff_reset_two_factor(request, pk):
    person = _person(request, pk, _admin_orgs(request))
    common.reset_two_factor(request, person)
    return redirect("accounts:staff_person", pk=person.pk)


@require_POST
@login_required
def staff_reset_password(request, pk):
    person = _person(request, pk, _admin_orgs(request))
    back = reverse("accounts:staff_person", args=[person.pk])
    return common.reset_password(request, person, back) or redirect(back)


@require_POST
@login_required
def invitation_revoke(request, pk):
    orgs = _admin_orgs(request)
    invitation = get_object_or_404(Invitation, pk=pk, organisation__in=orgs)
    common.withdraw_invitation(request, invitation)
    return redirect("accounts:staff")
