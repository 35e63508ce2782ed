"""Fixtures for the accounts tests: a province with its administrators, two firms, TOTP helpers."""

from types import SimpleNamespace

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts.choices import OrgKind, Outcome, Role
from cpahub.accounts.models import SecurityEvent
from cpahub.testing import factories as f

PASSWORD = "Passw0rd!2024"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The device's current TOTP code (or the one `offset` steps away)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


def add_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def events(kind, **filters):
    return list(SecurityEvent.objects.filter(event=kind, **filters).order_by("pk"))


@pytest.fixture(autouse=True)
def _english(english):
    """The tests compare English texts; the Chinese catalogue would change them."""


@pytest.fixture
def orgs(db):
    province = f.OrganisationFactory(
        kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None, name="江西省注册会计师协会"
    )
    city = f.OrganisationFactory(
        kind=OrgKind.CITY_ASSOCIATION, credit_code=None, name="南昌市注协", city="360100"
    )
    regulator = f.OrganisationFactory(kind=OrgKind.REGULATOR, credit_code=None, name="江西省财政厅")
    bank = f.OrganisationFactory(kind=OrgKind.CONFIRMING_PARTY, credit_code=None, name="某银行南昌分行")
    entity = f.OrganisationFactory(kind=OrgKind.AUDITED_ENTITY, name="被审计单位")
    firm_a = f.FirmFactory(organisation__name="甲会计师事务所").organisation
    branch_a = f.FirmFactory(
        organisation__name="甲所赣州分所", organisation__parent=firm_a, organisation__city="360700"
    ).organisation
    firm_b = f.FirmFactory(organisation__name="乙会计师事务所", organisation__city="360700").organisation
    return SimpleNamespace(
        province=province,
        city=city,
        regulator=regulator,
        bank=bank,
        entity=entity,
        firm_a=firm_a,
        branch_a=branch_a,
        firm_b=firm_b,
    )


@pytest.fixture
def people(orgs):
    def make(name, role, org):
        return f.user_with_role(role, org, username=name)

    return SimpleNamespace(
        secadmin=make("secadmin", Role.SECURITY_ADMIN, orgs.province),
        secadmin2=make("secadmin2", Role.SECURITY_ADMIN, orgs.province),
        sysadmin=make("sysadmin", Role.SYSTEM_ADMIN, orgs.province),
        auditadmin=make("auditadmin", Role.AUDIT_ADMIN, orgs.province),
        assoc=make("assoc", Role.ASSOCIATION_STAFF, orgs.province),
        leader=make("leader", Role.ASSOCIATION_LEADER, orgs.province),
        city=make("citystaff", Role.CITY_STAFF, orgs.city),
        regulator=make("regulator", Role.REGULATOR_READER, orgs.regulator),
        admin_a=make("admin_a", Role.FIRM_ADMIN, orgs.firm_a),
        partner_a=make("partner_a", Role.PARTNER, orgs.firm_a),
        auditor_a=make("auditor_a", Role.STAFF_AUDITOR, orgs.firm_a),
        admin_b=make("admin_b", Role.FIRM_ADMIN, orgs.firm_b),
        auditor_b=make("auditor_b", Role.STAFF_AUDITOR, orgs.firm_b),
        plain=f.UserFactory(username="plain"),
    )


@pytest.fixture
def login_verified():
    return f.login_verified


__all__ = ["PASSWORD", "Outcome", "add_totp", "code_for", "events"]
