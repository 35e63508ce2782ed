"""Mapping profiles through the REST API: the same rules as the pages, writes through the service."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cpahub.accounts.choices import Role
from cpahub.core.models import ObjectChange
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.ledgers.tests.profiledata import JOURNAL_COLUMNS, firm_profile, journal_upload
from cpahub.testing import factories

pytestmark = pytest.mark.django_db
URL = "/api/ledgers/profiles/"


def api_for(user) -> APIClient:
    client = APIClient()
    factories.login_verified(client, user)
    return client


@pytest.fixture
def auditor(firm, make_user):
    return make_user(Role.STAFF_AUDITOR, firm.organisation)


@pytest.fixture
def api(auditor):
    return api_for(auditor)


def test_create_read_update_delete(api, auditor, firm):
    created = api.post(
        URL,
        {
            "name": "某软件 序时账",
            "kind": "lines",
            "software": "某软件",
            "columns": JOURNAL_COLUMNS,
            "options": {"delimiter": "tab", "header_rows": "1"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["organisation"] == firm.organisation.pk
    assert data["organisation_name"] == firm.organisation.name
    assert data["options"] == {"delimiter": "\t"}  # checked and without defaults
    assert data["builtin"] is False and data["shared"] is False
    pk = data["id"]
    assert api.get(f"{URL}{pk}/").json()["columns"] == JOURNAL_COLUMNS

    changed = api.patch(
        f"{URL}{pk}/", {"notes": "凭证查询 → 引出", "options": {"date_format": "ymd"}}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["options"] == {"date_format": "ymd"}
    assert MappingProfile.objects.get(pk=pk).notes == "凭证查询 → 引出"
    assert ObjectChange.objects.filter(object_id=str(pk), action="update", user=auditor).exists()

    assert api.delete(f"{URL}{pk}/").status_code == 204
    assert not MappingProfile.objects.filter(pk=pk).exists()


def test_invalid_content_is_a_400_with_reasons(api, firm):
    firm_profile(firm.organisation, "Taken")
    response = api.post(
        URL,
        {
            "name": "taken",
            "kind": "lines",
            "columns": {"日期": "voucher_date", "金额": "money"},
            "options": {"profile": "x"},
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "金额: money is not a field of this content." in str(errors)
    response = api.post(
        URL, {"name": "New", "kind": "lines", "columns": {"日期": "voucher_date"}}, format="json"
    )
    assert response.status_code == 400
    assert "Map a column for: Account code; " in str(response.json())
    response = api.post(URL, {"name": "taken", "kind": "lines", "columns": JOURNAL_COLUMNS}, format="json")
    assert response.json() == {"name": ["Your firm already has a profile called taken."]}
    response = api.post(
        URL,
        {"name": "New", "kind": "lines", "columns": JOURNAL_COLUMNS, "options": {"amount": "signed"}},
        format="json",
    )
    assert response.status_code == 400 and "amount" in response.json()


def test_visibility_and_changes_follow_the_gate(firm, other_firm, make_user):
    ours = firm_profile(firm.organisation, "Ours")
    shared = firm_profile(other_firm.organisation, "Shared", shared=True)
    hidden = firm_profile(other_firm.organisation, "Hidden")
    builtin = MappingProfile.objects.filter(builtin=True).first()
    api = api_for(make_user(Role.STAFF_AUDITOR, firm.organisation))
    names = {p["name"] for p in api.get(URL, {"page_size": 200}).json()["results"]}
    assert {"Ours", "Shared"} <= names and "Hidden" not in names and builtin.name in names
    assert api.get(f"{URL}{hidden.pk}/").status_code == 404
    assert api.patch(f"{URL}{hidden.pk}/", {"notes": "x"}, format="json").status_code == 404
    assert api.patch(f"{URL}{shared.pk}/", {"notes": "x"}, format="json").status_code == 403
    assert api.delete(f"{URL}{builtin.pk}/").status_code == 403
    assert api.get(URL, {"origin": "own"}).json()["count"] == 1
    # the association sees built-in and shared ones only
    association = api_for(make_user(Role.ASSOCIATION_STAFF))
    names = {p["name"] for p in association.get(URL, {"page_size": 200}).json()["results"]}
    assert "Shared" in names and "Ours" not in names and "Hidden" not in names
    assert (
        association.post(
            URL, {"name": "A", "kind": "lines", "columns": JOURNAL_COLUMNS}, format="json"
        ).status_code
        == 403
    )
    assert APIClient().get(URL).status_code in (401, 403)
    assert ours.name == "Ours"


def test_sharing_needs_admin_partner_or_manager(api, firm, make_user):
    profile = firm_profile(firm.organisation)
    response = api.patch(f"{URL}{profile.pk}/", {"shared": True}, format="json")
    assert response.status_code == 403
    manager = api_for(make_user(Role.MANAGER, firm.organisation))
    assert manager.patch(f"{URL}{profile.pk}/", {"shared": True}, format="json").json()["shared"] is True
    created = manager.post(
        URL,
        {"name": "Shared at once", "kind": "lines", "columns": JOURNAL_COLUMNS, "shared": True},
        format="json",
    )
    assert created.status_code == 201 and created.json()["shared"] is True


def test_clone(api, firm, other_firm):
    builtin = MappingProfile.objects.filter(builtin=True, kind="balances").first()
    response = api.post(f"{URL}{builtin.pk}/clone/", {"name": "我们的余额表"}, format="json")
    assert response.status_code == 201, response.json()
    copy = MappingProfile.objects.get(pk=response.json()["id"])
    assert (copy.name, copy.organisation, copy.columns) == (
        "我们的余额表",
        firm.organisation,
        builtin.columns,
    )
    hidden = firm_profile(other_firm.organisation, "Hidden")
    assert api.post(f"{URL}{hidden.pk}/clone/", {}, format="json").status_code == 404


@pytest.mark.usefixtures("storage")
def test_import_with_a_profile_through_the_api(api, firm, django_capture_on_commit_callbacks):
    profile = firm_profile(firm.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/ledgers/imports/",
            {"file": journal_upload("gb18030"), "profile": profile.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    snapshot = LedgerSnapshot.objects.get()
    assert snapshot.status in (SnapshotStatus.ACCEPTED, SnapshotStatus.ACCEPTED_WITH_WARNINGS), (
        snapshot.message
    )
    assert snapshot.line_count == 4
    response = api.post(
        "/api/ledgers/imports/",
        {"file": journal_upload(), "profile": profile.pk, "format": "saft"},
        format="multipart",
    )
    assert response.status_code == 400 and "profile" in response.json()
