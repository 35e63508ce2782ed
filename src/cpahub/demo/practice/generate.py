"""Generates one firm's practice data for a year, deterministically for a seed (see the package doc)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from cpahub.demo.practice import acceptance, clients, fees, lifecycle, staff
from cpahub.demo.practice.billing import Biller, make_expenses
from cpahub.demo.practice.context import Practice
from cpahub.demo.practice.engagements import Planner
from cpahub.demo.practice.invoicing import Invoicing
from cpahub.demo.practice.scale import Scale
from cpahub.demo.practice.store import Store
from cpahub.demo.practice.timesheets import make_time
from cpahub.engagements.models import Engagement


class PracticeError(Exception):
    """The practice data cannot be generated for this firm (e.g. it has some already)."""


@dataclass
class Result:
    practice: Practice
    seconds: float
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.practice.store.counts)


def generate(
    firm,
    scale: Scale,
    *,
    seed: str | int = 2024,
    named: list[staff.Named] = (),
    focus: dict | None = None,
    username_prefix: str = "",
    showcase: bool = False,
    request_id: str = "",
    log=None,
) -> Result:
    """Staff, clients, engagements, time, fees, invoices and receipts of `firm` (a head office).

    `named` users become staff with the given grades; `focus` ({team role: user}) puts some of them on
    engagements in progress on the last day; `showcase` makes sure of the cases a demo shows (a
    high-risk proposal waiting for the quality partner, an archive deadline passed). Call inside a
    transaction: it writes with bulk inserts and cannot be resumed halfway.
    """
    if Engagement.objects.filter(firm=firm).exists():
        raise PracticeError(f"{firm} already has engagements; practice data is generated for new firms only")
    log = log or (lambda message: None)
    store = Store(changelog=scale.changelog, request_id=request_id)
    practice = Practice(firm=firm, scale=scale, seed=f"{seed}:{firm.credit_code or firm.name}", store=store)
    started = time.perf_counter()
    steps: list[tuple[str, float]] = []
    clock = [started]

    def step(label: str) -> None:
        now = time.perf_counter()
        steps.append((label, now - clock[0]))
        log(f"    {label:<30} {now - clock[0]:6.2f} s")
        clock[0] = now

    staff.set_up(practice)
    staff.make_people(practice, list(named), username_prefix)
    clients.make_clients(practice)
    step("staff and clients")
    people = {p.user.pk: p for p in practice.people}
    roles = {role: people[user.pk] for role, user in (focus or {}).items() if user.pk in people}
    jobs = Planner(practice, roles).plan()
    lifecycle.finish(practice, jobs, showcase)
    templates = acceptance.seed_templates(practice, {j.engagement.type for j in practice.jobs})
    lifecycle.write(practice)
    acceptance.make_acceptances(practice, templates)
    step("engagements and acceptance")
    make_time(practice)
    step("timesheets")
    fees.make_budgets(practice)
    fees.make_agreements(practice)
    make_expenses(practice)
    biller = Biller(practice)
    biller.plan()
    Invoicing(biller).run()
    step("fees and billing")
    _active_days(practice)
    if store.changelog:
        store.log([j.engagement for j in practice.jobs], owner=firm.pk)
    step("usage and change log")
    return Result(practice, time.perf_counter() - started, steps)


def _active_days(practice: Practice) -> None:
    """A day a person submitted or approved time is a day they used the system (usage metering)."""
    from cpahub.metering.models import ActiveDay

    rows = [ActiveDay(user_id=user, day=day) for user, day in sorted(practice.active_days)]
    ActiveDay.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    practice.store.counts["metering.ActiveDay"] += len(rows)
