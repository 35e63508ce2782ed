"""A firm's clients (客户 / 被审计单位), their contacts, and the firm's client blacklist (FIRM-1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgKind
from cpahub.accounts.models import Organisation
from cpahub.clients.choices import ClientStatus, Exchange, Ownership, RiskRating
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import VIEW
from cpahub.core.validators import validate_credit_code
from cpahub.practice.access import EVERYONE, MANAGERS, PARTNERS, firm_q, firms_for

MONEY = {"max_digits": 18, "decimal_places": 2}


class Client(ChangeLoggedModel):
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="clients",
        limit_choices_to={"kind": OrgKind.FIRM, "parent__isnull": True},
        verbose_name=_("firm"),
    )
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="office_clients",
        limit_choices_to={"kind": OrgKind.FIRM},
        verbose_name=_("office"),
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    # GB/T 4754-2017: a division (2 digits) or finer; the section letter is derived from it.
    industry = models.CharField(_("industry (GB/T 4754)"), max_length=4, blank=True)
    industry_section = models.CharField(_("industry section"), max_length=1, blank=True, editable=False)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    listed = models.BooleanField(_("listed"), default=False)
    stock_code = models.CharField(_("stock code"), max_length=10, blank=True)
    exchange = models.CharField(_("exchange"), max_length=10, choices=Exchange.choices, blank=True)
    registered_capital = models.DecimalField(_("registered capital"), null=True, blank=True, **MONEY)
    revenue = models.DecimalField(_("annual revenue"), null=True, blank=True, **MONEY)
    total_assets = models.DecimalField(_("total assets"), null=True, blank=True, **MONEY)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=6, choices=City.choices, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
        verbose_name=_("parent company"),
    )
    risk_rating = models.CharField(_("risk rating"), max_length=10, choices=RiskRating.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "credit_code"],
                condition=~Q(credit_code=""),
                name="client_unique_credit_code",
            )
        ]
        indexes = [models.Index(fields=["firm", "status"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clients:client_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(scope, EVERYONE if action == VIEW else MANAGERS)

    @classmethod
    def can_add(cls, scope, **context):
        return firms_for(scope, MANAGERS).exists()


class ClientContact(ChangeLoggedModel):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("position"), max_length=60, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    primary = models.BooleanField(_("main contact"), default=False)

    class Meta:
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")
        ordering = ["client", "-primary", "name"]

    def __str__(self):
        return self.name

    @property
    def changelog_owner_id(self):
        return self.client.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(
            scope,
            EVERYONE if action == VIEW else MANAGERS,
            firm="client__firm_id",
            office="client__office_id",
        )


class BlacklistEntry(ChangeLoggedModel):
    """A party the firm will not accept as a client; matched by credit code, else by exact name."""

    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="client_blacklist",
        limit_choices_to={"kind": OrgKind.FIRM, "parent__isnull": True},
        verbose_name=_("firm"),
    )
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    reason = models.TextField(_("reason"))
    active = models.BooleanField(_("active"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("client blacklist")
        ordering = ["firm", "name"]

    def __str__(self):
        return self.name

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return firm_q(scope, EVERYONE if action == VIEW else PARTNERS, office=None)

    @classmethod
    def can_add(cls, scope, **context):
        return firms_for(scope, PARTNERS).exists()
