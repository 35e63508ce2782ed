"""Factories and a small firm world for the firm system's tests (practice, clients, engagements ...).

`firm_world()` builds two firms, firm A with a branch, people in every practice role, grades and staff
profiles — what most permission and workflow tests need.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import factory

from cpahub.accounts.choices import OrgKind, Role
from cpahub.clients.models import Client
from cpahub.engagements.choices import EngagementType, Status, TeamRole
from cpahub.engagements.models import Engagement, TeamMember
from cpahub.practice.models import Grade, StaffProfile
from cpahub.testing.factories import FirmFactory, OrganisationFactory, credit_code, user_with_role

GRADES = (
    ("P", "合伙人", 1, Decimal("1500"), Decimal("600")),
    ("M", "经理", 2, Decimal("800"), Decimal("300")),
    ("S", "高级审计员", 3, Decimal("500"), Decimal("180")),
    ("A", "审计助理", 4, Decimal("300"), Decimal("100")),
)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    office = factory.LazyAttribute(lambda o: o.firm)
    name = factory.Sequence(lambda n: f"江西测试实业有限公司{n}")
    credit_code = factory.Sequence(lambda n: credit_code(50000 + n))
    industry = "13"
    industry_section = "C"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        firm = kwargs.get("firm")
        if firm is not None and not hasattr(firm, "kind"):  # a registry Firm was given
            kwargs["firm"] = firm.organisation
        return kwargs


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    firm = factory.LazyAttribute(lambda o: o.client.firm)
    office = factory.LazyAttribute(lambda o: o.client.office)
    code = factory.Sequence(lambda n: f"E2025-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"{o.client.name} 2025年度财务报表审计")
    type = EngagementType.FS_AUDIT
    period_start = datetime.date(2025, 1, 1)
    period_end = datetime.date(2025, 12, 31)
    status = Status.PROPOSED


def make_grades(firm) -> dict[str, Grade]:
    return {
        code: Grade.objects.create(
            firm=firm, code=code, name=name, rank=rank, charge_rate=rate, cost_rate=cost
        )
        for code, name, rank, rate, cost in GRADES
    }


def staff(role: str, office, grade=None, **user_fields):
    """A user with `role` in `office` (head office or branch) and a staff profile in its firm."""
    user = user_with_role(role, office, **user_fields)
    firm = office.parent or office
    StaffProfile.objects.create(firm=firm, office=office, user=user, grade=grade)
    return user


def add_to_team(engagement, user, role=TeamRole.STAFF, grade=None):
    return TeamMember.objects.create(engagement=engagement, user=user, role=role, grade=grade)


def firm_world() -> SimpleNamespace:
    """Firm A (head office + branch) and firm B with people in each practice role."""
    w = SimpleNamespace()
    w.firm_a = FirmFactory().organisation
    w.branch_a = OrganisationFactory(kind=OrgKind.FIRM, parent=w.firm_a, name=w.firm_a.name + "赣州分所")
    w.firm_b = FirmFactory().organisation
    w.grades_a = make_grades(w.firm_a)
    w.grades_b = make_grades(w.firm_b)
    g = w.grades_a
    w.admin_a = staff(Role.FIRM_ADMIN, w.firm_a)
    w.partner_a = staff(Role.PARTNER, w.firm_a, g["P"])
    w.quality_a = staff(Role.PARTNER, w.firm_a, g["P"])
    StaffProfile.objects.filter(user=w.quality_a).update(quality_partner=True)
    w.manager_a = staff(Role.MANAGER, w.firm_a, g["M"])
    w.auditor_a = staff(Role.STAFF_AUDITOR, w.firm_a, g["S"])
    w.assistant_a = staff(Role.STAFF_AUDITOR, w.firm_a, g["A"])
    w.finance_a = staff(Role.FIRM_FINANCE, w.firm_a)
    w.branch_manager = staff(Role.MANAGER, w.branch_a, g["M"])
    w.branch_auditor = staff(Role.STAFF_AUDITOR, w.branch_a, g["S"])
    w.partner_b = staff(Role.PARTNER, w.firm_b, w.grades_b["P"])
    w.manager_b = staff(Role.MANAGER, w.firm_b, w.grades_b["M"])
    w.assoc = user_with_role(Role.ASSOCIATION_STAFF)
    w.client_a = ClientFactory(firm=w.firm_a)
    w.branch_client = ClientFactory(firm=w.firm_a, office=w.branch_a)
    w.client_b = ClientFactory(firm=w.firm_b)
    w.engagement_a = EngagementFactory(client=w.client_a, partner=w.partner_a, manager=w.manager_a)
    w.branch_engagement = EngagementFactory(client=w.branch_client, manager=w.branch_manager)
    w.engagement_b = EngagementFactory(client=w.client_b, partner=w.partner_b, manager=w.manager_b)
    return w
