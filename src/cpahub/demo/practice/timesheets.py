"""Weekly timesheets and their entries: every working day of every person (调休 included), split
over the engagements they are on, with leave, training, administration and busy-season overtime.

Weeks more than five back are approved, with the grade's rates copied onto each entry as the
approval service does; the last weeks are a mix of approved, submitted (waiting for a manager),
rejected and draft. Sheet and entry statuses always agree, as the workflow service keeps them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cpahub.demo.practice.context import Person, Practice
from cpahub.demo.practice.days import is_workday, monday
from cpahub.demo.practice.store import db_value, moment
from cpahub.engagements.choices import TeamRole
from cpahub.timesheets.choices import CHARGEABLE_TASKS, EventKind, Status, Task
from cpahub.timesheets.models import TimeEntry, Timesheet, TimesheetEvent

DAY = datetime.timedelta(days=1)
QUARTER = Decimal("0.25")
CHUNK = 20000
REJECTIONS = (
    "工时超出预算且未说明原因，请补充说明后重新提交。",
    "外勤日期与项目安排不符，请核对后重新提交。",
    "复核工时应记入复核任务，请调整。",
)
STAFF_ROLES = (TeamRole.SENIOR, TeamRole.STAFF)
ENTRY_COLUMNS = [
    "sheet_id", "firm_id", "office_id", "user_id", "date", "engagement_id", "task", "hours", "note", "status",
    "grade_id", "charge_rate", "cost_rate", "approved_by_id", "approved_at", "created", "updated",
]  # fmt: skip
EVENT_COLUMNS = ["sheet_id", "kind", "actor_id", "time", "engagement_id", "lines", "hours", "reason"]
# Sheet states; PARTIAL: submitted, its lines outside engagements already approved by the partner.
APPROVED, SUBMITTED, PARTIAL, REJECTED, DRAFT = "approved", "submitted", "partial", "rejected", "draft"


def _busy(day: datetime.date) -> bool:
    """The audit busy season: annual reports are due by the end of April."""
    return day.month <= 4 and not (day.month == 1 and day.day < 4)


def split(total: int, weights: list[float]) -> list[int]:
    """`total` quarter-hours over the cells by weight, each at least one quarter."""
    n = len(weights)
    rest = total - n
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(n), key=lambda i: parts[i] - exact[i])
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + 1 for p in parts]


class TimeMaker:
    def __init__(self, practice: Practice):
        self.p = practice
        self.rng = practice.rng("time")
        scale = practice.scale
        span = (scale.as_of - scale.start).days + 1
        self.days = [scale.start + DAY * n for n in range(span)]
        self.work = {day: is_workday(day) for day in self.days}
        self.mean = scale.entries_per_day
        self.entries: list[tuple] = []  # (person index, day, job index or -1, task, quarters)
        self.approvers: dict[tuple, Person] = {}
        self.mondays = {day: monday(day) for day in self.days}

    # --- hours ------------------------------------------------------------------------------------

    def assignments(self) -> dict[int, list]:
        """Per person: (first day, last day, fieldwork's last day, job index, role), by first day."""
        found = defaultdict(list)
        for index, job in enumerate(self.p.jobs):
            span = job.work_span()
            if span is None or span[1] < self.days[0] or span[0] > self.days[-1]:
                continue
            first, last = span
            fieldwork_end = min(last, job.end or last)
            for person, role in job.team:
                start, end = first, last
                if role == TeamRole.QUALITY_REVIEWER:
                    start = fieldwork_end if job.report else last + DAY
                if start <= end:
                    found[person.index].append((start, end, fieldwork_end, index, role))
        for items in found.values():
            items.sort(key=lambda a: (a[0], a[3]))
        return found

    def generate(self) -> None:
        assignments = self.assignments()
        for person in self.p.people:
            if person.capacity > 0:
                self._person(person, assignments.get(person.index, []))

    def _leave(self, person: Person) -> set:
        rng = self.rng
        workdays = [d for d in self.days if self.work[d]]
        share = len(workdays) / 250
        leave = set()
        for _run in range(round(rng.randint(2, 5) * share)):
            start = rng.randrange(len(workdays))
            leave.update(workdays[start : start + rng.randint(1, 5)])
        return leave

    def _person(self, person: Person, assignments: list) -> None:
        rng, p = self.rng, self.p
        leave = self._leave(person)
        base = int(32 * person.capacity)
        away = {a[3]: p.jobs[a[3]].info.city != person.office.city for a in assignments}
        active: list = []
        pending = list(assignments)
        out = self.entries
        self.debt = 0.0  # entries short of the mean so far: busier days make up for quiet ones
        for day in self.days:
            if not person.works_on(day):
                continue
            while pending and pending[0][0] <= day:
                active.append(pending.pop(0))
            if active:
                active = [a for a in active if a[1] >= day]
            working = self.work[day]
            if working and day in leave:
                out.append((person.index, day, -1, Task.LEAVE, base))
                continue
            cells, weights = self._cells(person, day, active, away, working)
            if not cells:
                continue
            if working:
                total = base + (rng.choice((0, 2, 4, 6, 8, 12)) if active and _busy(day) else 0)
                total += rng.choice((0, 0, 0, 2, 4)) if active and not _busy(day) else 0
            else:
                total = rng.choice((16, 24, 32))
            cells, weights = cells[:total], weights[:total]
            if working:
                self.debt += self.mean - len(cells)
            for (job, task), quarters in zip(cells, split(total, weights), strict=True):
                out.append((person.index, day, job, task, quarters))

    def _cells(self, person: Person, day, active, away, working) -> tuple[list, list]:
        rng = self.rng
        primaries, extras = [], []
        for _start, _end, fieldwork_end, job, role in active:
            in_fieldwork = day <= fieldwork_end
            if role in STAFF_ROLES and not in_fieldwork:  # answering the review notes
                if rng.random() < 0.5:
                    extras.append((job, Task.OTHER_CHARGEABLE))
            elif role in STAFF_ROLES:
                primaries.append((job, Task.FIELDWORK))
                extras.append((job, Task.OTHER_CHARGEABLE))
                if role == TeamRole.SENIOR:  # the senior reviews the juniors' working papers first
                    extras.append((job, Task.REVIEW))
                if away[job]:
                    extras.append((job, Task.TRAVEL))
            elif role == TeamRole.MANAGER:
                primaries.append((job, Task.FIELDWORK if in_fieldwork else Task.REVIEW))
                extras += [(job, Task.REVIEW if in_fieldwork else Task.OTHER_CHARGEABLE)]
                if away[job] and in_fieldwork:
                    extras.append((job, Task.TRAVEL))
            elif role == TeamRole.PARTNER:
                if in_fieldwork and rng.random() < 0.7:
                    continue  # partners look in during fieldwork and review at the end
                primaries.append((job, Task.REVIEW))
                extras.append((job, Task.OTHER_CHARGEABLE))
            else:
                primaries.append((job, Task.REVIEW))
        if not working:  # busy-season Saturdays in the field
            if not (_busy(day) and primaries and rng.random() < 0.2):
                return [], []
            rng.shuffle(primaries)
            return primaries[:2], [4.0] * min(2, len(primaries))
        other = []
        if person.admin_share or rng.random() < (0.25 if primaries else 1.0):
            other.append((-1, Task.ADMIN))
        if rng.random() < (0.06 if primaries else 0.35):
            other.append((-1, Task.TRAINING))
        mean = min(self.mean * 1.6, max(1.0, self.mean + self.debt))
        want = int(mean) + (rng.random() < mean - int(mean))
        if rng.random() < 0.25:
            want += rng.choice((-1, 1))
        room = max(1, want - len(other))
        rng.shuffle(primaries)
        rng.shuffle(extras)
        chosen = primaries[:room]
        chosen += extras[: max(0, room - len(chosen))]
        weights = [4.0 if c in primaries else 1.5 for c in chosen]
        admin = 10.0 * person.admin_share if person.admin_share else 1.5
        weights += [admin if task == Task.ADMIN else 3.0 for _j, task in other]
        return chosen + other, [w * rng.uniform(0.6, 1.4) for w in weights]

    # --- weeks and approvals -----------------------------------------------------------------------

    def sheet_state(self, week: datetime.date) -> str:
        rng = self.rng
        weeks_ago = (monday(self.p.as_of) - week).days // 7
        r = rng.random()
        if weeks_ago == 0:
            return DRAFT
        if weeks_ago > 5:
            return APPROVED
        if weeks_ago == 1:
            bands = ((0.35, SUBMITTED), (0.8, APPROVED), (0.88, PARTIAL), (0.94, REJECTED), (1, DRAFT))
        elif weeks_ago == 2:
            bands = ((0.78, APPROVED), (0.9, SUBMITTED), (0.95, PARTIAL), (1, REJECTED))
        else:
            bands = ((0.97, APPROVED), (1, SUBMITTED))
        return next(state for bound, state in bands if r < bound)

    def write(self) -> None:
        """Sheets first (entries point at them), then entries in chunks, then the sheets' events."""
        p = self.p
        groups: list[tuple[Person, datetime.date, int, int]] = []  # person, week, first, last + 1
        start = 0
        for i in range(1, len(self.entries) + 1):
            if i == len(self.entries) or self._week_key(i) != self._week_key(start):
                person = p.people[self.entries[start][0]]
                groups.append((person, monday(self.entries[start][1]), start, i))
                start = i
        with translation.override(settings.LANGUAGE_CODE):
            self.outside = _("Outside engagements")
        sheets, plans = [], []
        for person, week, first, last in groups:
            sheet, plan = self._sheet(person, week, self.entries[first:last])
            sheets.append(sheet)
            plans.append(plan)
        p.store.add(sheets, owner=p.firm.pk)
        self._entries(groups, sheets, plans)
        events = [e for sheet, plan in zip(sheets, plans, strict=True) for e in self._events(sheet, plan)]
        p.store.insert_rows(TimesheetEvent, EVENT_COLUMNS, events)

    def _week_key(self, i: int) -> tuple:
        person, day = self.entries[i][0], self.entries[i][1]
        return person, self.mondays[day]

    def _approver(self, person: Person, job_index: int) -> Person:
        """The engagement's manager (its partner for the manager's own time); a partner outside."""
        key = (person.index, job_index)
        found = self.approvers.get(key)
        if found is None:
            if job_index < 0:
                found = self.p.line_partner(person)
            else:
                job = self.p.jobs[job_index]
                manager, partner = job.member(TeamRole.MANAGER), job.member(TeamRole.PARTNER)
                candidates = (manager, partner, self.p.line_partner(person))
                found = next(c for c in candidates if c is not None and c is not person)
            self.approvers[key] = found
        return found

    def _sheet(self, person: Person, week: datetime.date, rows: list) -> tuple[Timesheet, dict]:
        rng, as_of = self.rng, self.p.as_of
        state = self.sheet_state(week)
        on_jobs = any(job >= 0 for _p, _d, job, _t, _q in rows)
        outside = any(job < 0 for _p, _d, job, _t, _q in rows)
        if state == REJECTED and not on_jobs:
            state = APPROVED
        if state == PARTIAL and not outside:
            state = SUBMITTED
        submitted = min(as_of, week + DAY * 4)
        approved = min(as_of, submitted + DAY * rng.randint(1, 6))
        plan = {
            "state": state,
            "submitted_at": moment(submitted, rng, (17, 21)),
            "approved_at": moment(approved, rng),
            "reason": rng.choice(REJECTIONS),
        }
        status = {APPROVED: Status.APPROVED, REJECTED: Status.REJECTED, DRAFT: Status.DRAFT}.get(
            state, Status.SUBMITTED
        )
        sheet = Timesheet(
            firm=self.p.firm,
            office=person.office,
            user=person.user,
            week_start=week,
            status=status,
            submitted_at=None if state == DRAFT else plan["submitted_at"],
            reject_reason=plan["reason"] if state == REJECTED else "",
            created=moment(rows[0][1], rng),
            updated=plan["approved_at"] if state != DRAFT else moment(rows[-1][1], rng),
        )
        plan["person"] = person
        if state != DRAFT:
            self.p.active_days.add((person.user.pk, submitted))
        return sheet, plan

    def _entry_status(self, state: str, job_index: int) -> str:
        if state in (APPROVED, DRAFT):
            return Status.APPROVED if state == APPROVED else Status.DRAFT
        if job_index < 0 and state in (PARTIAL, REJECTED):
            return Status.APPROVED
        return Status.REJECTED if state == REJECTED else Status.SUBMITTED

    def _entries(self, groups, sheets, plans) -> None:
        """Entries as plain rows (the largest table): no model instances, no change-log row each; the
        week's sheet carries the change log and its events say who submitted and approved."""
        p = self.p
        firm_id = p.firm.pk
        hours = [Decimal(q) * QUARTER for q in range(200)]
        noon = {day: db_value(moment(day)) for day in self.days}
        batch = []
        for (person, _week, first, last), sheet, plan in zip(groups, sheets, plans, strict=True):
            grade = person.grade
            submitted = db_value(plan["submitted_at"])
            approved = db_value(plan["approved_at"])
            plan["approved"] = defaultdict(list)
            plan["rows"] = []
            for _i, day, job_index, task, quarters in self.entries[first:last]:
                status = self._entry_status(plan["state"], job_index)
                job = p.jobs[job_index] if job_index >= 0 else None
                value = hours[quarters]
                row = [sheet.pk, firm_id, person.office.pk, person.user.pk, day,
                       job.engagement.pk if job else None, task, value, "", status,
                       grade.pk if grade and status != Status.DRAFT else None,
                       None, None, None, None, noon[day],
                       submitted if status != Status.DRAFT else noon[day]]  # fmt: skip
                if status == Status.APPROVED:
                    approver = self._approver(person, job_index)
                    row[11:15] = [grade.charge_rate, grade.cost_rate, approver.user.pk, approved]
                    row[16] = approved
                    plan["approved"][approver.index].append((job_index, value))
                    if job is not None and task in CHARGEABLE_TASKS:
                        job.approved_by_day[day] += value * grade.charge_rate
                if job is not None:
                    job.hours_by_grade[person.code] += value
                plan["rows"].append((job_index, value))
                batch.append(tuple(row))
            if len(batch) >= CHUNK:
                p.store.insert_rows(TimeEntry, ENTRY_COLUMNS, batch)
                batch = []
        p.store.insert_rows(TimeEntry, ENTRY_COLUMNS, batch)

    def _label(self, job_indexes) -> tuple[str, object]:
        jobs = sorted(set(job_indexes))
        labels = sorted(self.p.jobs[j].engagement.code if j >= 0 else self.outside for j in jobs)
        single = self.p.jobs[jobs[0]].engagement if len(jobs) == 1 and jobs[0] >= 0 else None
        return ", ".join(labels)[:300], single

    def _event(self, sheet, kind, actor, time, rows, reason="") -> tuple:
        lines, single = self._label(j for j, _h in rows)
        hours = sum((h for _j, h in rows), Decimal(0))
        return (sheet.pk, kind, actor.pk, db_value(time), single.pk if single else None, lines, hours, reason)

    def _events(self, sheet: Timesheet, plan: dict) -> list[tuple]:
        state, person = plan["state"], plan["person"]
        if state == DRAFT:
            return []
        events = [self._event(sheet, EventKind.SUBMITTED, person.user, plan["submitted_at"], plan["rows"])]
        for approver_index, rows in plan["approved"].items():
            approver = self.p.people[approver_index]
            events.append(self._event(sheet, EventKind.APPROVED, approver.user, plan["approved_at"], rows))
            self.p.active_days.add((approver.user.pk, plan["approved_at"].date()))
        if state == REJECTED:
            rejected = [(j, h) for j, h in plan["rows"] if j >= 0]
            actor = self._approver(person, rejected[0][0]).user
            events.append(
                self._event(sheet, EventKind.REJECTED, actor, plan["approved_at"], rejected, plan["reason"])
            )
        return events


def make_time(practice: Practice) -> TimeMaker:
    maker = TimeMaker(practice)
    maker.generate()
    maker.write()
    return maker
