"""Ledger web pages: the firm's snapshots, the upload of a real SAF-T file, findings, confidentiality."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cpahub.accounts.choices import Role
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, SnapshotIssue, Workspace
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]
SAFT = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / "example-999999999-2016.xml"


@pytest.fixture
def auditor(firm, make_user):
    return make_user(Role.STAFF_AUDITOR, firm.organisation)


@pytest.fixture
def imported(client, auditor, django_capture_on_commit_callbacks):
    """The real SAF-T example uploaded through the page (the import runs in-process)."""
    factories.login_verified(client, auditor)
    upload = SimpleUploadedFile(SAFT.name, SAFT.read_bytes(), content_type="application/xml")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledgers:upload"), {"file": upload, "format": ""})
    snapshot = LedgerSnapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ledgers/{snapshot.pk}/"
    return snapshot


def test_upload_of_real_saft_file_is_accepted_with_warnings(client, imported, auditor):
    snapshot = LedgerSnapshot.objects.get(pk=imported.pk)
    assert snapshot.status == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    assert snapshot.source_format == "saft"
    assert snapshot.line_count == 5
    assert snapshot.total_debit == Decimal("25000.00")
    assert snapshot.total_credit == Decimal("25000.00")
    assert snapshot.workspace.organisation == auditor.memberships.get().organisation

    page = client.get(snapshot.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert '<dd class="col-sm-9" data-testid="line-count">5</dd>' in text
    assert "25000.00" in text
    assert "Accepted with warnings" in text
    assert "hx-trigger" not in text  # finished: no polling


def test_findings_and_accounts_appear_on_the_page(client, imported):
    issue = SnapshotIssue.objects.filter(snapshot=imported).order_by("pk").first()
    assert issue is not None
    text = client.get(imported.get_absolute_url()).content.decode()
    assert issue.location in text
    assert str(issue.get_severity_display()) in text
    first_account = imported.accounts.order_by("code").first()
    assert f"<td>{first_account.code}</td><td>{first_account.name}</td>" in text


def test_list_shows_the_firm_snapshots_with_import_button(client, imported):
    response = client.get(reverse("ledgers:snapshot_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert reverse("ledgers:upload") in text
    assert imported.get_absolute_url() in text
    assert '<span class="badge text-bg-warning">Accepted with warnings</span>' in text
    refused = client.get(reverse("ledgers:snapshot_list"), {"status": "refused"}).content.decode()
    assert imported.get_absolute_url() not in refused


def test_progress_polls_while_importing(client, auditor, firm):
    workspace = Workspace.objects.create(organisation=firm.organisation, name="W")
    snapshot = LedgerSnapshot.objects.create(
        workspace=workspace, canonical_version="1.0", source_name="x.xml", source_sm3="", progress=40
    )
    factories.login_verified(client, auditor)
    text = client.get(snapshot.get_absolute_url()).content.decode()
    assert f'hx-get="/ledgers/{snapshot.pk}/progress/" hx-trigger="every 2s"' in text
    assert 'style="width: 40%"' in text
    LedgerSnapshot.objects.filter(pk=snapshot.pk).update(status=SnapshotStatus.FAILED, message="broken")
    partial = client.get(reverse("ledgers:snapshot_progress", args=[snapshot.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"
    assert "hx-trigger" not in partial.content.decode()
    assert "broken" in partial.content.decode()


def test_oversized_upload_is_refused_clearly(client, auditor, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    factories.login_verified(client, auditor)
    upload = SimpleUploadedFile("big.xml", b"x" * 101)
    response = client.post(reverse("ledgers:upload"), {"file": upload})
    assert response.status_code == 413  # stopped while it arrived (core/uploads.py)
    assert "The file is larger than 100\xa0bytes; it was not accepted and nothing was stored." in (
        response.content.decode()
    )
    assert LedgerSnapshot.objects.count() == 0


@pytest.mark.parametrize("role", [Role.STAFF_AUDITOR, Role.ASSOCIATION_STAFF])
def test_other_firm_and_association_get_404(client, imported, other_firm, make_user, role):
    outsider = make_user(role, other_firm.organisation if role == Role.STAFF_AUDITOR else None)
    factories.login_verified(client, outsider)
    assert client.get(imported.get_absolute_url()).status_code == 404
    assert client.get(reverse("ledgers:snapshot_progress", args=[imported.pk])).status_code == 404
    listing = client.get(reverse("ledgers:snapshot_list")).content.decode()
    assert imported.get_absolute_url() not in listing


def test_workspace_choices_are_the_users_firm_only(client, auditor, firm, other_firm):
    Workspace.objects.create(organisation=firm.organisation, name="Ours")
    Workspace.objects.create(organisation=other_firm.organisation, name="Theirs")
    factories.login_verified(client, auditor)
    text = client.get(reverse("ledgers:upload")).content.decode()
    assert ">Ours</option>" in text
    assert "Theirs" not in text
