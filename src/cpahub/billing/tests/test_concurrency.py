"""Races on PostgreSQL: numbers stay gap-free and receipts are never over-allocated."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from cpahub.billing.models import Allocation, Invoice
from cpahub.billing.services import invoices, receipts
from cpahub.testing.billing import issued_invoice

DAY = datetime.date(2025, 5, 20)
THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time (IMMEDIATE transactions); the race needs PostgreSQL",
    ),
]


def run_together(function, arguments):
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []

    def work(argument):
        try:
            barrier.wait()
            results.append(function(argument))
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_invoices_issued_at_once_get_consecutive_numbers(w):
    drafts = []
    for _index in range(THREADS):
        draft = invoices.create_invoice(w.finance_a, w.client_a)
        invoices.add_line(w.finance_a, draft, w.engagement_a, description="审计费", amount=D("100"))
        drafts.append(draft)
    users = [w.finance_a, w.partner_a, w.admin_a, w.quality_a] * 2

    def issue(index):
        return invoices.issue_invoice(users[index], drafts[index], issue_date=DAY).number

    numbers, errors = run_together(issue, list(range(THREADS)))
    assert errors == []
    expected = [f"2025-{n:05d}" for n in range(1, THREADS + 1)]
    assert sorted(numbers) == expected
    assert sorted(Invoice.objects.filter(firm=w.firm_a).values_list("number", flat=True)) == expected


def test_one_receipt_allocated_twice_at_once_is_not_over_allocated(w):
    first = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    second = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    money = receipts.record_receipt(w.finance_a, client=w.client_a, date=DAY, amount=D("1500"))

    def allocate(invoice):
        return receipts.allocate(w.finance_a, money, invoice, D("1000"))

    done, refused = run_together(allocate, [first, second])
    assert (len(done), len(refused)) == (1, 1)
    assert sum(a.amount for a in Allocation.objects.filter(receipt=money)) == D("1000")
