from django.db import models
from django.utils.translation import gettext_lazy as _


class Ownership(models.TextChoices):
    """Ownership type as firms record it for filings (国有 / 集体 / 民营 / 外资 ...)."""

    STATE_CENTRAL = "state_central", _("State-owned (central)")
    STATE_LOCAL = "state_local", _("State-owned (local)")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign-invested")
    HMT = "hmt", _("Hong Kong, Macao or Taiwan invested")
    MIXED = "mixed", _("Mixed ownership")
    PUBLIC_BODY = "public_body", _("Government body or public institution")
    NON_PROFIT = "non_profit", _("Social organisation or non-profit")
    OTHER = "other", _("Other")


class RiskRating(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Exchange(models.TextChoices):
    SSE = "sse", _("Shanghai Stock Exchange")
    SZSE = "szse", _("Shenzhen Stock Exchange")
    BSE = "bse", _("Beijing Stock Exchange")
    NEEQ = "neeq", _("National Equities Exchange and Quotations")
    HKEX = "hkex", _("Hong Kong Stock Exchange")
    OTHER = "other", _("Other exchange")
