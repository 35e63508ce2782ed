"""Who reaches which billing rows: users of firm_world() × models × view/change."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser

from cpahub.accounts.choices import Role
from cpahub.billing.models import (
    Allocation,
    CreditNote,
    Expense,
    FeeAgreement,
    FeeMilestone,
    Invoice,
    InvoiceLine,
    RateOverride,
    Receipt,
    WipAdjustment,
)
from cpahub.billing.services import agreements, costs, invoices
from cpahub.core.navigation import menu_for
from cpahub.core.permissions import CHANGE, VIEW
from cpahub.testing.billing import agreement, issued_invoice, paid
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import staff

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 30)
ENGAGEMENT_ROWS = (FeeAgreement, RateOverride, FeeMilestone, Expense, WipAdjustment)
FINANCE_ROWS = (Invoice, InvoiceLine, CreditNote, Receipt, Allocation)
FINANCE_PEOPLE = ("admin_a", "partner_a", "quality_a", "finance_a")
NOBODY = ("auditor_a", "assistant_a", "branch_auditor", "partner_b", "manager_b", "assoc", "anonymous")


@pytest.fixture
def rows(w):
    w.branch_finance = staff(Role.FIRM_FINANCE, w.branch_a)
    made = {}
    for name, engagement in (("head", w.engagement_a), ("branch", w.branch_engagement)):
        fee = agreement(w.finance_a, engagement, "milestone")
        agreements.set_rate(w.finance_a, fee, w.grades_a["S"], D("600"))
        agreements.add_milestone(w.finance_a, fee, name="报告", amount=D("100"), due=DAY)
        spend = {"date": DAY, "category": "travel", "description": "差旅", "amount": D("10")}
        costs.record_expense(w.finance_a, engagement, **spend)
        costs.request_adjustment(
            w.finance_a, engagement, kind="write_off", amount=D("1"), date=DAY, reason="x"
        )
        invoice = issued_invoice(w.finance_a, engagement, "100", issue_date=DAY)
        paid(w.finance_a, invoice, "50", DAY)
        invoices.credit_note(w.finance_a, invoice, engagement, amount=D("10"), reason="x", date=DAY)
        made[name] = engagement
    agreement(w.partner_b, w.engagement_b, "fixed", D("100"))
    paid(w.partner_b, issued_invoice(w.partner_b, w.engagement_b, "5", issue_date=DAY), "1", DAY)
    return made


def engagements_reached(model, user, action):
    field = {
        FeeAgreement: "engagement",
        RateOverride: "agreement__engagement",
        FeeMilestone: "agreement__engagement",
        Expense: "engagement",
        WipAdjustment: "engagement",
        Invoice: "lines__engagement",
        InvoiceLine: "engagement",
        CreditNote: "engagement",
        Receipt: "allocations__invoice__lines__engagement",
        Allocation: "invoice__lines__engagement",
    }[model]
    return set(model.objects.restrict(user, action).values_list(field, flat=True))


def user(w, name):
    return AnonymousUser() if name == "anonymous" else getattr(w, name)


def test_the_finance_group_reaches_its_whole_firm_and_a_branch_its_branch(w, rows):
    firm_a = {rows["head"].pk, rows["branch"].pk}
    for model in ENGAGEMENT_ROWS + FINANCE_ROWS:
        for action in (VIEW, CHANGE):
            for name in FINANCE_PEOPLE:
                assert engagements_reached(model, user(w, name), action) == firm_a, (model, action, name)
            assert engagements_reached(model, w.branch_finance, action) == {rows["branch"].pk}, model
            assert engagements_reached(model, w.partner_b, action) <= {w.engagement_b.pk}, model


def test_staff_other_firms_and_the_association_reach_nothing(w, rows):
    for model in ENGAGEMENT_ROWS + FINANCE_ROWS:
        for name in NOBODY:
            reached = engagements_reached(model, user(w, name), VIEW)
            assert reached.isdisjoint({rows["head"].pk, rows["branch"].pk}), (model, name)


def test_managers_read_the_billing_of_the_engagements_they_run(w, rows):
    for model in ENGAGEMENT_ROWS:
        assert engagements_reached(model, w.manager_a, VIEW) == {rows["head"].pk}, model
        assert engagements_reached(model, w.branch_manager, VIEW) == {rows["branch"].pk}, model
    for model in FINANCE_ROWS:
        assert engagements_reached(model, w.manager_a, VIEW) == set(), model


def test_managers_write_expenses_and_requests_but_not_agreements(w, rows):
    assert engagements_reached(Expense, w.manager_a, CHANGE) == {rows["head"].pk}
    assert engagements_reached(WipAdjustment, w.manager_a, CHANGE) == {rows["head"].pk}
    assert engagements_reached(FeeAgreement, w.manager_a, CHANGE) == set()


def test_the_billing_menu_shows_to_finance_and_managers_only(w):
    def labels(person):
        return {
            item["label"]
            for group in menu_for(person)
            if group["label"] == "Billing"
            for item in group["items"]
        }

    assert "Invoices" in labels(w.finance_a) and "Receivables ageing" in labels(w.partner_a)
    assert labels(w.manager_a) >= {"Work in progress", "Expenses"} and "Invoices" not in labels(w.manager_a)
    for person in (w.auditor_a, w.assoc):
        assert labels(person) == set()


@pytest.mark.parametrize(
    ("name", "status"),
    [("finance_a", 200), ("manager_a", 200), ("auditor_a", 403), ("assoc", 403), ("partner_b", 200)],
)
def test_report_pages(client, w, rows, name, status):
    login_verified(client, user(w, name))
    for path in ("/billing/wip/", "/billing/ageing/", "/billing/realisation/"):
        response = client.get(path, {"as_of": "2025-12-31", "start": "2025-01-01", "end": "2025-12-31"})
        assert response.status_code == status, path
        if status == 200:
            page = response.content.decode()
            shown = name == "finance_a" or (path != "/billing/ageing/" and name == "manager_a")
            assert (rows["head"].client.name in page) == shown, path


@pytest.mark.parametrize("name", ["auditor_a", "manager_a", "partner_b", "assoc"])
def test_detail_pages_of_invoices_and_receipts_are_not_found_for_others(client, w, rows, name):
    login_verified(client, user(w, name))
    invoice = Invoice.objects.filter(firm=w.firm_a).first()
    receipt = Receipt.objects.filter(firm=w.firm_a).first()
    for path in (
        f"/billing/invoices/{invoice.pk}/",
        f"/billing/invoices/{invoice.pk}/pdf/",
        f"/billing/invoices/{invoice.pk}/xlsx/",
        f"/billing/receipts/{receipt.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"/billing/invoices/{invoice.pk}/cancel/", {"reason": "x", "on": "2025-07-01"}
        ).status_code
        == 404
    )
    assert Invoice.objects.get(pk=invoice.pk).status != "cancelled"


def test_anonymous_users_are_sent_to_log_in(client, rows):
    for path in ("/billing/wip/", "/billing/invoices/", "/billing/invoices/add/", "/api/billing/invoices/"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403), path
        if response.status_code == 302:
            assert "/accounts/login/" in response.url
