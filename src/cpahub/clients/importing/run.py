"""The client import run: check every row, then apply all of them in one transaction, or none.

    table = load_table(data)
    result = run_import(table, actor=user, firm=firm, dry_run=True)   # the check
    result = run_import(table, actor=user, firm=firm)                 # the import

A dry run goes through the services too and rolls back, so that what it reports is what the
import will do.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cpahub.clients.importing.importer import ClientImporter
from cpahub.clients.importing.layout import KIND, client_layout
from cpahub.clients.services import offices_for
from cpahub.registry.importing import engine, readers
from cpahub.registry.importing.base import ImportResult
from cpahub.registry.importing.readers import Table


def load_table(data: bytes) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM, GB18030) or .xlsx file; the header row is found by its names."""
    return readers.make_table(readers.read(data), score=client_layout().score)


def mapping_of(table: Table) -> list[tuple[str, str]]:
    """(file header, field label or "") for each column: what the import will read."""
    layout = client_layout()
    return [
        (header, str(layout.by_name[name].display) if name else "")
        for header, name in zip(table.headers, layout.auto_mapping(table.headers), strict=True)
    ]


def run_import(table: Table, *, actor, firm, dry_run: bool = False) -> ImportResult:
    if actor is not None and not offices_for(actor, firm).exists():
        raise PermissionDenied(_("You may not import clients of this firm."))
    layout = client_layout()
    mapping = layout.auto_mapping(table.headers)
    result = ImportResult(kind=KIND, rows=len(table.rows), dry_run=dry_run)
    result.mapping_problems = layout.check_mapping(table.headers, mapping)
    if result.mapping_problems:
        return result
    importer = ClientImporter(actor, result, firm=firm)
    return engine.execute(importer, table, mapping, actor=actor, dry_run=dry_run)
