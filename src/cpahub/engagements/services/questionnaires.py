"""The firm's acceptance questionnaires: seeded on first use, edited by partners, versioned when used."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cpahub.core.permissions import CHANGE, can
from cpahub.engagements.acceptance_defaults import default_questionnaire
from cpahub.engagements.choices import EngagementType
from cpahub.engagements.models import AnswerOption, Question, QuestionnaireTemplate
from cpahub.engagements.services.roles import require


def current_template(firm, engagement_type: str) -> QuestionnaireTemplate:
    """The firm's current questionnaire for the type; the default one is made the first time."""
    found = QuestionnaireTemplate.objects.filter(
        firm=firm, engagement_type=engagement_type, current=True
    ).first()
    return found or seed_default(firm, engagement_type)


def seed_default(firm, engagement_type: str) -> QuestionnaireTemplate:
    questions, medium, high = default_questionnaire(engagement_type)
    # Seeded in the site's language: the questionnaire is the firm's own text from then on.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with transaction.atomic():
                template = QuestionnaireTemplate.objects.create(
                    firm=firm,
                    engagement_type=engagement_type,
                    name=_("Acceptance evaluation: %(type)s")
                    % {"type": EngagementType(engagement_type).label},
                    medium_from=medium,
                    high_from=high,
                )
                for position, (key, text, guidance, options) in enumerate(questions, start=1):
                    question = Question.objects.create(
                        template=template, key=key, position=position, text=str(text), guidance=str(guidance)
                    )
                    for index, (label, score, forces_high) in enumerate(options, start=1):
                        AnswerOption.objects.create(
                            question=question,
                            position=index,
                            label=str(label),
                            score=score,
                            forces_high=forces_high,
                        )
        except IntegrityError:
            # Another request seeded it at the same moment: use theirs.
            return QuestionnaireTemplate.objects.get(firm=firm, engagement_type=engagement_type, current=True)
    return template


def in_use(template) -> bool:
    return template.acceptances.exists()


@transaction.atomic
def editable(actor, template: QuestionnaireTemplate) -> QuestionnaireTemplate:
    """The version to change: the template itself, or (once acceptances used it) a new current copy."""
    require(can(actor, CHANGE, template))
    template = QuestionnaireTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.current:
        raise ValidationError(_("This is an old version; edit the current one."))
    if not in_use(template):
        return template
    latest = QuestionnaireTemplate.objects.filter(
        firm_id=template.firm_id, engagement_type=template.engagement_type
    ).order_by("-version")[0]
    template.current = False
    template.save(update_fields=["current", "updated"])
    copy = QuestionnaireTemplate.objects.create(
        firm_id=template.firm_id,
        engagement_type=template.engagement_type,
        version=latest.version + 1,
        name=template.name,
        medium_from=template.medium_from,
        high_from=template.high_from,
        created_by=actor,
    )
    for question in template.questions.prefetch_related("options"):
        new = Question.objects.create(
            template=copy,
            key=question.key,
            position=question.position,
            text=question.text,
            guidance=question.guidance,
        )
        for option in question.options.all():
            AnswerOption.objects.create(
                question=new,
                position=option.position,
                label=option.label,
                score=option.score,
                forces_high=option.forces_high,
            )
    return copy


@transaction.atomic
def update_template(actor, template, *, name: str, medium_from: int, high_from: int) -> QuestionnaireTemplate:
    template = editable(actor, template)
    template.name = name
    template.medium_from = medium_from
    template.high_from = high_from
    template.full_clean()
    template.save()
    return template


def _clean_options(options) -> list[tuple[str, int, bool]]:
    kept = [
        (label.strip(), int(score), bool(high)) for label, score, high in options if label and label.strip()
    ]
    if len(kept) < 2:
        raise ValidationError({"options": _("A question needs at least two answers.")})
    if len({label for label, _score, _high in kept}) != len(kept):
        raise ValidationError({"options": _("Two answers have the same text.")})
    if any(score < 0 for _label, score, _high in kept):
        raise ValidationError({"options": _("Scores cannot be negative.")})
    return kept


@transaction.atomic
def save_question(
    actor, template, *, question_key: str | None, text: str, guidance: str, position: int, options
) -> tuple[QuestionnaireTemplate, Question]:
    """Add a question (no key) or change the question with `question_key`; answers replace the old ones."""
    kept = _clean_options(options)
    if not text.strip():
        raise ValidationError({"text": _("Enter the question.")})
    template = editable(actor, template)
    if question_key:
        question = template.questions.get(key=question_key)
    else:
        question = Question(template=template, key=_new_key(template, text))
    question.text = text.strip()
    question.guidance = guidance.strip()
    question.position = position
    question.save()
    question.options.all().delete()
    for index, (label, score, forces_high) in enumerate(kept, start=1):
        AnswerOption.objects.create(
            question=question, position=index, label=label, score=score, forces_high=forces_high
        )
    return template, question


def _new_key(template, text: str) -> str:
    base = (slugify(text)[:30] or "q").strip("-") or "q"
    taken = set(
        Question.objects.filter(
            template__firm_id=template.firm_id, template__engagement_type=template.engagement_type
        )
        .values_list("key", flat=True)
        .distinct()
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic
def delete_question(actor, template, question_key: str) -> QuestionnaireTemplate:
    template = editable(actor, template)
    if template.questions.count() <= 1:
        raise ValidationError(_("A questionnaire needs at least one question."))
    template.questions.filter(key=question_key).delete()
    return template
