from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import PROVINCE_ROLES, City, OrgStatus, Role
from cpahub.accounts.models import Organisation
from cpahub.core.fields import EncryptedTextField
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import ALL, CHANGE, DELETE, EXPORT, NOTHING, VIEW, any_of
from cpahub.core.validators import mask_resident_id, validate_credit_code
from cpahub.registry.choices import (
    ApplicationStatus,
    Authority,
    CPAEventKind,
    CPAStatus,
    Gender,
    LegalForm,
    PenaltyKind,
    SubjectKind,
)

READ_ALL_ROLES = (*PROVINCE_ROLES, Role.REGULATOR_READER)
PUBLIC_FIRM_STATUSES = (OrgStatus.ACTIVE, OrgStatus.SUSPENDED, OrgStatus.CLOSED)


class Firm(ChangeLoggedModel):
    """The registry record of an accounting firm or branch; its organisation holds name, code, city."""

    organisation = models.OneToOneField(
        Organisation, primary_key=True, on_delete=models.PROTECT, related_name="firm"
    )
    firm_no = models.CharField(_("firm number"), max_length=20, unique=True, null=True, blank=True)
    licence_no = models.CharField(_("practice licence number"), max_length=30, unique=True)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    founded = models.DateField(_("founding date"), null=True, blank=True)
    securities_qualified = models.BooleanField(_("securities business qualification"), default=False)
    chief_partner = models.CharField(_("chief partner"), max_length=60, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["organisation__name"]

    def __str__(self):
        return self.organisation.name

    def get_absolute_url(self):
        return reverse("registry:firm_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.organisation.changelog_owner_id

    @classmethod
    def restrict_q(cls, scope, action):
        if not scope.authenticated:
            return Q(organisation__status__in=PUBLIC_FIRM_STATUSES) if action == VIEW else NOTHING
        if action == DELETE:
            return NOTHING  # firms are closed, never deleted
        if scope.has_role(*PROVINCE_ROLES):
            return ALL
        if action in (VIEW, EXPORT) and scope.has_role(Role.REGULATOR_READER):
            return ALL
        own = scope.admin_firm_ids if action == CHANGE else scope.firm_ids
        return any_of(
            Q(organisation__city__in=scope.city_codes) if scope.city_codes else NOTHING,
            Q(pk__in=own) if own else NOTHING,
        )

    @classmethod
    def can_add(cls, scope, **context):
        return scope.has_role(*PROVINCE_ROLES) or bool(scope.city_codes)


class CPA(ChangeLoggedModel):
    """A certified public accountant or non-practising member. The ID number is encrypted at rest."""

    certificate_no = models.CharField(_("certificate number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    qualified_on = models.DateField(_("qualification date"), null=True, blank=True)
    firm = models.ForeignKey(
        Firm,
        verbose_name=_("current firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cpas",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CPAStatus.choices,
        default=CPAStatus.PRACTISING,
        db_index=True,
    )
    is_partner = models.BooleanField(_("partner"), default=False)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cpa",
    )

    class Meta:
        verbose_name = _("CPA")
        verbose_name_plural = _("CPAs")
        ordering = ["certificate_no"]
        indexes = [models.Index(fields=["firm", "status"])]

    def __str__(self):
        return f"{self.name} ({self.certificate_no})"

    def get_absolute_url(self):
        return reverse("registry:cpa_detail", args=[self.pk])

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)

    @property
    def changelog_owner_id(self):
        return self.firm.changelog_owner_id if self.firm_id else None

    def save(self, *args, **kwargs):
        from cpahub.core.crypto import blind_index

        self.id_number_index = blind_index(self.id_number) if self.id_number else None
        super().save(*args, **kwargs)

    @classmethod
    def restrict_q(cls, scope, action):
        if not scope.authenticated:
            return (
                Q(status__in=[CPAStatus.PRACTISING, CPAStatus.NON_PRACTISING]) if action == VIEW else NOTHING
            )
        if scope.has_role(*PROVINCE_ROLES):
            return NOTHING if action == DELETE and not scope.has_role(Role.ASSOCIATION_STAFF) else ALL
        if action in (VIEW, EXPORT) and scope.has_role(Role.REGULATOR_READER):
            return ALL
        if action == DELETE:
            return NOTHING
        own = scope.admin_firm_ids if action == CHANGE else scope.firm_ids
        return any_of(
            Q(firm__organisation__city__in=scope.city_codes) if scope.city_codes else NOTHING,
            Q(firm_id__in=own) if own else NOTHING,
            Q(pk__in=scope.person_ids) if action == VIEW and scope.person_ids else NOTHING,
        )

    @classmethod
    def can_add(cls, scope, firm=None, **context):
        if scope.has_role(*PROVINCE_ROLES):
            return True
        if firm is None:
            return bool(scope.city_codes)
        return firm.pk in scope.admin_firm_ids or firm.organisation.city in scope.city_codes


class CPAEvent(models.Model):
    """History of a CPA: firm moves and status changes, with their effective dates."""

    cpa = models.ForeignKey(CPA, on_delete=models.CASCADE, related_name="events")
    date = models.DateField(_("date"))
    kind = models.CharField(_("event"), max_length=20, choices=CPAEventKind.choices)
    from_firm = models.ForeignKey(
        Firm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from firm"),
    )
    to_firm = models.ForeignKey(
        Firm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to firm"),
    )
    from_status = models.CharField(_("from status"), max_length=20, choices=CPAStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=CPAStatus.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("CPA history event")
        verbose_name_plural = _("CPA history")
        ordering = ["cpa", "date", "pk"]

    def __str__(self):
        return f"{self.cpa} {self.date} {self.get_kind_display()}"


class Penalty(ChangeLoggedModel):
    """A penalty or disciplinary measure against a firm or a CPA."""

    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    firm = models.ForeignKey(
        Firm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
        verbose_name=_("firm"),
    )
    cpa = models.ForeignKey(
        CPA,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
        verbose_name=_("CPA"),
    )
    authority = models.CharField(_("authority"), max_length=20, choices=Authority.choices)
    decided_on = models.DateField(_("decision date"), db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=PenaltyKind.choices)
    document_no = models.CharField(_("document number"), max_length=80, unique=True)
    text = models.TextField(_("text"))
    published = models.BooleanField(_("published"), default=False, db_index=True)

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_kind="firm", firm__isnull=False, cpa__isnull=True))
                | Q(subject_kind="cpa", cpa__isnull=False),
                name="penalty_subject_matches_kind",
            )
        ]

    def __str__(self):
        return self.document_no

    def get_absolute_url(self):
        return reverse("registry:penalty_detail", args=[self.pk])

    @property
    def subject(self):
        return self.firm if self.subject_kind == SubjectKind.FIRM else self.cpa

    @property
    def changelog_owner_id(self):
        firm = self.firm if self.firm_id else None
        return firm.changelog_owner_id if firm else None

    @classmethod
    def restrict_q(cls, scope, action):
        if not scope.authenticated:
            return Q(published=True) if action == VIEW else NOTHING
        if scope.has_role(Role.ASSOCIATION_STAFF):
            return ALL
        if action in (VIEW, EXPORT) and scope.has_role(*READ_ALL_ROLES):
            return ALL
        if action not in (VIEW, EXPORT):
            return NOTHING
        q = Q(published=True)
        if scope.city_codes:
            q |= Q(firm__organisation__city__in=scope.city_codes)
            q |= Q(cpa__firm__organisation__city__in=scope.city_codes)
        if scope.firm_ids:
            q |= Q(firm_id__in=scope.firm_ids) | Q(cpa__firm_id__in=scope.firm_ids)
        if scope.person_ids:
            q |= Q(cpa_id__in=scope.person_ids)
        return q

    @classmethod
    def can_add(cls, scope, **context):
        return scope.has_role(Role.ASSOCIATION_STAFF)


class IndustryCase(ChangeLoggedModel):
    """A published industry case (典型案例) for the public and the profession."""

    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=60, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("text"))
    penalty = models.ForeignKey(
        Penalty,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("related penalty"),
    )
    published = models.BooleanField(_("published"), default=False, db_index=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)

    class Meta:
        verbose_name = _("industry case")
        verbose_name_plural = _("industry cases")
        ordering = ["-published_on", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("registry:case_detail", args=[self.pk])

    @classmethod
    def restrict_q(cls, scope, action):
        if scope.has_role(Role.ASSOCIATION_STAFF):
            return ALL
        if action == VIEW:
            return ALL if scope.has_role(*READ_ALL_ROLES) else Q(published=True)
        return NOTHING

    @classmethod
    def can_add(cls, scope, **context):
        return scope.has_role(Role.ASSOCIATION_STAFF)


class FirmApplication(ChangeLoggedModel):
    """A firm's request to join the platform (SEC-2); approval creates the firm and its administrator."""

    name = models.CharField(_("firm name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    licence_no = models.CharField(_("practice licence number"), max_length=30)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    city = models.CharField(_("city"), max_length=6, choices=City.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    founded = models.DateField(_("founding date"), null=True, blank=True)
    parent = models.ForeignKey(
        Firm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("head office (for a branch)"),
    )
    contact_name = models.CharField(_("administrator name"), max_length=60)
    contact_email = models.EmailField(_("administrator email"))
    contact_phone = models.CharField(_("administrator mobile phone"), max_length=20)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    firm = models.OneToOneField(
        Firm, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        verbose_name = _("firm application")
        verbose_name_plural = _("firm applications")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(status="pending"),
                name="one_pending_application_per_code",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:application_detail", args=[self.pk])

    @classmethod
    def restrict_q(cls, scope, action):
        if action == DELETE or not scope.authenticated:
            return NOTHING
        if scope.has_role(*PROVINCE_ROLES):
            return ALL
        if scope.city_codes:
            return Q(city__in=scope.city_codes)
        return NOTHING

    @classmethod
    def can_add(cls, scope, **context):
        return True  # anyone may apply; approval is the gate
