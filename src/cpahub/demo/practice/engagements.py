"""The firm's engagements: which clients, when, by whom, and where each stands on the day of the data.

Every engagement gets a timeline (proposed → accepted → planned → fieldwork → review → report →
archive); its status is where `as_of` falls on it. Last year's audits report in March-June of the
year (the busy season), other work is spread over the year, next year's audits are proposed from
October. Teams are chosen among the least loaded people of the office, so that everyone works on a
few engagements at a time.
"""

from __future__ import annotations

import datetime
import math

from cpahub.clients.choices import ClientStatus, RiskRating
from cpahub.demo.practice.context import Job, Practice
from cpahub.demo.practice.days import Days, is_workday
from cpahub.demo.practice.scale import JUNIOR_GRADES, MANAGER_GRADES, TYPES
from cpahub.engagements.choices import EngagementType as T
from cpahub.engagements.choices import Status, TeamRole
from cpahub.engagements.models import Engagement

DAY = datetime.timedelta(days=1)
WORKERS = (TeamRole.MANAGER, TeamRole.SENIOR, TeamRole.STAFF)
# When in the year other work starts (month weights, January first).
SEASON = {
    T.TAX: (3, 5, 6, 5, 4, 2, 1, 1, 1, 1, 1, 1),
    T.REVIEW: (0, 0, 0, 0, 0, 1, 6, 6, 1, 0, 0, 0),
    T.SPECIAL_AUDIT: (1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 4, 4),
}
FLAT = (1,) * 12


class Planner:
    def __init__(self, practice: Practice, focus: dict | None = None):
        self.p = practice
        self.rng = practice.rng("engagements")
        scale = practice.scale
        self.year = scale.year
        self.days = Days(datetime.date(self.year - 2, 1, 1), datetime.date(self.year + 1, 12, 31))
        self.first, self.last = scale.start, scale.as_of
        self.span = (self.last - self.first).days + 1
        self.load = {p.index: [0] * self.span for p in practice.people if p.staffed}
        self.daily = 8 / scale.concurrency
        self.focus = focus or {}
        self.focused: dict[str, int] = {}
        self.jobs: list[Job] = []
        self.day_list = [self.first + DAY * n for n in range(self.span)]
        self.workday = [is_workday(day) for day in self.day_list]
        self.month_demand = [0] * 13  # member-days of work planned per month (managers and staff)
        self.prior: dict[int, Job] = {}  # last year's engagement by client (id of its ClientInfo)

    # --- the kinds of work ------------------------------------------------------------------------

    def plan(self) -> list[Job]:
        clients = [c for c in self.p.clients if c.client.status == ClientStatus.ACTIVE]
        if self.p.scale.prior_year:
            self.prior_year(clients)
        audited = self.annual_audits(clients)
        self.other_work(clients)
        self.next_year(audited)
        return self.jobs

    def prior_year(self, clients) -> None:
        """Last year's audits of some slow payers, reported and archived last year, still unpaid."""
        rng = self.rng
        late = [c for c in clients if c.payer in ("late", "never")]
        for info in rng.sample(late, min(len(late), max(1, len(clients) // 25))):
            job = self._job(info, T.FS_AUDIT, self.year - 2, rng.triangular(120, 500, 260))
            job.prior = True
            job.report = self.days.on_or_before(datetime.date(self.year - 1, 4, 1) + DAY * rng.randint(0, 80))
            job.end = self.days.add(job.report, -rng.randint(4, 12))
            job.start = self.days.add(job.end, -self._work_days(job))
            self._before_start(job)
            job.engagement.report_due = job.report + DAY * rng.randint(0, 10)
            job.archived = job.report + DAY * rng.randint(20, 58)
            self._team(job, [(TeamRole.PARTNER, ("P",)), (TeamRole.MANAGER, MANAGER_GRADES)])
            self.prior[id(info)] = job

    def annual_audits(self, clients) -> dict[int, Job]:
        rng = self.rng
        audited = {}
        prior = self.prior
        for info in clients:
            if rng.random() > 0.78:
                continue
            client = info.client
            job = self._job(info, T.FS_AUDIT, self.year - 1, rng.triangular(*TYPES[T.FS_AUDIT].hours))
            if client.listed:
                due = datetime.date(self.year, 4, rng.choice((20, 25, 28)))
            elif client.ownership in ("state_local", "state_central"):
                due = datetime.date(self.year, rng.choice((3, 4)), rng.choice((15, 25, 30)))
            else:
                due = datetime.date(self.year, rng.choice((4, 4, 5, 6)), rng.choice((15, 30)))
            self._timeline_back(job, due, late=rng.random() < 0.15)
            job.continuing = rng.random() < 0.75
            if id(info) in prior:
                job.engagement.previous = prior[id(info)].engagement
                job.continuing = True
            self._staff(job)
            audited[id(info)] = job
        return audited

    def other_work(self, clients) -> None:
        """Other engagements, started in the months where people are least busy, until everyone works
        on `concurrency` engagements at a time (the busy season is full with the annual audits)."""
        rng = self.rng
        people = [p for p in self.p.people if p.staffed and p.code != "P"]
        target = [0.0] * 13
        for person in people:
            for i, day in enumerate(self.day_list):
                if self.workday[i] and person.works_on(day):
                    target[day.month] += self.p.scale.concurrency
        kinds = [k for k in TYPES if k != T.FS_AUDIT]
        minimum = max(3, len(self.jobs) // 6)
        added = 0
        for _attempt in range(200 * len(clients) + 1000):
            gaps = [max(0.0, target[m] - self.month_demand[m]) for m in range(13)]
            if sum(gaps) < 0.08 * sum(target) and added >= minimum:
                break
            kind = rng.choices(kinds, [TYPES[k].weight for k in kinds])[0]
            season = SEASON.get(kind, FLAT)
            weights = [gaps[m] * season[m - 1] for m in range(1, 13)]
            if not any(weights):
                weights = [season[m - 1] for m in range(1, 13)]
            month = rng.choices(range(1, 13), weights)[0]
            start = datetime.date(self.year, month, rng.randint(1, 28)) - DAY * rng.randint(0, 20)
            if start > self.last + 20 * DAY or start < self.first - 30 * DAY:
                continue
            info = rng.choice(clients)
            period = (
                self.year if kind == T.REVIEW or (kind == T.SPECIAL_AUDIT and month > 9) else self.year - 1
            )
            job = self._job(info, kind, period, rng.triangular(*TYPES[kind].hours))
            self._timeline_forward(job, self.days.on_or_after(start))
            if job.proposed > self.last:
                self.jobs.pop()
                continue
            self._staff(job)
            added += 1

    def next_year(self, audited: dict[int, Job]) -> None:
        """Next year's audits of this year's audit clients, proposed from mid-October."""
        rng = self.rng
        opens = datetime.date(self.year, 10, 15)
        if self.last < opens + 7 * DAY:
            return
        share = min(1.0, (self.last - opens).days / 75)
        for job in list(audited.values()):
            if job.status_on(self.last) not in (Status.ISSUED, Status.ARCHIVED) or rng.random() > 0.7 * share:
                continue
            proposed = opens + DAY * rng.randrange((self.last - opens).days)
            new = self._job(job.info, T.FS_AUDIT, self.year, job.hours * rng.uniform(0.9, 1.15))
            new.engagement.previous = job.engagement
            new.continuing = True
            new.proposed = proposed
            new.accepted = proposed + DAY * rng.randint(3, 15)
            new.planned = new.accepted + DAY * rng.randint(2, 10)
            due = datetime.date(self.year + 1, 4, 30)
            new.end = self.days.add(due, -rng.randint(12, 25))
            new.engagement.report_due = due
            if rng.random() < 0.35:  # interim work before the year end
                new.start = self.days.on_or_after(new.planned + DAY * rng.randint(3, 25))
                new.booked_until = self.days.add(new.start, rng.randint(4, 10))
            else:
                new.start = self.days.on_or_after(
                    datetime.date(self.year + 1, 1, 4) + DAY * rng.randint(0, 30)
                )
            if rng.random() < 0.05:
                self._decline(new)
            self._staff(new)

    # --- one engagement ---------------------------------------------------------------------------

    def _job(self, info, kind, period_year: int, hours: float) -> Job:
        rng = self.rng
        client = info.client
        title = rng.choice(TYPES[kind].titles).format(y=period_year)
        engagement = Engagement(
            firm=self.p.firm,
            office=client.office,
            client=client,
            name=f"{client.name}{title}"[:200],
            type=kind,
            period_start=datetime.date(period_year, 1, 1) if kind != T.NON_ASSURANCE else None,
            period_end=datetime.date(
                period_year, 6 if kind == T.REVIEW else 12, 30 if kind == T.REVIEW else 31
            )
            if kind != T.NON_ASSURANCE
            else None,
        )
        risk = client.risk_rating or RiskRating.LOW
        if risk == RiskRating.MEDIUM and rng.random() < 0.1:
            risk = RiskRating.HIGH
        job = Job(engagement=engagement, info=info, hours=hours, proposed=self.first, risk=risk)
        self.jobs.append(job)
        return job

    def _timeline_back(self, job: Job, due: datetime.date, late: bool) -> None:
        """From the report deadline back to the start of fieldwork (last year's audits)."""
        rng, days = self.rng, self.days
        if late:
            job.report = days.on_or_after(due + DAY * rng.randint(1, 25))
        else:
            job.report = days.on_or_before(due - DAY * rng.randint(0, 12))
        job.end = days.add(job.report, -rng.randint(4, 12))
        job.start = days.add(job.end, -self._work_days(job))
        self._before_start(job)
        job.engagement.report_due = due
        self._archive(job)
        self._stop(job)

    def _timeline_forward(self, job: Job, start: datetime.date) -> None:
        rng, days = self.rng, self.days
        job.start = start
        job.end = days.add(start, self._work_days(job))
        job.report = days.add(job.end, rng.randint(2, 8))
        self._before_start(job)
        on_time = rng.random() < 0.85
        gap = rng.randint(0, 10) if on_time else -rng.randint(1, 15)
        job.engagement.report_due = job.report + DAY * gap
        self._archive(job)
        self._stop(job)

    def _before_start(self, job: Job) -> None:
        rng = self.rng
        job.planned = job.start - DAY * rng.randint(1, 7)
        job.accepted = job.planned - DAY * rng.randint(1, 10)
        job.proposed = job.accepted - DAY * rng.randint(2, 14)

    def _stop(self, job: Job) -> None:
        """A few proposals are declined at acceptance, a few engagements cancelled during fieldwork."""
        r = self.rng.random()
        if r < 0.04:
            self._decline(job)
        elif r < 0.055:
            job.stopped = job.start + DAY * self.rng.randint(1, max(1, (job.end - job.start).days))
            job.archived = None

    def _decline(self, job: Job) -> None:
        job.stopped = job.proposed + DAY * self.rng.randint(3, 12)
        job.accepted = job.planned = job.start = job.end = job.report = job.archived = None
        job.booked_until = None

    def _archive(self, job: Job) -> None:
        if job.report is None:
            return
        late = self.rng.random() < 0.06
        job.archived = job.report + DAY * (self.rng.randint(61, 110) if late else self.rng.randint(20, 58))

    def _work_days(self, job: Job) -> int:
        """Days of fieldwork: the hours over the team's daily hours (partner a quarter, manager 0.6)."""
        team = 0.25 + 0.6 + 1 + self._juniors(job.hours)
        return max(2, min(70, math.ceil(job.hours / (team * self.daily))))

    @staticmethod
    def _juniors(hours: float) -> int:
        return 0 if hours < 25 else 1 if hours < 100 else 2 if hours < 250 else 3 if hours < 500 else 4

    # --- teams ------------------------------------------------------------------------------------

    def _staff(self, job: Job) -> None:
        if job.accepted is None:
            roles = [(TeamRole.PARTNER, ("P",)), (TeamRole.MANAGER, MANAGER_GRADES)]
        else:
            roles = [(TeamRole.PARTNER, ("P",))]
            client = job.info.client
            if job.engagement.type in (T.FS_AUDIT, T.SPECIAL_AUDIT, T.OTHER_ASSURANCE) and (
                client.listed or job.risk == RiskRating.HIGH or job.hours > 500
            ):
                roles.append((TeamRole.QUALITY_REVIEWER, ("P",)))
            roles.append((TeamRole.MANAGER, MANAGER_GRADES))
            if job.hours >= 60:
                roles.append((TeamRole.SENIOR, ("SS",)))
            roles += [(TeamRole.STAFF, JUNIOR_GRADES)] * self._juniors(job.hours)
        self._team(job, roles)

    def _team(self, job: Job, roles) -> None:
        rng = self.rng
        a, b = self._window(job)
        chosen: list = []
        for role, grades in roles:
            taken = {p.index for p, _r in chosen}
            # A high-risk engagement's partner cannot also be the quality partner who approves it.
            pool = self._pool(job, grades, taken, role == TeamRole.PARTNER and job.risk == RiskRating.HIGH)
            if not pool:
                continue
            person = self._focused(job, role, pool, a, b)
            if person is None:
                sample = rng.sample(pool, min(5, len(pool)))
                person = min(sample, key=lambda p: (sum(self.load[p.index][a:b]) if b > a else 0, p.index))
            chosen.append((person, role))
            if b > a:
                row = self.load[person.index]
                for i in range(a, b):
                    row[i] += 1
                if role in WORKERS:
                    for i in range(a, b):
                        if self.workday[i]:
                            self.month_demand[self.day_list[i].month] += 1
        job.team = chosen
        job.engagement.partner = job.member(TeamRole.PARTNER).user
        manager = job.member(TeamRole.MANAGER)
        job.engagement.manager = manager.user if manager else None

    def _focused(self, job, role, pool, a, b):
        """The demo's logins lead or staff some engagements that are in progress on the last day."""
        person = self.focus.get(role)
        recent = self.span - 21
        if person is None or person not in pool or b <= recent or self.focused.get(role, 0) >= 4:
            return None
        self.focused[role] = self.focused.get(role, 0) + 1
        return person

    def _pool(self, job: Job, grades, taken: set, no_quality: bool = False) -> list:
        office = job.engagement.office
        when = [d for d in (job.start, job.report or job.end) if d and self.first <= d <= self.last]
        people = [
            p
            for p in self.p.people
            if p.staffed and p.code in grades and p.index not in taken and all(p.works_on(d) for d in when)
        ]
        if no_quality:
            people = [p for p in people if not p.quality] or people
        local = [p for p in people if p.office is office]
        if len(local) >= 2 or (local and self.rng.random() < 0.8):
            return local
        return people

    def _window(self, job: Job) -> tuple[int, int]:
        """The job's days of work within the data window, as indices into the load rows."""
        span = job.work_span()
        if span is None:
            return 0, 0
        a = max(0, (span[0] - self.first).days)
        b = min(self.span, (span[1] - self.first).days + 1)
        return a, max(a, b)
