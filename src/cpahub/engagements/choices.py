from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EngagementType(models.TextChoices):
    FS_AUDIT = "fs_audit", _("Annual financial-statement audit")
    CAPITAL_VERIFICATION = "capital", _("Capital verification")
    SPECIAL_AUDIT = "special", _("Special-purpose audit")
    REVIEW = "review", _("Review")
    AUP = "aup", _("Agreed-upon procedures")
    TAX = "tax", _("Tax assurance")
    OTHER_ASSURANCE = "other_assurance", _("Other assurance")
    NON_ASSURANCE = "non_assurance", _("Other services")


# The word of the report number (文号) per type: 审字, 验字, 专审字 ...
REPORT_WORDS = {
    EngagementType.FS_AUDIT: "审",
    EngagementType.CAPITAL_VERIFICATION: "验",
    EngagementType.SPECIAL_AUDIT: "专审",
    EngagementType.REVIEW: "阅",
    EngagementType.AUP: "商",
    EngagementType.TAX: "税鉴",
    EngagementType.OTHER_ASSURANCE: "鉴",
    EngagementType.NON_ASSURANCE: "咨",
}


class Status(models.TextChoices):
    """The pipeline 业务承接评估 → 立项 → 派工 → 外勤 → 三级复核 → 出具报告 → 归档."""

    PROPOSED = "proposed", _("Proposed (acceptance pending)")
    ACCEPTED = "accepted", pgettext_lazy("engagement status", "Accepted")
    PLANNED = "planned", _("Planned")
    FIELDWORK = "fieldwork", _("Fieldwork")
    REVIEW = "review", _("Review")
    ISSUED = "issued", _("Report issued")
    ARCHIVED = "archived", _("Archived")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", pgettext_lazy("engagement status", "Cancelled")


class TeamRole(models.TextChoices):
    PARTNER = "partner", _("Engagement partner")
    QUALITY_REVIEWER = "eqr", _("Quality reviewer")
    MANAGER = "manager", _("Manager")
    SENIOR = "senior", _("Senior")
    STAFF = "staff", pgettext_lazy("team role", "Staff")


# Nothing more is done on an engagement in these states.
CLOSED = frozenset({Status.ARCHIVED, Status.DECLINED, Status.CANCELLED})


class AcceptanceKind(models.TextChoices):
    NEW = "new", _("New client or engagement")
    CONTINUANCE = "continuance", _("Continuance")


class AcceptanceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class ApprovalLevel(models.TextChoices):
    """The approval ladder of acceptance: manager, then partner, then (high risk) quality partner."""

    MANAGER = "manager", _("Manager")
    PARTNER = "partner", _("Partner")
    QUALITY = "quality", _("Risk and quality partner")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReviewLevel(models.IntegerChoices):
    """三级复核: the three sign-offs every report needs before it is issued."""

    MANAGER = 1, _("First-level review (engagement manager)")
    PARTNER = 2, _("Second-level review (department manager or engagement partner)")
    QUALITY = 3, _("Third-level review (chief accountant or quality reviewer)")
