"""`cpahub registry_import KIND FILE`: import firms, CPAs or penalties from CSV or .xlsx, all rows or none.

Exit status: 0 imported (or dry run passed), 1 validation errors (nothing imported), 2 unreadable file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cpahub.registry.importing import engine, reports
from cpahub.registry.importing.layouts import IGNORE, KINDS, layout_for
from cpahub.registry.importing.readers import ReadError

STAGES = {"parse": "read", "check": "check", "apply": "import"}
SHOWN_ERRORS = 50


class ProgressBars:
    """One tqdm bar per stage, on stderr (hidden when stderr is not a terminal)."""

    def __init__(self, disable: bool | None = None):
        self.disable = disable
        self.bars = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(
                total=total, desc=STAGES.get(stage, stage), unit="row", file=sys.stderr, disable=self.disable
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


class Command(BaseCommand):
    help = (
        "Import firms, CPAs or penalties from a CSV or .xlsx file in the default layout (or mapped with "
        "--map). Every row is checked first; any error imports nothing. Exit status 0 imported, "
        "1 validation errors, 2 unreadable file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="what the file holds")
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument(
            "--map",
            default="",
            metavar='"列名=field,..."',
            help='map the file\'s columns to fields, e.g. "编号=certificate_no,单位=firm,备注=ignore"',
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
        parser.add_argument("--user", metavar="USERNAME", help="act as this user (default: the system)")
        parser.add_argument("--errors", metavar="OUT.csv", help="write the error report here (.csv or .xlsx)")
        parser.add_argument("--sheet", help="the workbook sheet to read (default: the first)")
        parser.add_argument("--header-row", type=int, help="the row holding the headers (default: detected)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        kind = options["kind"]
        actor = self.get_actor(options["user"])
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            self.stderr.write(f"cannot read {path}: {error.strerror or error}")
            sys.exit(2)
        try:
            table = engine.load_table(data, kind, sheet=options["sheet"], header_row=options["header_row"])
        except ReadError as error:
            self.stderr.write(f"{path}: {error.message}")
            sys.exit(2)

        layout = layout_for(kind)
        try:
            mapping = layout.parse_map_option(table.headers, options["map"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        described = [
            f"{table.format}",
            f"encoding {table.encoding}" if table.encoding else "",
            f"delimiter {table.delimiter_name}" if table.delimiter_name else "",
            f"sheet {table.sheet.sheet}" if table.sheet.sheet else "",
            f"header row {table.header_row}",
            f"{len(table.rows)} rows",
        ]
        self.stdout.write(f"{path.name}: " + ", ".join(d for d in described if d))
        for header, name in zip(table.headers, mapping, strict=True):
            target = layout.by_name[name].display if name != IGNORE else "(ignored)"
            self.stdout.write(f"  {header} → {target}")
        if actor is None:
            self.stdout.write("acting as the system: no permission checks")

        bars = ProgressBars(disable=True if options["no_progress"] else None)
        try:
            result = engine.run_import(
                kind, table, mapping, actor=actor, dry_run=options["dry_run"], progress=bars
            )
        except PermissionDenied as error:
            raise CommandError(str(error) or "permission denied") from None
        finally:
            bars.close()

        if options["errors"]:
            reports.write(result.errors, Path(options["errors"]))
        if result.mapping_problems:
            for problem in result.mapping_problems:
                self.stderr.write(problem)
            self.stderr.write("nothing was imported")
            sys.exit(1)
        for warning in result.warnings:
            self.stdout.write(
                self.style.WARNING(f"warning: row {warning.row}, {warning.column}: {warning.reason}")
            )
        if result.errors:
            for issue in result.errors[:SHOWN_ERRORS]:
                where = f"row {issue.row}" if issue.row is not None else "file"
                column = f", {issue.column}" if issue.column else ""
                value = f" [{issue.value}]" if issue.value else ""
                self.stderr.write(f"{where}{column}{value}: {issue.reason}")
            if len(result.errors) > SHOWN_ERRORS:
                self.stderr.write(f"... and {len(result.errors) - SHOWN_ERRORS} more")
            self.stderr.write(
                f"{len(result.errors)} errors in {result.error_rows} of {result.rows} rows: nothing was imported"
            )
            sys.exit(1)
        summary = (
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"warnings {len(result.warnings)}"
        )
        if result.moved or result.status_changed:
            summary += f" (moved {result.moved}, status changed {result.status_changed})"
        if options["dry_run"]:
            self.stdout.write(f"dry run, nothing changed: would have {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"imported {result.rows} rows: {summary}"))

    def get_actor(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user
