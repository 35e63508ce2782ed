import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.billing.choices import InvoiceStatus
from cpahub.billing.queries import open_balance, unallocated
from cpahub.billing.services import invoices, receipts
from cpahub.testing.billing import issued_invoice

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 30)


def receipt(w, amount, **data):
    return receipts.record_receipt(
        w.finance_a, client=w.client_a, date=DAY, amount=D(amount), bank_reference="HX2025063000017", **data
    )


def test_one_receipt_pays_several_invoices_and_shows_what_is_left(w):
    first = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)  # 1060
    second = issued_invoice(w.finance_a, w.engagement_a, "500", issue_date=DAY)  # 530
    money = receipt(w, "2000")
    assert money.payer == w.client_a.name
    receipts.allocate(w.finance_a, money, first, D("1060"))
    receipts.allocate(w.finance_a, money, second, D("300"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (InvoiceStatus.PAID, InvoiceStatus.PART_PAID)
    assert unallocated(money) == D("640.00")
    assert open_balance(second) == D("230.00")


def test_over_allocation_is_refused_on_either_side(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)  # 1060
    small = receipt(w, "100")
    with pytest.raises(ValidationError, match=r"Only 100\.00 of this receipt"):
        receipts.allocate(w.finance_a, small, invoice, D("100.01"))
    big = receipt(w, "5000")
    receipts.allocate(w.finance_a, big, invoice, D("1000"))
    with pytest.raises(ValidationError, match=r"Only 60\.00 is still open"):
        receipts.allocate(w.finance_a, small, invoice, D("60.01"))
    with pytest.raises(ValidationError):
        receipts.allocate(w.finance_a, small, invoice, D("0"))
    receipts.allocate(w.finance_a, small, invoice, D("60"))
    assert unallocated(small) == D("40.00")


def test_credit_notes_reduce_what_can_be_allocated(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    invoices.credit_note(w.finance_a, invoice, w.engagement_a, amount=D("60"), reason="折让", date=DAY)
    with pytest.raises(ValidationError, match=r"Only 1000\.00 is still open"):
        receipts.allocate(w.finance_a, receipt(w, "2000"), invoice, D("1000.01"))


def test_drafts_and_cancelled_invoices_take_no_money(w):
    money = receipt(w, "100")
    draft = invoices.create_invoice(w.finance_a, w.client_a)
    cancelled = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    invoices.cancel_invoice(w.finance_a, cancelled, "作废")
    for invoice in (draft, cancelled):
        with pytest.raises(ValidationError, match="still open"):
            receipts.allocate(w.finance_a, money, invoice, D("1"))


def test_removing_an_allocation_reopens_the_invoice(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    money = receipt(w, "106")
    allocation = receipts.allocate(w.finance_a, money, invoice, D("106"))
    with pytest.raises(ValidationError):
        receipts.update_receipt(w.finance_a, money, amount=D("100"))
    with pytest.raises(ValidationError):
        receipts.delete_receipt(w.finance_a, money)
    receipts.unallocate(w.finance_a, allocation)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and unallocated(money) == D("106.00")


def test_receipts_without_a_client_go_to_an_office_of_the_firm(w):
    money = receipts.record_receipt(w.finance_a, office=w.branch_a, payer="某集团", date=DAY, amount=D("5"))
    assert (money.firm, money.office) == (w.firm_a, w.branch_a)
    with pytest.raises(PermissionDenied):
        receipts.record_receipt(w.finance_a, office=w.firm_b, payer="x", date=DAY, amount=D("5"))


def test_other_firms_and_managers_cannot_touch_receipts(w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "100", issue_date=DAY)
    money = receipt(w, "106")
    for user in (w.manager_a, w.partner_b, w.assoc):
        with pytest.raises(PermissionDenied):
            receipts.allocate(user, money, invoice, D("1"))
        with pytest.raises(PermissionDenied):
            receipts.record_receipt(user, client=w.client_a, date=DAY, amount=D("1"))
    other_firms = receipts.record_receipt(w.partner_b, client=w.client_b, date=DAY, amount=D("1"))
    with pytest.raises(PermissionDenied):
        receipts.allocate(w.partner_b, other_firms, invoice, D("1"))
