"""Fixtures of the portal tests: a small province with known private values, and verified logins."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from cpahub.accounts.choices import City, OrgKind, OrgStatus, Role
from cpahub.registry.choices import CPAStatus
from cpahub.testing import factories as f

NANCHANG, GANZHOU = City.NANCHANG, City.GANZHOU

# The private values of the CPA 张秘密: none of them may reach a public page, in any form.
SECRET_BIRTH = datetime.date(1979, 3, 14)
SECRET_ID = f.resident_id(777, birth=SECRET_BIRTH)
SECRET_PHONE = "13912345678"
SECRET_EMAIL = "zhang.mimi@private-mail.cn"
FIRM_EMAIL = "office@jia-secret.cn"
FIRM_PHONE = "0791-88886666"
CHIEF_PARTNER = "钱首席"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the sign-up throttle lives in the cache
    yield
    cache.clear()


def login(client, user):
    """Log `user` in as if they had passed the second factor (which their role may require)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@dataclass
class Province:
    firms: dict = field(default_factory=dict)
    cpas: dict = field(default_factory=dict)
    penalties: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)


@pytest.fixture
def province(db):
    p = Province()
    a = f.FirmFactory(
        organisation__name="甲会计师事务所",
        organisation__city=NANCHANG,
        organisation__address="南昌市红谷滩区赣江中大道1号",
        organisation__phone=FIRM_PHONE,
        email=FIRM_EMAIL,
        chief_partner=CHIEF_PARTNER,
        securities_qualified=True,
    )
    a1 = f.FirmFactory(
        organisation__name="甲会计师事务所赣州分所",
        organisation__city=GANZHOU,
        organisation__parent=a.organisation,
    )
    b = f.FirmFactory(organisation__name="乙会计师事务所", organisation__city=GANZHOU)
    pending = f.FirmFactory(organisation__name="丙待批事务所", organisation__status=OrgStatus.PENDING)
    p.firms = {"A": a, "A1": a1, "B": b, "pending": pending}
    p.cpas = {
        "secret": f.CPAFactory(
            firm=a,
            name="张秘密",
            gender="M",
            id_number=SECRET_ID,
            birth_date=SECRET_BIRTH,
            phone=SECRET_PHONE,
            email=SECRET_EMAIL,
            qualified_on=datetime.date(2006, 9, 1),
            is_partner=True,
        ),
        "A": f.CPAFactory(firm=a, name="李甲"),
        "A1": f.CPAFactory(firm=a1, name="王分所"),
        "B": f.CPAFactory(firm=b, name="赵乙"),
        "member": f.CPAFactory(firm=None, status=CPAStatus.NON_PRACTISING, name="孙会员"),
        "cancelled": f.CPAFactory(firm=None, status=CPAStatus.CANCELLED, name="周注销"),
    }
    p.penalties = {
        "A_pub": f.PenaltyFactory(firm=a, document_no="赣财监〔2024〕11号", text="公开的警告。"),
        "A_hidden": f.PenaltyFactory(
            firm=a, published=False, document_no="赣财监〔2024〕99号", text="尚未公开的处理。"
        ),
        "B_hidden": f.PenaltyFactory(
            firm=b, published=False, document_no="赣财监〔2023〕98号", text="乙所未公开。"
        ),
        "secret_pub": f.PenaltyFactory(
            subject_kind="cpa",
            firm=None,
            cpa=p.cpas["secret"],
            document_no="赣注协〔2023〕5号",
            decided_on=datetime.date(2023, 3, 1),
            authority="association",
            kind="criticism",
            text="通报批评。",
        ),
    }
    p.orgs = {
        "province": f.OrganisationFactory(
            kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None, name="省注协"
        ),
        "city_nc": f.OrganisationFactory(
            kind=OrgKind.CITY_ASSOCIATION, credit_code=None, city=NANCHANG, name="南昌市注协"
        ),
        "city_gz": f.OrganisationFactory(
            kind=OrgKind.CITY_ASSOCIATION, credit_code=None, city=GANZHOU, name="赣州市注协"
        ),
    }
    return p


@pytest.fixture
def user_in(province):
    """user_in(role, org_key_or_org) -> a user holding that role."""

    def make(role: str, where=None, **fields):
        org = where
        if isinstance(where, str):
            org = province.orgs.get(where) or province.firms[where].organisation
        return f.user_with_role(role, org, **fields)

    return make


__all__ = ["Role"]
