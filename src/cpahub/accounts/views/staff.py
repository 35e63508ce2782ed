"""Firm administrators manage their firm's people: invite by link, change roles, deactivate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts import services
from cpahub.accounts.choices import FIRM_ROLES, Role
from cpahub.accounts.forms import InvitationForm, RolesForm
from cpahub.accounts.models import Invitation, Membership, Organisation, User
from cpahub.core.permissions import VIEW, scope_for

FIRM_ROLE_ORDER = [role for role in Role.values if role in FIRM_ROLES]


def _admin_orgs(request):
    ids = scope_for(request.user).admin_firm_ids
    if not ids:
        raise PermissionDenied(_("Only firm administrators manage staff."))
    return list(Organisation.objects.filter(pk__in=ids).order_by("parent_id", "name"))


def _people(request, org_ids):
    return (
        User.objects.restrict(request.user, VIEW)
        .filter(memberships__organisation_id__in=org_ids)
        .distinct()
        .annotate(
            current=Exists(
                Membership.objects.filter(user=OuterRef("pk"), organisation_id__in=org_ids, active=True)
            ),
            has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(organisation_id__in=org_ids, active=True).select_related(
                    "organisation"
                ),
                to_attr="firm_memberships",
            )
        )
        .order_by("display_name", "username")
    )


@never_cache
@login_required
def staff(request):
    orgs = _admin_orgs(request)
    org_ids = [org.pk for org in orgs]
    form = InvitationForm(request.POST or None, organisations=orgs, roles=FIRM_ROLE_ORDER)
    new_link = None
    if request.method == "POST" and form.is_valid():
        organisation = next(org for org in orgs if org.pk == form.cleaned_data["organisation"])
        try:
            token = services.create_invitation(
                request.user,
                organisation,
                form.cleaned_data["roles"],
                email=form.cleaned_data["email"],
                name=form.cleaned_data["display_name"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _messages(exc))
        else:
            new_link = services.invitation_url(token, request)
            messages.success(request, _("Invitation created. Copy the link below and send it to the person."))
            form = InvitationForm(organisations=orgs, roles=FIRM_ROLE_ORDER)
    show_former = request.GET.get("former") == "1"
    people = _people(request, org_ids)
    if not show_former:
        people = people.filter(current=True)
    invitations = Invitation.objects.filter(
        organisation_id__in=org_ids, accepted_at=None, revoked=False, expires__gt=timezone.now()
    ).select_related("organisation", "invited_by")
    return render(
        request,
        "accounts/staff.html",
        {
            "people": people,
            "invitations": invitations,
            "form": form,
            "new_link": new_link,
            "show_former": show_former,
            "organisations": orgs,
        },
    )


def _person(request, pk, orgs):
    person = _people(request, [org.pk for org in orgs]).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@login_required
def staff_person(request, pk):
    orgs = _admin_orgs(request)
    person = _person(request, pk, orgs)
    current = {}
    for membership in person.firm_memberships:
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
                messages.error(request, _messages(exc))
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
    try:
        services.deactivate_user(request.user, person, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages(exc))
        return redirect("accounts:staff_person", pk=person.pk)
    messages.success(request, _("%(name)s can no longer log in.") % {"name": person})
    return redirect("accounts:staff")


@require_POST
@login_required
def staff_reset_two_factor(request, pk):
    person = _person(request, pk, _admin_orgs(request))
    try:
        services.reset_two_factor(request.user, person, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(
            request,
            _("Two-factor authentication reset; %(name)s sets it up again at the next login.")
            % {"name": person},
        )
    return redirect("accounts:staff_person", pk=person.pk)


@require_POST
@login_required
def invitation_revoke(request, pk):
    orgs = _admin_orgs(request)
    invitation = get_object_or_404(Invitation, pk=pk, organisation__in=orgs)
    try:
        services.revoke_invitation(request.user, invitation, request=request)
    except PermissionDenied as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("accounts:staff")


def _messages(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")
