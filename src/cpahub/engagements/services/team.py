"""The engagement's team (派工), budget hours by grade and milestones."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from cpahub.accounts.choices import Role
from cpahub.core.permissions import CHANGE, can
from cpahub.engagements.choices import TeamRole
from cpahub.engagements.models import BudgetLine, Milestone, TeamMember
from cpahub.engagements.services.roles import firm_staff, people_with, require


def grade_of(firm_id, user_id):
    from cpahub.practice.models import StaffProfile

    profile = StaffProfile.objects.filter(firm_id=firm_id, user_id=user_id).select_related("grade").first()
    return profile.grade if profile else None


def _may_edit(actor, engagement) -> None:
    require(can(actor, CHANGE, engagement))
    if engagement.closed:
        raise ValidationError(_("The engagement is closed and cannot be changed."))


def _check_member(member) -> None:
    engagement = member.engagement
    errors = {}
    if not firm_staff(engagement.firm).filter(pk=member.user_id).exists():
        errors["user"] = _("The person does not work in this firm.")
    elif (
        member.role == TeamRole.PARTNER
        and not people_with(engagement.firm, Role.PARTNER).filter(pk=member.user_id).exists()
    ):
        errors["role"] = _("Only a partner of the firm can be the engagement partner.")
    if member.role == TeamRole.QUALITY_REVIEWER and member.user_id in (
        engagement.partner_id,
        engagement.manager_id,
    ):
        errors["role"] = _("The quality reviewer cannot be the engagement partner or manager.")
    if member.grade_id and member.grade.firm_id != engagement.firm_id:
        errors["grade"] = _("Choose a grade of this firm.")
    if member.joined and member.left and member.left < member.joined:
        errors["left"] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_member(
    actor, engagement, *, member=None, user, role, grade=None, joined=None, left=None
) -> TeamMember:
    _may_edit(actor, engagement)
    if member is not None and member.engagement_id != engagement.pk:
        raise ValidationError(_("The member is not on this engagement."))
    member = member or TeamMember(engagement=engagement)
    member.user = user
    member.role = role
    member.grade = grade or grade_of(engagement.firm_id, user.pk)
    member.joined = joined
    member.left = left
    _check_member(member)
    member.validate_constraints()
    member.save()
    return member


@transaction.atomic
def remove_member(actor, member) -> None:
    engagement = member.engagement
    _may_edit(actor, engagement)
    if member.user_id == engagement.partner_id and member.role == TeamRole.PARTNER:
        raise ValidationError(_("Name another engagement partner before removing this one."))
    if member.user_id == engagement.manager_id and member.role == TeamRole.MANAGER:
        raise ValidationError(_("Name another manager before removing this one."))
    try:
        member.delete()
    except ProtectedError:
        raise ValidationError(_("This member has recorded work; set an end date instead.")) from None


@transaction.atomic
def save_budget_line(actor, engagement, *, line=None, grade, hours) -> BudgetLine:
    _may_edit(actor, engagement)
    if grade.firm_id != engagement.firm_id:
        raise ValidationError({"grade": _("Choose a grade of this firm.")})
    if hours is None or hours <= 0:
        raise ValidationError({"hours": _("Budget hours must be more than zero.")})
    line = line or BudgetLine(engagement=engagement)
    if line.engagement_id != engagement.pk:
        raise ValidationError(_("The line is not on this engagement."))
    line.grade = grade
    line.hours = hours
    line.validate_constraints()
    line.save()
    return line


@transaction.atomic
def delete_budget_line(actor, line) -> None:
    _may_edit(actor, line.engagement)
    line.delete()


@transaction.atomic
def save_milestone(actor, engagement, *, milestone=None, name, due, done_on=None) -> Milestone:
    _may_edit(actor, engagement)
    milestone = milestone or Milestone(engagement=engagement)
    if milestone.engagement_id != engagement.pk:
        raise ValidationError(_("The milestone is not on this engagement."))
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter a name.")})
    milestone.name = name.strip()
    milestone.due = due
    milestone.done_on = done_on
    milestone.full_clean(exclude=["engagement"])
    milestone.save()
    return milestone


@transaction.atomic
def delete_milestone(actor, milestone) -> None:
    _may_edit(actor, milestone.engagement)
    milestone.delete()


def budget_total(engagement):
    from django.db.models import Sum

    return engagement.budget.aggregate(total=Sum("hours"))["total"] or 0
