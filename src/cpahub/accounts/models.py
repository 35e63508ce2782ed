import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import (
    FIRM_ROLES,
    PROVINCE_ROLES,
    City,
    OrgKind,
    OrgStatus,
    Outcome,
    Role,
    SecurityEventType,
)
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import (
    ALL,
    CHANGE,
    DELETE,
    EXPORT,
    NOTHING,
    VIEW,
    RestrictedQuerySet,
    any_of,
)
from cpahub.core.validators import validate_credit_code


class UserManager(DjangoUserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in. What they may do comes from their memberships, not from flags here."""

    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    @property
    def changelog_owner_id(self):
        return None

    def active_memberships(self):
        return self.memberships.filter(active=True, organisation__status=OrgStatus.ACTIVE)

    @classmethod
    def restrict_q(cls, scope, action):
        if scope.has_role(Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN):
            return ALL
        if action == VIEW and scope.has_role(*PROVINCE_ROLES):
            return ALL
        reach = set(scope.admin_firm_ids)
        if action == VIEW:
            reach |= scope.firm_ids
        return any_of(
            Q(pk=scope.user_id) if scope.authenticated else NOTHING,
            Q(memberships__organisation_id__in=reach) if reach else NOTHING,
        )


class Organisation(ChangeLoggedModel):
    """Every kind of body on the platform: associations, firms and branches, regulators, banks, clients."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    city = models.CharField(_("city"), max_length=6, choices=City.choices, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrgStatus.choices,
        default=OrgStatus.ACTIVE,
        db_index=True,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "city"])]

    def __str__(self):
        return self.name

    @property
    def changelog_owner_id(self):
        return self.parent_id if self.is_branch else self.pk

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("accounts:organisation_detail", args=[self.pk])

    @property
    def is_branch(self) -> bool:
        return self.kind == OrgKind.FIRM and self.parent_id is not None

    @classmethod
    def can_add(cls, scope, **context):
        # Association staff add city associations, regulators, banks and audited entities
        # (`services.create_organisation`); firms are added through the registry.
        return scope.has_role(Role.ASSOCIATION_STAFF)

    @classmethod
    def restrict_q(cls, scope, action):
        if action == DELETE:
            return NOTHING  # organisations are closed, never deleted
        if scope.has_role(*PROVINCE_ROLES):
            return ALL
        if action in (VIEW, EXPORT) and scope.has_role(
            Role.REGULATOR_READER, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN
        ):
            return ALL
        if action == EXPORT:
            action = VIEW
        cities = scope.city_codes
        own = scope.admin_firm_ids if action == CHANGE else scope.org_ids | scope.firm_ids
        return any_of(
            Q(city__in=cities, kind__in=[OrgKind.FIRM, OrgKind.AUDITED_ENTITY]) if cities else NOTHING,
            Q(kind=OrgKind.CITY_ASSOCIATION, city__in=cities) if cities and action == VIEW else NOTHING,
            Q(pk__in=own) if own else NOTHING,
        )


class Membership(ChangeLoggedModel):
    """A user's role in an organisation. Leaving staff are deactivated, never deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    started = models.DateField(_("started"), default=timezone.localdate)
    ended = models.DateField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(active=True),
                name="membership_unique_active_role",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def changelog_owner_id(self):
        return self.organisation.changelog_owner_id

    @classmethod
    def restrict_q(cls, scope, action):
        if scope.has_role(Role.SECURITY_ADMIN):
            return ALL
        if action == VIEW and scope.has_role(*PROVINCE_ROLES, Role.SYSTEM_ADMIN):
            return ALL
        firms = scope.admin_firm_ids
        return any_of(
            Q(user_id=scope.user_id) if (scope.authenticated and action == VIEW) else NOTHING,
            Q(organisation_id__in=firms, role__in=FIRM_ROLES) if firms else NOTHING,
        )


class Invitation(models.Model):
    """An expiring link that lets a person create their account with given roles."""

    token_digest = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    roles = models.JSONField(_("roles"), default=list)
    email = models.EmailField(_("email"), blank=True)
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("expires"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.organisation} → {self.email or self.display_name}"

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=7)

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def usable(self) -> bool:
        return not self.revoked and self.accepted_at is None and self.expires > timezone.now()


class PasswordHistory(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=256)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d}"


class SecurityEventQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("the security log cannot be changed")

    def delete(self):
        raise PermissionError("the security log is pruned only by `cpahub prune_security_log`")


class SecurityEvent(models.Model):
    """Append-only security log. Database triggers refuse updates and early deletes."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    event = models.CharField(_("event"), max_length=30, choices=SecurityEventType.choices, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    previous_digest = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = models.Manager.from_queryset(SecurityEventQuerySet)()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-time", "-pk"]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.event} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the security log cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the security log is pruned only by `cpahub prune_security_log`")

    @classmethod
    def restrict_q(cls, scope, action):
        # Only the audit administrator reads the log; nobody edits it.
        if action in (VIEW, EXPORT) and scope.has_role(Role.AUDIT_ADMIN):
            return ALL
        return NOTHING
