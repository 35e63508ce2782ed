"""Models of the engagements app, one module per topic (re-exported here)."""

from cpahub.engagements.models.acceptance import (
    Acceptance,
    AcceptanceAnswer,
    AcceptanceApproval,
    AnswerOption,
    IndependenceDeclaration,
    Question,
    QuestionnaireTemplate,
)
from cpahub.engagements.models.engagement import (
    FIRM_ONLY,
    BudgetLine,
    Engagement,
    Milestone,
    TeamMember,
    engagement_q,
)
from cpahub.engagements.models.workflow import ReportNumber, ReportSeries, ReviewSignoff, StatusChange

__all__ = [
    "FIRM_ONLY",
    "Acceptance",
    "AcceptanceAnswer",
    "AcceptanceApproval",
    "AnswerOption",
    "BudgetLine",
    "Engagement",
    "IndependenceDeclaration",
    "Milestone",
    "Question",
    "QuestionnaireTemplate",
    "ReportNumber",
    "ReportSeries",
    "ReviewSignoff",
    "StatusChange",
    "TeamMember",
    "engagement_q",
]
