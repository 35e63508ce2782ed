"""Usage per firm and month: what counts, who sees it, and closing a month."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cpahub.accounts.choices import Role
from cpahub.accounts.models import Membership
from cpahub.engagements.choices import Status
from cpahub.metering import usage
from cpahub.metering.activity import note_active
from cpahub.metering.models import ActiveDay, UsageRecord
from cpahub.testing.factories import CPAFactory, login_verified, user_with_role
from cpahub.testing.practice import EngagementFactory, firm_world

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def w():
    world = firm_world()
    Membership.objects.update(started=datetime.date(2026, 1, 1))
    return world


def test_a_user_is_recorded_once_per_day():
    user = user_with_role(Role.PARTNER)
    session = {}
    note_active(user, session)
    note_active(user, session)
    note_active(user)  # a token client: the process remembers
    assert ActiveDay.objects.filter(user=user).count() == 1


def test_figures_count_branches_with_their_firm_and_only_the_month(w):
    for user in (w.partner_a, w.branch_auditor):
        ActiveDay.objects.create(user=user, day=datetime.date(2026, 10, 5))
    ActiveDay.objects.create(user=w.manager_a, day=datetime.date(2026, 9, 30))  # not October
    ActiveDay.objects.create(user=w.partner_b, day=datetime.date(2026, 10, 31))
    CPAFactory(firm=w.firm_a.firm)
    EngagementFactory(client=w.client_a, report_date=datetime.date(2026, 10, 20), status=Status.ISSUED)
    EngagementFactory(client=w.client_a, status=Status.DECLINED)
    figures = usage.compute(OCTOBER, [w.firm_a, w.firm_b])
    assert figures[w.firm_a.pk]["active_users"] == 2
    assert figures[w.firm_b.pk]["active_users"] == 1
    assert figures[w.firm_a.pk]["cpas"] == 1
    assert figures[w.firm_a.pk]["reports_issued"] == 1
    # created today, so in progress in the current month but not in October 2026 unless today is then
    today = timezone.localdate().replace(day=1)
    current = usage.compute(today, [w.firm_a])[w.firm_a.pk]
    assert current["engagements_open"] == 3  # two of firm_world + the issued one; the declined is not
    assert current["engagements_new"] == 4


def test_people_who_joined_after_the_month_do_not_count(w):
    ActiveDay.objects.create(user=w.partner_a, day=datetime.date(2026, 10, 5))
    Membership.objects.filter(user=w.partner_a).update(started=datetime.date(2026, 11, 1))
    assert usage.compute(OCTOBER, [w.firm_a])[w.firm_a.pk]["active_users"] == 0


def test_closing_a_month_keeps_its_figures(w):
    ActiveDay.objects.create(user=w.partner_a, day=datetime.date(2026, 10, 5))
    assert usage.close_month(OCTOBER) == 2
    record = UsageRecord.objects.get(firm=w.firm_a, month=OCTOBER)
    assert record.active_users == 1
    ActiveDay.objects.create(user=w.manager_a, day=datetime.date(2026, 10, 6))
    (row,) = [u for u in usage.figures_for(OCTOBER, [w.firm_a]) if u.firm == w.firm_a]
    assert row.closed and row.active_users == 1
    assert row.first_active == datetime.date(2026, 10, 5)
    with pytest.raises(ValueError):
        usage.close_month(timezone.localdate())


def test_close_command_rejects_bad_months(w):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("usage", "close", month="2026-13")
    call_command("usage", "close", month="2026-10")
    assert UsageRecord.objects.filter(month=OCTOBER).count() == 2


@pytest.mark.parametrize(
    ("who", "sees_a", "sees_b", "status"),
    [
        ("assoc", True, True, 200),
        ("partner_a", True, False, 200),
        ("admin_a", True, False, 200),
        ("partner_b", False, True, 200),
        ("auditor_a", False, False, 403),
        ("branch_manager", False, False, 403),
    ],
)
def test_who_sees_which_firms(client, w, who, sees_a, sees_b, status):
    login_verified(client, getattr(w, who))
    response = client.get(reverse("metering:usage"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert (w.firm_a.name in body) == sees_a
        assert (w.firm_b.name in body) == sees_b


def test_export_is_logged(client, w):
    from cpahub.accounts.models import SecurityEvent

    login_verified(client, w.assoc)
    response = client.get(reverse("metering:usage"), {"month": "2026-10", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert SecurityEvent.objects.filter(event="export", detail__what="usage").exists()


def test_pages_record_activity(client, w):
    login_verified(client, w.partner_a)
    client.get(reverse("metering:usage"))
    assert ActiveDay.objects.filter(user=w.partner_a, day=timezone.localdate()).exists()


def test_the_trend_of_twelve_months_matches_each_month_and_costs_the_same_queries(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cpahub.engagements.models import Engagement

    months = [datetime.date(2026, m, 1) for m in range(1, 12)]
    for user, day in (
        (w.partner_a, (3, 4)),
        (w.manager_a, (3, 9)),
        (w.branch_auditor, (7, 1)),
        (w.partner_b, (3, 5)),
    ):
        ActiveDay.objects.create(user=user, day=datetime.date(2026, *day))
    ActiveDay.objects.create(user=w.partner_a, day=datetime.date(2026, 3, 20))  # twice in March: once
    Membership.objects.filter(user=w.manager_a).update(ended=datetime.date(2026, 2, 28))  # left before
    archived = EngagementFactory(client=w.client_a, report_date=datetime.date(2026, 4, 10))
    Engagement.objects.filter(pk=archived.pk).update(
        created=timezone.make_aware(datetime.datetime(2026, 2, 10)), archived_on=datetime.date(2026, 6, 2)
    )
    firms = [w.firm_a, w.firm_b]
    trend = usage.monthly_totals(firms, months)
    for row in trend:
        each = usage.compute(row["month"], firms)
        assert row == {"month": row["month"], **{n: sum(f[n] for f in each.values()) for n in usage.FIGURES}}
    by_month = {row["month"].month: row for row in trend}
    assert by_month[3]["active_users"] == 2 and by_month[7]["active_users"] == 1
    assert [by_month[m]["engagements_open"] for m in (1, 2, 6, 7)] == [0, 1, 1, 0]
    assert by_month[4]["reports_issued"] == 1
    with CaptureQueriesContext(connection) as three:
        usage.monthly_totals(firms, months[:3])
    with CaptureQueriesContext(connection) as eleven:
        usage.monthly_totals(firms, months)
    assert len(eleven) == len(three) <= 10
