from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalForm(models.TextChoices):
    GENERAL_PARTNERSHIP = "general_partnership", _("General partnership")
    SPECIAL_PARTNERSHIP = "special_partnership", _("Special general partnership")
    LIMITED_COMPANY = "limited_company", _("Limited liability company")


class CPAStatus(models.TextChoices):
    PRACTISING = "practising", _("Practising")
    NON_PRACTISING = "non_practising", _("Non-practising member")
    CANCELLED = "cancelled", _("Cancelled")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class CPAEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    JOINED = "joined", _("Joined a firm")
    MOVED = "moved", _("Moved to another firm")
    LEFT = "left", _("Left the firm")
    STATUS = "status", _("Status changed")


class SubjectKind(models.TextChoices):
    FIRM = "firm", _("Firm")
    CPA = "cpa", _("CPA")


class PenaltyKind(models.TextChoices):
    ADMONITION = "admonition", _("Admonition talk")
    CRITICISM = "criticism", _("Notice of criticism")
    CENSURE = "censure", _("Public censure")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    CONFISCATION = "confiscation", _("Confiscation of illegal gains")
    SUSPENSION = "suspension", _("Suspension of practice")
    REVOCATION = "revocation", _("Revocation of licence")
    OTHER = "other", _("Other")


class Authority(models.TextChoices):
    MOF = "mof", _("Ministry of Finance")
    PROVINCIAL_FINANCE = "finance_dept", _("Provincial Department of Finance")
    CSRC = "csrc", _("China Securities Regulatory Commission")
    CSRC_OFFICE = "csrc_office", _("CSRC local office")
    CICPA = "cicpa", _("Chinese Institute of CPAs")
    ASSOCIATION = "association", _("Provincial CPA association")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
