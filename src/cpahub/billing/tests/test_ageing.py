import datetime
from decimal import Decimal as D

import pytest

from cpahub.billing import reports
from cpahub.billing.services import invoices, receipts
from cpahub.testing.billing import issued_invoice, paid
from cpahub.testing.practice import ClientFactory, EngagementFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2025, 12, 31)


def owed(w, days_past_due, net, engagement=None):
    due = AS_OF - datetime.timedelta(days=days_past_due)
    issue = min(due, AS_OF) - datetime.timedelta(days=30)
    return issued_invoice(w.finance_a, engagement or w.engagement_a, net, issue_date=issue, due_date=due)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-10, 0), (0, 0), (30, 0), (31, 1), (90, 1), (91, 2), (180, 2), (181, 3), (365, 3), (366, 4), (900, 4)],
)
def test_each_boundary_falls_in_its_bucket(w, days, bucket):
    owed(w, days, "100")
    report = reports.ageing(w.firm_a, AS_OF)
    expected = [D("0")] * 5
    expected[bucket] = D("106.00")
    assert [row.ages for row in report.rows] == [expected]


def test_balances_are_what_was_open_on_the_day(w):
    old = owed(w, 100, "1000")  # 1060, 91–180
    recent = owed(w, 10, "500")  # 530, 0–30
    paid(w.finance_a, old, "60", AS_OF)
    paid(w.finance_a, recent, "530", AS_OF + datetime.timedelta(days=1))  # after the day: still owed
    invoices.credit_note(w.finance_a, old, w.engagement_a, amount=D("100"), reason="折让", date=AS_OF)
    cancelled = owed(w, 40, "10")
    invoices.cancel_invoice(w.finance_a, cancelled, "作废", on=AS_OF)
    invoices.create_invoice(w.finance_a, w.client_a)  # drafts owe nothing
    report = reports.ageing(w.firm_a, AS_OF)
    (row,) = report.rows
    assert row.ages == [D("530.00"), D("0"), D("900.00"), D("0"), D("0")]
    assert row.balance == D("1430.00") and report.total.balance == D("1430.00")
    before_cancel = reports.ageing(w.firm_a, AS_OF - datetime.timedelta(days=1))
    assert before_cancel.rows[0].ages[1] == D("10.60")


def test_money_on_account_shows_per_client(w):
    invoice = owed(w, 0, "100")
    money = receipts.record_receipt(w.finance_a, client=w.client_a, date=AS_OF, amount=D("500"))
    receipts.allocate(w.finance_a, money, invoice, D("106"))
    (row,) = reports.ageing(w.firm_a, AS_OF).rows
    assert (row.balance, row.unallocated) == (D("0"), D("394.00"))


def test_one_row_per_client_in_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    for index in range(6):
        client = ClientFactory(firm=w.firm_a)
        owed(w, index * 70, "100", EngagementFactory(client=client))
    with django_assert_max_num_queries(6):
        report = reports.ageing(w.firm_a, AS_OF)
    assert len(report.rows) == 6
    assert report.total.ages == [D("106.00"), D("106.00"), D("106.00"), D("318.00"), D("0")]


def test_a_user_sees_only_the_ageing_they_may(w):
    owed(w, 10, "100")
    branch_client = issued_invoice(w.finance_a, w.branch_engagement, "100", issue_date=AS_OF, due_date=AS_OF)
    assert branch_client.office == w.branch_a
    assert len(reports.ageing(w.firm_a, AS_OF, user=w.finance_a).rows) == 2
    assert reports.ageing(w.firm_a, AS_OF, user=w.manager_a).rows == []
    assert reports.ageing(w.firm_a, AS_OF, user=w.partner_b).rows == []
