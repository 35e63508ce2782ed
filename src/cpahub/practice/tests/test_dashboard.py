"""The partner dashboard: who may open it, and that its figures are the report functions' figures."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cpahub.billing import reports as billing
from cpahub.engagements.choices import Status
from cpahub.engagements.models import Milestone
from cpahub.practice import dashboard
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import EngagementFactory, add_to_team, firm_world
from cpahub.timesheets.services import entries, workflow

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def w():
    world = firm_world()
    world.engagement_a.status = Status.FIELDWORK
    world.engagement_a.report_due = TODAY + datetime.timedelta(days=10)
    world.engagement_a.save()
    add_to_team(world.engagement_a, world.auditor_a, grade=world.grades_a["S"])
    return world


def approved_day(w, day):
    entry = entries.create_entry(
        w.auditor_a, date=day, engagement=w.engagement_a, task="fieldwork", hours=Decimal("8")
    )
    workflow.submit(w.auditor_a, entry.sheet)
    workflow.approve(w.manager_a, entry.sheet)


def test_pipeline_and_deadlines_are_the_firms_only(w):
    EngagementFactory(client=w.client_b, status=Status.FIELDWORK, report_due=TODAY)  # firm B
    issued = EngagementFactory(
        client=w.client_a, status=Status.ISSUED, report_date=TODAY - datetime.timedelta(days=70)
    )
    Milestone.objects.create(
        engagement=w.engagement_a, name="Stocktake", due=TODAY - datetime.timedelta(days=1)
    )
    board = dashboard.build(w.firm_a, w.partner_a, today=TODAY)
    counts = {status: n for status, _label, n in board.pipeline}
    assert counts[Status.FIELDWORK] == 1 and counts[Status.PROPOSED] == 1 and counts[Status.ISSUED] == 1
    found = {(d.engagement.pk, str(d.what), d.overdue) for d in board.deadlines}
    assert (w.engagement_a.pk, "Report due", False) in found
    assert (w.engagement_a.pk, "Stocktake", True) in found
    assert (issued.pk, "Archive deadline", True) in found  # 70 days after the report > 60
    assert all(d.engagement.firm_id == w.firm_a.pk for d in board.deadlines)


def test_figures_match_the_report_functions(w):
    day = TODAY if TODAY.weekday() < 5 else TODAY - datetime.timedelta(days=TODAY.weekday() - 4)
    approved_day(w, day)
    board = dashboard.build(w.firm_a, w.partner_a, today=TODAY)
    assert board.utilisation_year.chargeable == Decimal("8")
    wip = billing.wip(w.firm_a, TODAY, by="partner", user=w.partner_a)
    assert board.wip.total.wip == wip.total.wip == Decimal("4000.00")  # 8 h × 500 (grade S)
    assert board.charts["wip"]["series"][0]["values"] == [4000.0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("partner_a", 200), ("admin_a", 200), ("manager_a", 403), ("auditor_a", 403), ("assoc", 403)],
)
def test_who_may_open_it(client, w, who, status):
    login_verified(client, getattr(w, who))
    response = client.get(reverse("practice:dashboard"))
    assert response.status_code == status
    if status == 200:
        assert w.firm_a.name in response.content.decode()
        assert w.firm_b.name not in response.content.decode()


def test_office_bars_are_named_by_what_tells_them_apart():
    from django.utils import translation

    from cpahub.practice.dashboard import office_label

    firm = "南昌昌鉴会计师事务所（特殊普通合伙）"
    with translation.override("zh-hans"):
        assert office_label(firm, firm) == "总所"
    assert office_label(firm + "九江分所", firm) == "九江分所"
    assert office_label("另一家事务所", firm) == "另一家事务所"
