"""Acceptance and continuance (业务承接评价): questionnaires, answers, approvals, independence.

A firm keeps one questionnaire per engagement type. Its questions are versioned with the template:
once an acceptance has used a version, editing makes a new version, so every past acceptance keeps
the exact questions and scores it was judged on.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.models import Organisation
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import VIEW
from cpahub.engagements.choices import (
    AcceptanceKind,
    AcceptanceStatus,
    ApprovalLevel,
    Decision,
    EngagementType,
    RiskLevel,
)
from cpahub.engagements.models.engagement import FIRM_ONLY, Engagement, _EngagementPart, engagement_q
from cpahub.practice.access import EVERYONE, PARTNERS, firm_q


def _template_q(scope, action, prefix=""):
    return firm_q(scope, EVERYONE if action == VIEW else PARTNERS, firm=f"{prefix}firm_id", office=None)


class QuestionnaireTemplate(ChangeLoggedModel):
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="acceptance_templates",
        limit_choices_to=FIRM_ONLY,
        verbose_name=_("firm"),
    )
    engagement_type = models.CharField(_("engagement type"), max_length=20, choices=EngagementType.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    medium_from = models.PositiveSmallIntegerField(
        _("medium risk from score"), help_text=_("A total score at or above this is medium risk.")
    )
    high_from = models.PositiveSmallIntegerField(
        _("high risk from score"), help_text=_("A total score at or above this is high risk.")
    )
    current = models.BooleanField(_("current version"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("acceptance questionnaire")
        verbose_name_plural = _("acceptance questionnaires")
        ordering = ["firm", "engagement_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "engagement_type", "version"], name="questionnaire_unique_version"
            ),
            models.UniqueConstraint(
                fields=["firm", "engagement_type"],
                condition=Q(current=True),
                name="questionnaire_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("engagements:questionnaire_detail", args=[self.pk])

    def clean(self):
        if self.medium_from is not None and self.high_from is not None and self.medium_from >= self.high_from:
            raise ValidationError(
                {"high_from": _("The high-risk score must be above the medium-risk score.")}
            )

    def level_for(self, score: int, forced_high: bool = False) -> str:
        if forced_high or score >= self.high_from:
            return RiskLevel.HIGH
        return RiskLevel.MEDIUM if score >= self.medium_from else RiskLevel.LOW

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return _template_q(scope, action)


class Question(ChangeLoggedModel):
    template = models.ForeignKey(QuestionnaireTemplate, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        _("question key"),
        max_length=40,
        help_text=_("Stays the same across versions; carries answers forward."),
    )
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["template", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="question_unique_key")]

    def __str__(self):
        return self.text

    @property
    def changelog_owner_id(self):
        return self.template.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return _template_q(scope, action, "template__")


class AnswerOption(ChangeLoggedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    label = models.CharField(_("answer"), max_length=200)
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    forces_high = models.BooleanField(
        _("always high risk"),
        default=False,
        help_text=_("Choosing this answer makes the risk high whatever the score."),
    )

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return f"{self.label} ({self.score})"

    @property
    def changelog_owner_id(self):
        return self.question.template.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return _template_q(scope, action, "question__template__")


class Acceptance(_EngagementPart):
    """The acceptance (or continuance) evaluation of one engagement."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="acceptance")
    template = models.ForeignKey(
        QuestionnaireTemplate,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("questionnaire"),
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=AcceptanceKind.choices, default=AcceptanceKind.NEW
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AcceptanceStatus.choices, default=AcceptanceStatus.DRAFT
    )
    round = models.PositiveSmallIntegerField(_("submission"), default=0)
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance evaluation")
        verbose_name_plural = _("acceptance evaluations")
        ordering = ["-pk"]

    def __str__(self):
        return str(_("Acceptance of %(engagement)s") % {"engagement": self.engagement})

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("engagements:acceptance", args=[self.engagement_id])


class _AcceptancePart(ChangeLoggedModel):
    """Rows of one acceptance evaluation: its engagement's visibility."""

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return self.acceptance.engagement.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_q(scope, action, prefix="acceptance__engagement__")


class AcceptanceAnswer(_AcceptancePart):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(AnswerOption, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("acceptance answer")
        verbose_name_plural = _("acceptance answers")
        ordering = ["acceptance", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "question"], name="acceptance_answer_unique")
        ]

    def __str__(self):
        return f"{self.question}: {self.option.label}"


class AcceptanceApproval(_AcceptancePart):
    """One approver's decision at one level of one submission; nobody decides at two levels."""

    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveSmallIntegerField(_("submission"))
    level = models.CharField(_("approval level"), max_length=10, choices=ApprovalLevel.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("acceptance approval")
        verbose_name_plural = _("acceptance approvals")
        ordering = ["acceptance", "round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "round", "level"], name="approval_one_per_level"),
            models.UniqueConstraint(
                fields=["acceptance", "round", "user"], name="approval_one_level_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()}: {self.get_decision_display()} ({self.user})"


class IndependenceDeclaration(_EngagementPart):
    """A team member's own independence declaration for one engagement (独立性声明)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="declarations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    independent = models.BooleanField(
        _("no threat to independence"),
        help_text=_(
            "I have no financial interest, relationship or other circumstance that threatens my independence."
        ),
    )
    threats = models.TextField(_("threats declared"), blank=True)
    safeguards = models.TextField(_("safeguards"), blank=True)
    safeguard_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("safeguards approved by"),
    )
    safeguard_approved_at = models.DateTimeField(_("safeguards approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("independence declaration")
        verbose_name_plural = _("independence declarations")
        ordering = ["engagement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="declaration_one_per_person")
        ]

    def __str__(self):
        return f"{self.user}: {self.engagement}"

    @property
    def cleared(self) -> bool:
        """No threat, or a declared threat whose safeguards the partner approved."""
        return self.independent or self.safeguard_approved_at is not None
