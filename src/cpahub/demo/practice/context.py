"""What the steps of one firm's generation share: the firm, its people, clients and engagements."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from cpahub.demo.practice.scale import GradeSpec, Scale
from cpahub.demo.practice.store import Store
from cpahub.engagements.choices import Status


@dataclass(eq=False)
class Person:
    index: int
    user: object
    office: object
    role: str
    grade: object | None  # practice.Grade
    spec: GradeSpec | None
    joined: datetime.date | None
    left: datetime.date | None = None
    capacity: Decimal = Decimal("1")
    admin_share: float = 0.0  # time spent on administration besides engagements
    quality: bool = False
    staffed: bool = True  # put on engagement teams
    profile: object = None

    @property
    def code(self) -> str:
        return self.spec.code if self.spec else ""

    def works_on(self, day: datetime.date) -> bool:
        return (self.joined is None or self.joined <= day) and (self.left is None or day <= self.left)


@dataclass(eq=False)
class ClientInfo:
    client: object
    payer: str  # a key of scale.PAYERS
    delay: tuple[int, int] | None
    city: str


@dataclass(eq=False)
class Job:
    """An engagement as planned: its timeline, team and what its time came to."""

    engagement: object
    info: ClientInfo
    hours: float  # what it should take
    proposed: datetime.date
    accepted: datetime.date | None = None
    planned: datetime.date | None = None
    start: datetime.date | None = None  # fieldwork
    end: datetime.date | None = None  # fieldwork done, review starts
    report: datetime.date | None = None
    archived: datetime.date | None = None
    stopped: datetime.date | None = None  # declined or cancelled on
    booked_until: datetime.date | None = None  # interim work ends before the fieldwork proper
    risk: str = "low"
    prior: bool = False  # an engagement of last year, carried in with its receivable
    continuing: bool = False  # the client was audited before (a continuance evaluation)
    awaiting_quality: bool = False  # the demo's high-risk proposal waiting for the quality partner
    team: list[tuple[Person, str]] = field(default_factory=list)
    # Filled while time is generated: hours by grade code, approved chargeable time's value by day.
    hours_by_grade: dict = field(default_factory=lambda: defaultdict(Decimal))
    approved_by_day: dict = field(default_factory=lambda: defaultdict(Decimal))  # standard value
    seq: int = 0  # of its report number
    budget: dict = field(default_factory=dict)
    fee: Decimal = Decimal("0")
    agreement: object = None
    milestones: dict = field(default_factory=dict)  # name → engagements.Milestone

    @property
    def status(self) -> str:
        return self.engagement.status

    def status_on(self, day: datetime.date) -> str:
        """Where `day` falls on the timeline."""
        if self.prior:
            return Status.ARCHIVED
        if self.stopped and self.stopped <= day:
            return Status.DECLINED if self.accepted is None else Status.CANCELLED
        for date, status in (
            (self.archived, Status.ARCHIVED),
            (self.report, Status.ISSUED),
            (self.end if self.report else None, Status.REVIEW),
            (self.start, Status.FIELDWORK),
            (self.planned, Status.PLANNED),
            (self.accepted, Status.ACCEPTED),
        ):
            if date and date <= day:
                return status
        return Status.PROPOSED

    def work_span(self) -> tuple[datetime.date, datetime.date] | None:
        """First and last day anyone books time to it (fieldwork to report, or the interim work)."""
        if self.start is None:
            return None
        last = self.booked_until or self.report or self.end
        if self.stopped:
            last = min(last, self.stopped)
        return self.start, last

    def member(self, role: str) -> Person | None:
        return next((p for p, r in self.team if r == role), None)


@dataclass
class Practice:
    firm: object
    scale: Scale
    seed: str
    store: Store
    offices: list = field(default_factory=list)
    settings: object = None
    grades: dict = field(default_factory=dict)  # code → Grade
    people: list[Person] = field(default_factory=list)
    clients: list[ClientInfo] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    active_days: set = field(default_factory=set)  # (user id, day)
    report_series: dict = field(default_factory=dict)  # (year, word) → last sequence
    _line_partners: list = field(default_factory=list)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"cpahub-practice:{self.seed}:{part}")  # noqa: S311 - reproducible by design

    @property
    def as_of(self) -> datetime.date:
        return self.scale.as_of

    def partners(self) -> list[Person]:
        return [p for p in self.people if p.code == "P"]

    def quality_partner(self) -> Person:
        return next(p for p in self.people if p.quality)

    def line_partner(self, person: Person) -> Person:
        """Who approves a person's time outside engagements: a partner other than themselves."""
        if not self._line_partners:
            self._line_partners = self.partners()[:2]
        first, second = self._line_partners
        return second if person is first else first
