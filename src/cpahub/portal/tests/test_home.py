"""The logged-in home page: figures per role, and nobody sees another firm's or city's data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpahub.accounts.choices import OrgKind, Role
from cpahub.accounts.models import Invitation
from cpahub.portal import dashboard
from cpahub.portal.tests.conftest import login
from cpahub.registry import services
from cpahub.registry.models import Penalty
from cpahub.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")

URL = "/home/"


@pytest.fixture
def dated(province):
    """Penalty dates relative to today, so that the 'last three years' window is stable."""
    today = timezone.localdate()
    for key, days in (("A_pub", 30), ("A_hidden", 60), ("B_hidden", 10), ("secret_pub", 4 * 365)):
        Penalty.objects.filter(pk=province.penalties[key].pk).update(
            decided_on=today - datetime.timedelta(days=days)
        )
    for n, city in ((1, "360100"), (2, "360100"), (3, "360700")):
        services.apply_for_membership(
            name=f"申请所{n}",
            credit_code=f.credit_code(800 + n),
            licence_no=f"L80{n}",
            legal_form="general_partnership",
            city=city,
            contact_name="联系人",
            contact_email=f"c{n}@example.cn",
            contact_phone="13800000000",
        )
    return province


def _docs(penalties) -> list[str]:
    return [p.document_no for p in penalties]


def test_home_needs_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_association_staff_see_the_province(client, dated, user_in):
    login(client, user_in(Role.ASSOCIATION_STAFF, "province"))
    response = client.get(URL)
    assert response.status_code == 200
    o = response.context["board"].overview
    assert o.level == "province"
    assert [(str(label), n) for label, n in o.firms_by_status] == [
        ("Pending approval", 1),
        ("Active", 3),
        ("Suspended", 0),
        ("Closed", 0),
    ]
    assert o.firms_total == 4
    assert [(str(label), n) for label, n in o.cpas_by_status] == [
        ("Practising", 4),
        ("Non-practising member", 1),
        ("Cancelled", 1),
    ]
    assert o.pending_applications == 3
    assert _docs(o.recent_penalties) == [
        "赣财监〔2023〕98号",
        "赣财监〔2024〕11号",
        "赣财监〔2024〕99号",
        "赣注协〔2023〕5号",
    ]
    assert {c["code"]: c["firms"] for c in o.firms_by_city if c["firms"]} == {"360100": 1, "360700": 2}
    html = response.content.decode()
    assert 'data-testid="pending-applications">3<' in html
    assert f'href="{reverse("registry:application_list")}?status=pending"' in html
    assert f'href="{reverse("registry:firm_list")}"' in html
    assert f'href="{reverse("registry:cpa_list")}"' in html
    assert f'href="{reverse("registry:penalty_list")}"' in html
    assert f'href="{reverse("core:change_list")}"' in html
    assert 'id="home-city-chart"' in html
    assert response.context["board"].firm_cards == []


def test_regulator_sees_the_province_without_applications(client, dated, user_in):
    login(client, user_in(Role.REGULATOR_READER))
    response = client.get(URL)
    o = response.context["board"].overview
    assert (o.level, o.firms_total, o.cpas_total, o.pending_applications) == ("province", 4, 6, None)
    html = response.content.decode()
    assert 'data-testid="pending-applications"' not in html
    assert reverse("core:change_list") not in html


def test_city_staff_see_their_city_only(client, dated, user_in):
    login(client, user_in(Role.CITY_STAFF, "city_nc"))
    response = client.get(URL)
    o = response.context["board"].overview
    assert o.level == "city"
    assert o.cities == ["Nanchang"]
    assert (o.firms_total, o.cpas_total, o.pending_applications) == (2, 2, 2)
    assert _docs(o.recent_penalties) == ["赣财监〔2024〕11号", "赣财监〔2024〕99号", "赣注协〔2023〕5号"]
    html = response.content.decode()
    for other in (
        "乙会计师事务所",
        "甲会计师事务所赣州分所",
        "赵乙",
        "王分所",
        "赣财监〔2023〕98号",
        "申请所3",
    ):
        assert other not in html
    assert 'id="home-city-chart"' not in html


def test_city_staff_elsewhere_get_their_own_figures(client, dated, user_in):
    login(client, user_in(Role.CITY_STAFF, "city_gz"))
    o = client.get(URL).context["board"].overview
    assert (o.firms_total, o.cpas_total, o.pending_applications) == (2, 2, 1)
    assert _docs(o.recent_penalties) == ["赣财监〔2023〕98号"]


def test_firm_admin_sees_their_firm_card_and_nothing_of_other_firms(client, dated, user_in):
    admin = user_in(Role.FIRM_ADMIN, "A")
    a = dated.firms["A"]
    Invitation.objects.create(
        token_digest="a" * 64,
        organisation=a.organisation,
        roles=["cpa"],
        expires=timezone.now() + datetime.timedelta(days=3),
    )
    Invitation.objects.create(
        token_digest="b" * 64,
        organisation=a.organisation,
        roles=["cpa"],
        expires=timezone.now() - datetime.timedelta(days=1),
    )
    Invitation.objects.create(
        token_digest="c" * 64,
        organisation=dated.firms["B"].organisation,
        roles=["cpa"],
        expires=timezone.now() + datetime.timedelta(days=3),
    )
    login(client, admin)
    response = client.get(URL)
    board = response.context["board"]
    assert board.overview is None
    [card] = board.firm_cards
    assert card.firm == a
    assert (card.practising, card.non_practising, card.open_invitations) == (2, 0, 1)
    assert [c.name for c in card.partners] == ["张秘密"]
    assert [b.organisation.name for b in card.branches] == ["甲会计师事务所赣州分所"]
    assert _docs(card.recent_penalties) == ["赣财监〔2024〕11号", "赣财监〔2024〕99号"]
    assert card.roles == ["Firm administrator"]
    html = response.content.decode()
    assert f'href="{reverse("registry:firm_detail", args=[a.pk])}"' in html
    assert "1 invitation not yet accepted" in html
    for other in ("乙会计师事务所", "赵乙", "赣财监〔2023〕98号", "乙所未公开", "丙待批事务所", "申请所"):
        assert other not in html


def test_branch_admin_sees_the_branch_only(client, dated, user_in):
    login(client, user_in(Role.FIRM_ADMIN, "A1"))
    response = client.get(URL)
    [card] = response.context["board"].firm_cards
    assert card.firm == dated.firms["A1"]
    assert (card.practising, card.branches, card.recent_penalties) == (1, [], [])
    html = response.content.decode()
    for other in ("张秘密", "李甲", "赣财监〔2024〕99号", "乙会计师事务所"):
        assert other not in html


def test_partner_sees_the_card_without_administration_items(client, dated, user_in):
    login(client, user_in(Role.PARTNER, "A"))
    response = client.get(URL)
    [card] = response.context["board"].firm_cards
    assert (card.firm, card.open_invitations) == (dated.firms["A"], None)
    assert "not yet accepted" not in response.content.decode()


def test_user_of_other_kinds_gets_a_welcome_with_memberships(client, dated, user_in):
    bank = f.OrganisationFactory(kind=OrgKind.CONFIRMING_PARTY, name="某银行南昌分行", credit_code=None)
    login(client, user_in(Role.CONFIRMER_STAFF, bank))
    response = client.get(URL)
    board = response.context["board"]
    assert (board.overview, board.firm_cards) == (None, [])
    assert [(m.role, m.organisation.name) for m in board.memberships] == [
        ("confirmer_staff", "某银行南昌分行")
    ]
    html = response.content.decode()
    assert "Confirming-party staff · 某银行南昌分行" in html
    for other in ("甲会计师事务所", "乙会计师事务所", "赣财监"):
        assert other not in html


def test_user_without_memberships(client, db):
    login(client, f.UserFactory())
    response = client.get(URL)
    assert response.status_code == 200
    assert "You hold no role in any organisation yet." in response.content.decode()


def test_dashboard_build_is_usable_without_a_request(dated, user_in):
    board = dashboard.build(user_in(Role.ASSOCIATION_LEADER, "province"))
    assert (board.overview.firms_total, board.overview.pending_applications) == (4, 3)
