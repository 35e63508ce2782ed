"""Usage of the platform per firm and month (the plan pays subsidies and charges licence fees by use).

`ActiveDay` records that a user did something on a day (one row per user and day, written by the
middleware at most once per session and day); `UsageRecord` keeps a firm's figures for a month once
the month is closed (`cpahub usage close`), so that later changes of memberships or CPA numbers do not
rewrite history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import PROVINCE_ROLES, OrgKind, Role
from cpahub.accounts.models import Organisation
from cpahub.core.permissions import ALL, NOTHING, VIEW, RestrictedManager, any_of


class ActiveDay(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="active_days")
    day = models.DateField(_("day"), db_index=True)

    class Meta:
        verbose_name = _("active day")
        verbose_name_plural = _("active days")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="active_day_unique")]

    def __str__(self):
        return f"{self.user_id} {self.day}"


class UsageRecord(models.Model):
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="usage_records",
        limit_choices_to={"kind": OrgKind.FIRM, "parent__isnull": True},
        verbose_name=_("firm"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    cpas = models.PositiveIntegerField(_("practising CPAs"), default=0)
    active_users = models.PositiveIntegerField(_("active users"), default=0)
    engagements_open = models.PositiveIntegerField(_("engagements in progress"), default=0)
    engagements_new = models.PositiveIntegerField(_("new engagements"), default=0)
    time_entries = models.PositiveIntegerField(_("time entries"), default=0)
    reports_issued = models.PositiveIntegerField(_("reports issued"), default=0)
    closed_at = models.DateTimeField(_("closed"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        ordering = ["-month", "firm__name"]
        constraints = [models.UniqueConstraint(fields=["firm", "month"], name="usage_record_unique")]

    def __str__(self):
        return f"{self.firm} {self.month:%Y-%m}"

    @classmethod
    def restrict_q(cls, scope, action):
        return usage_q(scope, action, "firm")


def usage_q(scope, action, firm: str):
    """The association sees every firm, a city association its city's, a firm's partners their firm."""
    if action != VIEW or not scope.authenticated:
        return NOTHING
    if scope.has_role(*PROVINCE_ROLES):
        return ALL
    own = scope.orgs_with(Role.FIRM_ADMIN, Role.PARTNER) & scope.firm_ids
    return any_of(
        Q(**{f"{firm}__city__in": scope.city_codes}) if scope.city_codes else NOTHING,
        Q(**{f"{firm}__in": own}) if own else NOTHING,
    )
