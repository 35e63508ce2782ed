"""The engagement's pipeline history, its three review sign-offs and its report numbers (文号)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.models import Organisation
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import EXPORT, NOTHING, VIEW
from cpahub.engagements.choices import ReviewLevel, Status
from cpahub.engagements.models.engagement import FIRM_ONLY, Engagement, _EngagementPart
from cpahub.practice.access import EVERYONE, MANAGERS, firm_q


class StatusChange(_EngagementPart):
    """One move of the engagement along its pipeline: who, when, from, to, why."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="status_changes")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["engagement", "created", "pk"]

    def __str__(self):
        return f"{self.engagement}: {self.from_status} → {self.to_status}"


class ReviewSignoff(_EngagementPart):
    """A sign-off at one of the three review levels. A review that starts over supersedes them."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="signoffs")
    # The explicit ceiling keeps the API schema the same on every database.
    level = models.PositiveSmallIntegerField(
        _("review level"),
        choices=ReviewLevel.choices,
        validators=[MaxValueValidator(max(ReviewLevel.values))],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    comment = models.TextField(_("comment"), blank=True)
    superseded = models.BooleanField(_("superseded"), default=False)

    class Meta:
        verbose_name = _("review sign-off")
        verbose_name_plural = _("review sign-offs")
        ordering = ["engagement", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "level"], condition=Q(superseded=False), name="signoff_one_per_level"
            ),
            models.UniqueConstraint(
                fields=["engagement", "user"],
                condition=Q(superseded=False),
                name="signoff_one_level_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()}: {self.user}"


class ReportSeries(models.Model):
    """The counter of one report-number series (firm, year, word). Locked while a number is taken."""

    firm = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", limit_choices_to=FIRM_ONLY
    )
    year = models.PositiveSmallIntegerField()
    word = models.CharField(max_length=10)
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "year", "word"], name="report_series_unique")]

    def __str__(self):
        return f"{self.firm_id} {self.word} {self.year}: {self.last_seq}"


class ReportNumber(ChangeLoggedModel):
    """Every report number ever allocated; a voided one stays here, marked void, and is never reused."""

    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    word = models.CharField(_("word"), max_length=10)
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("report number"), max_length=60)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="report_numbers", verbose_name=_("engagement")
    )
    report_date = models.DateField(_("report date"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("report issued by"),
    )
    void = models.BooleanField(_("void"), default=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voided by"),
    )
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)

    class Meta:
        verbose_name = _("report number")
        verbose_name_plural = _("report numbers")
        ordering = ["firm", "year", "word", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "year", "word", "seq"], name="report_number_unique_seq"),
            models.UniqueConstraint(fields=["firm", "number"], name="report_number_unique_text"),
        ]

    def __str__(self):
        return self.number

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        if action not in (VIEW, EXPORT):
            return NOTHING  # written by the numbering service only
        roles = EVERYONE if action == VIEW else MANAGERS
        return firm_q(scope, roles, firm="engagement__firm_id", office="engagement__office_id")
