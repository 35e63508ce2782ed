import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.billing import reports
from cpahub.billing.services import agreements, costs, invoices
from cpahub.billing.sources import approved_time_value
from cpahub.testing.billing import agreement, approved_time, issued_invoice, paid

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2025, 12, 31)


def ago(days):
    return AS_OF - datetime.timedelta(days=days)


def build(w, basis="hourly", amount=None):
    fee = agreement(w.finance_a, w.engagement_a, basis, amount)
    agreements.set_rate(w.finance_a, fee, w.grades_a["S"], D("600"))  # instead of 500
    approved_time(w.engagement_a, w.auditor_a, ago(10), "10")  # 10 h × 600 = 6000
    approved_time(w.engagement_a, w.manager_a, ago(100), "5")  # 5 h × 800 = 4000
    approved_time(w.engagement_a, w.assistant_a, ago(400), "8")  # 8 h × 300 = 2400
    approved_time(w.engagement_a, w.auditor_a, ago(9), "3", task="training")  # not chargeable
    approved_time(w.engagement_a, w.auditor_a, AS_OF + datetime.timedelta(days=1), "4")  # after the day
    spend = {"category": "travel", "description": "差旅", "amount": D("380"), "date": ago(5)}
    costs.decide_expense(
        w.manager_a, costs.record_expense(w.finance_a, w.engagement_a, **spend), approve=True
    )
    costs.record_expense(w.finance_a, w.engagement_a, **(spend | {"amount": D("70")}))  # pending
    unbillable = costs.record_expense(w.finance_a, w.engagement_a, **(spend | {"billable": False}))
    costs.decide_expense(w.manager_a, unbillable, approve=True)
    issued_invoice(w.finance_a, w.engagement_a, "3000", issue_date=ago(3))
    off = costs.request_adjustment(
        w.manager_a, w.engagement_a, kind="write_off", amount=D("500"), date=ago(1), reason="超预算"
    )
    costs.decide_adjustment(w.partner_a, off, approve=True)
    costs.request_adjustment(
        w.manager_a, w.engagement_a, kind="write_on", amount=D("99"), date=ago(1), reason="x"
    )


def test_wip_is_time_at_agreed_rates_plus_expenses_less_billed_and_write_offs(w):
    build(w)
    report = reports.wip(w.firm_a, AS_OF)
    (row,) = report.rows
    assert (row.hours, row.time_value, row.expenses, row.billed, row.write_off) == (
        D("23.00"),
        D("12400.00"),
        D("380.00"),
        D("3000.00"),
        D("500.00"),
    )
    assert row.wip == D("9280.00") == report.total.wip
    # billing and write-offs clear the oldest first: the >365 days, then part of the 91–180 days
    assert row.ages == [D("6380.00"), D("0"), D("2900.00"), D("0"), D("0")]
    assert approved_time_value([w.engagement_a.pk], AS_OF) == {w.engagement_a.pk: (D("23.00"), D("12400.00"))}


def test_a_cap_limits_the_value_of_time(w):
    build(w, "capped", D("5000"))
    (row,) = reports.wip(w.firm_a, AS_OF).rows
    assert (row.time_value, row.above_cap) == (D("5000.00"), D("7400.00"))
    assert row.wip == D("5000") + D("380") - D("3000") - D("500")
    assert sum(row.ages) == row.wip


def test_credit_notes_put_billed_amounts_back_into_wip(w):
    build(w)
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=ago(2))
    invoices.credit_note(w.finance_a, invoice, w.engagement_a, amount=D("1060"), reason="开错", date=ago(1))
    assert reports.wip(w.firm_a, AS_OF).total.wip == D("9280.00")
    assert reports.wip(w.firm_a, ago(2)).total.billed == D("4000.00")


def test_wip_groups_by_partner_client_and_office(w):
    build(w)
    approved_time(w.branch_engagement, w.branch_auditor, ago(1), "2")  # 2 × 500, no partner
    by_partner = {row.label: row.wip for row in reports.wip(w.firm_a, AS_OF, by="partner").rows}
    assert by_partner == {str(w.partner_a): D("9280.00"), "(none)": D("1000.00")}
    by_office = {row.key: row.wip for row in reports.wip(w.firm_a, AS_OF, by="office").rows}
    assert by_office == {w.firm_a.pk: D("9280.00"), w.branch_a.pk: D("1000.00")}
    by_client = {row.key for row in reports.wip(w.firm_a, AS_OF, by="client").rows}
    assert by_client == {w.client_a.pk, w.branch_client.pk}


def test_managers_see_the_wip_of_their_engagements_only(w):
    build(w)
    approved_time(w.branch_engagement, w.branch_auditor, ago(1), "2")

    def seen(user):
        return {row.key for row in reports.wip(w.firm_a, AS_OF, user=user).rows}

    assert seen(w.finance_a) == seen(w.partner_a) == {w.engagement_a.pk, w.branch_engagement.pk}
    assert seen(w.manager_a) == {w.engagement_a.pk}
    assert seen(w.branch_manager) == {w.branch_engagement.pk}
    assert seen(w.auditor_a) == seen(w.partner_b) == seen(w.assoc) == set()


def test_the_reports_run_a_fixed_number_of_queries(w):
    build(w)

    def count(function, *args, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            function(w.firm_a, *args, **kwargs)
        return len(queries)

    before = (count(reports.wip, AS_OF), count(reports.realisation, ago(365), AS_OF, by="partner"))
    for day in range(20, 60):
        approved_time(w.engagement_a, w.auditor_a, ago(day), "1")
        approved_time(w.branch_engagement, w.branch_auditor, ago(day), "1")
        issued_invoice(w.finance_a, w.branch_engagement, "10", issue_date=ago(day))
    after = (count(reports.wip, AS_OF), count(reports.realisation, ago(365), AS_OF, by="partner"))
    assert before == after and after[0] <= 8


def test_realisation_is_billed_over_standard_and_collected_over_billed(w):
    agreement(w.finance_a, w.engagement_a, "hourly")
    agreements.set_rate(w.finance_a, w.engagement_a.fee_agreement, w.grades_a["S"], D("600"))
    approved_time(w.engagement_a, w.auditor_a, ago(30), "10")  # standard 10 × 500
    approved_time(w.engagement_a, w.auditor_a, ago(400), "10")  # before the period
    invoice = issued_invoice(w.finance_a, w.engagement_a, "4000", issue_date=ago(20))  # 4240 with VAT
    paid(w.finance_a, invoice, "2120", ago(5))
    report = reports.realisation(w.firm_a, ago(364), AS_OF)
    (row,) = report.rows
    assert (row.hours, row.standard, row.billed, row.collected) == (
        D("10.00"),
        D("5000.00"),
        D("4000.00"),
        D("2000.00"),
    )
    assert (row.billing_rate, row.collection_rate) == (D("0.8000"), D("0.5000"))
    (by_partner,) = reports.realisation(w.firm_a, ago(364), AS_OF, by="partner").rows
    assert (by_partner.label, by_partner.billing_rate) == (str(w.partner_a), D("0.8000"))
    assert reports.realisation(w.firm_a, ago(364), AS_OF, user=w.manager_b).rows == []
