"""`cpahub registry_export KIND OUT.{csv,xlsx}`: firms, CPAs or penalties in the default import layout."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cpahub.registry.importing import exporters
from cpahub.registry.importing.layouts import KINDS, PENALTY, layout_for


class Command(BaseCommand):
    help = (
        "Export firms, CPAs or penalties to a .csv (UTF-8 with BOM) or .xlsx file in the default import "
        "layout. With --user, only what that user may export; without, every row but no resident ID numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("out", help="the file to write; its extension (.csv or .xlsx) sets the format")
        parser.add_argument("--user", metavar="USERNAME", help="export as this user")
        parser.add_argument("--city", help="only this city (code 360100 or name 南昌市)")
        parser.add_argument("--status", help="only this status (e.g. 执业, practising, 正常, active)")
        parser.add_argument("--english-headers", action="store_true", help="English column headers")

    def handle(self, *args, **options):
        kind = options["kind"]
        out = Path(options["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in exporters.FORMATS:
            raise CommandError("the output file must end in .csv or .xlsx")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {options['user']!r}")
            if not exporters.may_export(user, kind):
                raise CommandError(f"{user.get_username()} may not export {kind}")
        city = self.parse(layout_for("firm").column("city"), options["city"]) if options["city"] else ""
        status = ""
        if options["status"]:
            if kind == PENALTY:
                raise CommandError("penalties have no status")
            status = self.parse(layout_for(kind).column("status"), options["status"])
        export = exporters.build(
            kind, user, city=city, status=status, language="en" if options["english_headers"] else "zh"
        )
        exporters.write(export, out, fmt)
        exporters.log_export(
            export, user, fmt, username="" if user else "system (command line)", city=city, status=status
        )
        self.stdout.write(f"wrote {export.count} rows to {out}")

    @staticmethod
    def parse(column, text: str) -> str:
        try:
            return column.parse_choice(text)
        except ValueError as error:
            raise CommandError(str(error)) from None
