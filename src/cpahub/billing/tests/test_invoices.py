import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.billing.choices import InvoiceStatus
from cpahub.billing.models import Invoice, NumberCounter
from cpahub.billing.services import agreements, invoices
from cpahub.engagements.models import Engagement
from cpahub.testing.billing import agreement, issued_invoice, paid

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 31)


def draft(w, *amounts, **data):
    invoice = invoices.create_invoice(w.finance_a, w.client_a, engagement=w.engagement_a, **data)
    for amount in amounts:
        invoices.add_line(w.finance_a, invoice, w.engagement_a, description="审计费", amount=D(amount))
    invoice.refresh_from_db()
    return invoice


def test_totals_are_the_sums_of_lines_rounded_each_to_the_fen(w):
    invoice = draft(w, "100.05", "100.05")
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
        D("200.10"),
        D("12.00"),
        D("212.10"),
    )


def test_amounts_including_vat_are_split_back(w):
    invoice = draft(w, "1000", prices_include_tax=True)
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
        D("943.40"),
        D("56.60"),
        D("1000.00"),
    )
    invoice = invoices.update_draft(w.finance_a, invoice, prices_include_tax=False, tax_rate=D("0.03"))
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
        D("1000.00"),
        D("30.00"),
        D("1030.00"),
    )


def test_the_agreements_vat_rate_and_payment_terms_apply(w):
    agreement(w.finance_a, w.engagement_a, "hourly", tax_rate=D("0.03"), payment_days=45)
    invoice = draft(w, "1000")
    assert invoice.tax_rate == D("0.03") and invoice.gross_amount == D("1030.00")
    invoice = invoices.issue_invoice(w.finance_a, invoice, issue_date=DAY)
    assert invoice.due_date == DAY + datetime.timedelta(days=45)


def test_numbers_are_gap_free_per_firm_and_year(w):
    first = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    thrown_away = draft(w, "50")
    invoices.delete_draft(w.finance_a, thrown_away)
    second = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    next_year = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=datetime.date(2026, 1, 2))
    other_firm = issued_invoice(w.partner_b, w.engagement_b, "100", issue_date=DAY)
    assert [first.number, second.number, next_year.number] == ["2025-00001", "2025-00002", "2026-00001"]
    assert other_firm.number == "2025-00001"


def test_a_refused_issue_takes_no_number(w):
    agreement(w.finance_a, w.engagement_a, "fixed", D("1000"))
    too_much = draft(w, "1500")
    with pytest.raises(ValidationError, match="over the agreed"):
        invoices.issue_invoice(w.finance_a, too_much, issue_date=DAY)
    assert not NumberCounter.objects.filter(last__gt=0).exists()
    assert issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY).number == "2025-00001"


def test_an_empty_draft_cannot_be_issued(w):
    with pytest.raises(ValidationError, match="at least one line"):
        invoices.issue_invoice(w.finance_a, draft(w), issue_date=DAY)


def test_the_cap_counts_fees_billed_less_credit_notes_but_not_disbursements(w):
    agreement(w.finance_a, w.engagement_a, "capped", D("10000"))
    first = issued_invoice(w.finance_a, w.engagement_a, "8000", issue_date=DAY)
    issued_invoice(w.finance_a, w.engagement_a, "900", issue_date=DAY, kind="expenses")
    with pytest.raises(ValidationError, match="over the agreed"):
        issued_invoice(w.finance_a, w.engagement_a, "2000.01", issue_date=DAY)
    invoices.credit_note(w.finance_a, first, w.engagement_a, amount=D("1060"), reason="折让", date=DAY)
    assert issued_invoice(w.finance_a, w.engagement_a, "3000", issue_date=DAY).net_amount == D("3000.00")
    with pytest.raises(ValidationError, match="already billed"):
        agreements.save_agreement(w.finance_a, w.engagement_a, w.engagement_a.fee_agreement, amount=D("9999"))


def test_issuing_fixes_the_buyer_and_refuses_a_due_date_before_the_issue_date(w):
    with pytest.raises(ValidationError):
        invoices.issue_invoice(
            w.finance_a, draft(w, "10"), issue_date=DAY, due_date=DAY - datetime.timedelta(1)
        )
    invoice = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    assert (invoice.buyer_name, invoice.buyer_credit_code) == (w.client_a.name, w.client_a.credit_code)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.issued_by == w.finance_a
    with pytest.raises(ValidationError, match="Only a draft"):
        invoices.add_line(w.finance_a, invoice, w.engagement_a, description="x", amount=D("1"))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("2536000000001234567", "20 digits; this one has 19"),
        ("253600000000123456A", "digits only"),
        ("24360000000012345678", "year of issue"),
    ],
)
def test_electronic_invoice_numbers_are_validated(w, number, message):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    with pytest.raises(ValidationError, match=message):
        invoices.set_e_invoice_number(w.finance_a, invoice, number)


def test_an_electronic_invoice_number_is_recorded_once(w):
    first = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    second = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    invoices.set_e_invoice_number(w.finance_a, first, "25 3600 0000 0012 3456 78")
    assert Invoice.objects.get(pk=first.pk).e_invoice_number == "25360000000012345678"
    with pytest.raises(ValidationError, match="already recorded"):
        invoices.set_e_invoice_number(w.finance_a, second, "25360000000012345678")


def test_credit_notes_cannot_exceed_what_is_open(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)  # 1060 due
    paid(w.finance_a, invoice, "500", DAY)
    with pytest.raises(ValidationError, match="still open"):
        invoices.credit_note(w.finance_a, invoice, w.engagement_a, amount=D("560.01"), reason="x", date=DAY)
    note = invoices.credit_note(
        w.finance_a, invoice, w.engagement_a, amount=D("560"), reason="折让", date=DAY
    )
    assert (note.number, note.net, note.tax) == ("HZ2025-00001", D("528.30"), D("31.70"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    with pytest.raises(ValidationError):
        invoices.credit_note(w.finance_a, invoice, w.engagement_a, amount=D("1"), reason="x", date=DAY)


def test_a_full_credit_reverses_the_invoice_exactly(w):
    invoice = draft(w, "0.10", "0.10")  # VAT 0.01 + 0.01 on a net 0.20
    invoices.issue_invoice(w.finance_a, invoice, issue_date=DAY)
    note = invoices.credit_note(
        w.finance_a, invoice, w.engagement_a, amount=D("0.22"), reason="开错", date=DAY
    )
    assert (note.net, note.tax, note.gross) == (D("0.20"), D("0.02"), D("0.22"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED


def test_credit_notes_need_a_reason_and_a_line_of_the_engagement(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    with pytest.raises(ValidationError):
        invoices.credit_note(w.finance_a, invoice, w.engagement_a, amount=D("1"), reason="  ", date=DAY)
    with pytest.raises(ValidationError, match="no such line"):
        invoices.credit_note(w.finance_a, invoice, w.branch_engagement, amount=D("1"), reason="x", date=DAY)


def test_cancelling_keeps_the_number_and_needs_an_unpaid_invoice(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    with pytest.raises(ValidationError):
        invoices.cancel_invoice(w.finance_a, invoice, "")
    invoices.cancel_invoice(w.finance_a, invoice, "抬头错误", on=DAY)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (InvoiceStatus.CANCELLED, "2025-00001")
    paid_one = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    assert paid_one.number == "2025-00002"
    paid(w.finance_a, paid_one, "10", DAY)
    with pytest.raises(ValidationError):
        invoices.cancel_invoice(w.finance_a, paid_one, "x")


def test_lines_belong_to_the_clients_engagements(w):
    invoice = draft(w)
    with pytest.raises(ValidationError):
        invoices.add_line(w.finance_a, invoice, w.branch_engagement, description="x", amount=D("1"))


def test_a_milestone_is_billed_once(w):
    fee = agreement(w.finance_a, w.engagement_a, "milestone")
    stage = agreements.add_milestone(w.finance_a, fee, name="外勤结束", amount=D("30000"), due=DAY)
    agreements.add_milestone(w.finance_a, fee, name="出具报告", amount=D("20000"), due=DAY)
    assert Engagement.objects.get(pk=w.engagement_a.pk).contracted_fee == D("50000")
    invoice = draft(w)
    line = invoices.add_line(
        w.finance_a, invoice, w.engagement_a, description="", amount=None, fee_milestone=stage
    )
    assert line.net == D("30000.00")
    with pytest.raises(ValidationError, match="already on an invoice"):
        invoices.add_line(
            w.finance_a, draft(w), w.engagement_a, description="", amount=None, fee_milestone=stage
        )
    with pytest.raises(ValidationError):
        agreements.remove_milestone(w.finance_a, stage)


def test_only_finance_of_the_firm_bills(w):
    for user in (w.manager_a, w.auditor_a, w.partner_b, w.assoc):
        with pytest.raises(PermissionDenied):
            invoices.create_invoice(user, w.client_a)
    invoice = draft(w, "10")
    for user in (w.manager_a, w.partner_b):
        with pytest.raises(PermissionDenied):
            invoices.issue_invoice(user, invoice)
    assert invoices.create_invoice(w.partner_a, w.client_a).status == InvoiceStatus.DRAFT
    assert invoices.create_invoice(w.admin_a, w.client_a).status == InvoiceStatus.DRAFT


def test_branch_finance_bills_only_the_branchs_engagements(w):
    from cpahub.accounts.choices import Role
    from cpahub.testing.practice import EngagementFactory, staff

    branch_finance = staff(Role.FIRM_FINANCE, w.branch_a)
    invoice = invoices.create_invoice(branch_finance, w.branch_client)
    head_office_work = EngagementFactory(client=w.branch_client, office=w.firm_a)
    with pytest.raises(PermissionDenied):
        invoices.add_line(branch_finance, invoice, head_office_work, description="x", amount=D("1"))
    with pytest.raises(PermissionDenied):
        invoices.create_invoice(branch_finance, w.client_a)
    line = invoices.add_line(branch_finance, invoice, w.branch_engagement, description="x", amount=D("1"))
    assert line.invoice.office == w.branch_a
