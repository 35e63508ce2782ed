"""The downloadable error report: one line per problem with its row, column, value and reason."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from cpahub.core import exports
from cpahub.registry.importing.base import Issue

FILENAME = "import-errors"


def headers() -> list[str]:
    return [_("Row"), _("Column"), _("Value"), _("Reason")]


def rows(issues) -> list[list]:
    """Issues as report lines; accepts `Issue` objects or their dicts (as kept between requests)."""
    lines = []
    for issue in issues:
        if isinstance(issue, Issue):
            lines.append(issue.as_list())
        else:
            row = issue.get("row")
            lines.append(
                [
                    row if row is not None else "",
                    issue.get("column", ""),
                    issue.get("value", ""),
                    issue.get("reason", ""),
                ]
            )
    return lines


def response(issues, fmt: str):
    if fmt == "xlsx":
        return exports.xlsx_response(FILENAME, _("Errors"), headers(), rows(issues))
    return exports.csv_response(FILENAME, headers(), rows(issues))


def write(issues, path: Path) -> None:
    """Write the report to a local file; .xlsx by extension, CSV (UTF-8 with BOM) otherwise."""
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(exports.xlsx_bytes(_("Errors"), headers(), rows(issues)))
        return
    with path.open("wb") as out:
        for chunk in exports.csv_response(FILENAME, headers(), rows(issues)).streaming_content:
            out.write(chunk)
