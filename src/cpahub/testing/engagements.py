"""Helpers for engagement tests: answer a questionnaire, declare independence, accept, drive the pipeline.

They go through the services, so they exercise the same rules as the pages and the API.
"""

from __future__ import annotations

import datetime

from cpahub.engagements.choices import Decision, Status
from cpahub.engagements.services import acceptance as acceptance_service
from cpahub.engagements.services import independence, lifecycle, reviews
from cpahub.engagements.services.roles import current_team


def answer_all(user, engagement, pick: str = "low"):
    """Answer every question with its lowest-scoring answer ("low") or its highest ("high")."""
    acceptance = acceptance_service.ensure_acceptance(engagement)
    answers = {}
    for question in acceptance.template.questions.prefetch_related("options"):
        options = sorted(question.options.all(), key=lambda o: (o.score, o.forces_high))
        option = options[0] if pick == "low" else options[-1]
        answers[question.pk] = (option.pk, "")
    return acceptance_service.save_answers(user, acceptance, answers=answers, conclusion="")


def declare_all(engagement):
    """Every current team member declares they are independent."""
    for member in current_team(engagement).select_related("user"):
        independence.declare(member.user, engagement, independent=True)


def accept(w, engagement, risk: str = "low"):
    """Prepare (manager), declare, then approve manager → partner (→ quality partner for high risk)."""
    answer_all(w.manager_a, engagement, risk)
    acceptance = acceptance_service.submit(w.manager_a, engagement.acceptance)
    declare_all(engagement)
    acceptance_service.decide(w.manager_a, acceptance, decision=Decision.APPROVED, comment="ok")
    acceptance_service.decide(w.partner_a, acceptance, decision=Decision.APPROVED, comment="ok")
    if risk == "high":
        acceptance_service.decide(w.quality_a, acceptance, decision=Decision.APPROVED, comment="ok")
    engagement.refresh_from_db()
    return engagement


def sign_all(w, engagement, quality=None):
    reviews.sign_off(w.manager_a, engagement)
    reviews.sign_off(w.partner_a, engagement)
    reviews.sign_off(quality or w.quality_a, engagement)


def drive(w, engagement, target: str, report_date: datetime.date | None = None):
    """Take a firm_world engagement (partner_a, manager_a) from proposed to `target`."""
    order = [Status.ACCEPTED, Status.PLANNED, Status.FIELDWORK, Status.REVIEW, Status.ISSUED, Status.ARCHIVED]
    steps = {
        Status.PLANNED: "plan",
        Status.FIELDWORK: "start_fieldwork",
        Status.REVIEW: "submit_review",
        Status.ISSUED: "issue",
        Status.ARCHIVED: "archive",
    }
    if target in (Status.DECLINED, Status.CANCELLED):
        lifecycle.transition(
            w.partner_a, engagement, "decline" if target == Status.DECLINED else "cancel", comment="no"
        )
        engagement.refresh_from_db()
        return engagement
    accept(w, engagement)
    for status in order[1 : order.index(target) + 1]:
        if status == Status.ISSUED:
            sign_all(w, engagement)
            lifecycle.transition(w.partner_a, engagement, "issue", report_date=report_date)
        else:
            lifecycle.transition(w.manager_a, engagement, steps[status])
        engagement.refresh_from_db()
    return engagement
