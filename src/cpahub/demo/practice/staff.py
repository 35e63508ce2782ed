"""The firm's set-up and people: practice settings, grades, staff with their accounts and profiles."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from cpahub.accounts.choices import OrgKind, OrgStatus, Role
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.demo import data, names
from cpahub.demo.practice.context import Person, Practice
from cpahub.demo.practice.scale import GRADE_BY_CODE, GRADES
from cpahub.practice.models import FirmSettings, Grade, StaffProfile

BANKS = ("中国建设银行", "中国工商银行", "中国银行", "中国农业银行", "交通银行", "江西银行", "九江银行")


@dataclass(frozen=True)
class Named:
    """An existing user (e.g. a demo login) who must be one of the firm's staff."""

    user: object
    grade: str | None  # a GradeSpec code
    quality: bool = False
    admin_share: float = 0.0


def set_up(practice: Practice) -> None:
    """Offices, settings (report number prefix, bank) and the grade ladder of the firm."""
    firm = practice.firm
    rng = practice.rng("setup")
    branches = Organisation.objects.filter(parent=firm, kind=OrgKind.FIRM, status=OrgStatus.ACTIVE)
    practice.offices = [firm, *branches.order_by("pk")]
    settings = FirmSettings.for_firm(firm)
    if not settings.report_prefix:
        trade = (firm.short_name or firm.name[2:6])[-2:]
        settings.report_prefix = f"赣{trade}"
        settings.letterhead_phone = settings.letterhead_phone or firm.phone
        settings.bank_name = (
            f"{rng.choice(BANKS)}{data.CITY_BY_CODE.get(firm.city, data.CITIES[0]).short}分行"
        )
        settings.bank_account = f"3605{rng.randrange(10**16):016d}"
        settings.save()
    practice.settings = settings
    existing = {g.code: g for g in Grade.objects.filter(firm=firm)}
    missing = [
        Grade(
            firm=firm,
            code=spec.code,
            name=spec.name,
            rank=spec.rank,
            charge_rate=spec.charge_rate,
            cost_rate=spec.cost_rate,
        )
        for spec in GRADES
        if spec.code not in existing
    ]
    practice.store.add(missing, owner=firm.pk)
    practice.grades = existing | {g.code: g for g in missing}


def _grade_counts(chargeable: int) -> dict[str, int]:
    from cpahub.demo.builder import apportion

    counts = dict(
        zip([g.code for g in GRADES], apportion(chargeable, [g.share for g in GRADES]), strict=True)
    )
    floors = {"P": 2, "M": 1, "SS": 1, "S": 1}
    for code, least in floors.items():
        while counts[code] < least:
            donor = max(counts, key=lambda c: (counts[c] - floors.get(c, 0), c))
            counts[donor] -= 1
            counts[code] += 1
    return counts


def _office_shares(practice: Practice, rng) -> list:
    """One office per chargeable seat: branches get 8-14% of the people each, the head office the rest."""
    weights = [1.0] + [rng.uniform(0.08, 0.14) for _ in practice.offices[1:]]
    weights[0] = max(0.4, 1 - sum(weights[1:]))
    return weights


MANAGING = {"P": 0.35, "SM": 0.2, "M": 0.1}
BIRTH_YEAR = {"P": 1972, "SM": 1980, "M": 1985, "SS": 1990, "S": 1995, "A": 1999}


def make_people(practice: Practice, named: list[Named] = (), username_prefix: str = "") -> None:
    """`scale.staff` people: the named users first, a firm administrator, finance, then by grade."""
    rng = practice.rng("people")
    scale = practice.scale
    finance = 1 + scale.staff // 100
    counts = _grade_counts(scale.staff - finance - 1)  # the firm administrator is one more
    office_weights = _office_shares(practice, rng)
    prefix = username_prefix or f"staff{practice.firm.pk}-"
    head = practice.offices[0]
    now = timezone.now()
    people: list[Person] = []
    new_users: list[User] = []

    def dates(spec, generated: bool):
        joined = datetime.date(rng.randint(2008, scale.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        span = (scale.as_of - scale.start).days
        r = rng.random()
        if not generated or spec is None or spec.code not in ("SS", "S", "A") or span < 120:
            return joined, None
        if r < 0.07:  # joined this year
            return scale.start + datetime.timedelta(days=rng.randint(20, span - 30)), None
        if r < 0.12:  # left this year
            return joined, scale.start + datetime.timedelta(days=rng.randint(60, span - 14))
        return joined, None

    def person(role, spec, office, user=None, **extra) -> Person:
        joined, left = dates(spec, user is None)
        if user is None:
            n = len(people) + 1
            gender = "F" if rng.random() < 0.55 else "M"
            user = User(
                username=f"{prefix}{n:03d}",
                display_name=names.person_name(rng, gender, BIRTH_YEAR.get(spec.code if spec else "", 1988)),
                email=f"{prefix}{n:03d}@example.com",
                password=make_password(None),
                date_joined=now,
                password_changed_at=now,
                is_active=left is None,
            )
            new_users.append(user)
        grade = practice.grades[spec.code] if spec else None
        if spec and not extra.get("admin_share"):  # running the firm: partners most, managers some
            extra["admin_share"] = MANAGING.get(spec.code, 0.0)
        p = Person(len(people), user, office, role, grade, spec, joined, left, **extra)
        people.append(p)
        return p

    has_admin = False
    for item in named:
        spec = GRADE_BY_CODE.get(item.grade or "")
        role = _role_of(item.user, practice.firm)
        staffed = spec is not None and item.admin_share < 0.5
        person(
            role, spec, head, item.user, quality=item.quality, admin_share=item.admin_share, staffed=staffed
        )
        if role == Role.FIRM_ADMIN:
            has_admin = True
        elif spec is not None:
            counts[spec.code] = max(0, counts[spec.code] - 1)
    if not has_admin:
        person(Role.FIRM_ADMIN, GRADE_BY_CODE["SM"], head, admin_share=0.8, staffed=False)
    for _ in range(finance):
        person(Role.FIRM_FINANCE, None, head, capacity=Decimal("0"), staffed=False)
    for spec in GRADES:
        for _ in range(counts[spec.code]):
            office = rng.choices(practice.offices, office_weights)[0]
            role = Role.CPA if spec.code == "SS" and rng.random() < 0.4 else spec.role
            capacity = Decimal("1") if rng.random() < 0.93 else rng.choice((Decimal("0.5"), Decimal("0.8")))
            person(role, spec, office, capacity=capacity)
    if not any(p.quality for p in people):
        next(p for p in people if p.code == "P").quality = True
    practice.people = people
    _write(practice, new_users)


def _role_of(user, firm) -> str:
    membership = Membership.objects.filter(
        Q(organisation=firm) | Q(organisation__parent=firm), user=user, active=True
    ).first()
    return membership.role if membership else Role.STAFF_AUDITOR


def _write(practice: Practice, new_users: list) -> None:
    store, firm = practice.store, practice.firm
    store.add(new_users, log=False)  # users are not change-logged (the security log records accounts)
    new = {u.pk for u in new_users}
    memberships = []
    for p in practice.people:
        if p.user.pk in new:
            memberships.append(
                Membership(
                    user=p.user,
                    organisation=p.office,
                    role=p.role,
                    active=p.left is None,
                    started=p.joined,
                    ended=p.left,
                )
            )
        else:  # an existing login: its membership dates from when the person joined
            Membership.objects.filter(user=p.user, active=True).update(started=p.joined)
    store.add(memberships, keys=False)
    profiles = [
        StaffProfile(
            firm=firm,
            office=p.office,
            user=p.user,
            grade=p.grade,
            employee_no=f"{p.index + 1:04d}",
            capacity=p.capacity,
            quality_partner=p.quality,
            joined=p.joined,
            left=p.left,
        )
        for p in practice.people
    ]
    store.add(profiles, owner=firm.pk, keys=False)
    for p, profile in zip(practice.people, profiles, strict=True):
        p.profile = profile
