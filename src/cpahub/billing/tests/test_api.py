import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.billing.models import Invoice
from cpahub.testing.billing import agreement, approved_time, issued_invoice
from cpahub.testing.factories import login_verified

pytestmark = pytest.mark.django_db
API = "/api/billing"
DAY = datetime.date(2025, 6, 30)


@pytest.fixture
def as_finance(client, w):
    login_verified(client, w.finance_a)
    return client


def test_agreements_are_written_by_finance_and_rates_set(as_finance, w):
    response = as_finance.post(
        f"{API}/fee-agreements/",
        {
            "engagement": w.engagement_a.pk,
            "basis": "capped",
            "amount": "50000",
            "letter_number": "约2025-018",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["contracted_fee"] == "50000.00"
    rated = as_finance.post(
        f"{API}/fee-agreements/{pk}/rates/",
        {"grade": w.grades_a["M"].pk, "rate": "900"},
        content_type="application/json",
    )
    assert rated.json()["rates"] == [
        {"id": rated.json()["rates"][0]["id"], "grade": w.grades_a["M"].pk, "rate": "900.00"}
    ]
    again = as_finance.post(
        f"{API}/fee-agreements/",
        {"engagement": w.engagement_a.pk, "basis": "fixed", "amount": "1"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "already has a fee agreement" in again.content.decode()
    changed = as_finance.patch(
        f"{API}/fee-agreements/{pk}/", {"amount": "60000"}, content_type="application/json"
    )
    assert changed.json()["contracted_fee"] == "60000.00"


def test_the_invoice_lifecycle_over_the_api(as_finance, w):
    created = as_finance.post(
        f"{API}/invoices/",
        {
            "engagement": w.engagement_a.pk,
            "lines": [{"engagement": w.engagement_a.pk, "description": "审计费", "amount": "1000"}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["gross_amount"], body["lines"][0]["tax"]) == ("draft", "1060.00", "60.00")
    pk = body["id"]
    issued = as_finance.post(
        f"{API}/invoices/{pk}/issue/",
        {"issue_date": "2025-06-30", "e_invoice_number": "25362000000000000001"},
        content_type="application/json",
    ).json()
    assert (issued["number"], issued["status"], issued["due_date"]) == ("2025-00001", "issued", "2025-07-30")
    assert (
        as_finance.patch(f"{API}/invoices/{pk}/", {"notes": "x"}, content_type="application/json").status_code
        == 400
    )
    receipt = as_finance.post(
        f"{API}/receipts/",
        {"client": w.client_a.pk, "date": "2025-07-05", "amount": "2000"},
        content_type="application/json",
    ).json()
    assert receipt["payer"] == w.client_a.name and receipt["unallocated"] == "2000.00"
    over = as_finance.post(
        f"{API}/allocations/",
        {"receipt": receipt["id"], "invoice": pk, "amount": "1060.01"},
        content_type="application/json",
    )
    assert over.status_code == 400 and "still open" in over.content.decode()
    done = as_finance.post(
        f"{API}/allocations/",
        {"receipt": receipt["id"], "invoice": pk, "amount": "1000"},
        content_type="application/json",
    )
    assert done.status_code == 201
    invoice = as_finance.get(f"{API}/invoices/{pk}/").json()
    assert (invoice["status"], invoice["allocated"], invoice["open_amount"]) == (
        "part_paid",
        "1000.00",
        "60.00",
    )
    note = as_finance.post(
        f"{API}/invoices/{pk}/credit-notes/",
        {"engagement": w.engagement_a.pk, "amount": "60", "reason": "折让", "date": "2025-07-06"},
        content_type="application/json",
    )
    assert note.status_code == 201 and note.json()["number"] == "HZ2025-00001"
    assert as_finance.get(f"{API}/invoices/{pk}/").json()["status"] == "paid"
    assert as_finance.get(f"{API}/receipts/{receipt['id']}/").json()["unallocated"] == "1000.00"


def test_drafts_are_deleted_and_issued_invoices_cancelled(as_finance, w):
    draft = as_finance.post(
        f"{API}/invoices/", {"engagement": w.engagement_a.pk}, content_type="application/json"
    ).json()
    assert as_finance.delete(f"{API}/invoices/{draft['id']}/").status_code == 204
    issued = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    assert as_finance.delete(f"{API}/invoices/{issued.pk}/").status_code == 400
    cancelled = as_finance.post(
        f"{API}/invoices/{issued.pk}/cancel/", {"reason": "作废"}, content_type="application/json"
    )
    assert cancelled.json()["status"] == "cancelled"


def test_reports_over_the_api(as_finance, w):
    agreement(w.finance_a, w.engagement_a)
    approved_time(w.engagement_a, w.auditor_a, DAY, "8")
    issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY, due_date=DAY)
    wip = as_finance.get(f"{API}/reports/wip/", {"as_of": "2025-12-31", "by": "client"}).json()
    assert (wip["rows"][0]["key"], wip["total"]["wip"]) == (w.client_a.pk, "3000.00")
    ageing = as_finance.get(f"{API}/reports/ageing/", {"as_of": "2025-12-31"}).json()
    assert ageing["total"]["ages"] == ["0.00", "0.00", "0.00", "1060.00", "0.00"]  # 184 days past due
    real = as_finance.get(
        f"{API}/reports/realisation/", {"start": "2025-01-01", "end": "2025-12-31", "by": "partner"}
    )
    assert real.json()["rows"][0]["billing_rate"] == "0.2500"
    assert as_finance.get(f"{API}/reports/wip/", {"by": "city"}).status_code == 400
    assert as_finance.get(f"{API}/reports/ageing/", {"as_of": "31/12/2025"}).status_code == 400


@pytest.mark.parametrize("name", ["auditor_a", "assoc", "partner_b"])
def test_outsiders_get_nothing_from_the_api(client, w, name):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    login_verified(client, getattr(w, name))
    assert client.get(f"{API}/invoices/").json()["results"] == []
    assert client.get(f"{API}/invoices/{invoice.pk}/").status_code == 404
    assert client.post(f"{API}/invoices/{invoice.pk}/cancel/", {"reason": "x"}).status_code == 404
    made = client.post(f"{API}/invoices/", {"engagement": w.engagement_a.pk}, content_type="application/json")
    assert made.status_code in (400, 403)
    reports = client.get(f"{API}/reports/ageing/")
    if name == "partner_b":
        assert reports.json()["rows"] == []
    else:
        assert reports.status_code == 403


def test_managers_read_wip_but_write_no_invoices(client, w):
    login_verified(client, w.manager_a)
    assert client.get(f"{API}/reports/wip/").status_code == 200
    assert (
        client.post(
            f"{API}/invoices/", {"engagement": w.engagement_a.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(f"{API}/invoices/").json()["results"] == []


def test_the_invoice_list_costs_the_same_queries_for_more_invoices(as_finance, w):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert as_finance.get(f"{API}/invoices/").status_code == 200
        return len(queries)

    issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    count()  # the first request also sets up the session
    before = count()
    for _n in range(5):
        issued_invoice(w.finance_a, w.engagement_a, "10", issue_date=DAY)
    assert count() == before
    assert Invoice.objects.count() == 6
