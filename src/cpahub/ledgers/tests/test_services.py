"""The import service: permission, limits, snapshot life cycle, atomic supersede, background task."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cpahub.accounts.choices import OrgKind, Role, SecurityEventType
from cpahub.accounts.models import Organisation, SecurityEvent
from cpahub.core.crypto import sm3_hex
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import VIEW
from cpahub.ledgers import services
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.models import LedgerSnapshot, SnapshotAccount, SnapshotIssue, Workspace
from cpahub.ledgers.store import SnapshotReader
from cpahub.ledgers.tasks import import_snapshot
from cpahub.ledgers.tests import tinyformat
from cpahub.ledgers.tests.ledgerdata import (  # noqa: F401 - fixtures
    BOOKS,
    edit,
    remote_storage,
    storage,
    tiny,
    write_books,
)
from cpahub.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage", "tiny")]
D = Decimal

UNBALANCED = edit(
    edit(BOOKS, "6001||50.00", "6001||45.00"),
    "balance|6001|||0.00|0.00|150.00|-150.00",
    "balance|6001|||0.00|0.00|145.00|-145.00",
)
NEXT_YEAR = (
    BOOKS.replace("|2024|2024-01-01|2024-12-31", "|2025|2025-01-01|2025-12-31")
    .replace("line|2024|", "line|2025|")
    .replace("period|2024|", "period|2025|")
    .replace("|2024-", "|2025-")
    .replace("2025-02-29", "2025-02-28")
)


@pytest.fixture
def auditor(firm, make_user):
    return make_user(Role.STAFF_AUDITOR, firm.organisation)


def import_text(actor, tmp_path, text=BOOKS, name="books.tiny", **kwargs):
    return services.import_ledger(actor, write_books(tmp_path, text, name), format="tiny", **kwargs)


def test_an_accepted_import(auditor, firm, tmp_path):
    path = write_books(tmp_path)
    snapshot = services.import_ledger(auditor, path, format="tiny")
    assert snapshot.status == SnapshotStatus.ACCEPTED
    assert snapshot.message == "Every check passed."
    assert snapshot.workspace.name == "books.tiny"
    assert snapshot.workspace.organisation == firm.organisation
    assert snapshot.workspace.created_by == auditor
    assert snapshot.created_by == auditor
    assert snapshot.source_format == "tiny"
    assert snapshot.source_name == "books.tiny"
    assert snapshot.source_size == path.stat().st_size
    assert snapshot.source_sm3 == sm3_hex(path.read_bytes())
    assert snapshot.canonical_version == "1.0"
    assert snapshot.storage_prefix.startswith(f"ledgers/{snapshot.workspace_id}/")
    assert (snapshot.entity_name, snapshot.credit_code, snapshot.currency) == (
        "ACME Trading Co.",
        "913601000000001234",
        "CNY",
    )
    assert (snapshot.fiscal_year, str(snapshot.period_start), str(snapshot.period_end)) == (
        2024,
        "2024-01-01",
        "2024-12-31",
    )
    assert (snapshot.account_count, snapshot.voucher_count, snapshot.line_count) == (7, 4, 8)
    assert (snapshot.total_debit, snapshot.total_credit) == (D("200.00"), D("200.00"))
    assert (snapshot.error_count, snapshot.warning_count, snapshot.check_counts) == (0, 0, {})
    assert snapshot.progress == 100
    assert snapshot.finished_at is not None
    assert snapshot.replaces is None
    manifest = json.loads(default_storage.open(f"{snapshot.storage_prefix}/manifest.json").read())
    assert manifest["content_sm3"] == snapshot.content_sm3
    reader = SnapshotReader(snapshot)
    assert reader.table("lines").height == 8
    assert services.current_snapshot(snapshot.workspace) == snapshot
    assert list(
        SnapshotAccount.objects.filter(snapshot=snapshot).values_list(
            "code", "opening", "debit", "credit", "closing"
        )
    ) == [
        ("1001", D("500.00"), D("120.00"), D("0.00"), D("620.00")),
        ("1122", D("80.00"), D("50.00"), D("20.00"), D("110.00")),
        ("112201", D("80.00"), D("50.00"), D("20.00"), D("110.00")),
        ("112202", D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("2202", D("-40.00"), D("0.00"), D("30.00"), D("-70.00")),
        ("6001", D("0.00"), D("0.00"), D("150.00"), D("-150.00")),
        ("6401", D("0.00"), D("30.00"), D("0.00"), D("30.00")),
    ]
    account = SnapshotAccount.objects.get(snapshot=snapshot, code="112201")
    assert (account.name, account.level, account.type, account.normal_balance) == (
        "Receivables - trade",
        2,
        "asset",
        "D",
    )
    changes = ObjectChange.objects.filter(content_type__model="ledgersnapshot", object_id=str(snapshot.pk))
    assert [c.action for c in changes.order_by("pk")] == ["create", "update"]
    assert changes.first().user == auditor


def test_without_balances_the_account_summary_comes_from_the_lines_rolled_up(auditor, tmp_path):
    text = "".join(line + "\n" for line in BOOKS.splitlines() if not line.startswith("balance|"))
    snapshot = import_text(auditor, tmp_path, text)
    assert snapshot.status == SnapshotStatus.ACCEPTED
    assert snapshot.check_counts == {"info:no_balances": 1}
    rows = dict(
        SnapshotAccount.objects.filter(snapshot=snapshot).values_list("code", "closing").order_by("code")
    )
    assert rows == {
        "1001": D("120.00"),
        "1122": D("30.00"),
        "112201": D("30.00"),
        "112202": D("0.00"),
        "2202": D("-30.00"),
        "6001": D("-150.00"),
        "6401": D("30.00"),
    }


def test_a_refused_import_keeps_its_files_but_never_becomes_current(auditor, tmp_path):
    snapshot = import_text(auditor, tmp_path, UNBALANCED)
    assert snapshot.status == SnapshotStatus.REFUSED
    assert snapshot.message == (
        "Errors: 2 (voucher_unbalanced 1, totals_unbalanced 1). The snapshot's files are kept for "
        "inspection; it never becomes the current ledger."
    )
    assert (snapshot.error_count, snapshot.warning_count) == (2, 0)
    assert snapshot.check_counts == {"error:totals_unbalanced": 1, "error:voucher_unbalanced": 1}
    issue = SnapshotIssue.objects.get(snapshot=snapshot, code="voucher_unbalanced")
    assert (issue.severity, issue.location) == ("error", "books.tiny:24")
    assert (
        issue.message == "Voucher 记-2 (2024/01) does not balance: debit 50.00, credit 45.00, difference 5.00"
    )
    assert issue.data["locations"] == ["books.tiny:24", "books.tiny:25"]
    assert SnapshotReader(snapshot).table("lines").height == 8  # kept for inspection
    assert services.current_snapshot(snapshot.workspace) is None


def test_a_warning_import_is_accepted_with_warnings(auditor, tmp_path):
    text = edit(
        BOOKS, "|receipt|112201||20.00|customer=C01", "|receipt|112201||20.00|customer=C01,project=P9"
    )
    snapshot = import_text(auditor, tmp_path, text)
    assert snapshot.status == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    assert snapshot.message == "Warnings: 1; the ledger can be used, see the findings."
    assert services.current_snapshot(snapshot.workspace) == snapshot
    [check] = services.findings_by_check(snapshot)
    assert (check["code"], check["severity"], check["total"], str(check["title"])) == (
        "dimension_without_master",
        "warning",
        1,
        "Auxiliary accounting codes without a master list",
    )
    assert [i.location for i in check["examples"]] == ["books.tiny:29"]


def test_reimport_supersedes_the_previous_snapshot_atomically_and_keeps_it(auditor, tmp_path):
    first = import_text(auditor, tmp_path)
    corrected = edit(BOOKS, "cash sale|1001|100.00|", "cash sale|1001|100.00|").replace(
        "cash sale", "cash sales"
    )
    second = import_text(auditor, tmp_path, corrected)
    first.refresh_from_db()
    assert second.workspace == first.workspace  # the same standalone workspace (same file name)
    assert (first.status, second.status) == (SnapshotStatus.SUPERSEDED, SnapshotStatus.ACCEPTED)
    assert second.replaces == first
    assert services.current_snapshot(first.workspace) == second
    assert first.storage_prefix != second.storage_prefix
    assert SnapshotReader(first).table("lines")["description"].to_list()[0] == "cash sale"  # still there
    assert SnapshotReader(second).table("lines")["description"].to_list()[0] == "cash sales"
    assert first.content_sm3 != second.content_sm3


def test_a_refused_or_failed_reimport_leaves_the_previous_snapshot_current(auditor, tmp_path, monkeypatch):
    first = import_text(auditor, tmp_path)
    refused = import_text(auditor, tmp_path, UNBALANCED)
    first.refresh_from_db()
    assert (first.status, refused.status) == (SnapshotStatus.ACCEPTED, SnapshotStatus.REFUSED)
    assert refused.replaces is None

    read = tinyformat.read

    def explode(path, sink, *, options=None, progress=None):
        read(path, sink, options=options, progress=progress)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tinyformat, "read", explode)
    failed = import_text(auditor, tmp_path)
    first.refresh_from_db()
    assert failed.status == SnapshotStatus.FAILED
    assert failed.message == "The import failed: RuntimeError: disk on fire"
    assert first.status == SnapshotStatus.ACCEPTED
    assert services.current_snapshot(first.workspace) == first
    assert not default_storage.exists(f"{failed.storage_prefix}/manifest.json")
    assert SnapshotAccount.objects.filter(snapshot=failed).count() == 0


def test_a_failure_while_finishing_removes_the_stored_files(auditor, tmp_path, monkeypatch):
    first = import_text(auditor, tmp_path)

    def broken_finish(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_finish", broken_finish)
    failed = import_text(auditor, tmp_path)
    assert failed.status == SnapshotStatus.FAILED
    assert not default_storage.exists(f"{failed.storage_prefix}/manifest.json")
    assert not default_storage.exists(f"{failed.storage_prefix}/lines/part-00000.parquet")
    first.refresh_from_db()
    assert first.status == SnapshotStatus.ACCEPTED


def test_an_unreadable_file_is_refused_with_its_location_and_stores_nothing(auditor, tmp_path):
    first = import_text(auditor, tmp_path)
    text = BOOKS.replace("line|2024|2|记|2|2024-02-20|1|", "line|2024|2|记|2|2024-02-30|1|")
    snapshot = import_text(auditor, tmp_path, text)
    assert snapshot.status == SnapshotStatus.REFUSED
    assert snapshot.storage_prefix == ""
    assert snapshot.message == "The file could not be read: books.tiny:28: day is out of range for month"
    [issue] = SnapshotIssue.objects.filter(snapshot=snapshot)
    assert (issue.code, issue.severity, issue.location) == ("unreadable", "error", "books.tiny:28")
    assert snapshot.check_counts == {"error:unreadable": 1}
    assert services.current_snapshot(first.workspace) == first
    assert default_storage.listdir(f"ledgers/{snapshot.workspace_id}")[0] == [
        first.storage_prefix.split("/")[-1]
    ]


def test_another_entity_or_year_in_the_same_workspace_does_not_supersede(auditor, tmp_path):
    first = import_text(auditor, tmp_path)
    other_year = import_text(auditor, tmp_path, NEXT_YEAR)
    other_entity = import_text(auditor, tmp_path, BOOKS.replace("913601000000001234", "913601000000005678"))
    first.refresh_from_db()
    assert [s.status for s in (first, other_year, other_entity)] == [SnapshotStatus.ACCEPTED] * 3
    assert other_year.fiscal_year == 2025
    assert (
        services.current_snapshot(first.workspace, fiscal_year=2024, credit_code="913601000000001234")
        == first
    )
    assert services.current_snapshot(first.workspace, fiscal_year=2025) == other_year


def test_importing_into_a_named_workspace(auditor, firm, tmp_path):
    workspace = Workspace.objects.create(
        organisation=firm.organisation, name="Audit 2024", engagement_ref="E-1"
    )
    snapshot = import_text(auditor, tmp_path, workspace=workspace)
    assert snapshot.workspace == workspace
    assert Workspace.objects.count() == 1


def test_another_firms_user_can_neither_import_into_nor_see_a_workspace(
    auditor, other_firm, make_user, tmp_path
):
    snapshot = import_text(auditor, tmp_path)
    outsider = make_user(Role.MANAGER, other_firm.organisation)
    with pytest.raises(PermissionDenied):
        import_text(outsider, tmp_path, workspace=snapshot.workspace)
    with pytest.raises(PermissionDenied):
        import_text(outsider, tmp_path, organisation=snapshot.workspace.organisation)
    assert LedgerSnapshot.objects.count() == 1
    assert not LedgerSnapshot.objects.restrict(outsider, VIEW).exists()
    assert not Workspace.objects.restrict(outsider, VIEW).exists()
    association = make_user(Role.ASSOCIATION_STAFF)
    assert not LedgerSnapshot.objects.restrict(association, VIEW).exists()  # client data: the firm's only
    assert LedgerSnapshot.objects.restrict(auditor, VIEW).get() == snapshot
    denied = SecurityEvent.objects.filter(event=SecurityEventType.PERMISSION_DENIED, user=outsider)
    assert denied.count() == 2
    # The outsider's own import goes to their own firm.
    own = import_text(outsider, tmp_path)
    assert own.workspace.organisation == other_firm.organisation
    assert own.workspace != snapshot.workspace


def test_a_user_outside_any_firm_cannot_import(make_user, tmp_path):
    regulator = make_user(Role.REGULATOR_READER)
    with pytest.raises(PermissionDenied):
        import_text(regulator, tmp_path)
    assert not LedgerSnapshot.objects.exists()


def test_a_user_in_several_firms_must_choose(auditor, other_firm, tmp_path):
    factories.member(auditor, other_firm.organisation, Role.CPA)
    with pytest.raises(services.LedgerImportError, match="several firms"):
        import_text(auditor, tmp_path)
    snapshot = import_text(auditor, tmp_path, organisation=other_firm.organisation)
    assert snapshot.workspace.organisation == other_firm.organisation


def test_the_system_imports_into_the_local_workspace_organisation(tmp_path):
    first = import_text(None, tmp_path)
    second = import_text(None, tmp_path, name="other.tiny")
    local = Organisation.objects.get(name="Local workspace")
    assert (local.kind, local.credit_code, local.parent) == (OrgKind.FIRM, None, None)
    assert first.workspace.organisation == second.workspace.organisation == local
    assert first.created_by is None
    assert Organisation.objects.filter(name="Local workspace").count() == 1


def test_limits_and_bad_requests_make_nothing(auditor, tmp_path, settings):
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    with pytest.raises(services.LedgerImportError, match="the limit is 100 bytes"):
        import_text(auditor, tmp_path)
    settings.CPAHUB_LEDGER_MAX_BYTES = 10**9
    with pytest.raises(FormatError, match="unknown format 'nope'"):
        services.import_ledger(auditor, write_books(tmp_path), format="nope")
    with pytest.raises(services.LedgerImportError, match="not a readable file"):
        services.import_ledger(auditor, tmp_path / "missing.tiny", format="tiny")
    settings.CPAHUB_LEDGER_MAX_BYTES = 100
    with pytest.raises(services.LedgerImportError, match="the limit is 100 bytes"):
        services.queue_import(auditor, ContentFile(BOOKS.encode(), name="upload.tiny"), format="tiny")
    assert not LedgerSnapshot.objects.exists()
    assert not Workspace.objects.exists()
    assert not default_storage.exists(services.UPLOAD_PREFIX)


def test_too_many_lines_is_refused(auditor, tmp_path, settings):
    settings.CPAHUB_LEDGER_MAX_LINES = 5
    snapshot = import_text(auditor, tmp_path)
    assert snapshot.status == SnapshotStatus.REFUSED
    assert snapshot.message == (
        "The file could not be read: more than 5 voucher lines: the ledger is too large to import"
    )


def test_the_format_is_detected_when_not_given(auditor, tmp_path):
    snapshot = services.import_ledger(auditor, write_books(tmp_path))
    assert (snapshot.status, snapshot.source_format) == (SnapshotStatus.ACCEPTED, "tiny")
    unknown = write_books(tmp_path, "hello\n", "hello.txt")
    other = services.import_ledger(auditor, unknown)
    assert other.status == SnapshotStatus.REFUSED
    assert SnapshotIssue.objects.get(snapshot=other).location == "hello.txt"


def test_progress_is_reported_by_stage_and_stored(auditor, tmp_path):
    calls = []
    path = write_books(tmp_path)
    snapshot = services.import_ledger(
        auditor, path, format="tiny", progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    size = path.stat().st_size
    reads = [c for c in calls if c[0] == "read"]
    assert reads[-1] == ("read", size, size)
    assert [done for _stage, done, _total in reads] == sorted(done for _stage, done, _total in reads)
    assert [c for c in calls if c[0] != "read"] == [("check", 1, 1), ("store", 1, 1)]
    assert snapshot.progress == 100


@pytest.mark.parametrize("style", ["fraction", "done_total", "bytes"])
def test_readers_may_report_progress_as_a_fraction_or_done_and_total(auditor, tmp_path, monkeypatch, style):
    path = write_books(tmp_path)
    size = path.stat().st_size
    read = tinyformat.read

    def reporting(path, sink, *, options=None, progress=None):
        read(path, sink, options=options)
        {
            "fraction": lambda: progress(0.5),
            "done_total": lambda: progress(3, 6),
            "bytes": lambda: progress(size // 2),
        }[style]()

    monkeypatch.setattr(tinyformat, "read", reporting)
    calls = []
    services.import_ledger(auditor, path, format="tiny", progress=lambda *call: calls.append(call))
    assert calls[0] == ("read", size // 2, size)


def test_rerunning_a_finished_import_changes_nothing(auditor, tmp_path):
    snapshot = import_text(auditor, tmp_path)
    again = services.run_import(snapshot, write_books(tmp_path, UNBALANCED))
    assert again.status == SnapshotStatus.ACCEPTED
    assert SnapshotIssue.objects.count() == 0


def test_web_upload_runs_in_the_background_and_the_task_is_idempotent(
    auditor, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.queue_import(
            auditor, ContentFile(BOOKS.encode(), name="upload.tiny"), format="tiny"
        )
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.ACCEPTED
    assert snapshot.created_by == auditor
    assert (snapshot.source_name, snapshot.line_count) == ("upload.tiny", 8)
    assert default_storage.listdir(services.UPLOAD_PREFIX) == ([], [])  # the upload is gone
    assert import_snapshot(snapshot.pk, "ledger-uploads/x/upload.tiny") == SnapshotStatus.ACCEPTED
    assert import_snapshot(999999, "ledger-uploads/y/upload.tiny") == "missing"


def test_the_task_marks_an_import_failed_when_its_upload_is_gone(
    auditor, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        snapshot = services.queue_import(
            auditor, ContentFile(BOOKS.encode(), name="upload.tiny"), format="tiny"
        )
    assert len(callbacks) == 1
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.progress) == (SnapshotStatus.IMPORTING, 0)
    assert services.current_snapshot(snapshot.workspace) is None  # nothing half-visible
    assert import_snapshot(snapshot.pk, "ledger-uploads/none/upload.tiny") == SnapshotStatus.FAILED
    snapshot.refresh_from_db()
    assert snapshot.message == "The import failed: the uploaded file is gone; upload it again"


@pytest.mark.usefixtures("remote_storage")
def test_uploads_and_snapshots_work_with_storage_without_local_paths(
    auditor, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.queue_import(
            auditor, ContentFile(BOOKS.encode(), name="upload.tiny"), format="tiny"
        )
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.ACCEPTED
    assert SnapshotReader(snapshot).table("lines").height == 8
    assert not (tmp_path / "data" / "tmp").exists() or list((tmp_path / "data" / "tmp").iterdir()) == []


def test_export_writes_through_the_format_and_is_logged(auditor, other_firm, make_user, tmp_path):
    snapshot = import_text(auditor, tmp_path)
    [written] = services.export_snapshot(auditor, snapshot, "tiny", tmp_path / "out.tiny")
    again = services.import_ledger(
        auditor, written, format="tiny", organisation=snapshot.workspace.organisation
    )
    assert again.line_count == 8
    assert (again.total_debit, again.total_credit) == (D("200.00"), D("200.00"))
    event = SecurityEvent.objects.get(event=SecurityEventType.EXPORT, user=auditor)
    assert event.detail["snapshot"] == snapshot.pk
    outsider = make_user(Role.PARTNER, other_firm.organisation)
    with pytest.raises(PermissionDenied):
        services.export_snapshot(outsider, snapshot, "tiny", tmp_path / "stolen.tiny")
    assert not (tmp_path / "stolen.tiny").exists()


def test_a_format_without_a_writer_says_so(auditor, tmp_path, monkeypatch):
    snapshot = import_text(auditor, tmp_path)
    monkeypatch.delattr(tinyformat, "write")
    with pytest.raises(FormatError, match="the tiny format has no writer"):
        services.export_snapshot(auditor, snapshot, "tiny", tmp_path / "out.tiny")


def test_the_stored_findings_are_capped_per_check(auditor, tmp_path, settings):
    settings.CPAHUB_LEDGER_FINDINGS_PER_CHECK = 3
    text = BOOKS + "".join(f"line|2024|2|记|{n}|2024-02-21|1|x|1001|1.00|\n" for n in range(10, 18))
    snapshot = import_text(auditor, tmp_path, text)
    assert snapshot.check_counts["error:voucher_unbalanced"] == 8
    stored = SnapshotIssue.objects.filter(snapshot=snapshot, code="voucher_unbalanced")
    assert [i.location for i in stored] == ["books.tiny:30", "books.tiny:31", "books.tiny:32"]
    [check] = [c for c in services.findings_by_check(snapshot, limit=2) if c["code"] == "voucher_unbalanced"]
    assert (check["total"], len(check["examples"])) == (8, 2)


def test_a_stored_snapshot_that_was_changed_cannot_be_read(auditor, tmp_path):
    snapshot = import_text(auditor, tmp_path)
    path = Path(default_storage.path(f"{snapshot.storage_prefix}/accounts/part-00000.parquet"))
    path.write_bytes(path.read_bytes() + b"x")
    from cpahub.ledgers.store import SnapshotIntegrityError

    with pytest.raises(SnapshotIntegrityError):
        SnapshotReader(snapshot).lazy("accounts")


def test_the_admin_shows_snapshots_read_only_without_the_clients_data(auditor, tmp_path, client, make_user):
    snapshot = import_text(auditor, tmp_path)
    sysadmin = make_user(Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    factories.login_verified(client, sysadmin)
    assert client.get("/admin/ledgers/ledgersnapshot/").status_code == 200
    detail = client.get(f"/admin/ledgers/ledgersnapshot/{snapshot.pk}/change/")
    assert detail.status_code == 200
    assert snapshot.content_sm3 in detail.content.decode()
    assert "200.00" not in detail.content.decode()  # no amounts
    assert client.post(f"/admin/ledgers/ledgersnapshot/{snapshot.pk}/delete/").status_code == 403
    assert client.get("/admin/ledgers/workspace/").status_code == 200
    assert client.get("/admin/ledgers/mappingprofile/").status_code == 200
    assert LedgerSnapshot.objects.filter(pk=snapshot.pk).exists()


@pytest.mark.parametrize(
    ("name", "lines", "vouchers", "total", "roll_forward"),
    [
        ("example-888888888-2018.xml", 170, 53, D("9487049.35"), ["1920", "2711", "2740"]),
        ("example-999999999-2016.xml", 5, 2, D("25000.00"), None),
    ],
)
def test_the_real_saft_examples_import_and_their_balance_differences_are_found(
    auditor, settings, name, lines, vouchers, total, roll_forward
):
    """The published SAF-T examples import with their control totals matching; their balances do not
    roll forward from their own entries, which the checks report as warnings, saying where."""
    path = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / name
    assert path.is_file(), f"{path} is missing: the shared data folder must sit beside the clone"
    snapshot = services.import_ledger(auditor, path)
    assert snapshot.source_format == "saft"
    assert (snapshot.line_count, snapshot.voucher_count) == (lines, vouchers)
    assert (snapshot.total_debit, snapshot.total_credit) == (total, total)
    assert snapshot.status == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    assert snapshot.error_count == 0
    found = SnapshotIssue.objects.filter(snapshot=snapshot, code="balance_roll_forward", severity="warning")
    assert found.exists()
    if roll_forward:
        assert [i.data["account_code"] for i in found.order_by("pk")] == roll_forward
