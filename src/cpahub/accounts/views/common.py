"""Pieces shared by the pages that manage people: the firm administrator's staff page
(`views.staff`) and the organisation pages of the association and the security administrator
(`views.organisations`). Every change goes through `accounts.services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts import services
from cpahub.accounts.models import Invitation, Membership, User
from cpahub.core.permissions import VIEW


def error_text(exc) -> str:
    """What a refused service call says to the person who tried."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def people_in(user, org_ids, *, all_memberships: bool = False):
    """The accounts `user` may see that have (or had) a role in `org_ids`, annotated with `current`
    (an active role there) and `has_device` (a confirmed authenticator); `memberships_here` holds
    their active memberships in `org_ids`. With `all_memberships`, `all_active_memberships` holds all
    their active memberships too (to decide `services.may_manage_user` without a query each)."""
    people = (
        User.objects.restrict(user, VIEW)
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
                queryset=Membership.objects.filter(organisation_id__in=org_ids, active=True)
                .select_related("organisation")
                .order_by("organisation__name", "role"),
                to_attr="memberships_here",
            )
        )
        .order_by("display_name", "username")
    )
    if all_memberships:
        people = people.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(active=True).select_related("organisation"),
                to_attr="all_active_memberships",
            )
        )
    return people


def open_invitations(org_ids):
    return Invitation.objects.filter(
        organisation_id__in=org_ids, accepted_at=None, revoked=False, expires__gt=timezone.now()
    ).select_related("organisation", "invited_by")


def create_invitation(request, form, organisations) -> str | None:
    """Create the invitation a valid `InvitationForm` describes. Returns the link to show once, or
    None with the refusal added to the form."""
    organisation = next(org for org in organisations if org.pk == form.cleaned_data["organisation"])
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
        form.add_error(None, error_text(exc))
        return None
    messages.success(request, _("Invitation created. Copy the link below and send it to the person."))
    return services.invitation_url(token, request)


def deactivate(request, person) -> bool:
    try:
        services.deactivate_user(request.user, person, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, _("%(name)s can no longer log in.") % {"name": person})
    return True


def reset_two_factor(request, person) -> None:
    try:
        services.reset_two_factor(request.user, person, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Two-factor authentication reset; %(name)s sets it up again at the next login.")
            % {"name": person},
        )


@sensitive_variables("password")
def reset_password(request, person, back_url: str):
    """Reset `person`'s password and answer with the page that shows the temporary password, once:
    it is in this response only (not in the session, not in a message), which no cache may keep.
    A refusal is a message, and the answer is None (the caller redirects)."""
    try:
        password = services.reset_password(request.user, person, request=request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return None
    response = render(
        request,
        "accounts/password_reset_done.html",
        {"person": person, "password": password, "back_url": back_url},
    )
    add_never_cache_headers(response)
    return response


def withdraw_invitation(request, invitation) -> None:
    try:
        services.revoke_invitation(request.user, invitation, request=request)
    except PermissionDenied as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Invitation withdrawn."))
