"""`cpahub ledger_validate PATH`: check a "cpahub audit data standard" package without a database.

For software vendors and firms checking an export before they send it: the manifest, the files and
their digests, every value against the specification (with file:line:column), keys, references,
control totals and the ledger checks (vouchers balance, balances roll forward, the trial balance ties
to the voucher lines). Exit status 0: the package conforms (warnings allowed); 1: it does not; 2: it
could not be read at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cpahub.ledgers.formats.cpahub_std import DEFAULT_CAP, check_package, describe

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Check a cpahub audit data package (its folder, its manifest.json or a zip file) against the "
        "standard, without a database. Exit status 0 valid, 1 invalid, 2 unreadable."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("path", help="the package folder, its manifest.json, or a .zip of it")
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_CAP,
            help=f"findings shown per kind of problem (default {DEFAULT_CAP}); all are counted",
        )
        parser.add_argument("--json", action="store_true", help="print the findings as one JSON object")

    def handle(self, *args, **options):
        path = Path(options["path"])
        report = check_package(path, cap=max(options["limit"], 1))
        status = EXIT_UNREADABLE if report.unreadable else EXIT_VALID if report.valid else EXIT_INVALID
        if options["json"]:
            self.stdout.write(json.dumps(self.as_json(path, report, status), ensure_ascii=False, indent=2))
        else:
            self.print_text(path, report, status)
        sys.stdout.flush()
        if status != EXIT_VALID:
            raise SystemExit(status)

    def print_text(self, path: Path, report, status: int) -> None:
        for issue in report.issues:
            style = {"error": self.style.ERROR, "warning": self.style.WARNING}.get(issue.severity, str)
            self.stdout.write(style(describe(issue)))
        shown: dict[tuple[str, str], int] = {}
        for issue in report.issues:
            key = (issue.severity, issue.code)
            shown[key] = shown.get(key, 0) + 1
        for (severity, code), total in sorted(report.totals.items()):
            if total > shown.get((severity, code), 0):
                self.stdout.write(
                    _("… %(more)d more %(severity)s finding(s) of kind %(code)s")
                    % {"more": total - shown.get((severity, code), 0), "severity": severity, "code": code}
                )
        if report.lines:
            self.stdout.write(
                _(
                    "%(lines)s voucher lines in %(vouchers)s vouchers; total debit %(debit)s, total credit %(credit)s"
                )
                % {
                    "lines": f"{report.lines:,}",
                    "vouchers": f"{report.vouchers:,}",
                    "debit": f"{report.total_debit:,.2f}",
                    "credit": f"{report.total_credit:,.2f}",
                }
            )
        counts = {"errors": report.errors, "warnings": report.warnings, "path": path}
        if status == EXIT_UNREADABLE:
            self.stdout.write(self.style.ERROR(_("%(path)s: unreadable") % counts))
        elif status == EXIT_INVALID:
            self.stdout.write(
                self.style.ERROR(
                    _("%(path)s: INVALID — %(errors)d error(s), %(warnings)d warning(s)") % counts
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("%(path)s: valid — %(errors)d errors, %(warnings)d warning(s)") % counts)
            )

    @staticmethod
    def as_json(path: Path, report, status: int) -> dict:
        return {
            "path": str(path),
            "result": {EXIT_VALID: "valid", EXIT_INVALID: "invalid", EXIT_UNREADABLE: "unreadable"}[status],
            "errors": report.errors,
            "warnings": report.warnings,
            "lines": report.lines,
            "vouchers": report.vouchers,
            "total_debit": None if report.total_debit is None else str(report.total_debit),
            "total_credit": None if report.total_credit is None else str(report.total_credit),
            "totals": {f"{severity}:{code}": n for (severity, code), n in sorted(report.totals.items())},
            "issues": [
                {
                    "severity": issue.severity,
                    "code": issue.code,
                    "location": issue.location,
                    "message": issue.message,
                }
                for issue in report.issues
            ],
        }
