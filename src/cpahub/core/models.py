from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import ALL, NOTHING, VIEW, RestrictedManager


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ChangeLoggedModel(TimeStampedModel):
    """A business object: every create, update and delete lands in ObjectChange by itself.

    Subclasses may define `changelog_owner_id` (the organisation the object belongs to) so that the
    organisation's own users can read its history.
    """

    objects = RestrictedManager()

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return None


# Apps whose objects are confidential to the firm that owns them (FIRM, STD): the association does not
# read their change history either.
FIRM_CONFIDENTIAL_APPS = ("practice", "clients", "engagements", "timesheets", "billing", "ledgers")


class ObjectChange(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    owner_id = models.BigIntegerField(_("owning organisation"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("core:change_detail", args=[self.pk])

    @property
    def diff(self) -> list[tuple[str, object, object]]:
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @classmethod
    def restrict_q(cls, scope, action):
        from cpahub.accounts.choices import Role

        if action != VIEW:
            return NOTHING  # the log is written by the system only
        if scope.has_role(Role.AUDIT_ADMIN):
            return ALL
        if scope.has_role(Role.ASSOCIATION_STAFF, Role.ASSOCIATION_LEADER):
            # A firm's practice data and client ledgers stay the firm's, history included.
            return ~models.Q(content_type__app_label__in=FIRM_CONFIDENTIAL_APPS)
        # Firm administrators and partners read their firm's history (objects of branches are
        # owned by the head office, see `changelog_owner_id`).
        owners = set(scope.admin_firm_ids) | set(scope.orgs_with(Role.PARTNER))
        if scope.city_codes:
            from cpahub.accounts.models import Organisation

            owners |= set(Organisation.objects.filter(city__in=scope.city_codes).values_list("pk", flat=True))
        if not owners:
            return NOTHING
        return models.Q(owner_id__in=owners)
