"""A firm's practice set-up: settings, staff grades with their rates, and its people's profiles.

Everything the firm system (clients, engagements, time, fees) needs to know about the firm itself.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import OrgKind
from cpahub.accounts.models import Organisation
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import VIEW
from cpahub.practice.access import EVERYONE, PARTNERS, firm_q

MONEY = {"max_digits": 14, "decimal_places": 2}
HOURS = {"max_digits": 8, "decimal_places": 2}
FIRM_ONLY = {"kind": OrgKind.FIRM, "parent__isnull": True}


class FirmSettings(ChangeLoggedModel):
    """Per-firm settings of the practice system (one row per head office, made on first use)."""

    firm = models.OneToOneField(
        Organisation,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="practice_settings",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    branches_see_firm = models.BooleanField(
        _("branch staff see the whole firm"),
        default=False,
        help_text=_("When off, people of a branch see only their branch's clients and engagements."),
    )
    report_prefix = models.CharField(
        _("report number prefix"), max_length=20, blank=True, help_text=_("For example 赣华信.")
    )
    report_number_pattern = models.CharField(
        _("report number pattern"),
        max_length=100,
        default="{prefix}{word}字〔{year}〕第{seq:04d}号",
        help_text=_("Placeholders: {prefix}, {word} (e.g. 审 or 验), {year}, {seq}."),
    )
    archive_days = models.PositiveSmallIntegerField(
        _("days from report to archive"), default=60, validators=[MinValueValidator(1)]
    )
    hours_per_day = models.DecimalField(_("working hours per day"), default=Decimal("8"), **HOURS)
    # Letterhead for invoices and letters.
    letterhead_name = models.CharField(_("letterhead name"), max_length=200, blank=True)
    letterhead_address = models.CharField(_("letterhead address"), max_length=300, blank=True)
    letterhead_phone = models.CharField(_("letterhead telephone"), max_length=40, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("firm practice settings")
        verbose_name_plural = _("firm practice settings")

    def __str__(self):
        return str(self.firm)

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def for_firm(cls, firm):
        found, _created = cls.objects.get_or_create(
            firm=firm, defaults={"letterhead_name": firm.name, "letterhead_address": firm.address}
        )
        return found

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(scope, EVERYONE if action == VIEW else PARTNERS, office=None)


class Grade(ChangeLoggedModel):
    """A staff grade of a firm (partner, manager, senior ...) with its charge-out and cost rates."""

    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="grades",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("1 is the most senior."))
    charge_rate = models.DecimalField(_("charge-out rate per hour"), default=0, **MONEY)
    cost_rate = models.DecimalField(_("cost rate per hour"), default=0, **MONEY)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["firm", "rank", "code"]
        constraints = [models.UniqueConstraint(fields=["firm", "code"], name="grade_unique_code")]

    def __str__(self):
        return self.name

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(scope, EVERYONE if action == VIEW else PARTNERS, office=None)


class StaffProfile(ChangeLoggedModel):
    """A person's place in a firm's practice: office, grade, capacity."""

    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="staff_profiles",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="office_staff",
        limit_choices_to={"kind": OrgKind.FIRM},
        verbose_name=_("office"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_profiles",
        verbose_name=_("person"),
    )
    grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("grade")
    )
    employee_no = models.CharField(_("employee number"), max_length=30, blank=True)
    capacity = models.DecimalField(
        _("capacity (share of full time)"),
        default=Decimal("1"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    quality_partner = models.BooleanField(
        _("risk and quality partner"),
        default=False,
        help_text=_("Approves the acceptance of high-risk engagements."),
    )
    joined = models.DateField(_("joined"), null=True, blank=True)
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["firm", "user__display_name"]
        constraints = [models.UniqueConstraint(fields=["firm", "user"], name="staff_profile_unique_user")]

    def __str__(self):
        return f"{self.user} ({self.grade or '-'})"

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(scope, EVERYONE if action == VIEW else PARTNERS)
