"""Builds the demo province: associations, regulator, banks, firms, CPAs, entities, penalties, users.

The build has two phases. *Planning* makes unsaved model instances from `random.Random` streams
seeded by `--seed` (one stream per part, so that changing how one part is made does not change the
others). *Writing* saves them with `bulk_create` in one transaction and writes the change log rows
itself, because bulk operations bypass the signals that normally write them.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cpahub.accounts.choices import OrgKind, OrgStatus, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.core.changelog import snapshot
from cpahub.core.context import acting_as, new_request_id
from cpahub.core.crypto import blind_index
from cpahub.core.models import ObjectChange
from cpahub.demo import data, names
from cpahub.demo.identifiers import CertificateNumbers, CreditCodes, ResidentIds
from cpahub.demo.logins import DEMO_LOGINS, demo_password
from cpahub.registry.choices import (
    Authority,
    CPAEventKind,
    CPAStatus,
    Gender,
    LegalForm,
    PenaltyKind,
    SubjectKind,
)
from cpahub.registry.models import CPA, CPAEvent, Firm, IndustryCase, Penalty

# The demo is a picture of the province on this date (fixed, so that a seed always gives the same data).
AS_OF = datetime.date(2025, 12, 31)
CHANGE_USER_NAME = "demo"


class DemoError(Exception):
    """The requested demo cannot be built (e.g. too few CPAs for the firms)."""


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _later(rng: random.Random, date: datetime.date, gap: int) -> datetime.date:
    """A day at least `gap` days after `date` where possible, never after AS_OF."""
    last = AS_OF - _days(1)
    return _day(rng, min(date + _days(gap), last), last)


def apportion(total: int, shares: list[float], minimum: int = 0) -> list[int]:
    """Split `total` by `shares` (largest remainder), each part at least `minimum` when possible."""
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    parts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    if minimum and total >= minimum * len(shares):
        for i in range(len(parts)):
            while parts[i] < minimum:
                donor = max(range(len(parts)), key=lambda j: (parts[j], -j))
                parts[donor] -= 1
                parts[i] += 1
    return parts


@dataclass
class FirmPlan:
    firm: Firm
    org: Organisation
    city: data.CityInfo
    weight: float
    head: FirmPlan | None = None
    practising: list[CPA] = field(default_factory=list)

    @property
    def founded(self) -> datetime.date:
        return self.firm.founded

    @property
    def active(self) -> bool:
        return self.org.status in (OrgStatus.ACTIVE, OrgStatus.SUSPENDED)


@dataclass
class Summary:
    counts: dict[str, int]
    fingerprint: str
    seconds: float
    steps: list[tuple[str, float]]


class DemoBuilder:
    def __init__(
        self,
        *,
        seed: int = 2024,
        firms: int = 300,
        cpas: int = 3000,
        entities: int | None = None,
        log=None,
    ):
        if firms < 2:
            raise DemoError("the demo needs at least 2 firms")
        self.seed = seed
        self.n_firms = firms
        self.n_cpas = cpas
        self.n_entities = entities if entities is not None else max(10, firms * 5 // 3)
        self.n_penalties = max(4, firms // 5)
        self.log = log or (lambda message: None)
        self.request_id = new_request_id()
        self.steps: list[tuple[str, float]] = []
        self.credit_codes = CreditCodes(self._rng("credit-codes"))
        self.firm_names = names.UniqueNames(self._rng("firm-names"))
        self.entity_names = names.UniqueNames(self._rng("entity-names"))
        self.logged: list = []  # objects that get an ObjectChange 'create' row

    def _rng(self, part: str) -> random.Random:
        return random.Random(f"cpahub-demo:{self.seed}:{part}")  # noqa: S311 - reproducible by design

    def _step(self, label: str, started: float) -> float:
        now = time.perf_counter()
        self.steps.append((label, now - started))
        self.log(f"  {label:<32} {now - started:6.2f} s")
        return now

    # --- entry point ----------------------------------------------------------------------------

    def build(self) -> Summary:
        started = time.perf_counter()
        with acting_as(None, request_id=self.request_id), transaction.atomic():
            t = time.perf_counter()
            self.plan_organisations()
            self.plan_firms()
            self.plan_entities()
            t = self._step("planned organisations", t)
            self.plan_cpas()
            t = self._step("planned CPAs and history", t)
            self.write_organisations()
            t = self._step("wrote organisations, firms", t)
            self.write_users()
            t = self._step("wrote users (password hashes)", t)
            self.write_cpas()
            t = self._step("wrote CPAs (SM4-encrypted IDs)", t)
            self.write_memberships()
            self.plan_and_write_penalties()
            self.plan_and_write_cases()
            t = self._step("wrote penalties and cases", t)
            self.write_changelog()
            self.write_security_log()
            t = self._step("wrote change log", t)
        counts = self.counts()
        digest = fingerprint()
        self._step("fingerprint", t)
        return Summary(counts, digest, time.perf_counter() - started, self.steps)

    # --- planning: organisations ------------------------------------------------------------------

    def plan_organisations(self) -> None:
        rng = self._rng("organisations")
        cc = self.credit_codes
        name, short = data.PROVINCE_ASSOCIATION
        self.province = Organisation(
            kind=OrgKind.PROVINCIAL_ASSOCIATION,
            name=name,
            short_name=short,
            credit_code=cc.new("360000", authority_type="51", registered=1990),
            address=data.PROVINCE_ADDRESS,
            phone="0791-86" + f"{rng.randrange(10**6):06d}",
        )
        self.city_associations: dict[str, Organisation] = {}
        for city in data.CITIES:
            _code, district = names.district(rng, city, core=True)
            self.city_associations[city.code] = Organisation(
                kind=OrgKind.CITY_ASSOCIATION,
                name=f"{city.name}注册会计师协会",
                short_name=f"{city.short}市注协",
                credit_code=cc.new(city.code, authority_type="51", registered=1995),
                city=city.code,
                address=names.address(rng, city, district),
                phone=names.landline(rng, city),
            )
        name, short = data.REGULATOR
        self.regulator = Organisation(
            kind=OrgKind.REGULATOR,
            name=name,
            short_name=short,
            credit_code=cc.new("360000", authority_type="11", registered=1990),
            address=data.REGULATOR_ADDRESS,
            phone="0791-86" + f"{rng.randrange(10**6):06d}",
        )
        self.banks = []
        for bank_name, bank_short, city_code in data.BANKS:
            city = data.CITY_BY_CODE[city_code]
            _code, district = names.district(rng, city, core=True)
            region = city.code if rng.random() < 0.5 else _code
            self.banks.append(
                Organisation(
                    kind=OrgKind.CONFIRMING_PARTY,
                    name=bank_name,
                    short_name=bank_short,
                    credit_code=cc.new(region, registered=2000),
                    city=city.code,
                    address=names.address(rng, city, district),
                    phone=names.landline(rng, city),
                )
            )

    # --- planning: firms and branches ------------------------------------------------------------

    def plan_firms(self) -> None:
        rng = self._rng("firms")
        n = self.n_firms
        per_city = apportion(n, [c.firm_share for c in data.CITIES], minimum=1)
        heads: list[FirmPlan] = []
        years = list(range(1995, 2024))
        year_weights = [6 if y in (1999, 2000) else 3 if y < 2010 else 2 for y in years]
        for city, count in zip(data.CITIES, per_city, strict=True):
            for _ in range(count):
                weight = min(rng.paretovariate(1.3), 40.0) * (1.6 if city.code == "360100" else 1.0)
                founded_year = rng.choices(years, year_weights)[0]
                founded = _day(rng, datetime.date(founded_year, 1, 1), datetime.date(founded_year, 12, 31))
                firm = Firm(founded=founded)
                org = Organisation(kind=OrgKind.FIRM, city=city.code)
                heads.append(FirmPlan(firm=firm, org=org, city=city, weight=weight))

        # Securities qualification: ~8%, among the larger firms.
        k = max(1, round(n * 0.08))
        by_size = sorted(heads, key=lambda p: -p.weight)
        for plan in rng.sample(by_size[: max(k, round(n * 0.2))], k):
            plan.firm.securities_qualified = True
            plan.weight *= 3

        for plan in heads:
            r = rng.random()
            if plan.firm.securities_qualified:
                form = LegalForm.SPECIAL_PARTNERSHIP if r < 0.7 else LegalForm.LIMITED_COMPANY
            else:
                form = (
                    LegalForm.GENERAL_PARTNERSHIP
                    if r < 0.47
                    else LegalForm.LIMITED_COMPANY
                    if r < 0.93
                    else LegalForm.SPECIAL_PARTNERSHIP
                )
            plan.firm.legal_form = form
            plan.org.name, plan.org.short_name = self.firm_names.firm(plan.city, form)
            plan.org.status = OrgStatus.ACTIVE

        # ~10% of head offices have 1-3 branches in other cities; a few others are closed or suspended.
        with_branches = {id(p) for p in rng.sample(by_size[: max(3, n // 3)], max(1, round(n * 0.10)))}
        branches: list[FirmPlan] = []
        others = [p for p in heads if id(p) not in with_branches]
        for plan in rng.sample(others, max(1, round(n * 0.03))):
            plan.org.status = OrgStatus.CLOSED
        open_others = [p for p in others if p.org.status == OrgStatus.ACTIVE]
        for plan in rng.sample(open_others, max(1, round(n * 0.02))):
            plan.org.status = OrgStatus.SUSPENDED
        for head in heads:
            if id(head) not in with_branches:
                continue
            elsewhere = [c for c in data.CITIES if c.code != head.city.code]
            for city in rng.sample(elsewhere, rng.choice((1, 1, 1, 2, 2, 3))):
                start = head.founded + _days(365)
                founded = _day(rng, min(start, datetime.date(2023, 6, 30)), datetime.date(2023, 12, 31))
                firm = Firm(
                    founded=founded,
                    legal_form=head.firm.legal_form,
                    securities_qualified=head.firm.securities_qualified,
                )
                org = Organisation(
                    kind=OrgKind.FIRM,
                    city=city.code,
                    name=f"{head.org.name}{city.short}分所",
                    short_name=f"{head.org.short_name}{city.short}分所",
                    status=OrgStatus.ACTIVE,
                )
                branches.append(
                    FirmPlan(
                        firm=firm, org=org, city=city, weight=min(rng.paretovariate(2.0), 3.0), head=head
                    )
                )

        # Numbers: licences are issued per city in order of founding; credit codes by district.
        all_firms = heads + branches
        for city in data.CITIES:
            local = sorted(
                (p for p in all_firms if p.city.code == city.code), key=lambda p: (p.founded, p.org.name)
            )
            for seq, plan in enumerate(local, start=1):
                plan.firm.licence_no = f"{city.code[:4]}{seq:04d}"
        for number, plan in enumerate(all_firms, start=1):
            code, district = names.district(rng, plan.city, core=True)
            region = plan.city.code if rng.random() < 0.4 else code
            plan.org.credit_code = self.credit_codes.new(region, registered=plan.founded.year)
            plan.org.address = names.address(rng, plan.city, district)
            plan.org.phone = names.landline(rng, plan.city)
            plan.firm.firm_no = f"JX{number:04d}"
            plan.firm.email = f"office{plan.firm.licence_no}@example.com"
        self.heads = heads
        self.branches = branches
        self.firms = all_firms

    # --- planning: audited entities ---------------------------------------------------------------

    def plan_entities(self) -> None:
        rng = self._rng("entities")
        per_city = apportion(self.n_entities, [c.firm_share + 4 for c in data.CITIES])
        self.entities: list[Organisation] = []
        for city, count in zip(data.CITIES, per_city, strict=True):
            for _ in range(count):
                name, short = self.entity_names.entity(city)
                code, district = names.district(rng, city, core=False)
                region = city.code if rng.random() < 0.3 else code
                registered = rng.randint(1993, 2024)
                self.entities.append(
                    Organisation(
                        kind=OrgKind.AUDITED_ENTITY,
                        name=name,
                        short_name=short,
                        credit_code=self.credit_codes.new(region, registered=registered),
                        city=city.code,
                        address=names.address(rng, city, district, office=rng.random() < 0.4),
                        phone=names.landline(rng, city),
                        status=OrgStatus.ACTIVE if rng.random() < 0.97 else OrgStatus.CLOSED,
                    )
                )

    # --- planning: CPAs and their history -------------------------------------------------------

    def plan_cpas(self) -> None:
        rng = self._rng("cpas")
        n = self.n_cpas
        open_firms = [p for p in self.firms if p.active]
        need = 3 * len(open_firms)
        n_cancelled = round(n * 0.05)
        n_non = round(n * 0.10)
        n_practising = n - n_cancelled - n_non
        if n < need:
            raise DemoError(
                f"{n} CPAs are too few for {len(open_firms)} open firms and branches (3 each): "
                f"use --cpas {need} or more, or fewer --firms"
            )
        if n_practising < need:
            n_practising = need
            n_non = (n - need) * 2 // 3
            n_cancelled = n - need - n_non
        # Where the practising CPAs work: 3 each, the rest by firm size.
        slots: list[FirmPlan] = [p for p in open_firms for _ in range(3)]
        slots += rng.choices(open_firms, [p.weight for p in open_firms], k=n_practising - len(slots))
        rng.shuffle(slots)
        statuses = [CPAStatus.NON_PRACTISING] * n_non + [CPAStatus.CANCELLED] * n_cancelled
        finals: list[tuple[str, FirmPlan | None]] = [(CPAStatus.PRACTISING, p) for p in slots]
        finals += [(s, None) for s in statuses]
        rng.shuffle(finals)

        city_codes = [c.code for c in data.CITIES]
        city_weights = [c.firm_share for c in data.CITIES]
        ids = ResidentIds(self._rng("resident-ids"))
        certificates = CertificateNumbers(self._rng("certificates"))
        self.cpas: list[CPA] = []
        self.events: list[CPAEvent] = []
        for status, final in finals:
            gender = Gender.FEMALE if rng.random() < 0.56 else Gender.MALE
            birth_year = round(rng.triangular(1960, 1998, 1984))
            birth = _day(rng, datetime.date(birth_year, 1, 1), datetime.date(birth_year, 12, 31))
            offset = min(int(rng.expovariate(1 / 5)), 18)
            qualified = _day(
                rng,
                datetime.date(birth_year + 22 + offset, birth.month, min(birth.day, 28)) + _days(1),
                datetime.date(birth_year + 23 + offset, 12, 31),
            )
            qualified = min(qualified, AS_OF - _days(120))
            if final is not None and rng.random() < 0.8:
                home = final.city.code
            else:
                home = rng.choices(city_codes, city_weights)[0]
            cpa = CPA(
                certificate_no=certificates.new(final.city.code if final else home, qualified),
                name=names.person_name(rng, gender, birth_year),
                gender=gender,
                birth_date=birth,
                id_number=ids.new(home, birth, gender),
                qualified_on=qualified,
                firm=final.firm if final else None,
                status=status,
                phone=names.mobile(rng),
            )
            cpa.id_number_index = blind_index(cpa.id_number)
            if final is not None:
                final.practising.append(cpa)
            self.cpas.append(cpa)
            self.events += self._history(rng, cpa, final)

        # Partners: 2-5 per head office, 1 per branch, the longest qualified more often.
        for plan in open_firms:
            people = sorted(plan.practising, key=lambda c: (c.qualified_on, c.certificate_no))
            k = 1 if plan.head else min(rng.randint(2, 5), len(people) - 1)
            pool = people[: max(k, len(people) // 2)]
            partners = sorted(rng.sample(pool, k), key=lambda c: c.qualified_on)
            for cpa in partners:
                cpa.is_partner = True
            plan.firm.chief_partner = partners[0].name
        for plan in self.firms:
            if not plan.active:
                plan.firm.chief_partner = names.person_name(rng, rng.choice("MF"), 1965)

    def _history(self, rng: random.Random, cpa: CPA, final: FirmPlan | None) -> list[CPAEvent]:
        """Events from registration to the CPA's present firm and status, dates increasing."""
        status = cpa.status
        moves = rng.choice((1, 1, 2, 3)) if rng.random() < 0.25 else 0
        registered = min(cpa.qualified_on + _days(rng.randint(30, 720)), AS_OF - _days(60))
        events: list[CPAEvent] = []

        def event(date, kind, **kw):
            events.append(CPAEvent(cpa=cpa, date=date, kind=kind, **kw))

        starts_practising = status == CPAStatus.PRACTISING or rng.random() < 0.5
        if not starts_practising:
            # Registered as a non-practising member; some are cancelled later.
            event(registered, CPAEventKind.REGISTERED, to_status=CPAStatus.NON_PRACTISING)
            if status == CPAStatus.CANCELLED:
                when = _later(rng, registered, 180)
                event(
                    when,
                    CPAEventKind.STATUS,
                    from_status=CPAStatus.NON_PRACTISING,
                    to_status=CPAStatus.CANCELLED,
                    note="本人申请注销",
                )
            return events

        # A path of firms: earlier ones, then the present firm (practising) or the last one (others).
        end = AS_OF - _days(30) if status == CPAStatus.PRACTISING else AS_OF - _days(200)
        path: list[tuple[datetime.date, FirmPlan]] = []
        if final is not None:
            lo = max(registered, final.founded + _days(30))
            joined = (
                _day(rng, lo, AS_OF - _days(1))
                if moves
                else max(registered, final.founded + _days(rng.randint(0, 180)))
            )
            path.append((min(joined, AS_OF - _days(1)), final))
        else:
            last = self._firm_before(rng, end, exclude=None)
            joined = max(registered, last.founded + _days(rng.randint(0, 180)))
            path.append((min(joined, end), last))
        for _ in range(moves):
            date, later = path[0]
            earlier_end = date - _days(180)
            if earlier_end <= registered:
                break
            earlier = self._firm_before(rng, earlier_end, exclude=later)
            if earlier is None:
                break
            start = max(registered, earlier.founded + _days(30))
            if start >= earlier_end:
                break
            path.insert(0, (_day(rng, start, earlier_end), earlier))
        first_date, first_firm = path[0]
        event(first_date, CPAEventKind.REGISTERED, to_firm=first_firm.firm, to_status=CPAStatus.PRACTISING)
        for (_prev_date, prev), (date, firm) in itertools.pairwise(path):
            if rng.random() < 0.15 and (date - _prev_date).days > 200:
                gap = _day(rng, _prev_date + _days(60), date - _days(30))
                event(gap, CPAEventKind.LEFT, from_firm=prev.firm)
                event(date, CPAEventKind.JOINED, to_firm=firm.firm)
            else:
                event(date, CPAEventKind.MOVED, from_firm=prev.firm, to_firm=firm.firm, note="转所")
        if status == CPAStatus.PRACTISING:
            return events
        last_date, last_firm = path[-1]
        when = _later(rng, last_date, 90)
        if status == CPAStatus.NON_PRACTISING:
            event(when, CPAEventKind.LEFT, from_firm=last_firm.firm)
            event(
                when,
                CPAEventKind.STATUS,
                from_status=CPAStatus.PRACTISING,
                to_status=CPAStatus.NON_PRACTISING,
                note="转为非执业会员",
            )
        else:  # cancelled, as registry.services.change_cpa_status records it
            note = rng.choice(("本人申请注销", "连续两年未参加年检", "不再符合注册条件"))
            event(
                when,
                CPAEventKind.STATUS,
                from_status=CPAStatus.PRACTISING,
                to_status=CPAStatus.CANCELLED,
                note=note,
            )
            event(when, CPAEventKind.LEFT, from_firm=last_firm.firm, note=note)
        return events

    def _firm_before(self, rng: random.Random, date: datetime.date, exclude: FirmPlan | None):
        candidates = [p for p in self.firms if p.founded + _days(30) < date and p is not exclude]
        if not candidates:
            return None if exclude is not None else min(self.firms, key=lambda p: p.founded)
        # Closed firms had people too: they appear in histories more often than their share.
        weights = [p.weight * (4 if p.org.status == OrgStatus.CLOSED else 1) for p in candidates]
        return rng.choices(candidates, weights)[0]

    # --- writing ------------------------------------------------------------------------------------

    def write_organisations(self) -> None:
        fixed = [self.province, *self.city_associations.values(), self.regulator, *self.banks]
        Organisation.objects.bulk_create(fixed)
        Organisation.objects.bulk_create([p.org for p in self.heads])
        for plan in self.branches:
            plan.org.parent = plan.head.org
        Organisation.objects.bulk_create([p.org for p in self.branches])
        Organisation.objects.bulk_create(self.entities)
        for plan in self.firms:
            plan.firm.organisation = plan.org
        Firm.objects.bulk_create([p.firm for p in self.firms])
        self.logged += fixed + [p.org for p in self.firms] + self.entities + [p.firm for p in self.firms]

    def _pick_firms(self) -> tuple[FirmPlan, FirmPlan]:
        def size(plan):
            return (
                len(plan.practising) + sum(len(b.practising) for b in self.branches if b.head is plan),
                plan.org.name,
            )

        open_heads = [p for p in self.heads if p.org.status == OrgStatus.ACTIVE]
        nanchang = [p for p in open_heads if p.city.code == "360100"] or open_heads
        with_branches = [p for p in nanchang if any(b.head is p for b in self.branches)] or nanchang
        firm_a = max(with_branches, key=size)
        elsewhere = [p for p in open_heads if p.city.code == "360700"] or [
            p for p in open_heads if p.city.code != firm_a.city.code
        ]
        firm_b = max(elsewhere or [p for p in open_heads if p is not firm_a], key=size)
        return firm_a, firm_b

    def write_users(self) -> None:
        rng = self._rng("users")
        firm_a, firm_b = self._pick_firms()
        self.firm_a, self.firm_b = firm_a, firm_b
        nanchang_entities = [e for e in self.entities if e.city == "360100" and e.status == OrgStatus.ACTIVE]
        orgs = {
            "province": self.province,
            "city": self.city_associations["360100"],
            "firm_a": firm_a.org,
            "firm_b": firm_b.org,
            "regulator": self.regulator,
            "bank": self.banks[0],
            "entity": nanchang_entities[0] if nanchang_entities else self.entities[0],
        }
        people = sorted(firm_a.practising, key=lambda c: c.certificate_no)
        linked = {
            "partner": next(c for c in people if c.is_partner),
            "member": next(c for c in people if not c.is_partner),
        }
        now = timezone.now()
        users = []
        for login in DEMO_LOGINS:
            cpa = linked.get(login.cpa)
            display = cpa.name if cpa else names.person_name(rng, rng.choice("MF"), 1980)
            user = User(
                username=login.username,
                display_name=display,
                email=f"{login.username}@example.com",
                is_staff=login.is_staff,
                date_joined=now,
                password_changed_at=now,
            )
            password = demo_password(self.seed, login.username)
            validate_password(password, user)
            users.append((user, password, login, cpa))
        for user, password, _l, _c in users:
            user.password = make_password(password)  # PBKDF2: most of this step's time
        User.objects.bulk_create([u for u, _p, _l, _c in users])
        self.users = users
        self.login_orgs = orgs
        for user, _p, _login, cpa in users:
            if cpa is not None:
                cpa.user = user

    def write_cpas(self) -> None:
        CPA.objects.bulk_create(self.cpas, batch_size=500)
        CPAEvent.objects.bulk_create(self.events, batch_size=1000)
        self.logged += self.cpas

    def write_memberships(self) -> None:
        memberships = [
            Membership(user=user, organisation=self.login_orgs[login.organisation], role=login.role)
            for user, _p, login, _c in self.users
        ]
        Membership.objects.bulk_create(memberships)
        self.logged += memberships

    def plan_and_write_penalties(self) -> None:
        rng = self._rng("penalties")
        numbers: Counter = Counter()
        practising = [c for c in self.cpas if c.status == CPAStatus.PRACTISING]
        closed = [p for p in self.heads if p.org.status == OrgStatus.CLOSED]
        suspended = [p for p in self.heads if p.org.status == OrgStatus.SUSPENDED]
        penalties = []
        for i in range(self.n_penalties):
            # The suspended and (some) closed firms carry the decision that explains their status.
            if i < len(suspended):
                plan, kind, authority = suspended[i], PenaltyKind.SUSPENSION, Authority.PROVINCIAL_FINANCE
                decided = _day(rng, datetime.date(2025, 3, 1), datetime.date(2025, 11, 30))
            elif i - len(suspended) < len(closed) // 2:
                plan = closed[i - len(suspended)]
                kind, authority = PenaltyKind.REVOCATION, Authority.PROVINCIAL_FINANCE
                decided = _day(rng, datetime.date(2019, 1, 1), datetime.date(2024, 12, 31))
            else:
                plan = None
                authority = rng.choices(
                    [
                        Authority.PROVINCIAL_FINANCE,
                        Authority.ASSOCIATION,
                        Authority.CSRC_OFFICE,
                        Authority.MOF,
                        Authority.CICPA,
                    ],
                    [45, 30, 12, 8, 5],
                )[0]
                if authority in (Authority.ASSOCIATION, Authority.CICPA):
                    kind = rng.choice((PenaltyKind.ADMONITION, PenaltyKind.CRITICISM, PenaltyKind.CENSURE))
                elif authority == Authority.CSRC_OFFICE:
                    kind = rng.choice((PenaltyKind.OTHER, PenaltyKind.WARNING))
                else:
                    kind = rng.choices(
                        [
                            PenaltyKind.WARNING,
                            PenaltyKind.FINE,
                            PenaltyKind.CONFISCATION,
                            PenaltyKind.SUSPENSION,
                        ],
                        [50, 25, 10, 15],
                    )[0]
                decided = _day(rng, datetime.date(2019, 1, 1), datetime.date(2025, 11, 30))
            subject_is_cpa = plan is None and rng.random() < 0.6
            if subject_is_cpa:
                cpa = rng.choice(practising)
                firm = cpa.firm
            else:
                cpa = None
                if plan is None:
                    candidates = [p for p in self.firms if p.active and p.founded < decided]
                    plan = rng.choices(candidates, [p.weight for p in candidates])[0]
                firm = plan.firm
            year = decided.year
            numbers[(authority, year)] += rng.randint(1, 4)
            prefix = data.DOCUMENT_PREFIX[authority]
            document_no = f"{prefix}〔{year}〕{numbers[(authority, year)]}号"
            penalty = Penalty(
                subject_kind=SubjectKind.CPA if cpa else SubjectKind.FIRM,
                firm=firm,
                cpa=cpa,
                authority=authority,
                decided_on=decided,
                kind=kind,
                document_no=document_no,
                text=self._penalty_text(rng, firm, cpa, kind, decided),
                published=self._published(rng, plan, kind),
            )
            penalties.append(penalty)
        penalties.sort(key=lambda p: (p.decided_on, p.document_no))
        Penalty.objects.bulk_create(penalties)
        self.penalties = penalties
        self.logged += penalties

    @staticmethod
    def _published(rng, plan, kind) -> bool:
        if plan is not None and kind in (PenaltyKind.SUSPENSION, PenaltyKind.REVOCATION):
            return True  # decisions that change a firm's status are always public
        return rng.random() < 0.8

    def _penalty_text(self, rng, firm: Firm, cpa: CPA | None, kind: str, decided: datetime.date) -> str:
        entity = rng.choice(self.entities).name
        year = decided.year - rng.randint(1, 2)
        failings = rng.sample(data.AUDIT_FAILINGS, rng.randint(1, 3))
        standard, title = rng.choice(data.STANDARDS)
        measure = data.MEASURE_TEXT[kind].format(
            amount=rng.choice((3, 5, 8, 10, 15, 20)),
            amount2=rng.choice((5, 10, 20, 30)),
            months=rng.choice((3, 6, 12)),
        )
        firm_name = firm.organisation.name
        if cpa is not None:
            who = f"{firm_name}注册会计师{cpa.name}（注册会计师证书编号：{cpa.certificate_no}）"
            measure = measure.replace("会计师事务所执业许可证", "注册会计师证书")
        else:
            who = firm_name
        items = "；".join(f"{i}. {text}" for i, text in enumerate(failings, start=1))
        return (
            f"经查，{who}在执行{entity}{year}年度财务报表审计业务过程中，存在以下问题：{items}。"
            f"上述行为违反了《中华人民共和国注册会计师法》第二十一条及《中国注册会计师审计准则第{standard}号——"
            f"{title}》的规定。依据《中华人民共和国注册会计师法》第三十九条等规定，决定{measure}。"
            f"当事人如对本决定不服，可在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。"
        )

    def plan_and_write_cases(self) -> None:
        rng = self._rng("cases")
        linkable = [p for p in self.penalties if p.published]
        cases = []
        for i, (category, title, summary, facts, lesson) in enumerate(data.CASES):
            penalty = linkable[i] if i < len(linkable) and rng.random() < 0.5 else None
            start = penalty.decided_on + _days(30) if penalty else datetime.date(2020, 1, 1)
            published_on = _day(rng, start, AS_OF - _days(1))
            published = i < 12
            body = (
                f"一、基本案情\n{facts}\n\n"
                f"二、处理结果\n相关监管部门依法作出处理，{summary}\n\n"
                f"三、案例启示\n{lesson}"
            )
            cases.append(
                IndustryCase(
                    title=title,
                    category=category,
                    summary=summary,
                    body=body,
                    penalty=penalty,
                    published=published,
                    published_on=published_on if published else None,
                )
            )
        IndustryCase.objects.bulk_create(cases)
        self.cases = cases
        self.logged += cases

    def write_changelog(self) -> None:
        types: dict[type, ContentType] = {}
        rows = []
        for obj in self.logged:
            model = type(obj)
            if model not in types:
                types[model] = ContentType.objects.get_for_model(model, for_concrete_model=True)
            rows.append(
                ObjectChange(
                    user=None,
                    user_name=CHANGE_USER_NAME,
                    request_id=self.request_id,
                    action=ObjectChange.Action.CREATE,
                    content_type=types[model],
                    object_id=str(obj.pk),
                    object_repr=str(obj)[:200],
                    owner_id=obj.changelog_owner_id,
                    before=None,
                    after=snapshot(obj),
                )
            )
        ObjectChange.objects.bulk_create(rows, batch_size=1000)

    def write_security_log(self) -> None:
        from cpahub.accounts.security import log_event

        for user, _p, login, _c in self.users:
            log_event(
                SecurityEventType.ACCOUNT_CREATED,
                user=user,
                source="demo",
                role=login.role,
                organisation=self.login_orgs[login.organisation].name,
            )

    def counts(self) -> dict[str, int]:
        by_kind = Counter(o.kind for o in [self.province, self.regulator, *self.banks, *self.entities])
        return {
            "city associations": len(self.city_associations),
            "regulators": by_kind[OrgKind.REGULATOR],
            "banks": by_kind[OrgKind.CONFIRMING_PARTY],
            "audited entities": by_kind[OrgKind.AUDITED_ENTITY],
            "firms (head offices)": len(self.heads),
            "branches": len(self.branches),
            "CPAs": len(self.cpas),
            "CPAs practising": sum(1 for c in self.cpas if c.status == CPAStatus.PRACTISING),
            "CPA history events": len(self.events),
            "penalties": len(self.penalties),
            "industry cases": len(self.cases),
            "users": len(self.users),
            "change log rows": len(self.logged),
        }


def province_exists() -> bool:
    return Organisation.objects.filter(kind=OrgKind.PROVINCIAL_ASSOCIATION).exists()


def _sorted(rows) -> list:
    """Rows in a stable order that never compares None with a value."""
    rows = [list(r) for r in rows]
    return sorted(rows, key=lambda r: json.dumps(r, ensure_ascii=False, default=str))


def fingerprint() -> str:
    """SHA-256 over the registry's natural keys and contents (not primary keys): equal data, equal digest."""
    orgs = {
        pk: row
        for pk, *row in Organisation.objects.values_list(
            "pk",
            "kind",
            "name",
            "short_name",
            "credit_code",
            "city",
            "address",
            "phone",
            "status",
            "parent__name",
        )
    }
    licence = dict(Firm.objects.values_list("pk", "licence_no"))
    certificate = dict(CPA.objects.values_list("pk", "certificate_no"))
    firms = (
        [orgs[pk][1], *rest]
        for pk, *rest in Firm.objects.values_list(
            "pk", "licence_no", "firm_no", "legal_form", "founded", "securities_qualified", "chief_partner"
        )
    )
    cpas = (
        (
            c.certificate_no,
            c.name,
            c.gender,
            c.birth_date,
            c.id_number,
            c.qualified_on,
            licence.get(c.firm_id),
            c.status,
            c.is_partner,
            c.phone,
            c.user.username if c.user_id else None,
        )
        for c in CPA.objects.select_related("user")
    )
    events = (
        (certificate[cpa], date, kind, licence.get(f), licence.get(t), fs, ts, note)
        for cpa, date, kind, f, t, fs, ts, note in CPAEvent.objects.values_list(
            "cpa_id", "date", "kind", "from_firm_id", "to_firm_id", "from_status", "to_status", "note"
        )
    )
    penalties = (
        (doc, subject, licence.get(f), certificate.get(c), authority, date, kind, text, published)
        for doc, subject, f, c, authority, date, kind, text, published in Penalty.objects.values_list(
            "document_no",
            "subject_kind",
            "firm_id",
            "cpa_id",
            "authority",
            "decided_on",
            "kind",
            "text",
            "published",
        )
    )
    cases = IndustryCase.objects.values_list(
        "title", "category", "summary", "body", "published", "published_on", "penalty__document_no"
    )
    memberships = Membership.objects.values_list(
        "user__username", "user__display_name", "organisation__name", "role", "active"
    )
    payload = {
        "organisations": _sorted(orgs.values()),
        "firms": _sorted(firms),
        "cpas": _sorted(cpas),
        "events": _sorted(events),
        "penalties": _sorted(penalties),
        "cases": _sorted(cases),
        "memberships": _sorted(memberships),
    }
    text = json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
