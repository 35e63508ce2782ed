"""`cpahub demo`: counts, valid identifiers, consistent history, change log, determinism, --if-empty."""

import datetime
import io
import re
from collections import Counter

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from stdnum.cn import ric, uscc

from cpahub.accounts.choices import City, OrgKind, OrgStatus, Role
from cpahub.accounts.models import Membership, Organisation, SecurityEvent, User
from cpahub.core.changelog import MASK
from cpahub.core.crypto import blind_index
from cpahub.core.models import ObjectChange
from cpahub.demo.builder import AS_OF, apportion, fingerprint
from cpahub.demo.data import CITIES
from cpahub.demo.identifiers import id_regions, make_credit_code
from cpahub.demo.logins import DEMO_LOGINS, demo_password
from cpahub.registry.choices import CPAEventKind, CPAStatus
from cpahub.registry.models import CPA, CPAEvent, Firm, IndustryCase, Penalty

# The registry only: the practice data has its own test (test_demo_practice.py).
NO_PRACTICE = ["--practice-staff", "0", "--practice-firms", "0"]
SMALL = ["--firms", "20", "--cpas", "200", *NO_PRACTICE]


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run_demo(*SMALL, "--seed", "7")


def test_counts(demo):
    assert (
        Organisation.objects.filter(kind=OrgKind.PROVINCIAL_ASSOCIATION).get().name == "江西省注册会计师协会"
    )
    cities = Organisation.objects.filter(kind=OrgKind.CITY_ASSOCIATION)
    assert sorted(cities.values_list("city", flat=True)) == sorted(City.values)
    assert cities.get(city=City.NANCHANG).name == "南昌市注册会计师协会"
    assert Organisation.objects.filter(kind=OrgKind.REGULATOR).get().name == "江西省财政厅"
    assert Organisation.objects.filter(kind=OrgKind.CONFIRMING_PARTY).count() == 8
    assert Organisation.objects.filter(kind=OrgKind.AUDITED_ENTITY).count() == 33
    assert Firm.objects.filter(organisation__parent__isnull=True).count() == 20
    assert Firm.objects.filter(organisation__parent__isnull=False).count() >= 2
    assert Counter(CPA.objects.values_list("status", flat=True)) == {
        CPAStatus.PRACTISING: 170,
        CPAStatus.NON_PRACTISING: 20,
        CPAStatus.CANCELLED: 10,
    }
    assert CPAEvent.objects.filter(kind=CPAEventKind.REGISTERED).count() == 200
    assert Penalty.objects.count() == 4
    assert IndustryCase.objects.count() == 14
    assert IndustryCase.objects.filter(published=True).count() == 12
    assert User.objects.count() == len(DEMO_LOGINS) == 15
    assert "Demo province built in" in demo


def test_nanchang_has_the_most_firms(demo):
    heads = Counter(
        Organisation.objects.filter(kind=OrgKind.FIRM, parent__isnull=True).values_list("city", flat=True)
    )
    assert heads[City.NANCHANG] == 8  # 45% of 20, less one to give every city a firm
    assert heads.most_common(1)[0][0] == City.NANCHANG
    assert set(heads) == set(City.values)  # every city has a firm once there are 11 or more


def test_credit_codes_valid_and_unique(demo):
    codes = list(Organisation.objects.exclude(credit_code=None).values_list("kind", "credit_code", "city"))
    assert len(codes) == Organisation.objects.count()
    assert len({c for _k, c, _city in codes}) == len(codes)
    for kind, code, city in codes:
        assert uscc.is_valid(code), code
        if kind in (OrgKind.FIRM, OrgKind.AUDITED_ENTITY, OrgKind.CONFIRMING_PARTY):
            assert code[:2] == "91"
            assert code[2:6] == city[:4], (code, city)  # region inside the organisation's city
    assert Organisation.objects.get(kind=OrgKind.PROVINCIAL_ASSOCIATION).credit_code.startswith("51360000")
    assert Organisation.objects.get(kind=OrgKind.REGULATOR).credit_code.startswith("11360000")


def test_resident_ids_valid_consistent_and_unique(demo):
    seen = set()
    for cpa in CPA.objects.all():
        number = cpa.id_number
        assert ric.is_valid(number), number
        assert number[:2] == "36"
        assert ric.get_birth_date(number) == cpa.birth_date
        assert int(number[16]) % 2 == (1 if cpa.gender == "M" else 0)
        assert cpa.id_number_index == blind_index(number)
        assert re.fullmatch(r"36\d{10}", cpa.certificate_no)
        assert 1960 <= cpa.birth_date.year <= 1998
        assert cpa.qualified_on >= cpa.birth_date.replace(year=cpa.birth_date.year + 22, day=1)
        seen.add(number)
    assert len(seen) == 200
    assert CPA.objects.values("certificate_no").distinct().count() == 200


def test_every_open_firm_has_three_practising_cpas(demo):
    for firm in Firm.objects.select_related("organisation"):
        practising = firm.cpas.filter(status=CPAStatus.PRACTISING)
        partners = practising.filter(is_partner=True).count()
        if firm.organisation.status == OrgStatus.CLOSED:
            assert practising.count() == 0
            continue
        assert practising.count() >= 3, firm
        if firm.organisation.parent_id is None:
            assert 2 <= partners <= 5, firm
        else:
            assert partners == 1
        assert firm.chief_partner in practising.filter(is_partner=True).values_list("name", flat=True)
    assert not CPA.objects.exclude(status=CPAStatus.PRACTISING).filter(firm__isnull=False).exists()


def test_bulk_created_rows_pass_model_validation(demo):
    # The demo bulk-creates for speed; what it writes must still be what the services would accept.
    for org in Organisation.objects.all():
        org.full_clean()
    for firm in Firm.objects.select_related("organisation"):
        firm.full_clean(exclude=["organisation"])
    for cpa in CPA.objects.all():
        cpa.full_clean(exclude=["id_number_index", "user"])
    for obj in [*Penalty.objects.all(), *IndustryCase.objects.all(), *Membership.objects.all()]:
        obj.full_clean()


def test_branches_are_in_other_cities(demo):
    for org in Organisation.objects.filter(kind=OrgKind.FIRM, parent__isnull=False).select_related("parent"):
        assert org.city != org.parent.city
        assert org.name.startswith(org.parent.name) and org.name.endswith("分所")
        assert org.firm.licence_no[:4] == org.city[:4]


def test_history_replays_to_the_present_state(demo):
    founded = dict(Firm.objects.values_list("pk", "founded"))
    events = CPAEvent.objects.order_by("cpa_id", "date", "pk")
    state = {}
    for e in events:
        firm, status, last = state.get(e.cpa_id, (None, None, None))
        assert last is None or e.date >= last
        assert e.date <= AS_OF
        if e.to_firm_id:
            assert founded[e.to_firm_id] <= e.date
        if e.kind == CPAEventKind.REGISTERED:
            assert last is None
            firm, status = e.to_firm_id, e.to_status
        elif e.kind == CPAEventKind.MOVED:
            assert e.from_firm_id == firm and e.to_firm_id not in (None, firm)
            firm = e.to_firm_id
        elif e.kind == CPAEventKind.JOINED:
            assert firm is None
            firm = e.to_firm_id
        elif e.kind == CPAEventKind.LEFT:
            assert e.from_firm_id == firm is not None
            firm = None
        else:
            assert e.from_status == status
            status = e.to_status
        state[e.cpa_id] = (firm, status, e.date)
    current = {pk: (firm, status) for pk, firm, status in CPA.objects.values_list("pk", "firm_id", "status")}
    assert {pk: (f, s) for pk, (f, s, _d) in state.items()} == current
    moved = CPA.objects.filter(events__kind__in=[CPAEventKind.MOVED, CPAEventKind.JOINED]).distinct().count()
    assert 20 <= moved <= 90  # about a quarter changed firms


def test_change_log_has_a_create_row_for_every_object(demo):
    for model in (Organisation, Firm, CPA, Membership, Penalty, IndustryCase):
        changes = ObjectChange.objects.filter(content_type__model=model._meta.model_name, action="create")
        assert changes.count() == model.objects.count(), model
        assert set(changes.values_list("object_id", flat=True)) == {
            str(pk) for pk in model.objects.values_list("pk", flat=True)
        }
    assert set(ObjectChange.objects.values_list("user_name", flat=True)) == {"demo"}
    assert ObjectChange.objects.values("request_id").distinct().count() == 1
    cpa = CPA.objects.first()
    after = ObjectChange.objects.get(content_type__model="cpa", object_id=str(cpa.pk)).after
    assert after["id_number"] == MASK
    assert after["certificate_no"] == cpa.certificate_no
    branch = Organisation.objects.filter(kind=OrgKind.FIRM, parent__isnull=False).first()
    change = ObjectChange.objects.get(content_type__model="organisation", object_id=str(branch.pk))
    assert change.owner_id == branch.parent_id


def test_logins(demo):
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert check_password(demo_password(7, login.username), user.password)
        assert user.password_changed_at is not None
        assert user.is_staff == (login.username == "sysadmin")
        membership = Membership.objects.get(user=user)
        assert membership.role == login.role
        assert login.username in demo and demo_password(7, login.username) in demo
    firm_admin = Membership.objects.get(user__username="firm_admin").organisation
    other = Membership.objects.get(user__username="firm_admin2").organisation
    assert firm_admin.city == City.NANCHANG and other.city != City.NANCHANG
    assert firm_admin.children.exists()  # firm_admin's firm has branches
    assert CPA.objects.get(user__username="cpa").firm_id == firm_admin.pk
    assert CPA.objects.get(user__username="partner").is_partner
    assert Membership.objects.get(user__username="city_staff").organisation.city == City.NANCHANG
    assert Membership.objects.get(user__username="assoc_staff").role == Role.ASSOCIATION_STAFF
    assert SecurityEvent.objects.filter(event="account_created").count() == 15
    assert "demonstration only" in demo and "two-factor" in demo


def test_penalties_and_cases(demo):
    for penalty in Penalty.objects.all():
        assert re.fullmatch(r".+〔20(19|2[0-5])〕\d+号", penalty.document_no), penalty.document_no
        assert datetime.date(2019, 1, 1) <= penalty.decided_on <= AS_OF
        assert penalty.text.startswith("经查，")
        assert (penalty.cpa_id is not None) == (penalty.subject_kind == "cpa")
    for firm in Firm.objects.filter(organisation__status=OrgStatus.SUSPENDED):
        assert firm.penalties.filter(kind="suspension", published=True).exists()
    case = IndustryCase.objects.get(title="某会计师事务所未对应收账款实施函证被警告案")
    assert case.published and "一、基本案情" in case.body


def test_same_seed_same_data_other_seed_other_data(db):
    with transaction.atomic():
        run_demo(*SMALL, "--seed", "11")
        first = fingerprint()
        names = list(
            Organisation.objects.filter(kind=OrgKind.FIRM).order_by("name").values_list("name", "credit_code")
        )
        transaction.set_rollback(True)
    assert not Organisation.objects.exists()
    with transaction.atomic():
        out = run_demo(*SMALL, "--seed", "11")
        assert fingerprint() == first
        assert first in out
        again = list(
            Organisation.objects.filter(kind=OrgKind.FIRM).order_by("name").values_list("name", "credit_code")
        )
        assert again == names
        transaction.set_rollback(True)
    run_demo(*SMALL, "--seed", "12")
    assert fingerprint() != first


def test_if_empty_does_nothing_the_second_time(demo):
    changes = ObjectChange.objects.count()
    cpas = CPA.objects.count()
    out = run_demo(*SMALL, "--seed", "7", "--if-empty")
    assert "nothing was built" in out
    assert demo_password(7, "assoc_staff") in out
    assert ObjectChange.objects.count() == changes
    assert CPA.objects.count() == cpas
    with pytest.raises(CommandError, match="already exists"):
        run_demo(*SMALL)


def test_if_empty_builds_on_an_empty_database(db):
    out = run_demo("--firms", "12", "--cpas", "80", "--if-empty", *NO_PRACTICE)
    assert Firm.objects.filter(organisation__parent__isnull=True).count() == 12
    assert "Demo province built in" in out


def test_changed_password_is_not_printed(demo):
    user = User.objects.get(username="regulator")
    user.password_changed_at = user.password_changed_at + datetime.timedelta(days=3)
    user.save()
    out = run_demo("--seed", "7", "--if-empty")
    assert demo_password(7, "regulator") not in out
    assert "(changed since)" in out


def test_flush_refused_outside_dev(db, settings):
    settings.DEBUG = False
    settings.PROFILE = "test"
    with pytest.raises(CommandError, match="refused"):
        run_demo(*SMALL, "--flush")


def test_too_few_cpas_for_the_firms(db):
    with pytest.raises(CommandError, match="too few"):
        run_demo("--firms", "20", "--cpas", "40", *NO_PRACTICE)
    assert not Organisation.objects.exists()


def test_every_city_has_an_id_region_for_every_birth_year():
    for city in CITIES:
        for year in range(1960, 1999):
            assert id_regions(city.code, year), (city.code, year)
    # Ganzhou became a city in 1998: people born before have codes of the former prefecture (3621xx).
    assert {c[:4] for c in id_regions("360700", 1970)} == {"3621"}
    assert {c[:4] for c in id_regions("360700", 1998)} == {"3607", "3621"}
    assert "360113" not in id_regions("360100", 1990)  # Honggutan district exists since 2019


def test_credit_code_check_characters():
    # 91350100M000100Y43 is the example of GB 32100-2015 (organisation code M000100Y4).
    assert make_credit_code("91", "350100", "M000100Y") == "91350100M000100Y43"
    assert apportion(20, [c.firm_share for c in CITIES]) == [9, 1, 1, 2, 1, 0, 2, 1, 1, 1, 1]
    assert apportion(20, [c.firm_share for c in CITIES], minimum=1) == [8, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1]
    assert sum(apportion(300, [c.firm_share for c in CITIES])) == 300
