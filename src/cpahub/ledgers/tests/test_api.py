"""Ledgers REST API: snapshots, accounts, findings, lines and balances paged from Parquet, imports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cpahub.accounts.choices import Role
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot
from cpahub.ledgers.store import SnapshotReader
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]
SAFT = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / "example-999999999-2016.xml"


@pytest.fixture
def api(firm, make_user):
    client = APIClient()
    factories.login_verified(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    return client


@pytest.fixture
def snapshot(api, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile(SAFT.name, SAFT.read_bytes(), content_type="application/xml")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ledgers/imports/", {"file": upload, "format": "saft"}, format="multipart")
    assert response.status_code == 202
    created = LedgerSnapshot.objects.get()
    assert response.json()["id"] == created.pk
    return created


def test_import_through_api_is_accepted_with_warnings(api, snapshot):
    data = api.get(f"/api/ledgers/snapshots/{snapshot.pk}/").json()
    assert data["status"] == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    assert data["line_count"] == 5
    assert data["total_debit"] == "25000.00"
    assert data["total_credit"] == "25000.00"
    assert data["source_format"] == "saft"


def test_snapshot_list_filters(api, snapshot):
    assert [s["id"] for s in api.get("/api/ledgers/snapshots/").json()["results"]] == [snapshot.pk]
    year = snapshot.fiscal_year
    assert api.get("/api/ledgers/snapshots/", {"year": year}).json()["count"] == 1
    assert api.get("/api/ledgers/snapshots/", {"year": year + 1}).json()["count"] == 0
    assert api.get("/api/ledgers/snapshots/", {"status": "refused"}).json()["count"] == 0
    response = api.get("/api/ledgers/snapshots/", {"workspace": snapshot.workspace_id})
    assert response.json().get("count") == 1, response.json()


def test_lines_paging_and_filters_return_exact_rows(api, snapshot):
    stored = SnapshotReader(snapshot).table("lines")
    url = f"/api/ledgers/snapshots/{snapshot.pk}/lines/"
    first = api.get(url, {"page_size": 2}).json()
    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [r["source_location"] for r in first["results"]] == stored["source_location"].to_list()[:2]
    last = api.get(url, {"page_size": 2, "page": 3}).json()
    assert [r["source_location"] for r in last["results"]] == stored["source_location"].to_list()[4:]
    code = stored["account_code"][0]
    wanted = stored.filter(pl.col("account_code") == code)
    by_account = api.get(url, {"account_code": code}).json()
    assert by_account["count"] == wanted.height
    assert {r["account_code"] for r in by_account["results"]} == {code}
    assert [r["debit"] for r in by_account["results"]] == [f"{d:.2f}" for d in wanted["debit"].to_list()]
    voucher = stored["voucher_number"][0]
    by_voucher = api.get(url, {"voucher_number": voucher}).json()
    assert by_voucher["count"] == stored.filter(pl.col("voucher_number") == voucher).height
    day = stored["voucher_date"].min()
    dated = api.get(url, {"date_from": day.isoformat(), "date_to": day.isoformat()}).json()
    assert dated["count"] == stored.filter(pl.col("voucher_date") == day).height
    period = stored["period"][0]
    assert (
        api.get(url, {"period": period}).json()["count"] == stored.filter(pl.col("period") == period).height
    )
    assert api.get(url, {"page_size": 501}).status_code == 400


def test_balances_accounts_and_findings(api, snapshot):
    balances = SnapshotReader(snapshot).table("balances")
    data = api.get(f"/api/ledgers/snapshots/{snapshot.pk}/balances/", {"page_size": 500}).json()
    assert data["count"] == balances.height
    assert [r["account_code"] for r in data["results"]] == balances["account_code"].to_list()
    accounts = api.get(f"/api/ledgers/snapshots/{snapshot.pk}/accounts/").json()
    assert accounts["count"] == snapshot.accounts.count()
    assert [a["code"] for a in accounts["results"]] == list(
        snapshot.accounts.order_by("code").values_list("code", flat=True)[:50]
    )
    findings = api.get(f"/api/ledgers/snapshots/{snapshot.pk}/findings/").json()
    assert findings["count"] == snapshot.issues.count()
    assert findings["count"] >= 1
    assert findings["results"][0]["severity"] == snapshot.issues.order_by("pk").first().severity


def test_oversized_api_upload_is_refused(api, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.xml", b"x" * 101)
    response = api.post("/api/ledgers/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 413  # stopped while it arrived (core/uploads.py)
    assert response.json() == {
        "detail": "The file is larger than 100\xa0bytes; it was not accepted and nothing was stored."
    }
    assert LedgerSnapshot.objects.count() == 0


@pytest.mark.parametrize("role", [Role.STAFF_AUDITOR, Role.ASSOCIATION_STAFF])
def test_other_firm_and_association_get_404(snapshot, other_firm, make_user, role):
    outsider = APIClient()
    user = make_user(role, other_firm.organisation if role == Role.STAFF_AUDITOR else None)
    factories.login_verified(outsider, user)
    for suffix in ("", "accounts/", "findings/", "lines/", "balances/"):
        assert outsider.get(f"/api/ledgers/snapshots/{snapshot.pk}/{suffix}").status_code == 404
    assert outsider.get("/api/ledgers/snapshots/").json()["count"] == 0


def test_association_staff_cannot_import(make_user):
    client = APIClient()
    factories.login_verified(client, make_user(Role.ASSOCIATION_STAFF))
    upload = SimpleUploadedFile(SAFT.name, SAFT.read_bytes())
    assert client.post("/api/ledgers/imports/", {"file": upload}, format="multipart").status_code == 403
