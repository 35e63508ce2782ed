"""My to-do: what waits for the user across the engagements they may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from cpahub.core.permissions import VIEW
from cpahub.engagements.choices import CLOSED, Status
from cpahub.engagements.models import Engagement, IndependenceDeclaration, Milestone
from cpahub.engagements.services import acceptance, independence, reviews

NEAR_DAYS = 14  # "near" a deadline: within two weeks


@dataclass
class Todo:
    approvals: list = field(default_factory=list)
    safeguards: list = field(default_factory=list)
    signoffs: list = field(default_factory=list)
    declarations: list = field(default_factory=list)
    archive_due: list = field(default_factory=list)  # (engagement, deadline, overdue)
    report_due: list = field(default_factory=list)  # (engagement, due, overdue)
    milestones: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(
            len(items)
            for items in (
                self.approvals,
                self.safeguards,
                self.signoffs,
                self.declarations,
                self.archive_due,
                self.report_due,
                self.milestones,
            )
        )


def mine(user, visible):
    """Engagements the user leads or staffs."""
    today = timezone.localdate()
    staffed = Q(team__user=user) & (Q(team__left__isnull=True) | Q(team__left__gte=today))
    return visible.filter(Q(partner=user) | Q(manager=user) | staffed).distinct()


def for_user(user, today: datetime.date | None = None) -> Todo:
    today = today or timezone.localdate()
    near = today + datetime.timedelta(days=NEAR_DAYS)
    visible = Engagement.objects.restrict(user, VIEW)
    open_ = visible.exclude(status__in=CLOSED)
    todo = Todo()
    todo.approvals = acceptance.awaiting(user, open_)
    todo.safeguards = [
        d
        for d in IndependenceDeclaration.objects.filter(
            engagement__in=open_, independent=False, safeguard_approved_at__isnull=True
        )
        .exclude(safeguards="")
        .select_related("engagement", "user")
        if independence.may_approve_safeguards(user, d)
    ]
    todo.signoffs = reviews.awaiting(user, open_)
    todo.declarations = list(independence.owed_by(user, open_).select_related("client"))
    own = mine(user, visible).select_related("client")
    for engagement in own.filter(status=Status.ISSUED, report_date__isnull=False):
        deadline = engagement.archive_deadline
        if deadline <= near:
            todo.archive_due.append((engagement, deadline, deadline < today))
    for engagement in own.exclude(status__in=(*CLOSED, Status.ISSUED)).filter(report_due__lte=near):
        todo.report_due.append((engagement, engagement.report_due, engagement.report_due < today))
    todo.milestones = list(
        Milestone.objects.filter(
            engagement__in=own.exclude(status__in=CLOSED), done_on__isnull=True, due__lt=today
        )
        .select_related("engagement")
        .order_by("due")
    )
    todo.archive_due.sort(key=lambda item: item[1])
    todo.report_due.sort(key=lambda item: item[1])
    return todo
