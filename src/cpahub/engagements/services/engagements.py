"""Creating and changing engagements, and continuing last year's into a new one (连续承接)."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.accounts.choices import Role
from cpahub.core.permissions import CHANGE, VIEW, can, scope_for
from cpahub.engagements.choices import AcceptanceKind, AcceptanceStatus, EngagementType, Status, TeamRole
from cpahub.engagements.models import BudgetLine, Engagement, TeamMember
from cpahub.engagements.services import acceptance as acceptance_service
from cpahub.engagements.services import lifecycle
from cpahub.engagements.services.roles import current_team, people_with, require
from cpahub.practice.access import MANAGERS, held_orgs

FIELDS = (
    "office",
    "code",
    "name",
    "type",
    "period_start",
    "period_end",
    "partner",
    "manager",
    "planned_start",
    "report_due",
    "contracted_fee",
    "notes",
)
# What cannot change once the acceptance was submitted: it was judged on these.
LOCKED_AFTER_SUBMISSION = ("type",)


def may_create_in(user, firm, office) -> bool:
    held = held_orgs(scope_for(user), MANAGERS)
    return firm.pk in held or office.pk in held


def next_code(firm, year: int) -> str:
    """The next free code of the form 2025-0001 in the firm."""
    prefix = f"{year}-"
    used = Engagement.objects.filter(firm=firm, code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(m.group(1)) for code in used if (m := re.fullmatch(rf"{year}-(\d+)", code))]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def default_name(client, engagement_type: str, period_end) -> str:
    year = f"{period_end.year} " if period_end else ""
    return f"{client.name} {year}{EngagementType(engagement_type).label}"


def _check_people(engagement) -> None:
    errors = {}
    if (
        engagement.partner_id
        and not people_with(engagement.firm, Role.PARTNER).filter(pk=engagement.partner_id).exists()
    ):
        errors["partner"] = _("The engagement partner must be a partner of the firm.")
    if (
        engagement.manager_id
        and not people_with(engagement.firm, Role.MANAGER, Role.PARTNER)
        .filter(pk=engagement.manager_id)
        .exists()
    ):
        errors["manager"] = _("The manager must be a manager or partner of the firm.")
    if engagement.office_id != engagement.firm_id and engagement.office.parent_id != engagement.firm_id:
        errors["office"] = _("The office must be the firm's head office or one of its branches.")
    if engagement.period_start and engagement.period_end and engagement.period_start > engagement.period_end:
        errors["period_end"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)


def _check_duplicate(engagement) -> None:
    if not engagement.period_end:
        return
    twin = (
        Engagement.objects.filter(
            firm_id=engagement.firm_id,
            client_id=engagement.client_id,
            type=engagement.type,
            period_end=engagement.period_end,
        )
        .exclude(status__in=(Status.DECLINED, Status.CANCELLED))
        .exclude(pk=engagement.pk)
        .first()
    )
    if twin:
        raise ValidationError(
            _("The firm already has this engagement for the client and period: %(code)s.")
            % {"code": twin.code}
        )


def sync_named_people(engagement) -> None:
    """The named partner and manager are on the team in those roles."""
    for user_id, role in (
        (engagement.partner_id, TeamRole.PARTNER),
        (engagement.manager_id, TeamRole.MANAGER),
    ):
        if user_id and not current_team(engagement).filter(user_id=user_id, role=role).exists():
            from cpahub.engagements.services.team import grade_of

            TeamMember.objects.get_or_create(
                engagement=engagement,
                user_id=user_id,
                role=role,
                defaults={"grade": grade_of(engagement.firm_id, user_id)},
            )


@transaction.atomic
def create_engagement(actor, *, client, office=None, previous=None, **data) -> Engagement:
    require(can(actor, VIEW, client))
    office = office or client.office
    require(may_create_in(actor, client.firm, office))
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown engagement fields: {sorted(unknown)}")
    engagement = Engagement(
        firm=client.firm, office=office, client=client, previous=previous, created_by=actor
    )
    for key, value in data.items():
        setattr(engagement, key, value)
    if not engagement.code:
        year = (engagement.period_end or datetime.date.today()).year
        engagement.code = next_code(client.firm, year)
    if not engagement.name and engagement.type:
        engagement.name = default_name(client, engagement.type, engagement.period_end)
    engagement.status = Status.PROPOSED
    engagement.full_clean(exclude=["status"])
    _check_people(engagement)
    _check_duplicate(engagement)
    engagement.save()
    sync_named_people(engagement)
    acceptance_service.ensure_acceptance(engagement, AcceptanceKind.CONTINUANCE if previous else None)
    lifecycle.record_creation(actor, engagement)
    return engagement


@transaction.atomic
def update_engagement(actor, engagement, **data) -> Engagement:
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    require(can(actor, CHANGE, engagement))
    if engagement.closed:
        raise ValidationError(_("The engagement is closed and cannot be changed."))
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown engagement fields: {sorted(unknown)}")
    acceptance = getattr(engagement, "acceptance", None)
    submitted = acceptance is not None and acceptance.status not in acceptance_service.EDITABLE
    for key in LOCKED_AFTER_SUBMISSION:
        if submitted and key in data and data[key] != getattr(engagement, key):
            raise ValidationError(
                {key: _("This cannot change once the acceptance evaluation was submitted.")}
            )
    if engagement.status in (Status.ISSUED,) and data.get("code", engagement.code) != engagement.code:
        raise ValidationError({"code": _("The code cannot change after the report was issued.")})
    type_changed = "type" in data and data["type"] != engagement.type
    for key, value in data.items():
        setattr(engagement, key, value)
    engagement.full_clean(exclude=["status"])
    _check_people(engagement)
    _check_duplicate(engagement)
    engagement.save()
    sync_named_people(engagement)
    if type_changed and acceptance is not None and acceptance.status == AcceptanceStatus.DRAFT:
        from cpahub.engagements.services import questionnaires

        acceptance_service.carry_answers(
            acceptance,
            {
                a.question.key: (a.option.label, a.note)
                for a in acceptance.answers.select_related("question", "option")
            },
            questionnaires.current_template(engagement.firm, engagement.type),
        )
    return engagement


def next_period(previous):
    def shift(day):
        if day is None:
            return None
        try:
            return day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year + 1, day=28)

    return shift(previous.period_start), shift(previous.period_end)


@transaction.atomic
def create_continuance(actor, previous, **data) -> Engagement:
    """Next period's engagement for the same client: team, budget and last year's answers to start from."""
    require(can(actor, VIEW, previous))
    if previous.status in (Status.DECLINED, Status.CANCELLED):
        raise ValidationError(_("A declined or cancelled engagement cannot be continued."))
    start, end = next_period(previous)
    fields = {
        "type": previous.type,
        "period_start": start,
        "period_end": end,
        "partner": previous.partner,
        "manager": previous.manager,
        "contracted_fee": previous.contracted_fee,
        **data,
    }
    engagement = create_engagement(
        actor, client=previous.client, office=previous.office, previous=previous, **fields
    )
    for member in current_team(previous):
        TeamMember.objects.get_or_create(
            engagement=engagement, user_id=member.user_id, role=member.role, defaults={"grade": member.grade}
        )
    for line in previous.budget.all():
        BudgetLine.objects.create(engagement=engagement, grade=line.grade, hours=line.hours)
    earlier = getattr(previous, "acceptance", None)
    if earlier is not None:
        acceptance = engagement.acceptance
        acceptance_service.carry_answers(
            acceptance,
            {
                a.question.key: (a.option.label, a.note)
                for a in earlier.answers.select_related("question", "option")
            },
            acceptance.template,
        )
    return engagement
