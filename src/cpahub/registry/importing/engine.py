"""The import run: parse every row, check every row, and only when nothing is wrong apply them all
in one transaction through `registry.services` (so the change log and CPA history are written).

    table = load_table(data, "cpa")
    result = run_import("cpa", table, actor=user)            # automatic column mapping
    result = run_import("cpa", table, mapping, actor=user, dry_run=True)

Re-import rules: a row whose key (credit code, certificate number, document number) is registered
updates that record; only the fields whose cells are non-empty are compared and changed; a row that
changes nothing is left untouched (no change-log entry). A CPA at another firm is moved
(`move_cpa`, a history event); a new status goes through `change_cpa_status`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from cpahub.core.context import acting_as
from cpahub.core.permissions import can_add
from cpahub.registry.importing import readers
from cpahub.registry.importing.base import ImportResult
from cpahub.registry.importing.kinds import IMPORTERS
from cpahub.registry.importing.layouts import KINDS, layout_for, model_for
from cpahub.registry.importing.readers import Table

Progress = Callable[[str, int, int], None]


def may_import(user, kind: str) -> bool:
    """Who may import a kind: whoever may add its records (association staff; city staff for firms and CPAs)."""
    return can_add(user, model_for(kind))


def importable_kinds(user) -> list[str]:
    return [kind for kind in KINDS if may_import(user, kind)]


def load_table(data: bytes, kind: str, *, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Read a file for `kind`; the header row is the one naming most of the layout's columns.

    Without a sheet name, a workbook's first sheet is read, or the first one holding a table when
    the first has no data rows.
    """
    layout = layout_for(kind)
    try:
        return readers.make_table(readers.read(data, sheet=sheet), score=layout.score, header_row=header_row)
    except readers.ReadError as error:
        found = error.sheet
        if sheet or found is None or found.format != "xlsx" or error.code not in ("empty", "no_rows"):
            raise
        # The first sheet is a cover or an explanation: take the first sheet that holds a table.
        for name in found.sheets[1:]:
            try:
                return readers.make_table(
                    readers.read(data, sheet=name), score=layout.score, header_row=header_row
                )
            except readers.ReadError:
                continue
        raise


def run_import(
    kind: str,
    table: Table,
    mapping: list[str] | None = None,
    *,
    actor,
    dry_run: bool = False,
    progress: Progress | None = None,
    note: str = "",
) -> ImportResult:
    """Check all rows; apply all of them or none. `actor` None runs as the system (no permission checks)."""
    layout = layout_for(kind)
    if actor is not None and not may_import(actor, kind):
        raise PermissionDenied(_("You may not import %(kind)s.") % {"kind": layout.label})
    if mapping is None:
        mapping = layout.auto_mapping(table.headers)
    result = ImportResult(kind=kind, rows=len(table.rows), dry_run=dry_run)
    result.mapping_problems = layout.check_mapping(table.headers, mapping)
    if result.mapping_problems:
        return result

    importer = IMPORTERS[kind](actor, result, note=note or _("Registry import"))
    return execute(importer, table, mapping, actor=actor, dry_run=dry_run, progress=progress)


def execute(
    importer, table: Table, mapping: list[str], *, actor, dry_run: bool, progress=None
) -> ImportResult:
    """Check every row with `importer`; then apply all of them in one transaction (rolled back on a
    dry run or any error), or none. Shared by every import built on `base.Importer`."""
    result = importer.result
    rows = importer.parse(table, mapping, progress)
    importer.prepare(rows)
    total = len(rows)
    for done, row in enumerate(rows, start=1):
        importer.check(row)
        if row.outcome is None and not row.failed:
            importer.error(row, "", _("This row could not be checked."))
        if progress:
            progress("check", done, total)
    if result.errors:
        return _finish(result)

    result.outcomes = [row.outcome for row in rows]
    context = acting_as(actor) if actor is not None else contextlib.nullcontext()
    with context, transaction.atomic():
        for done, row in enumerate(importer.apply_order(rows), start=1):
            try:
                importer.apply(row)
            except ValidationError as error:
                importer.validation_error(row, error)
            except PermissionDenied as error:
                importer.error(row, "", str(error) or _("You may not do this."))
            except DatabaseError as error:
                importer.error(row, "", _("The database refused this row: %(error)s") % {"error": error})
                break  # the transaction cannot go on; everything is rolled back below
            if progress:
                progress("apply", done, total)
        if result.errors or dry_run:
            transaction.set_rollback(True)
        else:
            result.applied = True
    return _finish(result)


def _finish(result: ImportResult) -> ImportResult:
    result.errors.sort(key=lambda issue: issue.row or 0)
    result.warnings.sort(key=lambda issue: issue.row or 0)
    if result.errors:
        result.outcomes = []
    return result
