"""The practice data of `cpahub demo`: a live year for the demo logins' firm, a lighter one for others.

The demo firm (that of firm_admin, partner, manager, auditor and cpa) gets about 40 staff and the
current year up to today; the demo logins are among its staff (the partner is the risk and quality
partner, the manager manages engagements in progress). About twenty other firms start using the
system at different months of the year with a few people, clients and engagements, so that the
association's usage page shows firms of different sizes and habits.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field

from django.db.models import Count, Q

from cpahub.accounts.choices import OrgKind, OrgStatus
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.demo.practice.generate import generate
from cpahub.demo.practice.scale import Scale
from cpahub.demo.practice.staff import Named
from cpahub.engagements.choices import TeamRole
from cpahub.timesheets.workdays import supported_years

# The demo logins in the firm, with their grade (a scale.GRADES code).
LOGIN_GRADES = {"partner": "P", "manager": "M", "cpa": "SS", "auditor": "A", "firm_admin": "SM"}
FOCUS = {
    TeamRole.PARTNER: "partner",
    TeamRole.MANAGER: "manager",
    TeamRole.SENIOR: "cpa",
    TeamRole.STAFF: "auditor",
}


@dataclass
class DemoPractice:
    as_of: datetime.date
    firms: int = 0
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def demo_as_of(today: datetime.date) -> datetime.date:
    """Today, or the last day of the last year the Chinese calendar knows."""
    last = supported_years()[1]
    return min(today, datetime.date(last, 12, 31))


def build(seed: int, today: datetime.date, *, staff: int = 40, firms: int = 20, log=None) -> DemoPractice:
    log = log or (lambda message: None)
    as_of = demo_as_of(today)
    started = time.perf_counter()
    result = DemoPractice(as_of=as_of)
    users = {u.username: u for u in User.objects.filter(username__in=LOGIN_GRADES)}
    home = Membership.objects.filter(user__username="firm_admin", active=True).select_related("organisation")
    firm = home.first().organisation if home.exists() else None
    if firm is not None and staff:
        named = [
            Named(
                users[name],
                grade,
                quality=name == "partner",
                admin_share=0.8 if name == "firm_admin" else 0.0,
            )
            for name, grade in LOGIN_GRADES.items()
            if name in users
        ]
        focus = {role: users[name] for role, name in FOCUS.items() if name in users}
        log(f"  practice of {firm.name} ({staff} staff, {as_of.year} to {as_of:%m-%d})")
        done = generate(
            firm, Scale(staff=staff, year=as_of.year, as_of=as_of), seed=seed, named=named, focus=focus,
            showcase=True, log=log,
        )  # fmt: skip
        _add(result, done.counts)
        result.firms += 1
    for other, scale in _others(seed, firm, as_of, firms):
        done = generate(other, scale, seed=seed)
        _add(result, done.counts)
        result.firms += 1
    if firms:
        log(f"  practice of {result.firms - 1} other firms (lighter)")
    result.seconds = time.perf_counter() - started
    return result


def _add(result: DemoPractice, counts: dict) -> None:
    for key, value in counts.items():
        result.counts[key] = result.counts.get(key, 0) + value


def _others(seed: int, firm, as_of: datetime.date, count: int):
    """The largest other firms, each with a few people from a month of this year on."""
    rng = random.Random(f"cpahub-demo:{seed}:practice-firms")  # noqa: S311 - reproducible by design
    if count <= 0:
        return
    heads = (
        Organisation.objects.filter(kind=OrgKind.FIRM, parent__isnull=True, status=OrgStatus.ACTIVE)
        .exclude(pk=getattr(firm, "pk", None))
        .annotate(people=Count("firm__cpas", filter=Q(firm__cpas__status="practising")))
        .order_by("-people", "name")[:count]
    )
    year_start = datetime.date(as_of.year, 1, 1)
    for head in heads:
        months = max(1, min(10, (as_of - year_start).days // 30))
        start = year_start + datetime.timedelta(days=30 * rng.randrange(months))
        scale = Scale(
            staff=max(8, min(12, head.people + rng.randint(0, 4))),
            year=as_of.year,
            as_of=as_of,
            start=start,
            entries_per_day=round(rng.uniform(1.2, 2.4), 1),
            clients_per_staff=round(rng.uniform(0.6, 1.2), 1),
            prior_year=False,
        )
        yield head, scale
