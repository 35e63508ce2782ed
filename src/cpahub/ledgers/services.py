"""Write operations of the ledgers app: importing a ledger into a snapshot, exporting it.

`import_ledger()` is the one way a ledger gets in (the command, the background task of a web upload
and the API all end here):

1. permission: the actor may change the workspace (or add one to the organisation);
2. limits: the file's size (`CPAHUB_LEDGER_MAX_BYTES`) and the number of voucher lines
   (`CPAHUB_LEDGER_MAX_LINES`);
3. a `LedgerSnapshot` row in status *importing* (committed, so that progress can be shown);
4. the format (given, or detected from the first bytes), the SM3 digest of the source, the format
   module reading into a `SnapshotWriter`, validation (`validation.validate`), the Parquet parts
   committed to storage under `ledgers/<workspace>/<uuid>/`;
5. one transaction: the account summary and the findings, the counts and totals, and the status —
   accepted or accepted with warnings (the previous usable snapshot of the same workspace, entity
   and fiscal year becomes *superseded*, its files kept), or refused (the files are kept for
   inspection; the snapshot never becomes current). A file that cannot be read is refused with the
   reader's message and stores nothing; an unexpected exception marks the snapshot *failed*.

Only accepted snapshots (with or without warnings) are ever what `current_snapshot()` returns.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cpahub.accounts.choices import FIRM_ROLES, OrgKind, OrgStatus, Outcome, SecurityEventType
from cpahub.accounts.models import Organisation
from cpahub.core.context import acting_as
from cpahub.core.crypto import sm3_file_hex
from cpahub.core.permissions import CHANGE, EXPORT, can_add, scope_for
from cpahub.ledgers import canonical, formats
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import refusal_data
from cpahub.ledgers.models import LedgerSnapshot, SnapshotAccount, SnapshotIssue, Workspace
from cpahub.ledgers.store import SnapshotReader, SnapshotWriter, TooManyLines
from cpahub.ledgers.validation import CHECKS_BY_CODE, ERROR, Findings, ValidationReport, validate

logger = logging.getLogger(__name__)

USABLE = (SnapshotStatus.ACCEPTED, SnapshotStatus.ACCEPTED_WITH_WARNINGS)
LOCAL_ORGANISATION_NAME = "Local workspace"
UPLOAD_PREFIX = "ledger-uploads"

# Progress of an import in percent: reading takes most of the time.
READ_SHARE, CHECK_DONE = 80, 90

OUTCOME_MESSAGES = {
    SnapshotStatus.ACCEPTED: gettext_noop("Every check passed."),
    SnapshotStatus.ACCEPTED_WITH_WARNINGS: gettext_noop(
        "Warnings: {warnings}; the ledger can be used, see the findings."
    ),
    SnapshotStatus.REFUSED: gettext_noop(
        "Errors: {errors} ({checks}). The snapshot's files are kept for inspection; it never becomes the "
        "current ledger."
    ),
}


class LedgerImportError(Exception):
    """The import cannot start: no such file, too large, no firm to put it in."""


def max_bytes() -> int:
    return settings.CPAHUB_LEDGER_MAX_BYTES


def max_lines() -> int:
    return settings.CPAHUB_LEDGER_MAX_LINES


def findings_cap() -> int:
    """Findings stored per check (all are counted in `check_counts`)."""
    return settings.CPAHUB_LEDGER_FINDINGS_PER_CHECK


# --------------------------------------------------------------------------------------------------
# where a ledger goes


def local_organisation() -> Organisation:
    """The installation's own "Local workspace" organisation (kind firm, no registry record).

    Console imports made without a user, a firm or a workspace land in a standalone workspace of it.
    No web user sees those ledgers until an administrator gives them a role in this organisation.
    """
    found = (
        Organisation.objects.filter(
            kind=OrgKind.FIRM, name=LOCAL_ORGANISATION_NAME, credit_code__isnull=True, parent__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    return Organisation.objects.create(
        kind=OrgKind.FIRM, name=LOCAL_ORGANISATION_NAME, short_name="local", status=OrgStatus.ACTIVE
    )


def actor_firm(actor) -> Organisation:
    """The one firm (head office or branch) where `actor` holds a firm role."""
    scope = scope_for(actor)
    own = scope.orgs_with(*FIRM_ROLES) & scope.firm_ids
    if not own:
        raise PermissionDenied(_("You do not work in a firm: ledgers belong to a firm."))
    if len(own) > 1:
        raise LedgerImportError(_("You work in several firms: choose the firm or the workspace."))
    return Organisation.objects.get(pk=next(iter(own)))


def _denied(actor, what: str, obj=None):
    from cpahub.accounts.security import log_event

    log_event(
        SecurityEventType.PERMISSION_DENIED,
        user=actor,
        outcome=Outcome.FAILURE,
        action=what,
        object=f"{obj._meta.label}:{obj.pk}" if obj is not None else "",
    )
    return PermissionDenied(_("You may not do this."))


def resolve_workspace(
    actor, name: str, *, workspace: Workspace | None = None, organisation: Organisation | None = None
) -> Workspace:
    """The workspace to import into: the given one, or the standalone workspace `name` of the firm.

    `actor` None is the system (console without --user): no permission checks.
    """
    if workspace is not None:
        if (
            actor is not None
            and not Workspace.objects.restrict(actor, CHANGE).filter(pk=workspace.pk).exists()
        ):
            raise _denied(actor, "ledger import", workspace)
        return workspace
    if organisation is None:
        organisation = local_organisation() if actor is None else actor_firm(actor)
    name = (name or "ledger").strip()[:200]
    existing = Workspace.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return resolve_workspace(actor, name, workspace=existing)
    if actor is not None and not can_add(actor, Workspace, organisation=organisation):
        raise _denied(actor, "ledger workspace", organisation)
    try:
        with transaction.atomic():
            return Workspace.objects.create(organisation=organisation, name=name, created_by=actor)
    except IntegrityError:  # made at the same moment by another import
        return Workspace.objects.get(organisation=organisation, name=name)


# --------------------------------------------------------------------------------------------------
# importing


class _Progress:
    """Turns the reader's progress calls and the stages into one percentage and a callback.

    Readers call `progress(done, total)` or `progress(fraction)` (a lone integer is taken as bytes).
    `callback(stage, done, total)` gets "read" in bytes of the file, then "check" and "store".
    """

    def __init__(self, snapshot: LedgerSnapshot, size: int, callback=None):
        self.snapshot_id = snapshot.pk
        self.size = max(size, 1)
        self.callback = callback
        self.percent = -1
        self.done = 0

    def reader(self, *args, **kwargs) -> None:
        """Accepts `(done, total)` (any unit), a fraction 0..1, or a byte count."""
        done = args[0] if args else kwargs.get("done", 0)
        total = args[1] if len(args) > 1 else kwargs.get("total")
        try:
            if total:
                fraction = float(done) / float(total)
            elif isinstance(done, float):
                fraction = done
            else:
                fraction = int(done) / self.size
        except (TypeError, ValueError, ZeroDivisionError):
            return
        self.done = max(int(min(max(fraction, 0.0), 1.0) * self.size), self.done)
        if self.callback is not None:
            self.callback("read", self.done, self.size)
        self.set(READ_SHARE * self.done // self.size)

    def stage(self, name: str, percent: int) -> None:
        if self.callback is not None:
            if name == "check":
                self.callback("read", self.size, self.size)
            self.callback(name, 1, 1)
        self.set(percent)

    def set(self, percent: int) -> None:
        percent = min(max(int(percent), 0), 100)
        if percent != self.percent:
            self.percent = percent
            LedgerSnapshot.objects.filter(pk=self.snapshot_id).update(progress=percent)


def check_request(source_name: str, source_size: int, format: str | None) -> None:
    """Refuse a file that is too large or an unknown format name, before anything is made."""
    if source_size > max_bytes():
        raise LedgerImportError(
            f"{source_name} has {source_size:,} bytes; the limit is {max_bytes():,} bytes"
        )
    if format:
        formats.get(format)  # FormatError for an unknown name


def begin_import(
    actor,
    workspace: Workspace,
    source_name: str,
    source_size: int,
    *,
    format: str | None = None,
    options: dict | None = None,
) -> LedgerSnapshot:
    """The snapshot row, in status importing, committed so that progress can be shown."""
    check_request(source_name, source_size, format)
    return LedgerSnapshot.objects.create(
        workspace=workspace,
        status=SnapshotStatus.IMPORTING,
        canonical_version=canonical.VERSION,
        source_format=format or "",
        source_name=Path(source_name).name[:255],
        source_size=source_size,
        source_sm3="",
        storage_prefix=f"ledgers/{workspace.pk}/{uuid.uuid4().hex}",
        options=options or {},
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def import_ledger(
    actor,
    path,
    *,
    format: str | None = None,
    workspace: Workspace | None = None,
    organisation: Organisation | None = None,
    options: dict | None = None,
    progress=None,
) -> LedgerSnapshot:
    """Import the ledger file at `path`; returns its snapshot in its final status.

    Raises `PermissionDenied`, `LedgerImportError` (missing file, too large) or `FormatError` (unknown
    format name) before anything is made; after that, every outcome is the snapshot's status.
    `progress(stage, done, total)` is called as the import goes ("read" in bytes, "check", "store").
    """
    path = Path(path)
    if not path.is_file():
        raise LedgerImportError(f"{path} is not a readable file")
    size = path.stat().st_size
    check_request(path.name, size, format)
    context = acting_as(actor) if actor is not None else contextlib.nullcontext()
    with context:
        target = resolve_workspace(actor, path.name, workspace=workspace, organisation=organisation)
        snapshot = begin_import(actor, target, path.name, size, format=format, options=options)
        return run_import(snapshot, path, progress=progress)


def run_import(snapshot: LedgerSnapshot, path: Path, *, progress=None) -> LedgerSnapshot:
    """Read, check and store `path` into the importing `snapshot`; finish it (see the module doc)."""
    path = Path(path)
    if snapshot.status != SnapshotStatus.IMPORTING:
        return snapshot  # finished already (a repeated task): nothing to do
    tracker = _Progress(snapshot, snapshot.source_size or path.stat().st_size, progress)
    writer = None
    try:
        name = snapshot.source_format or formats.detect(path)
        module = formats.get(name)
        with path.open("rb") as handle:
            source_sm3 = sm3_file_hex(handle)
        LedgerSnapshot.objects.filter(pk=snapshot.pk).update(source_format=name, source_sm3=source_sm3)
        snapshot.source_format, snapshot.source_sm3 = name, source_sm3
        cap = findings_cap()
        with SnapshotWriter(max_lines=max_lines(), issue_cap=cap) as writer:
            module.read(path, writer, options=dict(snapshot.options or {}), progress=tracker.reader)
            writer.finish()
            tracker.stage("check", READ_SHARE)
            report = validate(writer, reported=writer.reported, cap=cap)
            tracker.stage("store", CHECK_DONE)
            digest = writer.commit(snapshot.storage_prefix)
        _finish(snapshot, report, digest)
    except (FormatError, TooManyLines) as error:
        _refuse_unreadable(snapshot, error)
    except Exception as error:
        logger.exception("ledger import %s failed", snapshot.pk)
        if writer is not None:
            writer.delete_saved()
        _fail(snapshot, error)
    tracker.set(100)
    snapshot.refresh_from_db()
    return snapshot


def _summary_message(report: ValidationReport) -> str:
    outcome = report.outcome
    checks = ", ".join(f"{code} {n}" for code, n in report.codes(ERROR).items())
    return OUTCOME_MESSAGES[outcome].format(
        errors=report.error_count, warnings=report.warning_count, checks=checks
    )[:500]


def _issue_rows(snapshot: LedgerSnapshot, findings: Findings) -> list[SnapshotIssue]:
    return [
        SnapshotIssue(
            snapshot=snapshot,
            severity=issue.severity if issue.severity in ("error", "warning", "info") else "error",
            code=issue.code[:60],
            message=issue.message[:500],
            location=(issue.location or "")[:300],
            data=issue.data or {},
        )
        for issue in findings.issues
    ]


def _check_counts(findings: Findings) -> dict:
    return {f"{severity}:{code}": total for (severity, code), total in sorted(findings.totals.items())}


def _account_rows(snapshot: LedgerSnapshot, report: ValidationReport) -> list[SnapshotAccount]:
    if report.accounts is None:
        return []
    return [
        SnapshotAccount(
            snapshot=snapshot,
            code=row["code"][:60],
            name=(row["name"] or "")[:200],
            level=row["level"] or 1,
            type=(row["type"] or "")[:20],
            normal_balance=(row["normal_balance"] or "")[:1],
            opening=row["opening"],
            debit=row["debit"],
            credit=row["credit"],
            closing=row["closing"],
        )
        for row in report.accounts.iter_rows(named=True)
    ]


def _same_ledger(snapshot: LedgerSnapshot) -> Q:
    """Snapshots of the same entity and fiscal year as `snapshot` (credit code, else entity name)."""
    q = (
        Q(fiscal_year=snapshot.fiscal_year)
        if snapshot.fiscal_year is not None
        else Q(fiscal_year__isnull=True)
    )
    if snapshot.credit_code:
        return q & Q(credit_code=snapshot.credit_code)
    return q & Q(credit_code="", entity_name=snapshot.entity_name)


def _finish(snapshot: LedgerSnapshot, report: ValidationReport, digest: str) -> None:
    entity = report.entity
    with transaction.atomic():
        Workspace.objects.select_for_update().get(pk=snapshot.workspace_id)  # one finisher per workspace
        locked = LedgerSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status != SnapshotStatus.IMPORTING:
            raise RuntimeError(f"snapshot {snapshot.pk} was finished by another run ({locked.status})")
        SnapshotAccount.objects.bulk_create(_account_rows(locked, report), batch_size=2000)
        SnapshotIssue.objects.bulk_create(_issue_rows(locked, report.findings), batch_size=2000)
        locked.content_sm3 = digest
        locked.entity_name = (entity.get("name") or "")[:200]
        locked.credit_code = (entity.get("credit_code") or "")[:30]
        locked.currency = (entity.get("currency") or "")[:3]
        locked.fiscal_year = entity.get("fiscal_year")
        locked.period_start = entity.get("period_start")
        locked.period_end = entity.get("period_end")
        locked.account_count = report.account_count
        locked.voucher_count = report.voucher_count
        locked.line_count = report.line_count
        locked.total_debit = report.total_debit
        locked.total_credit = report.total_credit
        locked.error_count = report.error_count
        locked.warning_count = report.warning_count
        locked.check_counts = _check_counts(report.findings)
        locked.status = report.outcome
        locked.message = _summary_message(report)
        locked.finished_at = timezone.now()
        locked.progress = 100
        if locked.usable:
            previous = list(
                LedgerSnapshot.objects.select_for_update()
                .filter(_same_ledger(locked), workspace_id=locked.workspace_id, status__in=USABLE)
                .exclude(pk=locked.pk)
                .order_by("-finished_at", "-pk")
            )
            for old in previous:
                old.status = SnapshotStatus.SUPERSEDED
                old.save(update_fields=["status", "updated"])
            if previous:
                locked.replaces = previous[0]
        locked.save()


def _refuse_unreadable(snapshot: LedgerSnapshot, error: Exception) -> None:
    location = getattr(error, "location", "")
    with transaction.atomic():
        locked = LedgerSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status != SnapshotStatus.IMPORTING:
            return
        SnapshotIssue.objects.create(
            snapshot=locked,
            severity=ERROR,
            code="unreadable",
            message=f"The file could not be read: {error}"[:500],
            location=(location or "")[:300],
            data={**refusal_data(error), "error": str(error)[:400]},  # "cause": shown translated
        )
        locked.status = SnapshotStatus.REFUSED
        locked.error_count = 1
        locked.check_counts = {"error:unreadable": 1}
        locked.storage_prefix = ""  # nothing was stored
        locked.message = f"The file could not be read: {error}"[:500]
        locked.finished_at = timezone.now()
        locked.progress = 100
        locked.save()


def _fail(snapshot: LedgerSnapshot, error: Exception) -> None:
    fail_import(snapshot, f"{type(error).__name__}: {error}")


def fail_import(snapshot: LedgerSnapshot, reason: str) -> None:
    """Mark an importing snapshot failed (it never becomes current)."""
    with transaction.atomic():
        locked = LedgerSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status != SnapshotStatus.IMPORTING:
            return
        locked.status = SnapshotStatus.FAILED
        locked.message = f"The import failed: {reason}"[:500]
        locked.finished_at = timezone.now()
        locked.progress = 100
        locked.save()


# --------------------------------------------------------------------------------------------------
# web uploads: the file is stored first, the import runs in the background


def queue_import(
    actor,
    uploaded,
    *,
    format: str | None = None,
    workspace: Workspace | None = None,
    organisation: Organisation | None = None,
    options: dict | None = None,
) -> LedgerSnapshot:
    """Store an uploaded file and start its import in the background; returns the importing snapshot.

    `uploaded` is a Django `File` (e.g. an `UploadedFile`). The task (`tasks.import_snapshot`) runs
    after this transaction commits; the page follows `snapshot.progress`.
    """
    from cpahub.ledgers.tasks import import_snapshot

    name = Path(getattr(uploaded, "name", "") or "ledger").name
    size = uploaded.size
    check_request(name, size, format)
    with transaction.atomic():
        target = resolve_workspace(actor, name, workspace=workspace, organisation=organisation)
        snapshot = begin_import(actor, target, name, size, format=format, options=options)
        upload_name = default_storage.save(f"{UPLOAD_PREFIX}/{uuid.uuid4().hex}/{name}", uploaded)
        transaction.on_commit(lambda: import_snapshot.delay(snapshot.pk, upload_name))
    return snapshot


@contextlib.contextmanager
def local_copy(storage_name: str):
    """A local path for a file in default storage (in place on the filesystem, else a temp copy)."""
    try:
        in_place = Path(default_storage.path(storage_name))
    except NotImplementedError:
        in_place = None
    if in_place is not None:
        yield in_place
        return
    root = Path(settings.DATA_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="ledger-upload-", dir=root)
    try:
        target = Path(directory) / Path(storage_name).name
        with default_storage.open(storage_name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        yield target
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def delete_upload(storage_name: str) -> None:
    with contextlib.suppress(FileNotFoundError, OSError):
        default_storage.delete(storage_name)
    directory = os.path.dirname(storage_name)
    with contextlib.suppress(Exception):
        if directory and not any(default_storage.listdir(directory)):
            default_storage.delete(directory)


# --------------------------------------------------------------------------------------------------
# reading and exporting


def current_snapshot(
    workspace: Workspace, *, fiscal_year: int | None = None, credit_code: str | None = None
) -> LedgerSnapshot | None:
    """The workspace's current ledger: its newest accepted snapshot (of that year / entity if given)."""
    found = LedgerSnapshot.objects.filter(workspace=workspace, status__in=USABLE)
    if fiscal_year is not None:
        found = found.filter(fiscal_year=fiscal_year)
    if credit_code is not None:
        found = found.filter(credit_code=credit_code)
    return found.order_by("-finished_at", "-pk").first()


def export_snapshot(actor, snapshot: LedgerSnapshot, format: str, target, *, options=None) -> list[Path]:
    """Write `snapshot` in `format` (the format module's `write`) to `target`; returns the files."""
    if (
        actor is not None
        and not LedgerSnapshot.objects.restrict(actor, EXPORT).filter(pk=snapshot.pk).exists()
    ):
        raise _denied(actor, "ledger export", snapshot)
    module = formats.get(format)
    writer = getattr(module, "write", None)
    if writer is None:
        raise FormatError(f"the {format} format has no writer: it can be imported, not exported")
    if not snapshot.storage_prefix or not snapshot.content_sm3:
        raise LedgerImportError(
            f"snapshot {snapshot.pk} has no stored ledger ({snapshot.get_status_display()})"
        )
    written = writer(SnapshotReader(snapshot), Path(target), options=options or {})
    from cpahub.accounts.security import log_event

    log_event(
        SecurityEventType.EXPORT,
        user=actor,
        what="ledger snapshot",
        snapshot=snapshot.pk,
        format=format,
        lines=snapshot.line_count,
    )
    return [Path(p) for p in written or []]


def check_title(code: str) -> str:
    check = CHECKS_BY_CODE.get(code)
    return str(check.title) if check else code


def findings_by_check(
    snapshot: LedgerSnapshot, *, severity: str | None = None, limit: int = 20
) -> list[dict]:
    """The snapshot's findings per check, in check order: code, severity, title, total, examples."""
    order = {code: i for i, code in enumerate(CHECKS_BY_CODE)}
    counts = []
    for key, total in (snapshot.check_counts or {}).items():
        sev, _sep, code = key.partition(":")
        if severity in (None, sev):
            counts.append((sev, code, int(total)))
    severities = {"error": 0, "warning": 1, "info": 2}
    counts.sort(key=lambda item: (severities.get(item[0], 3), order.get(item[1], len(order)), item[1]))
    checks = []
    for sev, code, total in counts:
        examples = list(snapshot.issues.filter(severity=sev, code=code).order_by("pk")[: max(limit, 0)])
        checks.append(
            {"severity": sev, "code": code, "title": check_title(code), "total": total, "examples": examples}
        )
    return checks
