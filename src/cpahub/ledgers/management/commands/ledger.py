"""`cpahub ledger import|list|show|export`: imported ledgers from the console.

    cpahub ledger import FILE [--format F] [--workspace ID | --firm CREDIT_CODE] [--user USERNAME]
                              [--option key=value ...] [--no-progress]
    cpahub ledger list [--workspace ID] [--user USERNAME]
    cpahub ledger show SNAPSHOT_ID [--limit N] [--user USERNAME]
    cpahub ledger export SNAPSHOT_ID --format F OUT [--option key=value ...] [--user USERNAME]

Where an import goes: `--workspace` names an existing workspace; otherwise a standalone workspace
named after the file is used (made when missing) in the firm given by `--firm`, else in the firm of
`--user`, else — a console import with no user — in the installation's "Local workspace"
organisation (see docs/user-guide/ledgers.md). Without `--user` the command acts as the system and
checks no permissions, like every management command.

Exit status of `import`: 0 accepted (with or without warnings), 1 refused by the checks, 2 the file
could not be read, the import failed, or the command was used wrongly.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cpahub.accounts.choices import OrgKind
from cpahub.accounts.models import Organisation
from cpahub.core.permissions import VIEW
from cpahub.ledgers import formats, services
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.models import LedgerSnapshot, Workspace
from cpahub.ledgers.validation import render_message

EXIT_ACCEPTED, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2
SEVERITY_HEADINGS = (("error", "errors"), ("warning", "warnings"), ("info", "information"))


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_UNUSABLE)


def money(value) -> str:
    return f"{value:,.2f}"


class ReadProgress:
    """A tqdm bar of the bytes read, then one line per later stage; on stderr."""

    def __init__(self, name: str, disable: bool | None):
        self.name = name
        self.disable = disable
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage == "read":
            if self.bar is None:
                self.bar = tqdm(
                    total=total,
                    desc=f"reading {self.name}",
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    file=sys.stderr,
                    disable=self.disable,
                )
            self.bar.update(done - self.bar.n)
        else:
            self.close()
            if not self.disable and sys.stderr.isatty():
                sys.stderr.write({"check": "checking…\n", "store": "storing…\n"}.get(stage, f"{stage}…\n"))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Import, list, show and export ledgers (STD). `import` exits 0 when the ledger is accepted "
        "(with or without warnings), 1 when the checks refuse it, 2 when it cannot be read."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,list,show,export}")

        imp = sub.add_parser("import", help="import a ledger file into a snapshot and check it")
        imp.add_argument("file", help="the ledger file")
        imp.add_argument(
            "--format", help=f"the file's format (default: detected): {', '.join(formats.MODULES)}"
        )
        place = imp.add_mutually_exclusive_group()
        place.add_argument("--workspace", type=int, metavar="ID", help="import into this workspace")
        place.add_argument(
            "--firm", metavar="CREDIT_CODE", help="a standalone workspace of this firm (named after the file)"
        )
        imp.add_argument("--user", metavar="USERNAME", help="act as this user (default: the system)")
        imp.add_argument(
            "--option", action="append", default=[], metavar="KEY=VALUE", help="an option for the reader"
        )
        imp.add_argument("--limit", type=int, default=3, help="locations shown per check (default 3)")
        imp.add_argument("--no-progress", action="store_true", help="no progress bar")

        lst = sub.add_parser("list", help="list snapshots, newest first")
        lst.add_argument("--workspace", type=int, metavar="ID")
        lst.add_argument("--user", metavar="USERNAME", help="only what this user may see")

        show = sub.add_parser("show", help="a snapshot's summary and findings")
        show.add_argument("snapshot", type=int, metavar="SNAPSHOT_ID")
        show.add_argument("--limit", type=int, default=20, help="findings shown per check (default 20)")
        show.add_argument("--user", metavar="USERNAME", help="act as this user")

        exp = sub.add_parser("export", help="write a snapshot in a format")
        exp.add_argument("snapshot", type=int, metavar="SNAPSHOT_ID")
        exp.add_argument("--format", required=True, help=f"one of {', '.join(formats.MODULES)}")
        exp.add_argument("out", help="the file or directory to write")
        exp.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
        exp.add_argument("--user", metavar="USERNAME", help="act as this user")

    def handle(self, *args, **options):
        action = options["action"]
        actor = self.get_actor(options.get("user"))
        return getattr(self, f"do_{action}")(actor, options)

    # -- helpers ----------------------------------------------------------------------------------
    def get_actor(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise usage_error(f"no active user {username!r}")
        return user

    @staticmethod
    def parse_options(pairs: list[str]) -> dict:
        parsed = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise usage_error(f"--option {pair!r}: write key=value")
            parsed[key.strip()] = value
        return parsed

    def get_snapshot(self, actor, pk: int, action: str = VIEW) -> LedgerSnapshot:
        found = LedgerSnapshot.objects.select_related("workspace__organisation")
        if actor is not None:
            found = found.restrict(actor, action)
        snapshot = found.filter(pk=pk).first()
        if snapshot is None:
            raise usage_error(f"no snapshot {pk}")
        return snapshot

    # -- import -----------------------------------------------------------------------------------
    def do_import(self, actor, options):
        path = Path(options["file"])
        if not path.is_file():
            raise usage_error(f"cannot read {path}: no such file")
        reader_options = self.parse_options(options["option"])
        workspace = organisation = None
        if options["workspace"] is not None:
            found = Workspace.objects.all() if actor is None else Workspace.objects.restrict(actor, VIEW)
            workspace = found.filter(pk=options["workspace"]).first()
            if workspace is None:
                raise usage_error(f"no workspace {options['workspace']}")
        elif options["firm"]:
            organisation = Organisation.objects.filter(kind=OrgKind.FIRM, credit_code=options["firm"]).first()
            if organisation is None:
                raise usage_error(f"no firm with the credit code {options['firm']}")
        elif actor is None:
            self.stdout.write(
                f'no --user, --firm or --workspace: importing into the "{services.LOCAL_ORGANISATION_NAME}" '
                "organisation of this installation"
            )

        bar = ReadProgress(path.name, True if options["no_progress"] else None)
        try:
            snapshot = services.import_ledger(
                actor,
                path,
                format=options["format"],
                workspace=workspace,
                organisation=organisation,
                options=reader_options,
                progress=bar,
            )
        except (PermissionDenied, services.LedgerImportError, FormatError) as error:
            raise usage_error(str(error) or "permission denied") from None
        finally:
            bar.close()

        self.write_summary(snapshot, limit=options["limit"])
        if snapshot.usable:
            return None
        unreadable = snapshot.issues.filter(code="unreadable").exists()
        sys.exit(EXIT_UNUSABLE if snapshot.status == SnapshotStatus.FAILED or unreadable else EXIT_REFUSED)

    # -- list, show, export -----------------------------------------------------------------------
    def do_list(self, actor, options):
        found = LedgerSnapshot.objects.select_related("workspace__organisation")
        if actor is not None:
            found = found.restrict(actor, VIEW)
        if options["workspace"] is not None:
            found = found.filter(workspace_id=options["workspace"])
        rows = list(found.order_by("-started_at", "-pk"))
        if not rows:
            self.stdout.write("no snapshots")
            return
        self.stdout.write(
            f"{'id':>5}  {'status':<22} {'workspace':<24} {'entity':<24} {'year':>4} "
            f"{'lines':>10} {'total debit':>18} {'errors':>6} {'warnings':>8}"
        )
        for s in rows:
            self.stdout.write(
                f"{s.pk:>5}  {s.get_status_display():<22.22} {s.workspace.name:<24.24} "
                f"{(s.entity_name or s.source_name):<24.24} {s.fiscal_year or '':>4} {s.line_count:>10,} "
                f"{money(s.total_debit):>18} {s.error_count:>6} {s.warning_count:>8}"
            )

    def do_show(self, actor, options):
        snapshot = self.get_snapshot(actor, options["snapshot"])
        self.write_summary(snapshot, limit=options["limit"])

    def do_export(self, actor, options):
        snapshot = self.get_snapshot(actor, options["snapshot"])
        name = options["format"]
        try:
            module = formats.get(name)
        except FormatError as error:
            raise usage_error(str(error)) from None
        if getattr(module, "write", None) is None:
            writers = [n for n, m in formats.available().items() if getattr(m, "write", None)]
            raise usage_error(
                f"the {name} format has no writer: it can be imported but not exported. "
                f"Formats that can be written: {', '.join(writers) or 'none yet'}"
            )
        if not snapshot.usable:
            self.stderr.write(f"note: snapshot {snapshot.pk} is {snapshot.get_status_display().lower()}")
        try:
            written = services.export_snapshot(
                actor, snapshot, name, Path(options["out"]), options=self.parse_options(options["option"])
            )
        except (PermissionDenied, services.LedgerImportError, FormatError) as error:
            raise usage_error(str(error) or "permission denied") from None
        for path in written:
            self.stdout.write(f"wrote {path}")

    # -- the summary ------------------------------------------------------------------------------
    def write_summary(self, snapshot: LedgerSnapshot, *, limit: int) -> None:
        out = self.stdout.write
        label = ""
        if snapshot.source_format:
            try:
                label = f" ({formats.get(snapshot.source_format).LABEL})"
            except (FormatError, ImportError, AttributeError):
                label = ""
        out(
            f"{snapshot.source_name}: format {snapshot.source_format or '?'}{label}, "
            f"{snapshot.source_size:,} bytes"
            + (f", SM3 {snapshot.source_sm3}" if snapshot.source_sm3 else "")
        )
        workspace = snapshot.workspace
        out(
            f'snapshot {snapshot.pk} in workspace {workspace.pk} "{workspace.name}" of {workspace.organisation}'
        )
        status = snapshot.get_status_display()
        style = {
            SnapshotStatus.ACCEPTED: self.style.SUCCESS,
            SnapshotStatus.ACCEPTED_WITH_WARNINGS: self.style.WARNING,
        }.get(snapshot.status, self.style.ERROR)
        out(style(f"status: {status}") + (f" — {snapshot.message}" if snapshot.message else ""))
        if snapshot.entity_name or snapshot.credit_code:
            period = (
                f", {snapshot.period_start} to {snapshot.period_end}"
                if snapshot.period_start and snapshot.period_end
                else ""
            )
            code = f" ({snapshot.credit_code})" if snapshot.credit_code else ""
            year = f", fiscal year {snapshot.fiscal_year}" if snapshot.fiscal_year else ""
            currency = f", {snapshot.currency}" if snapshot.currency else ""
            out(f"entity: {snapshot.entity_name or '?'}{code}{currency}{year}{period}")
        out(
            f"vouchers: {snapshot.voucher_count:,}   voucher lines: {snapshot.line_count:,}   "
            f"accounts: {snapshot.account_count:,}"
        )
        out(f"total debit: {money(snapshot.total_debit)}   total credit: {money(snapshot.total_credit)}")
        for severity, heading in SEVERITY_HEADINGS:
            checks = services.findings_by_check(snapshot, severity=severity, limit=limit)
            if not checks:
                continue
            out(f"{heading}: {sum(c['total'] for c in checks):,}")
            for check in checks:
                out(f"  {check['code']} ({check['total']:,}): {check['title']}")
                for issue in check["examples"]:
                    where = f"{issue.location}: " if issue.location else ""
                    out(f"    {where}{render_message(issue, translate=False)}")
                if check["total"] > len(check["examples"]):
                    out(f"    … and {check['total'] - len(check['examples']):,} more")
        if snapshot.replaces_id:
            out(f"supersedes snapshot {snapshot.replaces_id} (kept, status superseded)")
        if snapshot.status == SnapshotStatus.SUPERSEDED:
            newer = snapshot.replaced_by.order_by("-pk").first()
            if newer is not None:
                out(f"superseded by snapshot {newer.pk}")
