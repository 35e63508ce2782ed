from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotStatus(models.TextChoices):
    IMPORTING = "importing", _("Importing")
    ACCEPTED = "accepted", _("Accepted")
    ACCEPTED_WITH_WARNINGS = "warnings", _("Accepted with warnings")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded")


class Severity(models.TextChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Information")


class ProfileKind(models.TextChoices):
    LINES = "lines", _("Voucher lines")
    BALANCES = "balances", _("Account balances")
    ACCOUNTS = "accounts", _("Chart of accounts")
