"""factory_boy factories shared by every app's tests."""

import datetime
import random

import factory
from django.utils import timezone
from stdnum.cn import ric, uscc

from cpahub.accounts.choices import City, OrgKind, OrgStatus, Role
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.registry.choices import Authority, CPAStatus, LegalForm, PenaltyKind, SubjectKind
from cpahub.registry.models import CPA, Firm, IndustryCase, Penalty

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(n: int, region: str = "360100") -> str:
    """A valid unified social credit code, different for each n."""
    org = f"{n:08d}"
    # organisation code (GB 11714) check digit
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(org, weights, strict=True))
    check = 11 - total % 11
    org_check = {10: "X", 11: "0"}.get(check, str(check))
    body = "91" + region + org + org_check
    return body + uscc.calc_check_digit(body)


def resident_id(n: int, birth: datetime.date = datetime.date(1985, 1, 1), region: str = "360102") -> str:
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("Passw0rd!2024")
    password_changed_at = factory.LazyFunction(timezone.now)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.AUDITED_ENTITY
    name = factory.Sequence(lambda n: f"单位{n}")
    city = City.NANCHANG
    status = OrgStatus.ACTIVE
    credit_code = factory.Sequence(lambda n: credit_code(n + 1))


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    organisation = factory.SubFactory(
        OrganisationFactory,
        kind=OrgKind.FIRM,
        name=factory.Sequence(lambda n: f"测试会计师事务所{n}"),
    )
    licence_no = factory.Sequence(lambda n: f"3601{n:04d}")
    firm_no = factory.Sequence(lambda n: f"F{n:05d}")
    legal_form = LegalForm.GENERAL_PARTNERSHIP
    founded = datetime.date(2005, 5, 1)


class CPAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CPA

    certificate_no = factory.Sequence(lambda n: f"3601{n:08d}")
    name = factory.Faker("name", locale="zh_CN")
    gender = "F"
    birth_date = datetime.date(1985, 1, 1)
    id_number = factory.Sequence(lambda n: resident_id(n))
    qualified_on = datetime.date(2008, 9, 1)
    firm = factory.SubFactory(FirmFactory)
    status = CPAStatus.PRACTISING


class PenaltyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Penalty

    subject_kind = SubjectKind.FIRM
    firm = factory.SubFactory(FirmFactory)
    authority = Authority.PROVINCIAL_FINANCE
    decided_on = datetime.date(2024, 6, 1)
    kind = PenaltyKind.WARNING
    document_no = factory.Sequence(lambda n: f"赣财监〔2024〕{n}号")
    text = "未按规定执行审计程序。"
    published = True


class IndustryCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryCase

    title = factory.Sequence(lambda n: f"案例{n}")
    body = "案例正文。"
    published = True
    published_on = datetime.date(2024, 7, 1)


def member(user, organisation, role: str) -> Membership:
    return Membership.objects.create(user=user, organisation=organisation, role=role)


def user_with_role(role: str, organisation=None, **user_fields) -> User:
    """A user holding `role` in `organisation` (an organisation of the right kind is made if needed)."""
    from cpahub.accounts.choices import ROLES_BY_KIND

    if organisation is None:
        kind = next(k for k, roles in ROLES_BY_KIND.items() if role in roles)
        if kind == OrgKind.FIRM:
            organisation = FirmFactory().organisation
        else:
            organisation = OrganisationFactory(kind=kind, credit_code=None)
    user = UserFactory(**user_fields)
    member(user, organisation, role)
    return user


__all__ = [
    "CPAFactory",
    "FirmFactory",
    "IndustryCaseFactory",
    "OrganisationFactory",
    "PenaltyFactory",
    "Role",
    "UserFactory",
    "credit_code",
    "member",
    "random",
    "resident_id",
    "user_with_role",
]


def login_verified(client, user):
    """Log `user` in on the test client as if they had passed two-factor authentication."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return device
