"""The message templates of ledger findings and refusals, and the one place that looks them up.

Every finding (`canonical.Issue`) and every coded `FormatError` has a stable `code` and its variable
parts in `data` (JSON); its text comes from the template `MESSAGES[code]` — or `MESSAGES[f"{code}:
{variant}"]` when the data has a "variant" — formatted with the data. Templates are English and
marked with `gettext_noop`: the English text is stored with the finding, and
`validation.render_message` / `validation.render_error` translate the template when it is shown.

The readers' templates are listed here by module; `validation` registers its checks' templates into
the same registry. This module imports nothing from the readers or from `validation`, so both can
import it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop

from cpahub.ledgers.canonical import Issue

MESSAGES: dict[str, str] = {}


def register(templates: dict[str, str]) -> None:
    """Add templates to the registry; a key may be registered once only (codes are stable)."""
    clash = set(templates) & set(MESSAGES)
    if clash:
        raise ValueError(f"message codes registered twice: {', '.join(sorted(clash))}")
    MESSAGES.update(templates)


def message_template(code: str, data: dict) -> str | None:
    """The (English) template of a finding or refusal, or None when the code has none."""
    variant = data.get("variant")
    return (variant and MESSAGES.get(f"{code}:{variant}")) or MESSAGES.get(code)


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def english(code: str, data: dict) -> str:
    """The English text of `code` with `data` (a missing template or key is a programming error)."""
    template = message_template(code, data)
    return template.format(**data) if template else code


def make_issue(severity: str, code: str, location: str = "", /, **data) -> Issue:
    """A finding whose message is its code's template filled with `data` (kept for translation)."""
    data = {key: jsonable(value) for key, value in data.items() if key != "variant" or value}
    return Issue(
        severity=severity, code=code, message=english(code, data), location=location or "", data=data
    )


def refusal_data(error) -> dict:
    """The data of a finding that reports a refusal (a FormatError): its English text as "error" and,
    when it is coded, the refusal itself as "cause" so that it can be shown translated."""
    data = {"error": str(error)}
    if getattr(error, "code", ""):
        data["cause"] = {"code": error.code, "location": error.location or "", "data": error.data}
    return data


def listing(values, limit: int = 10) -> str:
    """Values joined with ", " (at most `limit`, then "…"): language-neutral text for a message."""
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return f"{shown}, …" if len(values) > limit else shown


# --- refusals (FormatError codes) ------------------------------------------------------------------

ERRORS = {
    "unknown_format": gettext_noop("unknown format {name!r}; known: {known}"),
    "format_not_recognised": gettext_noop("the format could not be recognised; name it with --format"),
    "file_empty": gettext_noop("the file is empty"),
    # zip archives (formats.archive_refusal), in three wordings: zip, workbook, xml
    "archive_damaged": gettext_noop("the zip archive is damaged or incomplete"),
    "archive_damaged:workbook": gettext_noop("the workbook is damaged or incomplete"),
    "archive_damaged:xml": gettext_noop("the zip archive is damaged or not a zip archive"),
    "archive_members": gettext_noop("the zip archive has {size} members, more than the {limit} allowed"),
    "archive_members:workbook": gettext_noop("the workbook has {size} parts, more than the {limit} allowed"),
    "archive_members:xml": gettext_noop("the zip archive has too many members ({size}, at most {limit})"),
    "archive_ratio": gettext_noop(
        "refused: {member} would expand {ratio} times, to {size_mb} MB (this is how zip bombs look)"
    ),
    "archive_ratio:workbook": gettext_noop(
        "refused: its part {member} would expand {ratio} times, to {size_mb} MB (this is how zip bombs look)"
    ),
    "archive_ratio:xml": gettext_noop("a member would expand {ratio} times: refused as a possible zip bomb"),
    "archive_total": gettext_noop(
        "refused: the archive would expand to {size_mb} MB, more than {limit_mb} MB"
    ),
    "archive_total:workbook": gettext_noop(
        "refused: it would expand to {size_mb} MB, more than {limit_mb} MB"
    ),
    "archive_total:xml": gettext_noop("the archive would expand to {size} bytes, more than {limit}: refused"),
    "archive_overflow": gettext_noop(
        "refused: {member} inflates to more than it declares or than allowed (a zip bomb?)"
    ),
    "archive_overflow:xml": gettext_noop(
        "a member yields more bytes than it declares: refused as a possible zip bomb"
    ),
    # options
    "option_amount_sign": gettext_noop(
        "the option amount_sign must be auto, signed or unsigned, not {value!r}"
    ),
    "option_voucher_pattern": gettext_noop(
        "the option voucher_pattern needs the groups (?P<type>...) and (?P<number>...)"
    ),
    "option_amount": gettext_noop(
        "the option amount must be auto, debit_credit, signed or direction, not {value!r}"
    ),
    # tables (CSV and Excel) read through mapping profiles
    "zip_not_workbook": gettext_noop("this zip file is not an Excel workbook"),
    "workbook_damaged": gettext_noop("the workbook is damaged or incomplete ({error})"),
    "workbook_empty": gettext_noop("every sheet of the workbook is empty"),
    "sheet_damaged": gettext_noop("the sheet cannot be read; the workbook is damaged ({error})"),
    "no_such_sheet": gettext_noop("no sheet {sheet!r}; the sheets are {sheets}"),
    "row_too_wide": gettext_noop("this row has values beyond the {width} header columns"),
    "no_table": gettext_noop("no table found (the file or its sheets are empty)"),
    "several_tables:balances": gettext_noop("more than one balances table; import them one at a time"),
    "several_tables:accounts": gettext_noop("more than one accounts table; import them one at a time"),
    "no_such_profile": gettext_noop("no mapping profile {profile!r}; available: {available}"),
    "profile_no_header": gettext_noop("the profile {profile!r} does not fit: missing a header row"),
    "profile_misfit": gettext_noop("the profile {profile!r} does not fit: missing {missing}"),
    "no_profile_fits": gettext_noop(
        "no mapping profile fits this table (closest: {closest}); make a profile for it or name one "
        "(option profile)"
    ),
    "profiles_tied": gettext_noop(
        "the headers fit the profiles {profiles} equally well ({score:.2f} of the columns known, "
        "{coverage:.2f} of the profile's fields found); name the one to use (option profile)"
    ),
    "empty_account_code": gettext_noop("{column}: empty account code ({count} line(s), first {lines})"),
    "sample_is_archive": gettext_noop("upload one CSV or Excel file, not an archive"),
    "sample_no_header_row": gettext_noop("no header row found"),
    "sample_no_line_break": gettext_noop("no line break in the first {kb} KB: this is not a CSV export"),
    "member_too_large": gettext_noop("the file is too large (more than {limit} bytes)"),
    # XML files and the archives holding them (xmlsafe)
    "member_unreadable": gettext_noop("the archive member cannot be read ({error})"),
    "folder_without_files": gettext_noop("the directory holds no file of this format"),
    "zip_without_files": gettext_noop("the zip archive holds no file of this format"),
    "unknown_encoding": gettext_noop("unknown encoding: {error}"),
    "unknown_encoding_declared": gettext_noop("unknown encoding {encoding!r} in the XML declaration"),
    "xml_encoding_unknown": gettext_noop(
        "the file has no XML declaration and is neither UTF-8 nor GB18030 (byte offset {offset}); name its "
        "encoding with the option encoding"
    ),
    "xml_doctype": gettext_noop(
        "the file has a document type declaration (<!DOCTYPE ...>); ledger files have none and it can carry "
        "entity bombs or external entities: refused"
    ),
    "xml_no_root": gettext_noop("no root element in the first megabyte of the file"),
    "xml_bad_bytes": gettext_noop("the bytes are not valid {encoding} ({error}) (column {column})"),
    "xml_bad_bytes:gb18030": gettext_noop(
        "the bytes are not valid {encoding} ({error}); the bytes look like GB18030 — correct the XML "
        "declaration or name the encoding (column {column})"
    ),
    "xml_bad_bytes:name_it": gettext_noop(
        "the bytes are not valid {encoding} ({error}); name the right encoding with the option encoding "
        "(column {column})"
    ),
    "xml_too_deep": gettext_noop(
        "the elements are nested more than 256 levels deep: refused (column {column})"
    ),
    "xml_value_too_large": gettext_noop(
        "a value is larger than the 10 MB a field may hold ({error}): refused (column {column})"
    ),
    "xml_cut_short": gettext_noop(
        "{error}: the file ends before its elements are closed — it is cut short or damaged (column {column})"
    ),
    "xml_syntax": gettext_noop("{error} (column {column})"),
    # values of an XML element that cannot be read (xmlsafe): the file is refused
    "bad_xml_value:not_number": gettext_noop("{column}: {value!r} is not a number"),
    "bad_xml_value:not_number_more": gettext_noop("{column}: {value!r} is not a number ({count} values)"),
    "bad_xml_value:too_large": gettext_noop(
        "{column}: {value!r} is too large (more than {digits} digits before the decimal point)"
    ),
    "bad_xml_value:too_large_more": gettext_noop(
        "{column}: {value!r} is too large (more than {digits} digits before the decimal point) ({count} values)"
    ),
    "bad_xml_value:not_integer": gettext_noop("{column}: {value!r} is not a whole number"),
    "bad_xml_value:not_integer_more": gettext_noop(
        "{column}: {value!r} is not a whole number ({count} values)"
    ),
    "bad_xml_value:not_date": gettext_noop("{column}: {value!r} is not a date ({style})"),
    "bad_xml_value:not_date_more": gettext_noop(
        "{column}: {value!r} is not a date ({style}) ({count} values)"
    ),
    "bad_xml_value:unknown_code": gettext_noop("{column}: {value!r} is not a known value (extend {table})"),
    "bad_xml_value:unknown_code_more": gettext_noop(
        "{column}: {value!r} is not a known value (extend {table}) ({count} values)"
    ),
    "bad_xml_value:out_of_range": gettext_noop("{column}: {value!r} is out of range"),
    "bad_xml_value:out_of_range_more": gettext_noop("{column}: {value!r} is out of range ({count} values)"),
    "xml_nested_fields": gettext_noop(
        "a {table} row has elements inside its fields; the table is read as flat rows"
    ),
    # cpahub data packages
    "no_such_file": gettext_noop("no such file or folder"),
    "zip_unreadable": gettext_noop("not a readable zip file ({error})"),
    "archive_ratio:member": gettext_noop("refused: the member inflates {ratio} times (a zip bomb?)"),
    "not_a_package": gettext_noop(
        "not a cpahub data package: give its folder, its manifest.json or a zip file"
    ),
    "zip_without_manifest": gettext_noop("the zip file has no manifest.json (at its root or in one folder)"),
    "zip_several_manifests": gettext_noop("the zip file has {count} manifest.json files"),
    "manifest_too_large": gettext_noop("manifest.json is too large"),
    "package_without_manifest": gettext_noop("the package has no manifest.json"),
    "manifest_not_utf8": gettext_noop("manifest.json is not UTF-8 ({reason})"),
    "member_larger_than_announced": gettext_noop("the member is larger than the {limit:,} bytes announced"),
    "member_unreadable:zip": gettext_noop("the zip member cannot be read ({error})"),
    "manifest_not_json": gettext_noop("manifest.json is not valid JSON ({error})"),
    "manifest_not_object": gettext_noop("manifest.json must hold a JSON object"),
    "not_this_standard": gettext_noop("this is not a package of the {standard!r}"),
    "version_unsupported": gettext_noop(
        "version {version!r} of the standard is not supported (this reader reads {major}.x)"
    ),
    "manifest_without_files": gettext_noop("manifest.json has no usable list of files"),
    "not_csv": gettext_noop("the file cannot be read as CSV ({error})"),
    # GB/T 19581
    "gbt19581_two_files": gettext_noop("two {code} files in the input"),
    "gbt19581_no_files": gettext_noop("no GB/T 19581 data file (DZZB, KJKM, KMYE, JZPZ) found"),
    "gbt19581_no_header": gettext_noop(
        "{code}: no header line with the field names of {table} (e.g. {examples}) and GSSM does not list them"
    ),
    # GB/T 24589
    "gbt24589_items_late": gettext_noop(
        "科目辅助核算 rows come after 记账凭证 rows: the auxiliary items must precede the voucher lines that "
        "use them"
    ),
    "gbt24589_no_table": gettext_noop("no {standard} table found (公共档案, 总账 ...)"),
    "nil_normal_balance": gettext_noop(
        "余额方向: 平 is not a normal balance of an account ({count} accounts)"
    ),
    # SAF-T
    "saft_file_count": gettext_noop("one SAF-T file expected, found {count}"),
    "saft_no_header": gettext_noop("no SAF-T Header: this is not a SAF-T Financial file"),
    "saft_not_amount": gettext_noop("{value!r} is not an amount"),
    "saft_bad_element:number": gettext_noop("{element}: {value!r} is not a number"),
    "saft_bad_element:date": gettext_noop("{element}: {value!r} is not a date"),
    "saft_missing_element": gettext_noop("an element {element} without {child}"),
    "saft_missing_element:either": gettext_noop("an element {element} without {child} or {other}"),
    "option_analysis_types": gettext_noop("option analysis_types: {value!r} is not TYPE=kind"),
    "option_analysis_types:kind": gettext_noop(
        "option analysis_types: {value!r} is not a dimension kind ({kinds})"
    ),
    # ADS
    "ads_fields_missing": gettext_noop("missing field(s) {missing}; the header has: {header}"),
    "ads_no_gl_detail": gettext_noop("no GL_Detail file found (names must start with GL_Detail)"),
    # text files (textio)
    "not_text": gettext_noop("this is not a text file (it contains NUL bytes)"),
    "undecodable_text": gettext_noop(
        "not readable as {encoding} text: the byte {byte} at offset {offset} cannot be decoded; save the "
        "file as UTF-8 or name its encoding"
    ),
    "unknown_encoding_option": gettext_noop("unknown encoding {encoding!r} (option encoding)"),
    "truncated_record": gettext_noop(
        "the file ends in the middle of a record ({fields} of {width} fields and no line break): it looks "
        "truncated"
    ),
    "too_many_fields": gettext_noop("this record has {fields} fields, the header has {width}"),
    "bad_record": gettext_noop("the record cannot be read: {error}"),
    "not_delimited": gettext_noop("the file cannot be read as delimited text: {error}"),
    "decimal_marks_mixed": gettext_noop(
        "{column}: both decimal marks are used — line {dot_line} reads with a decimal point, line {comma_line} "
        "with a decimal comma; correct the file or name the mark (option decimal)"
    ),
    "decimal_mark_ambiguous": gettext_noop(
        "{column}: {example!r} could be read with a decimal point or a decimal comma, and no other value says "
        "which; name the decimal mark (option decimal: '.' or ',')"
    ),
    "date_style_ambiguous": gettext_noop(
        "{column}: the dates could be day/month/year or month/day/year and no value says which; name the style "
        "(option date_format: dmy or mdy)"
    ),
    "option_decimal": gettext_noop("the option decimal must be '.', ',' or 'auto', not {value!r}"),
    "option_date_format": gettext_noop(
        "the option date_format must be one of {styles} or 'auto', not {value!r}"
    ),
    "option_flag": gettext_noop("a yes/no option cannot be {value!r}"),
    "option_delimiter": gettext_noop(
        "the delimiter must be one character (or tab, pipe, comma, semicolon), not {value!r}"
    ),
    "option_mapping": gettext_noop("the option must be a JSON object, not {value!r}"),
    # values of a column that cannot be read (textio.CellParser): the file is refused
    "bad_values:empty": gettext_noop(
        "{column}: empty {column} ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_number_dot": gettext_noop(
        "{column}: not a number (with dot as decimal mark) ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_number_comma": gettext_noop(
        "{column}: not a number (with comma as decimal mark) ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:too_large_amount": gettext_noop(
        "{column}: too large for an amount (more than {digits} digits before the decimal mark) ({count} "
        "value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:too_large_rate": gettext_noop(
        "{column}: too large for a rate (more than {digits} digits before the decimal mark) ({count} value(s), "
        "lines {lines}; e.g. {examples})"
    ),
    "bad_values:too_large_quantity": gettext_noop(
        "{column}: too large for a quantity (more than {digits} digits before the decimal mark) ({count} "
        "value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_integer": gettext_noop(
        "{column}: not a whole number ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_year": gettext_noop(
        "{column}: not a year ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_period": gettext_noop(
        "{column}: not a period number ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_attachments": gettext_noop(
        "{column}: not a number of attachments ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_line_number": gettext_noop(
        "{column}: not a line number ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_level": gettext_noop(
        "{column}: not a level ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_yes_no": gettext_noop(
        "{column}: not a yes/no value ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_indicator": gettext_noop(
        "{column}: not a debit/credit indicator (D/C, Dr/Cr, S/H, 借/贷) ({count} value(s), lines {lines}; e.g. "
        "{examples})"
    ),
    "bad_values:empty_indicator": gettext_noop(
        "{column}: empty debit/credit indicator ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_date": gettext_noop(
        "{column}: not a date in the column's style ({style}) ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:account_twice": gettext_noop(
        "{column}: an account code appears twice ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:account_twice_in_period": gettext_noop(
        "{column}: an account appears more than once for the same period ({count} value(s), lines {lines}; "
        "e.g. {examples})"
    ),
    "bad_values:not_voucher_reference": gettext_noop(
        "{column}: not a voucher reference such as 记-12 ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:empty_voucher_number": gettext_noop(
        "{column}: empty voucher number ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:empty_account_code": gettext_noop(
        "{column}: empty account code ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:no_fiscal_year": gettext_noop(
        "{column}: no fiscal year (map a date, a year or a period like 2024.01) ({count} value(s), lines "
        "{lines}; e.g. {examples})"
    ),
    "bad_values:not_period_label": gettext_noop(
        "{column}: not a period (such as 2024.01) ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:no_direction": gettext_noop(
        "{column}: no direction for the amount ({count} value(s), lines {lines}; e.g. {examples})"
    ),
    "bad_values:not_auxiliary_items": gettext_noop(
        "{column}: not auxiliary items written as kind:code name (e.g. 客户:001 某公司) ({count} value(s), "
        "lines {lines}; e.g. {examples})"
    ),
}

# --- findings (Issue codes) ------------------------------------------------------------------------
# Findings about a column's cells (textio.CellParser) have the data column, count, rows (the first
# line numbers) and lines (those as text).

FINDINGS = {
    # textio
    "amount_rounded": gettext_noop(
        "{column}: more than {scale} decimals; rounded half up to {scale} ({count} value(s), lines {lines})"
    ),
    "rate_rounded": gettext_noop(
        "{column}: more than {scale} decimals; rounded half up to {scale} ({count} value(s), lines {lines})"
    ),
    "quantity_rounded": gettext_noop(
        "{column}: more than {scale} decimals; rounded half up to {scale} ({count} value(s), lines {lines})"
    ),
    "date_unreadable": gettext_noop(
        "{column}: not a date in the column's style ({style}); left empty ({count} value(s), lines {lines})"
    ),
    "placeholder_date": gettext_noop(
        "{column}: placeholder dates (such as 00000000, 1900-01-01, 9999-12-31) read as empty ({count} value(s), "
        "lines {lines})"
    ),
    "time_unreadable": gettext_noop(
        "{column}: not a time of day (HH:MM:SS); left empty ({count} value(s), lines {lines})"
    ),
    # cpahub data packages (raised as refusals when a package is imported, collected when it is
    # validated)
    "manifest_invalid": gettext_noop("manifest.json{pointer}: {error}"),
    "manifest_invalid:table": gettext_noop("{name} holds table {table}, not {given!r}"),
    "file_duplicate": gettext_noop("{name} is listed twice"),
    "file_duplicate:mixed": gettext_noop("lines.csv and numbered lines files cannot be mixed"),
    "file_unknown": gettext_noop("{name} is not a file of the standard"),
    "file_missing": gettext_noop("{name} is listed in the manifest but not in the package"),
    "file_unlisted": gettext_noop("{name} is in the package but not in the manifest"),
    "file_ignored:package": gettext_noop("{name} is not part of the standard and is ignored"),
    "table_missing": gettext_noop("the package has no {table} file"),
    "digest_mismatch": gettext_noop("the {algorithm} digest of {name} differs from the manifest's"),
    "digest_mismatch:bytes": gettext_noop("{name} has {found} bytes; the manifest says {expected}"),
    "row_count_mismatch": gettext_noop("{name} has {found} rows; the manifest says {expected}"),
    "row_count_mismatch:lines": gettext_noop(
        "the lines files have {found} rows; the manifest's totals say {expected}"
    ),
    "control_total_mismatch:none": gettext_noop("{where}: the manifest has no control totals"),
    "control_total_mismatch:file": gettext_noop("{where}: {field} is {found}; the manifest says {expected}"),
    "control_total_mismatch:all_lines": gettext_noop(
        "all lines: {field} is {found}; the manifest says {expected}"
    ),
    "entity_rows": gettext_noop("entity.csv must have exactly one row, not {count}"),
    "csv_quoting:not_closed": gettext_noop("a quoted field is not closed"),
    "csv_quoting:after_quote": gettext_noop("text after the closing quote of a quoted field"),
    "csv_quoting:inside_unquoted": gettext_noop(
        "a double quote inside an unquoted field (quote the field and double the quote)"
    ),
    "csv_quoting:unclosed": gettext_noop("a quoted field is not closed before the end of the file"),
    "csv_field_count": gettext_noop("expected {expected} fields as in the header, found {found}"),
    "csv_field_count:more": gettext_noop("{more} more lines with the wrong number of fields or bad quoting"),
    "csv_structure": gettext_noop("the CSV parser found {found} records where the line scan found {scanned}"),
    "encoding": gettext_noop("the file is not UTF-8 ({reason})"),
    "encoding:header": gettext_noop("the header is not UTF-8 ({reason})"),
    "header:empty": gettext_noop("the file is empty: the first line must be the header"),
    "header:not_csv": gettext_noop("the header is not a valid CSV record ({error})"),
    "header:twice": gettext_noop("column {column!r} appears twice in the header"),
    "header:lacks": gettext_noop("the header lacks the column(s) {column_list}"),
    "header:unknown": gettext_noop("unknown column {column!r} (extension columns start with 'x_')"),
    "bom": gettext_noop("the file starts with a UTF-8 byte order mark (tolerated)"),
    "extension_column": gettext_noop("extension column {column!r} is ignored"),
    "unknown_column": gettext_noop("column {column!r} of a later version is ignored"),
    "invalid_value:syntax_integer": gettext_noop("{column}: {value!r} is not a whole number"),
    "invalid_value:syntax_decimal": gettext_noop(
        "{column}: {value!r} is not a plain decimal number with at most {scale} decimals (a dot, no separators)"
    ),
    "invalid_value:syntax_date": gettext_noop("{column}: {value!r} is not a date in the form yyyy-mm-dd"),
    "invalid_value:syntax_datetime": gettext_noop(
        "{column}: {value!r} is not a date and time in the form yyyy-mm-ddThh:mm:ss[.ffffff]"
    ),
    "invalid_value:syntax_boolean": gettext_noop("{column}: {value!r} is not true or false"),
    "invalid_value:syntax_list": gettext_noop(
        "{column}: {value!r} has an empty item (items are separated by ';')"
    ),
    "invalid_value:outside": gettext_noop("{column}: {value!r} is outside {low}..{high}"),
    "invalid_value:below": gettext_noop("{column}: {value!r} is below {minimum}"),
    "invalid_value:not_calendar_date": gettext_noop("{column}: {value!r} is not a calendar date"),
    "invalid_value:not_datetime": gettext_noop("{column}: {value!r} is not a valid date and time"),
    "invalid_value:items": gettext_noop("{column}: {value!r} has an item that is not one of {allowed}"),
    "invalid_value:enum": gettext_noop("{column}: {value!r} is not one of {allowed}"),
    "invalid_value:pattern": gettext_noop("{column}: {value!r} does not match {pattern}"),
    "missing_value": gettext_noop("{column} is required but empty in {row_count} row(s) (lines {line_list})"),
    "package_unreadable": gettext_noop("{error}"),
    "manifest_missing": gettext_noop("{error}"),
    "manifest_unreadable": gettext_noop("{error}"),
    "ledger_checks_skipped": gettext_noop(
        "the ledger checks (balanced vouchers, roll-forward, trial balance ...) were skipped: fix the file "
        "errors above first"
    ),
    "duplicate_key": gettext_noop("{table}: {values} appears {times} times"),
    "balance_dimension": gettext_noop(
        "balances: account {account_code} has dimension_type and dimension_code not both set"
    ),
    "unknown_reference:account_parent": gettext_noop(
        "accounts: the parent {parent_code} of account {code} is not in the chart"
    ),
    "unknown_reference:dimension_parent": gettext_noop(
        "dimensions: the parent {parent_code} of {type} {code} is not listed"
    ),
    "unknown_reference:cash_flow_item": gettext_noop(
        "lines: cash-flow item {item} is not in cash_flow_items.csv ({lines} lines)"
    ),
    "account_level": gettext_noop(
        "accounts: account {code} has level {level} but its parent {parent_code} has level {parent_level}"
    ),
    "account_leaf_flag:parent": gettext_noop("accounts: account {code} has sub-accounts but is_leaf is true"),
    "account_leaf_flag:leaf": gettext_noop(
        "accounts: account {code} has no sub-accounts but is_leaf is false"
    ),
    "debit_and_credit": gettext_noop("{line_count} line(s) have both a debit and a credit amount"),
    # XML readers (xmlsafe)
    "encoding_assumed": gettext_noop(
        "the file has no XML declaration and is not UTF-8; all of it decodes as GB18030, so it was read as "
        "GB18030 (name the encoding with the option encoding to be sure)"
    ),
    "amount_rounded:xml": gettext_noop(
        "{column}: more than {scale} decimals; rounded half up to {scale} ({count} value(s), e.g. {example!r})"
    ),
    "placeholder_date:xml": gettext_noop("{column}: placeholder dates read as empty ({count} value(s))"),
    "unknown_value": gettext_noop(
        "{column}: {count} value(s) not in {table} read as {read_as!r} (e.g. {example!r}; extend the table)"
    ),
    # ADS (American Institute of CPAs' Audit Data Standard)
    "file_ignored": gettext_noop("{name}: not an ADS general-ledger file; ignored"),
    "file_ignored:extra": gettext_noop("{count} {kind_label} files: only {read} is read"),
    "file_read": gettext_noop("{name}: {kind_label} file, {encoding}, {delimiter_name}-delimited"),
    "fields_ignored": gettext_noop("{name}: fields not used: {field_list}"),
    "several_currencies": gettext_noop(
        "Amount_Currency has {count} currencies ({currency_list}); amounts are read as {local}, the others "
        "kept as the line's currency"
    ),
    "accounts_derived:ads": gettext_noop(
        "no Chart_Of_Accounts file: {count} accounts taken from the ledger, their levels from the code prefixes"
    ),
    "sources_listed": gettext_noop("{name}: {count} sources listed (the lines keep the source code)"),
    "fiscal_year_derived": gettext_noop("no Fiscal_Year field: the year of Effective_Date is used"),
    "period_derived": gettext_noop("no Period field: the month of Effective_Date is used"),
    "line_number_invalid": gettext_noop(
        "{column}: not a whole number; the lines of each journal are numbered in file order instead "
        "({count} value(s), lines {lines})"
    ),
    "line_numbers_derived:ads": gettext_noop("no Journal_ID_Line_Number: lines numbered in file order"),
    "reversals_not_kept": gettext_noop(
        "{count} lines are flagged as reversals (Reversal_Indicator); the canonical model has no reversal "
        "flag, so the flag is not kept"
    ),
    "amount_convention:unsigned": gettext_noop("Amount is unsigned; the indicator gives the side"),
    "amount_convention:signed": gettext_noop(
        "Amount is signed (credits negative) and the indicator agrees with the sign"
    ),
    "amount_negative_with_indicator": gettext_noop(
        "{column}: negative amounts with a debit/credit indicator: read as reversals (a negative debit is a "
        "credit) ({count} value(s), lines {lines})"
    ),
    # tables (CSV and Excel) read through mapping profiles
    "file_ignored:table": gettext_noop("{name}: not a table; ignored"),
    "options_unknown": gettext_noop("options not known to this format: {options}"),
    "table_ignored": gettext_noop("{name}: no mapping profile fits; ignored"),
    "accounts_derived:tables": gettext_noop(
        "no chart of accounts: {count} accounts taken from the tables, levels from the code prefixes"
    ),
    "accounts_derived:tables_cas": gettext_noop(
        "no chart of accounts: {count} accounts taken from the tables, levels from the code prefixes, types "
        "from the enterprise chart's code digits"
    ),
    "profile_used": gettext_noop("{name}: read with the profile {profile!r} (as asked)"),
    "profile_selected": gettext_noop(
        "{name}: profile {profile!r} chosen ({score:.2f} of the columns known, {coverage:.2f} of the "
        "profile's fields found), header on row {header_row}"
    ),
    "profile_selected:runner_up": gettext_noop(
        "{name}: profile {profile!r} chosen ({score:.2f} of the columns known, {coverage:.2f} of the "
        "profile's fields found; next {runner_up!r}: {runner_up_score:.2f} of the columns known, "
        "{runner_up_coverage:.2f} of the profile's fields found), header on row {header_row}"
    ),
    "total_rows_skipped": gettext_noop("{column}: total rows left out ({count} value(s), lines {lines})"),
    "periods_derived:years": gettext_noop("years taken from the voucher dates (calendar months)"),
    "periods_derived:periods": gettext_noop("periods taken from the voucher dates (calendar months)"),
    "periods_derived:years_periods": gettext_noop(
        "years and periods taken from the voucher dates (calendar months)"
    ),
    "line_numbers_derived": gettext_noop(
        "no line numbers: the lines of each voucher are numbered in file order"
    ),
    "red_ink_moved": gettext_noop(
        "{column}: negative (red-ink) amounts: a negative debit is read as a credit and the other way round "
        "({count} value(s), lines {lines})"
    ),
    "rows_without_account": gettext_noop(
        "{column}: rows without an account code left out ({count} value(s), lines {lines})"
    ),
    # SAF-T
    "balance_without_account": gettext_noop("{kind} {code}: a BalanceAccount without AccountID is left out"),
    "analysis_amounts_not_kept": gettext_noop(
        "{count} analysis amounts (a line's amount split over analysis values) are not kept: the canonical "
        "model has one amount per line"
    ),
    "analysis_types_other": gettext_noop(
        "analysis types kept as other dimensions (codes TYPE:ID): {type_list}; name their kind with the "
        "option analysis_types (e.g. B=project)"
    ),
    "account_type_unknown": gettext_noop(
        "{count} accounts have no standard account or grouping that gives their type (e.g. {examples})"
    ),
    "control_totals_missing": gettext_noop("GeneralLedgerEntries has no control totals"),
    "control_total_mismatch:transactions": gettext_noop(
        "{control} says {stated}, the file has {found} (transactions)"
    ),
    "control_total_mismatch:total_debit": gettext_noop(
        "{control} says {stated}, the file has {found} (total debit)"
    ),
    "control_total_mismatch:total_credit": gettext_noop(
        "{control} says {stated}, the file has {found} (total credit)"
    ),
    "periods_assumed_calendar": gettext_noop(
        "SAF-T names periods by number only; their dates are taken as calendar months"
    ),
    "periods_assumed_calendar:odd": gettext_noop(
        "SAF-T names periods by number only; their dates are taken as calendar months (periods without a "
        "month: {periods})"
    ),
    "duplicate_account:listed": gettext_noop(
        "accounts listed more than once (the first is kept): {account_list}"
    ),
    "duplicate_dimension": gettext_noop(
        "{count} dimension values are listed more than once (the first is kept), e.g. {examples}"
    ),
    "entry_time_unreadable": gettext_noop(
        "SystemEntryTime/SystemEntryDate: {count} value(s) are not dates; left empty (e.g. {example!r})"
    ),
    # GB/T 19581
    "unmapped_fields": gettext_noop("{code}: fields not in the mapping table were left out: {field_list}"),
    "period_from_date": gettext_noop(
        "JZPZ has no 会计年度/会计期间: year and period are taken from 凭证日期 (calendar months)"
    ),
    "line_number_from_order": gettext_noop("JZPZ has no 行号: lines are numbered in file order"),
    "balance_sign_convention:normal_option": gettext_noop(
        "KMYE has no 余额方向: balances read as signed in the account's normal direction (余额方向 of KJKM) — "
        "the option balance_sign"
    ),
    "balance_sign_convention:debit_option": gettext_noop(
        "KMYE has no 余额方向: balances read as debit-positive — the option balance_sign"
    ),
    "balance_sign_convention:normal_counted": gettext_noop(
        "KMYE has no 余额方向: balances read as signed in the account's normal direction (余额方向 of KJKM) — "
        "{normal_fits} credit-side rows roll forward that way, {debit_fits} the other"
    ),
    "balance_sign_convention:debit_counted": gettext_noop(
        "KMYE has no 余额方向: balances read as debit-positive — {debit_fits} credit-side rows roll forward "
        "that way, {normal_fits} the other"
    ),
    "balance_sign_convention:normal_undecided": gettext_noop(
        "KMYE has no 余额方向: balances read as signed in the account's normal direction (余额方向 of KJKM) — "
        "the data does not say (name it with the option balance_sign)"
    ),
    "periods_assumed_calendar:gbt19581": gettext_noop(
        "GB/T 19581 lists no accounting periods: the twelve calendar months of {year} are used"
    ),
    # GB/T 24589
    "unexpected_namespace": gettext_noop(
        "elements in namespace {namespace}, not the enterprise namespace of {standard}; read with its element "
        "names"
    ),
    "unexpected_namespace:none": gettext_noop(
        "elements in namespace (none), not the enterprise namespace of {standard}; read with its element names"
    ),
    "unmapped_elements": gettext_noop(
        "{table}: elements not in the mapping table were left out: {element_list} (add them to "
        "gbt24589_map.TABLES if they carry something the canonical model keeps)"
    ),
    "auxiliary_item_unknown": gettext_noop(
        "辅助项N编号 values on accounts whose N-th auxiliary item is not listed in 科目辅助核算 are kept as other "
        "dimensions coded 辅助项N:value"
    ),
    "balance_several_dimensions": gettext_noop(
        "{count} balance rows have more than one auxiliary value; the canonical balances keep the first"
    ),
    "nil_direction_with_amount": gettext_noop(
        "{count} balance rows say 平 (nil) with a non-zero amount; read as debit"
    ),
    "direction_missing": gettext_noop(
        "{count} balance rows have an amount without 余额方向; the amount is taken as signed (debit positive)"
    ),
    "account_total_from_dimensions": gettext_noop(
        "{count} accounts have balances only per auxiliary value; their totals were added (e.g. {examples})"
    ),
    "cash_flow_assignments_not_applied": gettext_noop(
        "{count} rows of 现金流量凭证项目数据 (cash-flow items of voucher lines) are not applied to the lines"
    ),
    "several_books": gettext_noop("{count} 电子账簿 rows; the first is used"),
    "duplicate_account:gbt24589": gettext_noop(
        "{count} accounts are listed more than once in 会计科目 (the first is kept)"
    ),
    "duplicate_dimension:count": gettext_noop(
        "{count} dimension values are listed more than once (the first is kept)"
    ),
    "balances_periods": gettext_noop(
        "the trial balance has {periods} periods: opening balances are taken from the first, closing balances "
        "from the last, and the activity is added up"
    ),
}

register(ERRORS)
register(FINDINGS)
