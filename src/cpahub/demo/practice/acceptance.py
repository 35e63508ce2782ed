"""Acceptance and continuance evaluations: the firm's questionnaires, answers scored to each
engagement's risk, approvals by level, and the team's independence declarations."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cpahub.demo.practice.context import Job, Practice
from cpahub.demo.practice.store import moment
from cpahub.engagements.acceptance_defaults import default_questionnaire
from cpahub.engagements.choices import (
    AcceptanceKind,
    AcceptanceStatus,
    ApprovalLevel,
    Decision,
    EngagementType,
    RiskLevel,
    Status,
    TeamRole,
)
from cpahub.engagements.models import (
    Acceptance,
    AcceptanceAnswer,
    AcceptanceApproval,
    AnswerOption,
    IndependenceDeclaration,
    Question,
    QuestionnaireTemplate,
)

DAY = datetime.timedelta(days=1)
THREATS = (
    ("本人配偶持有该客户少量流通股票。", "已于承接前全部出售，并经项目合伙人确认。"),
    ("本人三年前曾在该客户关联公司任出纳。", "不安排本人执行该关联公司相关程序，并由经理复核本人工作。"),
)


def seed_templates(practice: Practice, kinds) -> dict:
    """The firm's current questionnaire per engagement type (the defaults, as the app seeds them)."""
    store, firm = practice.store, practice.firm
    templates = {}
    with translation.override(settings.LANGUAGE_CODE):
        for kind in sorted(kinds):
            _questions, medium, high = default_questionnaire(kind)
            name = _("Acceptance evaluation: %(type)s") % {"type": EngagementType(kind).label}
            templates[kind] = QuestionnaireTemplate(
                firm=firm, engagement_type=kind, name=name, medium_from=medium, high_from=high
            )
        store.add(list(templates.values()), owner=firm.pk)
        questions, options = [], []
        for kind, template in templates.items():
            template.items = []
            for position, (key, text, guidance, choices) in enumerate(default_questionnaire(kind)[0], 1):
                question = Question(
                    template=template, key=key, position=position, text=str(text), guidance=str(guidance)
                )
                question.choices = [
                    AnswerOption(
                        question=question, position=i, label=str(label), score=score, forces_high=high
                    )
                    for i, (label, score, high) in enumerate(choices, 1)
                ]
                questions.append(question)
                template.items.append(question)
        store.add(questions, owner=firm.pk)
        for question in questions:
            options += question.choices
        store.add(options, owner=firm.pk)
    return templates


def _answers(rng, template, target: str) -> list:
    """One option per question whose total score falls in the band of `target` risk."""
    picks = {q.key: q.choices[0] for q in template.items}
    moderate = [
        (q, o) for q in template.items for o in q.choices[1:] if 0 < o.score <= 5 and not o.forces_high
    ]
    rng.shuffle(moderate)
    score = sum(o.score for o in picks.values())
    floor = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: template.medium_from, RiskLevel.HIGH: template.high_from}
    goal = floor[target] + (rng.randint(0, 3) if target != RiskLevel.LOW else rng.randint(0, 4))
    ceiling = template.high_from - 1 if target == RiskLevel.MEDIUM else template.medium_from - 1
    for question, option in moderate:
        if score >= goal:
            break
        change = option.score - picks[question.key].score
        if change <= 0 or (target != RiskLevel.HIGH and score + change > ceiling):
            continue
        picks[question.key] = option
        score += change
    return [(q, picks[q.key]) for q in template.items]


def level_of(template, answers) -> tuple[int, str]:
    score = sum(o.score for _q, o in answers)
    forced = any(o.forces_high for _q, o in answers)
    return score, template.level_for(score, forced)


def make_acceptances(practice: Practice, templates: dict) -> None:
    rng = practice.rng("acceptance")
    store, firm, as_of = practice.store, practice.firm, practice.as_of
    quality = practice.quality_partner()
    acceptances, answers, approvals, declarations = [], [], [], []
    for job in practice.jobs:
        e = job.engagement
        template = templates[e.type]
        chosen = _answers(rng, template, job.risk)
        score, level = level_of(template, chosen)
        job.risk = level
        manager, partner = job.member(TeamRole.MANAGER), job.member(TeamRole.PARTNER)
        preparer = job.member(TeamRole.SENIOR) or manager or partner
        status = _status(rng, job)
        submitted = job.proposed + DAY
        a = Acceptance(
            engagement=e,
            template=template,
            kind=AcceptanceKind.CONTINUANCE if e.previous_id or job.continuing else AcceptanceKind.NEW,
            status=status,
            round=0 if status == AcceptanceStatus.DRAFT else 1,
            score=score,
            risk_level=level,
            conclusion="" if status == AcceptanceStatus.DRAFT else _conclusion(level),
            prepared_by=None if status == AcceptanceStatus.DRAFT else preparer.user,
            submitted_at=None if status == AcceptanceStatus.DRAFT else moment(submitted, rng),
            decided_at=moment(job.accepted or job.stopped, rng) if status in DECIDED else None,
            created=moment(job.proposed, rng),
        )
        a.updated = a.decided_at or a.submitted_at or a.created
        acceptances.append(a)
        kept = chosen if status != AcceptanceStatus.DRAFT else chosen[: rng.randint(1, len(chosen))]
        answers += [AcceptanceAnswer(acceptance=a, question=q, option=o, created=a.created) for q, o in kept]
        approvals += _approvals(rng, job, a, level, quality, manager, partner, submitted)
        declarations += _declarations(rng, job, as_of)
    store.add(acceptances, owner=firm.pk)
    store.add(answers, owner=firm.pk, keys=False)
    store.add(approvals, owner=firm.pk, keys=False)
    store.add(declarations, owner=firm.pk, keys=False)


DECIDED = (AcceptanceStatus.APPROVED, AcceptanceStatus.RETURNED)


def _status(rng, job: Job) -> str:
    status = job.engagement.status
    if status == Status.DECLINED:
        return AcceptanceStatus.RETURNED
    if status == Status.PROPOSED:
        if job.awaiting_quality:
            return AcceptanceStatus.SUBMITTED
        return AcceptanceStatus.DRAFT if rng.random() < 0.4 else AcceptanceStatus.SUBMITTED
    return AcceptanceStatus.APPROVED


def _conclusion(level: str) -> str:
    return {
        RiskLevel.LOW: "风险较低，本所具备专业胜任能力和独立性，建议承接。",
        RiskLevel.MEDIUM: "存在一定风险，已识别并制定应对措施，建议承接并加强复核。",
        RiskLevel.HIGH: "高风险业务，须经风险与质量合伙人审批，并安排项目质量复核。",
    }[level]


def _approvals(rng, job, acceptance, level, quality, manager, partner, submitted) -> list:
    """Decisions by level: manager, partner, then the quality partner for high risk."""
    status = acceptance.status
    if status == AcceptanceStatus.DRAFT:
        return []
    ladder = [(ApprovalLevel.MANAGER, manager), (ApprovalLevel.PARTNER, partner)]
    if level == RiskLevel.HIGH:
        ladder.append((ApprovalLevel.QUALITY, quality))
    if status == AcceptanceStatus.SUBMITTED:
        done = 2 if job.awaiting_quality else rng.randint(0, len(ladder) - 1)
        ladder = ladder[:done]
    end = job.accepted or job.stopped or submitted + DAY * 3
    rows = []
    for step, (level_name, person) in enumerate(ladder):
        decision = Decision.APPROVED
        comment = ""
        if status == AcceptanceStatus.RETURNED and level_name == ApprovalLevel.PARTNER:
            decision, comment = Decision.REJECTED, "客户诚信存疑且收费明显偏低，不予承接。"
        when = submitted + (end - submitted) * (step + 1) / (len(ladder) + 1) if end > submitted else end
        rows.append(
            AcceptanceApproval(
                acceptance=acceptance,
                round=1,
                level=level_name,
                decision=decision,
                user=person.user,
                comment=comment,
                created=moment(when, rng),
            )
        )
        if decision == Decision.REJECTED:
            break
    return rows


def _declarations(rng, job: Job, as_of) -> list:
    if job.engagement.status == Status.DECLINED:
        return []
    partner = job.member(TeamRole.PARTNER)
    rows = []
    for person, role in job.team:
        day = min(as_of, job.accepted or job.proposed + DAY * 2)
        if job.engagement.status == Status.PROPOSED and rng.random() < 0.5:
            continue
        declaration = IndependenceDeclaration(
            engagement=job.engagement, user=person.user, independent=True, created=moment(day, rng)
        )
        if role in (TeamRole.SENIOR, TeamRole.STAFF) and rng.random() < 0.03:
            declaration.independent = False
            declaration.threats, declaration.safeguards = rng.choice(THREATS)
            declaration.safeguard_approved_by = partner.user
            declaration.safeguard_approved_at = moment(day, rng)
        rows.append(declaration)
    return rows
