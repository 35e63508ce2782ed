"""Engagements (项目): the client, period, office, team, budget and milestones (FIRM-1).

Acceptance, the status pipeline with its review sign-offs, and report numbers build on these.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import OrgKind
from cpahub.accounts.models import Organisation
from cpahub.clients.models import Client
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import VIEW, any_of
from cpahub.engagements.choices import CLOSED, EngagementType, Status, TeamRole
from cpahub.practice.access import EVERYONE, MANAGERS, firm_q, firms_for
from cpahub.practice.models import HOURS, MONEY, Grade

FIRM_ONLY = {"kind": OrgKind.FIRM, "parent__isnull": True}


def engagement_q(scope, action, prefix: str = "") -> Q:
    """Engagements the user reaches: the firm's or office's (see practice.access), and those they staff."""
    reach = firm_q(
        scope, EVERYONE if action == VIEW else MANAGERS, firm=f"{prefix}firm_id", office=f"{prefix}office_id"
    )
    if action != VIEW or not scope.authenticated:
        return reach
    staffed = TeamMember.objects.filter(user_id=scope.user_id).values("engagement_id")
    return any_of(reach, Q(**{f"{prefix}pk__in": staffed}))


class Engagement(ChangeLoggedModel):
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="engagements",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="office_engagements",
        limit_choices_to={"kind": OrgKind.FIRM},
        verbose_name=_("office"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("client")
    )
    code = models.CharField(_("engagement code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=EngagementType.choices)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_engagements",
        verbose_name=_("engagement partner"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_engagements",
        verbose_name=_("manager"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    report_due = models.DateField(_("report due"), null=True, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    report_number = models.CharField(_("report number"), max_length=60, blank=True)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    contracted_fee = models.DecimalField(_("contracted fee"), null=True, blank=True, **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continuations",
        verbose_name=_("continued from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "code"], name="engagement_unique_code"),
            models.UniqueConstraint(
                fields=["firm", "report_number"],
                condition=~Q(report_number=""),
                name="engagement_unique_report_number",
            ),
        ]
        indexes = [models.Index(fields=["firm", "status"]), models.Index(fields=["firm", "report_date"])]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("engagements:engagement_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @property
    def archive_deadline(self):
        """Report date + the firm's archive days (60 by the standards on archiving)."""
        if not self.report_date:
            return None
        from cpahub.practice.models import FirmSettings

        days = (
            FirmSettings.objects.filter(firm_id=self.firm_id).values_list("archive_days", flat=True).first()
        )
        return self.report_date + timedelta(days=days or 60)

    @property
    def closed(self) -> bool:
        """Archived, declined or cancelled: nothing more is done on it."""
        return self.status in CLOSED

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_q(scope, action)

    @classmethod
    def can_add(cls, scope, **context):
        return firms_for(scope, MANAGERS).exists()


class _EngagementPart(ChangeLoggedModel):
    """Rows that belong to one engagement and share its visibility."""

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return self.engagement.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_q(scope, action, prefix="engagement__")


class TeamMember(_EngagementPart):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="engagement_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=10, choices=TeamRole.choices)
    grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grade")
    )
    joined = models.DateField(_("from"), null=True, blank=True)
    left = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["engagement", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user", "role"], name="team_member_unique_role")
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}"


class BudgetLine(_EngagementPart):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="budget")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+", verbose_name=_("grade"))
    hours = models.DecimalField(_("budget hours"), **HOURS)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget")
        ordering = ["engagement", "grade__rank"]
        constraints = [models.UniqueConstraint(fields=["engagement", "grade"], name="budget_unique_grade")]

    def __str__(self):
        return f"{self.grade}: {self.hours}"


class Milestone(_EngagementPart):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=100)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["engagement", "due"]

    def __str__(self):
        return self.name
