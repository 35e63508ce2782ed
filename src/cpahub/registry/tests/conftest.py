"""A small province for permission tests: two cities, firms with a cross-city branch, one user per role."""

from dataclasses import dataclass, field

import pytest

from cpahub.accounts.choices import City, OrgKind, Role
from cpahub.testing import factories as f

NANCHANG, GANZHOU = City.NANCHANG, City.GANZHOU


@pytest.fixture(autouse=True)
def _english(english):
    """Registry tests assert English messages."""


@dataclass
class World:
    firms: dict = field(default_factory=dict)
    cpas: dict = field(default_factory=dict)
    penalties: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)


@pytest.fixture
def world(db):
    w = World()
    a = f.FirmFactory(organisation__name="甲会计师事务所", organisation__city=NANCHANG)
    a1 = f.FirmFactory(
        organisation__name="甲会计师事务所赣州分所",
        organisation__city=GANZHOU,
        organisation__parent=a.organisation,
    )
    b = f.FirmFactory(organisation__name="乙会计师事务所", organisation__city=GANZHOU)
    w.firms = {"A": a, "A1": a1, "B": b}
    w.cpas = {
        "A": f.CPAFactory(firm=a, name="张三"),
        "A1": f.CPAFactory(firm=a1, name="李四"),
        "B": f.CPAFactory(firm=b, name="王五"),
        "none": f.CPAFactory(firm=None, status="non_practising", name="赵六"),
    }
    w.penalties = {
        "A_pub": f.PenaltyFactory(firm=a, published=True),
        "A_hidden": f.PenaltyFactory(firm=a, published=False),
        "B_hidden": f.PenaltyFactory(firm=b, published=False),
        "cpaA1_hidden": f.PenaltyFactory(subject_kind="cpa", firm=None, cpa=w.cpas["A1"], published=False),
    }
    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None, name="省注协")
    city_nc = f.OrganisationFactory(kind=OrgKind.CITY_ASSOCIATION, credit_code=None, city=NANCHANG)
    city_gz = f.OrganisationFactory(kind=OrgKind.CITY_ASSOCIATION, credit_code=None, city=GANZHOU)
    w.orgs = {"province": province, "city_nc": city_nc, "city_gz": city_gz}
    roles = {
        "assoc_staff": (Role.ASSOCIATION_STAFF, province),
        "assoc_leader": (Role.ASSOCIATION_LEADER, province),
        "city_nc": (Role.CITY_STAFF, city_nc),
        "city_gz": (Role.CITY_STAFF, city_gz),
        "admin_A": (Role.FIRM_ADMIN, a.organisation),
        "partner_A": (Role.PARTNER, a.organisation),
        "auditor_A": (Role.STAFF_AUDITOR, a.organisation),
        "admin_A1": (Role.FIRM_ADMIN, a1.organisation),
        "admin_B": (Role.FIRM_ADMIN, b.organisation),
        "regulator": (Role.REGULATOR_READER, None),
        "bank": (Role.CONFIRMER_STAFF, None),
        "entity": (Role.ENTITY_STAFF, None),
        "sysadmin": (Role.SYSTEM_ADMIN, province),
        "secadmin": (Role.SECURITY_ADMIN, province),
        "auditadmin": (Role.AUDIT_ADMIN, province),
    }
    for name, (role, org) in roles.items():
        w.users[name] = f.user_with_role(role, org, username=name)
    cpa_user = f.UserFactory(username="cpa_A")
    w.cpas["A"].user = cpa_user
    w.cpas["A"].save()
    f.member(cpa_user, a.organisation, Role.CPA)
    w.users["cpa_A"] = cpa_user
    return w
