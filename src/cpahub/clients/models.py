"""A firm's clients (客户 / 被审计单位), their contacts, and the firm's client blacklist (FIRM-1)."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgKind
from cpahub.accounts.models import Organisation
from cpahub.clients import industry as gbt4754
from cpahub.clients.choices import ClientStatus, Exchange, Ownership, RiskRating
from cpahub.clients.listing import clean_stock_code
from cpahub.clients.names import name_key
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
    # name_key(name): finds the same company written another way (see names.py).
    name_key = models.CharField(max_length=200, editable=False, default="")
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
    industry = models.CharField(
        _("industry (GB/T 4754)"),
        max_length=4,
        blank=True,
        validators=[gbt4754.validate_industry_code],
    )
    industry_section = models.CharField(_("industry section"), max_length=1, blank=True, editable=False)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    listed = models.BooleanField(_("listed"), default=False)
    stock_code = models.CharField(_("stock code"), max_length=10, blank=True)
    exchange = models.CharField(_("exchange"), max_length=10, choices=Exchange.choices, blank=True)
    registered_capital = models.DecimalField(_("registered capital"), null=True, blank=True, **MONEY)
    revenue = models.DecimalField(_("annual revenue"), null=True, blank=True, **MONEY)
    total_assets = models.DecimalField(_("total assets"), null=True, blank=True, **MONEY)
    # An explicit ceiling: the backend's integer range differs (SQLite 64-bit) and would leak into the API schema.
    employees = models.PositiveIntegerField(
        _("employees"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
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
        indexes = [
            models.Index(fields=["firm", "status"]),
            models.Index(fields=["firm", "name_key"], name="client_firm_name_key"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clients:client_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        # Derived columns: kept in step with what they derive from on every save.
        self.industry_section = gbt4754.section_of(self.industry)
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "industry_section", "name_key"}
        super().save(*args, **kwargs)

    def clean(self):
        """Normalise the codes and check the rules between fields; each error names its field."""
        errors: dict[str, list[str]] = {}

        self.name = " ".join((self.name or "").split())
        with contextlib.suppress(ValidationError):  # an invalid code is reported by the field's validator
            self.industry = gbt4754.clean_industry_code(self.industry)
        self._clean_listing(errors)
        if (
            self.firm_id
            and self.office_id not in (None, self.firm_id)
            and self.office.parent_id != self.firm_id
        ):
            errors["office"] = [gettext("The office must be the firm itself or one of its branches.")]
        try:
            self._clean_parent()
        except ValidationError as error:
            errors["parent"] = error.messages
        if errors:
            raise ValidationError(errors)

    def _clean_listing(self, errors: dict) -> None:
        if not self.listed:
            if self.stock_code or self.exchange:
                errors["listed"] = [
                    gettext(
                        "A stock code and exchange are only kept for a listed client: tick listed or "
                        "clear them."
                    )
                ]
            return
        if not self.exchange:
            errors["exchange"] = [gettext("A listed client needs its exchange.")]
        if not self.stock_code:
            errors["stock_code"] = [gettext("A listed client needs its stock code.")]
        elif self.exchange in Exchange.values:
            try:
                self.stock_code = clean_stock_code(self.exchange, self.stock_code)
            except ValidationError as error:
                errors["stock_code"] = error.messages

    def _clean_parent(self):
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError(gettext("A client cannot be its own parent company."))
        if self.parent.firm_id != self.firm_id:
            raise ValidationError(gettext("The parent company must be a client of the same firm."))
        seen = {self.parent_id}
        current = self.parent
        while current.parent_id is not None:
            if self.pk is not None and current.parent_id == self.pk:
                raise ValidationError(
                    gettext(
                        "%(parent)s is already in this client's group below it; the group would be a loop."
                    )
                    % {"parent": self.parent}
                )
            if current.parent_id in seen:
                break  # an old loop above: not this change's doing
            seen.add(current.parent_id)
            current = Client.objects.only("pk", "parent_id").get(pk=current.parent_id)

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

    def get_absolute_url(self):
        return self.client.get_absolute_url()

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
    name_key = models.CharField(max_length=200, editable=False, default="")
    reason = models.TextField(_("reason"))
    active = models.BooleanField(_("active"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivated_reason = models.TextField(_("reason for deactivation"), blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("client blacklist")
        ordering = ["firm", "name"]
        indexes = [
            models.Index(fields=["firm", "credit_code"], name="blacklist_firm_code"),
            models.Index(fields=["firm", "name_key"], name="blacklist_firm_name_key"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clients:blacklist_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        # Firm-level: the whole firm (branches too) reads the list it is screened against.
        if action == VIEW:
            return Q(firm_id__in=firms_for(scope, EVERYONE).values("pk"))
        return firm_q(scope, PARTNERS, office=None)

    @classmethod
    def can_add(cls, scope, **context):
        return firms_for(scope, PARTNERS).exists()
