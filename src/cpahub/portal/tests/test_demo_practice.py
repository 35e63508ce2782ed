"""`cpahub demo` with the firm system's data: the demo logins work in a live firm."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from cpahub.accounts.models import Membership, User
from cpahub.billing.choices import OPEN_STATUSES
from cpahub.billing.models import Invoice
from cpahub.core.permissions import scope_for
from cpahub.demo.practice.demo import demo_as_of
from cpahub.engagements.choices import RiskLevel, Status
from cpahub.engagements.models import Engagement
from cpahub.engagements.services import todo
from cpahub.metering.models import ActiveDay
from cpahub.metering.usage import figures_for, head_offices
from cpahub.practice.models import StaffProfile
from cpahub.testing.factories import login_verified
from cpahub.timesheets.access import approvable_q
from cpahub.timesheets.choices import Status as TimeStatus
from cpahub.timesheets.models import TimeEntry, Timesheet

ARGS = ["--firms", "20", "--cpas", "200", "--seed", "7", "--practice-staff", "12", "--practice-firms", "2"]


def test_demo_firm_is_live(db, client):
    """One build, every check: what each demo login sees must be there (the build is the slow part)."""
    out = io.StringIO()
    call_command("demo", *ARGS, stdout=out)
    firm = Membership.objects.get(user__username="firm_admin").organisation
    _logins_are_staff_with_grades(firm)
    _the_firm_is_live_for_each_login(firm)
    _usage_differs_between_firms(out.getvalue())
    login_verified(client, User.objects.get(username="partner"))
    for url in ("/practice/dashboard/", "/time/approvals/", "/time/reports/utilisation/", "/billing/ageing/"):
        assert client.get(url).status_code == 200, url


def _logins_are_staff_with_grades(firm):
    grades = dict(
        StaffProfile.objects.filter(firm=firm, user__username__in=["partner", "manager", "auditor", "cpa", "firm_admin"])
        .values_list("user__username", "grade__name")
    )  # fmt: skip
    assert grades == {
        "partner": "合伙人",
        "manager": "经理",
        "auditor": "审计助理",
        "cpa": "高级审计员",
        "firm_admin": "高级经理",
    }
    assert StaffProfile.objects.get(user__username="partner").quality_partner
    assert StaffProfile.objects.filter(firm=firm).count() == 12
    started = Membership.objects.get(user__username="partner").started
    assert started < datetime.date(demo_as_of(timezone.localdate()).year, 1, 1)


def _the_firm_is_live_for_each_login(firm):
    users = {u.username: u for u in User.objects.filter(username__in=["partner", "manager", "auditor"])}
    waiting = TimeEntry.objects.filter(approvable_q(scope_for(users["manager"])), status=TimeStatus.SUBMITTED)
    assert waiting.exists()
    today = demo_as_of(timezone.localdate())
    latest = Timesheet.objects.filter(user=users["auditor"]).order_by("-week_start").first()
    assert latest.status == TimeStatus.DRAFT
    assert TimeEntry.objects.filter(user=users["auditor"], status=TimeStatus.APPROVED).exists()
    mine = todo.for_user(users["partner"])
    assert any(a.risk_level == RiskLevel.HIGH for a in mine.approvals)
    assert Invoice.objects.filter(firm=firm, status__in=OPEN_STATUSES, due_date__lt=today).exists()
    late = Engagement.objects.filter(
        firm=firm, status=Status.ISSUED, report_date__lt=today - datetime.timedelta(days=60)
    )
    assert late.exists()


def _usage_differs_between_firms(out: str):
    month = demo_as_of(timezone.localdate()) - datetime.timedelta(days=10)
    usage = [u for u in figures_for(month, head_offices()) if u.time_entries]
    assert len(usage) == 3
    assert len({u.time_entries for u in usage}) == 3
    assert ActiveDay.objects.exists()
    assert "practice data of 3 firms" in out
