"""The ageing page's table: one header per column (client, the age buckets, balance, unallocated)."""

import datetime

import pytest
from django.urls import reverse
from lxml import html

from cpahub.billing.views.reports import AGE_LABELS
from cpahub.testing.billing import issued_invoice
from cpahub.testing.factories import login_verified

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 30)


def headers() -> list[str]:
    return ["Client", *map(str, AGE_LABELS), "Balance", "Unallocated receipts"]


def table(client, as_of):
    page = client.get(reverse("billing:ageing"), {"as_of": as_of})
    assert page.status_code == 200
    return html.fromstring(page.text).xpath("//table[@data-testid='ageing-table']")[0]


def test_an_empty_ageing_has_every_header_and_one_full_width_row(client, w):
    login_verified(client, w.finance_a)
    found = table(client, "2025-07-31")
    assert [th.text_content().strip() for th in found.xpath("thead/tr/th")] == headers()
    [empty] = found.xpath("tbody/tr/td")
    assert int(empty.get("colspan")) == len(headers())
    assert empty.text_content().strip() == "Nothing owed."


def test_each_row_has_a_cell_under_each_header(client, w):
    issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY, due_date=DAY)
    login_verified(client, w.finance_a)
    found = table(client, "2025-07-31")
    assert len(found.xpath("thead/tr/th")) == len(headers())
    [row] = found.xpath("tbody/tr")
    assert len(row.xpath("td")) == len(found.xpath("tfoot/tr/td")) == len(headers())
    assert row.xpath("td")[0].text_content().strip() == w.client_a.name
