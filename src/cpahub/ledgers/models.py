"""Imported ledgers (STD): workspaces, immutable snapshots and their summaries, mapping profiles.

The ledger content itself is not in the database: a snapshot is a set of Parquet files of the
canonical tables (`canonical.py`) in Django storage under `storage_prefix`, identified by the SM3
digest of their content. The database keeps what lists and checks need: counts, totals, the
account summary and the validation findings.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import Role
from cpahub.accounts.models import Organisation
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import DELETE, EXPORT, NOTHING, VIEW, any_of
from cpahub.ledgers.choices import ProfileKind, Severity, SnapshotStatus

MONEY = {"max_digits": 20, "decimal_places": 2}
LEDGER_EDITORS = (Role.FIRM_ADMIN, Role.PARTNER, Role.MANAGER, Role.STAFF_AUDITOR, Role.CPA)
# Who may share a firm's mapping profile with every firm (and change or delete a shared one).
PROFILE_SHARERS = (Role.FIRM_ADMIN, Role.PARTNER, Role.MANAGER)


def _firm_scope_q(scope, action, field: str):
    """Client ledgers are confidential to the firm: only its people, never the association."""
    if not scope.authenticated:
        return NOTHING
    firms = scope.admin_firm_ids if action == DELETE else scope.firm_ids
    return Q(**{f"{field}__in": firms}) if firms else NOTHING


class Workspace(ChangeLoggedModel):
    """Where imported ledgers live: an engagement's, or a standalone workspace of a firm."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ledger_workspaces", verbose_name=_("firm")
    )
    name = models.CharField(_("name"), max_length=200)
    engagement_ref = models.CharField(_("engagement"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger workspace")
        verbose_name_plural = _("ledger workspaces")
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="workspace_unique_name")]

    def __str__(self):
        return self.name

    @property
    def changelog_owner_id(self):
        return self.organisation.changelog_owner_id

    @classmethod
    def restrict_q(cls, scope, action):
        return _firm_scope_q(scope, action, "organisation_id")

    @classmethod
    def can_add(cls, scope, organisation=None, **context):
        if organisation is None:
            return bool(scope.firm_ids)
        return organisation.pk in scope.firm_ids


class LedgerSnapshot(ChangeLoggedModel):
    """One import of one ledger: immutable once complete; a re-import supersedes it atomically."""

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="snapshots")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SnapshotStatus.choices,
        default=SnapshotStatus.IMPORTING,
        db_index=True,
    )
    canonical_version = models.CharField(_("data standard version"), max_length=10)
    source_format = models.CharField(_("source format"), max_length=30)
    source_name = models.CharField(_("source file"), max_length=255)
    source_size = models.BigIntegerField(_("source size (bytes)"), default=0)
    source_sm3 = models.CharField(_("source SM3 digest"), max_length=64)
    content_sm3 = models.CharField(_("content SM3 digest"), max_length=64, blank=True, db_index=True)
    storage_prefix = models.CharField(max_length=255, blank=True)
    entity_name = models.CharField(_("entity"), max_length=200, blank=True)
    credit_code = models.CharField(_("credit code"), max_length=30, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    fiscal_year = models.IntegerField(_("fiscal year"), null=True, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    account_count = models.IntegerField(_("accounts"), default=0)
    voucher_count = models.IntegerField(_("vouchers"), default=0)
    line_count = models.BigIntegerField(_("voucher lines"), default=0)
    total_debit = models.DecimalField(_("total debit"), default=0, **MONEY)
    total_credit = models.DecimalField(_("total credit"), default=0, **MONEY)
    error_count = models.IntegerField(_("errors"), default=0)
    warning_count = models.IntegerField(_("warnings"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # The options given to the format's read() (mapping profile, encoding ...), kept for the record.
    options = models.JSONField(_("reader options"), default=dict, blank=True)
    # Findings per check, all of them counted ("severity:code" -> n); at most a capped number per
    # check are stored as SnapshotIssue rows.
    check_counts = models.JSONField(_("findings per check"), default=dict, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger snapshot")
        verbose_name_plural = _("ledger snapshots")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.entity_name or self.source_name} {self.fiscal_year or ''}".strip()

    def get_absolute_url(self):
        return reverse("ledgers:snapshot_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.workspace.changelog_owner_id

    @property
    def usable(self) -> bool:
        return self.status in (SnapshotStatus.ACCEPTED, SnapshotStatus.ACCEPTED_WITH_WARNINGS)

    @classmethod
    def restrict_q(cls, scope, action):
        return _firm_scope_q(scope, action, "workspace__organisation_id")


class SnapshotAccount(models.Model):
    """Trial-balance summary of a snapshot per account (the lines stay in Parquet)."""

    snapshot = models.ForeignKey(LedgerSnapshot, on_delete=models.CASCADE, related_name="accounts")
    code = models.CharField(_("account code"), max_length=60)
    name = models.CharField(_("account name"), max_length=200)
    level = models.IntegerField(_("level"), default=1)
    type = models.CharField(_("type"), max_length=20, blank=True)
    normal_balance = models.CharField(_("normal balance"), max_length=1, blank=True)
    opening = models.DecimalField(_("opening balance"), default=0, **MONEY)
    debit = models.DecimalField(_("debit"), default=0, **MONEY)
    credit = models.DecimalField(_("credit"), default=0, **MONEY)
    closing = models.DecimalField(_("closing balance"), default=0, **MONEY)

    class Meta:
        verbose_name = _("snapshot account")
        verbose_name_plural = _("snapshot accounts")
        ordering = ["snapshot", "code"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "code"], name="snapshot_account_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"


class SnapshotIssue(models.Model):
    """A validation finding of an import (STD-4), pointing at file, line or element."""

    snapshot = models.ForeignKey(LedgerSnapshot, on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    code = models.CharField(_("check"), max_length=60, db_index=True)
    message = models.CharField(_("message"), max_length=500)
    location = models.CharField(_("location"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("validation finding")
        verbose_name_plural = _("validation findings")
        ordering = ["snapshot", "pk"]

    def __str__(self):
        return f"{self.severity} {self.code}"


class MappingProfile(ChangeLoggedModel):
    """How to read a CSV/XLSX export: which column is which canonical field, and the file's conventions.

    Built-in profiles (用友 U8/T+, 金蝶 K/3, KIS) have no organisation; a firm's own profiles belong
    to it, and `shared` ones are offered to every firm (read-only: they clone them to adapt them).
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("content"), max_length=10, choices=ProfileKind.choices)
    software = models.CharField(_("accounting software"), max_length=60, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mapping_profiles",
        verbose_name=_("firm"),
    )
    shared = models.BooleanField(_("shared with every firm"), default=False)
    builtin = models.BooleanField(_("built in"), default=False, editable=False)
    columns = models.JSONField(_("column mapping"), default=dict)  # source header -> canonical field
    options = models.JSONField(_("options"), default=dict, blank=True)  # encoding, delimiter, date format...
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")
        ordering = ["-builtin", "software", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "kind"], name="mapping_profile_unique_name"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ledgers:profile_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.organisation.changelog_owner_id if self.organisation_id else None

    @classmethod
    def restrict_q(cls, scope, action):
        """Built-in and shared profiles are visible to every signed-in user, a firm's own only to
        its people. Only the firm's ledger editors change or delete its profiles; a shared one only
        those who may share (firm admin, partner, manager), since other firms rely on it."""
        if not scope.authenticated:
            return NOTHING
        if action in (VIEW, EXPORT):
            return any_of(
                Q(builtin=True) | Q(shared=True),
                Q(organisation_id__in=scope.firm_ids) if scope.firm_ids else NOTHING,
            )
        editors = cls.editor_firm_ids(scope)
        if not editors:
            return NOTHING
        own = Q(organisation_id__in=editors, builtin=False)
        sharers = cls.sharer_firm_ids(scope)
        return own & (Q(shared=False) | Q(organisation_id__in=sharers)) if sharers else own & Q(shared=False)

    @classmethod
    def editor_firm_ids(cls, scope) -> frozenset[int]:
        return scope.orgs_with(*LEDGER_EDITORS) & scope.firm_ids

    @classmethod
    def sharer_firm_ids(cls, scope) -> frozenset[int]:
        return scope.orgs_with(*PROFILE_SHARERS) & scope.firm_ids

    @classmethod
    def can_add(cls, scope, organisation=None, **context):
        editors = cls.editor_firm_ids(scope)
        if organisation is None:
            return bool(editors)
        return organisation.pk in editors
