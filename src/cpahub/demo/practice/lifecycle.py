"""Engagements as of the data's last day: status, codes, report numbers (文号), teams, the pipeline's
history, the three review sign-offs and milestones."""

from __future__ import annotations

import datetime
from collections import defaultdict

from cpahub.demo.practice.context import Job, Practice
from cpahub.demo.practice.store import moment
from cpahub.engagements.choices import REPORT_WORDS, ReviewLevel, RiskLevel, Status, TeamRole
from cpahub.engagements.choices import EngagementType as T
from cpahub.engagements.models import (
    Engagement,
    Milestone,
    ReportNumber,
    ReportSeries,
    ReviewSignoff,
    StatusChange,
    TeamMember,
)
from cpahub.engagements.services.numbering import format_number

DAY = datetime.timedelta(days=1)
ISSUED = (Status.ISSUED, Status.ARCHIVED)
COMMENTS = {
    "decline": "客户诚信存疑且收费明显偏低，不予承接。",
    "cancel": "客户因股权转让终止委托，经双方协商解除业务约定书。",
}


def finish(practice: Practice, jobs: list[Job], showcase: bool = False) -> None:
    """Keep the engagements proposed by `as_of`, set their status and dates, codes and report numbers."""
    as_of = practice.as_of
    jobs = [j for j in jobs if j.proposed <= as_of]
    for job in jobs:
        job.engagement.status = job.status_on(as_of)
    if showcase:
        _showcase(practice, jobs)
    rng = practice.rng("lifecycle")
    for job in jobs:
        e = job.engagement
        e.status = job.status_on(as_of)
        e.planned_start = job.start
        e.report_date = job.report if e.status in ISSUED else None
        e.archived_on = job.archived if e.status == Status.ARCHIVED else None
        e.created_by = e.manager or e.partner
        e.created = moment(job.proposed, rng)
        e.updated = moment(min(as_of, _last_event(job, as_of)), rng)
    by_year = defaultdict(list)
    for job in sorted(jobs, key=lambda j: (j.proposed, j.engagement.name)):
        by_year[job.proposed.year].append(job)
    for year, items in by_year.items():
        for seq, job in enumerate(items, 1):
            job.engagement.code = f"{year}-{seq:04d}"
    _report_numbers(practice, jobs)
    practice.jobs = jobs


def _last_event(job: Job, as_of) -> datetime.date:
    dates = [d for d in (job.proposed, job.accepted, job.planned, job.start, job.end, job.report,
                         job.archived, job.stopped) if d and d <= as_of]  # fmt: skip
    return max(dates)


def _showcase(practice: Practice, jobs: list[Job]) -> None:
    """What the demo must show: a high-risk proposal waiting for the quality partner, and an
    engagement whose archive deadline has passed."""
    as_of = practice.as_of
    quality = practice.quality_partner()
    others = [p for p in practice.partners() if p is not quality]
    proposed = [j for j in jobs if j.engagement.status == Status.PROPOSED and j.engagement.type == T.FS_AUDIT]
    if proposed and others:
        job = max(proposed, key=lambda j: (j.proposed, j.engagement.name))
        job.risk, job.awaiting_quality = RiskLevel.HIGH, True
        job.team = [(others[0], r) if r == TeamRole.PARTNER else (p, r) for p, r in job.team]
        job.team = [(p, r) for p, r in job.team if not (r == TeamRole.QUALITY_REVIEWER and p is others[0])]
        job.engagement.partner = others[0].user
    deadline = practice.settings.archive_days
    overdue = [
        j
        for j in jobs
        if j.report and not j.prior and j.engagement.status in ISSUED and j.report + DAY * deadline < as_of
    ]
    if overdue and not any(j.engagement.status == Status.ISSUED for j in overdue):
        job = max(overdue, key=lambda j: (j.report, j.engagement.name))
        job.archived = None


def _report_numbers(practice: Practice, jobs: list[Job]) -> None:
    settings = practice.settings
    series = defaultdict(list)
    for job in jobs:
        if job.engagement.status in ISSUED:
            series[(job.report.year, REPORT_WORDS[job.engagement.type])].append(job)
    practice.report_series = {}
    for (year, word), items in series.items():
        items.sort(key=lambda j: (j.report, j.engagement.code))
        for seq, job in enumerate(items, 1):
            job.seq = seq
            job.engagement.report_number = format_number(
                settings.report_number_pattern, prefix=settings.report_prefix, word=word, year=year, seq=seq
            )
        practice.report_series[(year, word)] = len(items)


def write(practice: Practice) -> None:
    """Engagements (logged at the end, once their fee is known), teams, history, sign-offs, numbers."""
    store, firm, rng = practice.store, practice.firm, practice.rng("history")
    previous = {}
    for job in practice.jobs:
        previous[id(job)] = job.engagement.previous
        job.engagement.previous = None
    store.add([j.engagement for j in practice.jobs], log=False)
    linked = []
    for job in practice.jobs:
        if previous[id(job)] is not None and previous[id(job)].pk is not None:
            job.engagement.previous = previous[id(job)]
            linked.append(job.engagement)
    Engagement.objects.bulk_update(linked, ["previous"], batch_size=1000)
    team = []
    for job in practice.jobs:
        joined = job.accepted or job.proposed
        for person, role in job.team:
            team.append(
                TeamMember(
                    engagement=job.engagement,
                    user=person.user,
                    role=role,
                    grade=person.grade,
                    joined=joined,
                    created=moment(joined, rng),
                )
            )
    store.add(team, owner=firm.pk, keys=False)
    store.add([c for job in practice.jobs for c in _changes(rng, practice, job)], owner=firm.pk, keys=False)
    store.add([s for job in practice.jobs for s in _signoffs(rng, practice, job)], owner=firm.pk, keys=False)
    _write_numbers(practice, rng)
    store.add([m for job in practice.jobs for m in _milestones(rng, practice, job)], owner=firm.pk)


def _changes(rng, practice: Practice, job: Job) -> list[StatusChange]:
    e, as_of = job.engagement, practice.as_of
    manager = e.manager or e.partner
    steps = [
        ("create", "", Status.PROPOSED, job.proposed, manager),
        ("accept", Status.PROPOSED, Status.ACCEPTED, job.accepted, e.partner),
        ("plan", Status.ACCEPTED, Status.PLANNED, job.planned, manager),
        ("start_fieldwork", Status.PLANNED, Status.FIELDWORK, job.start, manager),
        ("submit_review", Status.FIELDWORK, Status.REVIEW, job.end if job.report else None, manager),
        ("issue", Status.REVIEW, Status.ISSUED, job.report, e.partner),
        ("archive", Status.ISSUED, Status.ARCHIVED, job.archived, manager),
    ]
    rows = []
    stop = job.stopped if job.stopped and job.stopped <= as_of else None
    for action, source, target, day, user in steps:
        if day is None or day > as_of or (stop and day > stop):
            break
        rows.append(_change(rng, e, action, source, target, day, user))
    if stop:
        action = "decline" if e.status == Status.DECLINED else "cancel"
        source = rows[-1].to_status
        rows.append(_change(rng, e, action, source, e.status, stop, e.partner, COMMENTS[action]))
    return rows


def _change(rng, engagement, action, source, target, day, user, comment="") -> StatusChange:
    return StatusChange(
        engagement=engagement,
        action=action,
        from_status=source,
        to_status=target,
        user=user,
        comment=comment,
        created=moment(day, rng),
    )


def _signoffs(rng, practice: Practice, job: Job) -> list[ReviewSignoff]:
    e = job.engagement
    if e.status not in (Status.REVIEW, *ISSUED) or job.report is None:
        return []
    manager, partner = job.member(TeamRole.MANAGER), job.member(TeamRole.PARTNER)
    third = job.member(TeamRole.QUALITY_REVIEWER)
    if third is None:
        third = next(p for p in [practice.quality_partner(), *practice.partners()] if p is not partner)
    rows = []
    for level, person in zip(ReviewLevel.values, (manager or partner, partner, third), strict=True):
        day = job.end + (job.report - job.end) * level / 4
        if day > practice.as_of or person is None:
            break
        rows.append(ReviewSignoff(engagement=e, level=level, user=person.user, created=moment(day, rng)))
    return rows if len({r.user.pk for r in rows}) == len(rows) else []


def _write_numbers(practice: Practice, rng) -> None:
    firm = practice.firm
    numbers = [
        ReportNumber(
            firm=firm,
            year=job.report.year,
            word=REPORT_WORDS[job.engagement.type],
            seq=job.seq,
            number=job.engagement.report_number,
            engagement=job.engagement,
            report_date=job.report,
            issued_by=job.engagement.partner,
            created=moment(job.report, rng),
        )
        for job in practice.jobs
        if job.engagement.status in ISSUED
    ]
    practice.store.add(numbers, owner=firm.pk, keys=False)
    series = [
        ReportSeries(firm=firm, year=year, word=word, last_seq=last)
        for (year, word), last in practice.report_series.items()
    ]
    ReportSeries.objects.bulk_create(series)


def _milestones(rng, practice: Practice, job: Job) -> list[Milestone]:
    e, as_of = job.engagement, practice.as_of
    if job.accepted is None:
        return []
    stop = job.stopped if job.stopped and job.stopped <= as_of else None
    plan = [("出具报告", e.report_due, job.report)]
    if e.type not in (T.CAPITAL_VERIFICATION, T.NON_ASSURANCE) and job.start:
        planning = (
            job.start - DAY * rng.randint(0, 5),
            max(job.planned, job.start - DAY * rng.randint(1, 5)),
        )
        fieldwork_due = job.end + DAY * rng.randint(-3, 5) if job.end else e.report_due
        plan = [
            ("审计计划完成", *planning),
            ("外勤工作完成", fieldwork_due, job.end if job.report else None),
            *plan,
        ]
    rows = []
    for name, due, done in plan:
        if due is None:
            continue
        done_on = done if done and done <= as_of and not (stop and done > stop) else None
        milestone = Milestone(engagement=e, name=name, due=due, done_on=done_on, created=e.created)
        job.milestones[name] = milestone
        rows.append(milestone)
    return rows
