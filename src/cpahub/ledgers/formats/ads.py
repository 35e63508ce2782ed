"""AICPA Audit Data Standard, General Ledger (ADS GL): flat files → canonical tables, and back.

Input: a folder or a zip archive holding `GL_Detail_YYYYMMDD_YYYYMMDD` (one or several) and, when
the client has them, `Trial_Balance_YYYYMMDD_YYYYMMDD`, `Chart_Of_Accounts`, `User_Listing`,
`Source_Listing` and `Business_Unit_Listing`; or a single GL_Detail file. Files are pipe, comma or tab
delimited (sniffed), in UTF-8 (with or without BOM), GB18030 or UTF-16. Real exports are messy, so:

- header names are matched without regard to case, spaces, underscores and hyphens, and a few
  common variants are accepted (`ALIASES`);
- the debit/credit indicator may be D/C, Dr/Cr, Debit/Credit or SAP's S/H (Soll/Haben); amounts may
  be unsigned with an indicator, signed with a redundant indicator (SAP), or signed without one —
  decided per file from the values, and reported;
- placeholder dates (00000000, 1900-01-01, 9999-12-31 ...) become empty, with a warning;
- unbalanced journal entries are read as they are: the validation reports them.

Everything is vectorised with Polars: each file is read with all columns as text and converted with
expressions (see `textio.CellParser`). `write()` produces GL_Detail, Trial_Balance and
Chart_Of_Accounts (plus User_Listing and Business_Unit_Listing when there are users and business
units), pipe-delimited UTF-8, which `read()` reads back to the same canonical tables.

The canonical model has no reversal flag: `Reversal_Indicator` / `Reversal_Journal_ID` are counted
and reported, not kept. `Business_Unit_Code` becomes the "other" dimension (`other_dimensions` =
"other:<code>", with the unit's description in the dimensions table).
"""

from __future__ import annotations

import contextlib
import datetime
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from cpahub.core import textio as coretext
from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError, archive_refusal
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.textio import (
    ROW,
    CellParser,
    derive_accounts,
    head_rows,
    hierarchy,
    open_text,
    option_delimiter,
    read_delimited,
    text,
    zip_limits,
)

FORMAT = "ads"
LABEL = "AICPA Audit Data Standard (general ledger)"
SOURCE_FORMAT = "ads-gl"
DELIMITERS = ("|", "\t", ",")
BATCH_ROWS = 100_000
TEXT_SUFFIXES = {"", ".txt", ".csv", ".tsv", ".dat", ".psv"}

# File kinds by the start of the file name (compared as keys: no case, spaces, _ or -).
FILE_KINDS = {
    "gldetail": "gl_detail",
    "trialbalance": "trial_balance",
    "chartofaccounts": "chart_of_accounts",
    "userlisting": "user_listing",
    "sourcelisting": "source_listing",
    "businessunitlisting": "business_unit_listing",
}
DATE_RANGE = re.compile(r"(\d{8})\D(\d{8})")

# ADS field -> other header keys accepted for it (the field's own key is always accepted).
ALIASES = {
    "gl_detail": {
        "Journal_ID": ["jeid", "journalentryid", "journalnumber", "documentnumber", "belnr"],
        "Journal_ID_Line_Number": ["jelinenumber", "journallinenumber", "linenumber", "buzei"],
        "JE_Header_Description": ["headerdescription", "jeheadertext", "bktxt"],
        "JE_Line_Description": ["linedescription", "jelinetext", "sgtxt"],
        "Business_Unit_Code": ["businessunit", "companycode", "bukrs"],
        "Fiscal_Year": ["fiscalyear", "gjahr"],
        "Period": ["fiscalperiod", "postingperiod", "monat"],
        "Effective_Date": ["jedate", "postingdate", "budat"],
        "GL_Account_Number": ["glaccount", "accountnumber", "hkont"],
        "Amount": ["jeamount", "amountlocal", "dmbtr"],
        "Amount_Credit_Debit_Indicator": [
            "creditdebitindicator",
            "debitcreditindicator",
            "dcindicator",
            "amountdcindicator",
            "shkzg",
        ],
        "Amount_Currency": ["currency", "currencycode", "waers"],
        "Source": ["jesource", "sourcecode"],
        "Entered_By": ["enteredbyuserid", "createdby", "usnam"],
        "Entered_Date": ["entereddatetime", "createddate", "cpudt"],
        "Entered_Time": ["createdtime", "cputm"],
        "Approved_By": ["approvedbyuserid"],
        "Approved_Date": ["approveddatetime"],
        "Last_Modified_By": [],
        "Last_Modified_Date": [],
        "Reversal_Indicator": ["reversalflag"],
        "Reversal_Journal_ID": ["reversedjournalid"],
    },
    "trial_balance": {
        "GL_Account_Number": ["glaccount", "accountnumber"],
        "GL_Account_Name": ["accountname", "glaccountdescription"],
        "Business_Unit_Code": ["businessunit"],
        "Fiscal_Year": [],
        "Period": ["fiscalperiod"],
        "Balance_As_Of_Date": ["asofdate", "periodenddate"],
        "Amount_Beginning": ["beginningbalance", "openingbalance", "amountbeginningbalance"],
        "Amount_Beginning_Indicator": [
            "beginningbalancecreditdebitindicator",
            "amountbeginningcreditdebitindicator",
            "beginningbalancedcindicator",
        ],
        "Period_Activity_Debit": ["activitydebit", "amountdebit", "debitactivity", "perioddebit"],
        "Period_Activity_Credit": ["activitycredit", "amountcredit", "creditactivity", "periodcredit"],
        "Amount_Ending": ["endingbalance", "closingbalance", "amountendingbalance"],
        "Amount_Ending_Indicator": [
            "endingbalancecreditdebitindicator",
            "amountendingcreditdebitindicator",
            "endingbalancedcindicator",
        ],
        "Amount_Currency": ["currency"],
    },
    "chart_of_accounts": {
        "GL_Account_Number": ["glaccount", "accountnumber"],
        "GL_Account_Name": ["accountname", "glaccountdescription", "accountdescription"],
        "Account_Type": ["glaccounttype", "type"],
        "Account_Subtype": ["glaccountsubtype", "subtype"],
        "Parent_GL_Account_Number": ["parentaccountnumber", "parentglaccount", "parentaccount"],
        "GL_Account_Level": ["accountlevel", "level"],
        "Normal_Balance": ["normalbalanceindicator", "balanceside"],
    },
    "user_listing": {
        "User_ID": ["userid", "username_id", "login"],
        "User_Name": ["fullname", "name"],
        "First_Name": [],
        "Last_Name": [],
        "Role_Responsibility": ["role", "responsibility", "title"],
    },
    "source_listing": {"Source": ["sourcecode"], "Source_Description": ["description"]},
    "business_unit_listing": {
        "Business_Unit_Code": ["businessunit"],
        "Business_Unit_Description": ["businessunitname", "description", "name"],
    },
}
REQUIRED = {
    "gl_detail": ("Journal_ID", "GL_Account_Number", "Amount"),
    "trial_balance": ("GL_Account_Number",),
    "chart_of_accounts": ("GL_Account_Number",),
    "user_listing": ("User_ID",),
    "source_listing": ("Source",),
    "business_unit_listing": ("Business_Unit_Code",),
}

ACCOUNT_TYPES = {  # Account_Type keys -> (canonical type, normal balance)
    "asset": ("asset", "D"),
    "assets": ("asset", "D"),
    "liability": ("liability", "C"),
    "liabilities": ("liability", "C"),
    "equity": ("equity", "C"),
    "capital": ("equity", "C"),
    "revenue": ("profit_loss", "C"),
    "revenues": ("profit_loss", "C"),
    "income": ("profit_loss", "C"),
    "expense": ("profit_loss", "D"),
    "expenses": ("profit_loss", "D"),
    "资产": ("asset", "D"),
    "负债": ("liability", "C"),
    "共同": ("common", None),
    "权益": ("equity", "C"),
    "所有者权益": ("equity", "C"),
    "成本": ("cost", "D"),
    "损益": ("profit_loss", None),
}
NORMAL_BALANCE = {"asset": "D", "cost": "D", "liability": "C", "equity": "C"}
TRUE_WORDS = ("1", "y", "yes", "true", "t", "x", "r", "是")
FALSE_WORDS = ("0", "n", "no", "false", "f", "", "否")


# --- detection -----------------------------------------------------------------------------------


def sniff(head: bytes, name: str) -> bool:
    """A GL_Detail file (by name or by its header), or a zip holding one."""
    if coretext.key(name).startswith("gldetail"):
        return True
    if head.startswith(b"PK\x03\x04"):
        return b"GL_Detail" in head or b"gl_detail" in head.lower()
    first = head.split(b"\n", 1)[0]
    for codec in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            line = first.decode(codec)
        except UnicodeDecodeError:
            continue
        cells = {coretext.key(c) for c in re.split(r"[|,\t]", line)}
        return "journalid" in cells and "glaccountnumber" in cells
    return False


# --- files ----------------------------------------------------------------------------------------


def _kind(name: str) -> str | None:
    stem = coretext.key(Path(name).stem)
    for prefix, kind in FILE_KINDS.items():
        if stem.startswith(prefix):
            return kind
    return None


def _limits(options: dict) -> tuple[int, int]:
    return zip_limits(options)


@contextlib.contextmanager
def _files(path: Path, options: dict, sink) -> Iterator[dict[str, list[tuple[str, Path]]]]:
    """{kind: [(display name, path)]} of a folder, a zip archive (inflated with guards) or one file."""
    found: dict[str, list[tuple[str, Path]]] = {}

    def add(name: str, file: Path) -> None:
        kind = _kind(name)
        if kind is None:
            sink.report(make_issue("info", "file_ignored", name, name=name))
            return
        found.setdefault(kind, []).append((name, file))

    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if file.suffix.lower() in TEXT_SUFFIXES and not file.name.startswith("."):
                add(str(file.relative_to(path)), file)
        yield found
        return
    with path.open("rb") as handle:
        is_zip = handle.read(4) == b"PK\x03\x04"
    if not is_zip:
        kind = _kind(path.name) or "gl_detail"
        found[kind] = [(path.name, path)]
        yield found
        return
    max_total, max_ratio = _limits(options)
    try:
        archive = coretext.open_zip(path)
        with archive, tempfile.TemporaryDirectory(prefix="cpahub-ads-") as folder:
            members = coretext.inspect_zip(archive, max_total=max_total, max_ratio=max_ratio)
            budget = max_total
            for number, member in enumerate(members):
                if member.is_dir() or Path(member.filename).suffix.lower() not in TEXT_SUFFIXES:
                    continue
                name = member.filename
                if _kind(Path(name).name) is None:
                    sink.report(make_issue("info", "file_ignored", name, name=name))
                    continue
                target = Path(folder) / f"{number:05d}.txt"  # never a name from the archive
                with target.open("wb") as out:
                    budget -= coretext.copy_member(archive, member, out, limit=budget)
                add(Path(name).name, target)
            yield found
    except coretext.ArchiveRefused as refused:
        raise archive_refusal(refused, path.name) from None


def _read_file(kind: str, name: str, path: Path, options: dict, sink) -> CellParser:
    """Read one ADS file as text columns renamed to their ADS field names; returns its parser."""
    with open_text(path, name=name, encoding=options.get("encoding")) as source:
        delimiter = option_delimiter(options.get("delimiter")) or coretext.sniff_delimiter(
            source.head, DELIMITERS
        )
        rows = head_rows(source.head, delimiter, limit=1)
        if not rows or not any(rows[0]):
            raise FormatError.of("file_empty", name)
        headers = rows[0]
        lookup = {}
        for field, aliases in ALIASES[kind].items():
            for alias in [coretext.key(field), *aliases]:
                lookup.setdefault(alias, field)
        names, unknown, seen = [], [], set()
        for index, header in enumerate(headers):
            field = lookup.get(coretext.key(header))
            if field is None or field in seen:
                if coretext.key(header):
                    unknown.append(header.strip())
                names.append(f"\x00{index}")
            else:
                seen.add(field)
                names.append(field)
        missing = [f for f in REQUIRED[kind] if f not in seen]
        if kind == "gl_detail" and "Effective_Date" not in seen and not {"Fiscal_Year", "Period"} <= seen:
            missing.append("Effective_Date (or Fiscal_Year and Period)")
        if missing:
            raise FormatError.of(
                "ads_fields_missing",
                f"{name}:1",
                missing=", ".join(missing),
                header=", ".join(h.strip() for h in headers),
            )
        sink.report(
            make_issue(
                "info",
                "file_read",
                name,
                name=name,
                kind=kind,
                kind_label=kind.replace("_", " "),
                encoding=source.encoding.label,
                delimiter=delimiter,
                delimiter_name=coretext.DELIMITERS.get(delimiter, repr(delimiter)),
            )
        )
        if unknown:
            sink.report(
                make_issue(
                    "info",
                    "fields_ignored",
                    f"{name}:1",
                    name=name,
                    fields=unknown,
                    field_list=", ".join(unknown),
                )
            )
        frame = read_delimited(
            source,
            delimiter=delimiter,
            headers=names,
            skip_lines=1,
            quote=None if options.get("quote") in ("", "none") else options.get("quote") or '"',
        )
    frame = frame.select([ROW, *[n for n in names if not n.startswith("\x00")]])
    return CellParser(frame, name, sink=sink, options=options)


# --- reading --------------------------------------------------------------------------------------


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    """Read an ADS GL folder, zip or GL_Detail file into `sink`. `progress(fraction)` is called
    after each file with the share of the work done (by bytes)."""
    options = dict(options or {})
    path = Path(path)
    with _files(path, options, sink) as files:
        if not files.get("gl_detail"):
            raise FormatError.of("ads_no_gl_detail", path.name)
        for kind, group in files.items():
            if kind != "gl_detail" and len(group) > 1:
                sink.report(
                    make_issue(
                        "warning",
                        "file_ignored",
                        group[1][0],
                        variant="extra",
                        count=len(group),
                        kind=kind,
                        kind_label=kind.replace("_", " "),
                        read=group[0][0],
                    )
                )
        sizes = {p: max(p.stat().st_size, 1) for group in files.values() for _n, p in group}
        total, done = sum(sizes.values()), 0

        def advance(file: Path) -> None:
            nonlocal done
            done += sizes[file]
            if progress is not None:
                progress(done / total)

        business_units: set[str] = set()
        currencies: dict[str, int] = {}
        first_date = last_date = None
        years: dict[int, int] = {}
        account_codes: set[str] = set()
        local = options.get("currency")
        for name, file in files["gl_detail"]:
            lines, info = _gl_lines(_read_file("gl_detail", name, file, options, sink), options)
            for code, count in info["currencies"].items():
                currencies[code] = currencies.get(code, 0) + count
            local = local or (max(currencies, key=currencies.get) if currencies else "CNY")
            lines = lines.with_columns(
                currency=pl.when(pl.col("currency") != local).then(pl.col("currency")).otherwise(None)
            )
            business_units |= info["business_units"]
            account_codes |= set(lines["account_code"].drop_nulls().unique().to_list())
            dates = lines["voucher_date"].drop_nulls()
            if dates.len():
                first_date = min(d for d in (first_date, dates.min()) if d is not None)
                last_date = max(d for d in (last_date, dates.max()) if d is not None)
            for year, count in lines["fiscal_year"].drop_nulls().value_counts().iter_rows():
                years[year] = years.get(year, 0) + count
            for offset in range(0, lines.height, int(options.get("batch_rows", BATCH_ROWS))):
                sink.put_lines(lines.slice(offset, int(options.get("batch_rows", BATCH_ROWS))))
            advance(file)
        if len(currencies) > 1:
            sink.report(
                make_issue(
                    "warning",
                    "several_currencies",
                    files["gl_detail"][0][0],
                    currencies=currencies,
                    local=local,
                    count=len(currencies),
                    currency_list=", ".join(sorted(currencies)),
                )
            )

        accounts = None
        for name, file in files.get("chart_of_accounts", [])[:1]:
            accounts = _accounts(_read_file("chart_of_accounts", name, file, options, sink))
            advance(file)
        balances, names = None, {}
        for name, file in files.get("trial_balance", [])[:1]:
            balances, names = _balances(_read_file("trial_balance", name, file, options, sink), sink)
            advance(file)
        if accounts is None:
            codes = account_codes | set(balances["account_code"].to_list() if balances is not None else [])
            accounts = derive_accounts(sorted(codes), names)
            sink.report(make_issue("info", "accounts_derived", path.name, variant="ads", count=len(codes)))
        sink.put("accounts", accounts)
        if balances is not None:
            local_only = pl.when(pl.col("currency") != local).then(pl.col("currency"))
            sink.put("balances", balances.with_columns(currency=local_only))
        for name, file in files.get("user_listing", [])[:1]:
            sink.put("users", _users(_read_file("user_listing", name, file, options, sink)))
            advance(file)
        units = None
        for name, file in files.get("business_unit_listing", [])[:1]:
            parser = _read_file("business_unit_listing", name, file, options, sink)
            units = parser.frame.select(
                pl.lit("other").alias("type"),
                text("Business_Unit_Code").alias("code"),
                (
                    text("Business_Unit_Description")
                    if "Business_Unit_Description" in parser.frame.columns
                    else pl.lit(None, pl.String)
                ).alias("name"),
            ).filter(pl.col("code").is_not_null())
            advance(file)
        if units is None and business_units:
            units = pl.DataFrame({"type": "other", "code": sorted(business_units)})
        if units is not None:
            sink.put("dimensions", units)
        for name, file in files.get("source_listing", [])[:1]:
            parser = _read_file("source_listing", name, file, options, sink)
            sink.report(make_issue("info", "sources_listed", name, name=name, count=parser.frame.height))
            advance(file)
        spans = [_file_dates(name) for name, _file in files["gl_detail"]]
        starts = [a for a, _b in spans if a is not None]
        ends = [b for _a, b in spans if b is not None]
        start = min(starts) if len(starts) == len(spans) else None
        end = max(ends) if len(ends) == len(spans) else None
        year = max(years, key=years.get) if years else None
        sink.put(
            "entity",
            pl.DataFrame(
                {
                    "name": [options.get("entity_name")],
                    "credit_code": [options.get("credit_code")],
                    "currency": [local],
                    "fiscal_year": [year],
                    "period_start": [start or first_date],
                    "period_end": [end or last_date],
                    "source_software": [options.get("source_software")],
                    "source_format": [SOURCE_FORMAT],
                },
                schema=canonical.ENTITY,
            ),
        )


def _file_dates(name: str) -> tuple[datetime.date | None, datetime.date | None]:
    match = DATE_RANGE.search(Path(name).name)
    if not match:
        return None, None
    try:
        return (
            datetime.datetime.strptime(match.group(1), "%Y%m%d").date(),
            datetime.datetime.strptime(match.group(2), "%Y%m%d").date(),
        )
    except ValueError:
        return None, None


PERIOD = r"(?:^|\D)0*(\d{1,2})\D*$"
YEAR = r"(\d{4})"


def _gl_lines(parser: CellParser, options: dict) -> tuple[pl.DataFrame, dict]:
    """Canonical voucher lines of one GL_Detail file."""
    frame = parser.frame
    has = set(frame.columns)
    columns: dict[str, pl.Series | pl.Expr] = {}
    amount = parser.amounts(["Amount"])["Amount"]
    parser.fail_where(amount.is_null(), "empty", "Amount")
    net = _signed(parser, amount, options.get("amount_sign", "auto"))
    zero = pl.lit(0, dtype=canonical.AMOUNT)
    work = pl.DataFrame({"net": net})
    columns["debit"] = work.select(pl.when(pl.col("net") > 0).then(pl.col("net")).otherwise(zero))["net"]
    columns["credit"] = work.select(pl.when(pl.col("net") < 0).then(-pl.col("net")).otherwise(zero))["net"]
    if "Effective_Date" in has:
        columns["voucher_date"] = parser.dates("Effective_Date")
    dates = columns.get("voucher_date")
    if "Fiscal_Year" in has:
        year = parser.integers("Fiscal_Year", pattern=YEAR, what="year")
    else:
        year = dates.dt.year()
        parser.report("info", "fiscal_year_derived")
    if "Period" in has:
        period = parser.integers("Period", pattern=PERIOD, what="period")
    else:
        period = dates.dt.month()
        parser.report("info", "period_derived")
    if dates is not None:
        year = pl.DataFrame({"y": year, "d": dates}).select(pl.coalesce("y", pl.col("d").dt.year()))["y"]
        period = pl.DataFrame({"p": period, "d": dates}).select(pl.coalesce("p", pl.col("d").dt.month()))["p"]
    columns["fiscal_year"] = year
    columns["period"] = period
    journal = frame.select(text("Journal_ID"))["Journal_ID"]
    parser.fail_where(text("Journal_ID").is_null(), "empty", "Journal_ID")
    parser.fail_where(text("GL_Account_Number").is_null(), "empty", "GL_Account_Number")
    columns["voucher_number"] = journal
    if "Journal_ID_Line_Number" in has:
        numbers = frame.select(
            pl.col("Journal_ID_Line_Number")
            .str.strip_chars()
            .str.extract(r"^0*(\d{1,9})(?:\.0+)?$", 1)
            .cast(pl.Int32)
        )["Journal_ID_Line_Number"]
        bad = parser.report_where(
            pl.col("Journal_ID_Line_Number").str.strip_chars().str.contains(r"^0*\d{1,9}(?:\.0+)?$").not_()
            & (pl.col("Journal_ID_Line_Number").str.strip_chars() != ""),
            "warning",
            "line_number_invalid",
            "Journal_ID_Line_Number",
        )
        if bad:
            numbers = None
    else:
        numbers = None
        parser.report("info", "line_numbers_derived", variant="ads")
    if numbers is None:
        numbers = pl.DataFrame({"j": journal}).select((pl.col("j").cum_count().over("j")).cast(pl.Int32))["j"]
    columns["line_number"] = numbers
    descriptions = [text(c) for c in ("JE_Line_Description", "JE_Header_Description") if c in has]
    if descriptions:
        columns["description"] = frame.select(pl.coalesce(descriptions).alias("d"))["d"]
    columns["account_code"] = frame.select(text("GL_Account_Number"))["GL_Account_Number"]
    for field, target in (
        ("Amount_Currency", "currency"),
        ("Source", "source"),
        ("Entered_By", "preparer"),
        ("Approved_By", "reviewer"),
    ):
        if field in has:
            columns[target] = frame.select(text(field))[field]
    if "Amount_Currency" in has:
        columns["currency"] = columns["currency"].str.to_uppercase()
    business_units: set[str] = set()
    if "Business_Unit_Code" in has:
        unit = frame.select(text("Business_Unit_Code"))["Business_Unit_Code"]
        business_units = set(unit.drop_nulls().unique().to_list())
        columns["other_dimensions"] = pl.DataFrame({"u": unit}).select(
            pl.when(pl.col("u").is_not_null()).then(pl.lit("other:") + pl.col("u")).alias("u")
        )["u"]
    if "Entered_Date" in has:
        entered = parser.dates("Entered_Date", strict=False)
        clock = parser.times("Entered_Time") if "Entered_Time" in has else parser.times("Entered_Date")
        columns["entered_at"] = pl.DataFrame({"d": entered, "t": clock}).select(
            (pl.col("d").cast(pl.Datetime("us")) + pl.col("t").fill_null(pl.duration(seconds=0))).alias("e")
        )["e"]
    if "Reversal_Indicator" in has:
        flagged = frame.select(
            folded_lower("Reversal_Indicator").is_in(TRUE_WORDS).fill_null(False).sum()
        ).item()
        if flagged:
            parser.report("info", "reversals_not_kept", count=flagged)
    columns["posted"] = pl.repeat(True, frame.height, eager=True, dtype=pl.Boolean)
    columns["source_location"] = frame.select(
        (pl.lit(parser.name + ":") + pl.col(ROW).cast(pl.String)).alias("at")
    )["at"]
    currencies = {}
    if "currency" in columns:
        currencies = dict(columns["currency"].drop_nulls().value_counts().iter_rows())
    lines = canonical.conform("lines", pl.DataFrame(columns))
    return lines, {"currencies": currencies, "business_units": business_units}


def folded_lower(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_lowercase()


def _signed(parser: CellParser, amount: pl.Series, mode: str) -> pl.Series:
    """The signed amount (debit positive) from Amount and, when present, its D/C (S/H) indicator.

    "auto" decides from the values: all amounts ≥ 0 → unsigned amount + indicator; negatives only on
    credit lines and no positive credit → signed amount, redundant indicator (SAP style); otherwise
    the indicator applies to the signed amount (a negative debit reverses, i.e. is a credit) and
    this is reported.
    """
    column = "Amount_Credit_Debit_Indicator"
    if mode not in ("auto", "signed", "unsigned"):
        raise FormatError.of("option_amount_sign", parser.name, value=mode)
    if column not in parser.frame.columns or mode == "signed":
        return amount
    indicator = parser.directions(column)
    work = parser.frame.select(ROW).with_columns(a=amount, i=indicator)
    counts = work.select(
        negative=(pl.col("a") < 0).sum(),
        negative_debit=((pl.col("a") < 0) & (pl.col("i") == 1)).sum(),
        positive_credit=((pl.col("a") > 0) & (pl.col("i") == -1)).sum(),
        has_indicator=pl.col("i").is_not_null().sum(),
    ).row(0, named=True)
    if not counts["has_indicator"] and mode == "auto":
        return amount
    parser.fail_where(
        pl.col("i").is_null() & (pl.col("a") != 0),
        "empty_indicator",
        column,
        frame=work,
    )
    parser.fail_where(pl.col("i") == 0, "not_indicator", column, frame=work)
    applied = pl.when(pl.col("i") == -1).then(-pl.col("a")).otherwise(pl.col("a"))
    if mode == "unsigned" or counts["negative"] == 0:
        parser.report("info", "amount_convention", variant="unsigned")
        return work.select(applied.alias("a"))["a"]
    if counts["negative_debit"] == 0 and counts["positive_credit"] == 0:
        parser.report("info", "amount_convention", variant="signed")
        return amount
    parser.report_where(
        pl.col("a") < 0,
        "warning",
        "amount_negative_with_indicator",
        "Amount",
        frame=work,
    )
    return work.select(applied.alias("a"))["a"]


def _indicated(parser: CellParser, amount: pl.Series, indicator: str) -> pl.Series:
    if indicator not in parser.frame.columns:
        return amount
    sign = parser.directions(indicator)
    return pl.DataFrame({"a": amount, "i": sign}).select(
        pl.when(pl.col("i") == -1)
        .then(-pl.col("a").abs())
        .when(pl.col("i") == 0)
        .then(pl.col("a") * 0)
        .otherwise(pl.col("a"))
    )["a"]


def _balances(parser: CellParser, sink) -> tuple[pl.DataFrame, dict[str, str]]:
    frame = parser.frame
    has = set(frame.columns)
    amounts = parser.amounts(
        [
            c
            for c in ("Amount_Beginning", "Period_Activity_Debit", "Period_Activity_Credit", "Amount_Ending")
            if c in has
        ]
    )
    work = frame.select(
        ROW,
        text("GL_Account_Number").alias("account_code"),
        (text("Business_Unit_Code") if "Business_Unit_Code" in has else pl.lit(None, pl.String)).alias(
            "unit"
        ),
        (
            text("Amount_Currency").str.to_uppercase()
            if "Amount_Currency" in has
            else pl.lit(None, pl.String)
        ).alias("currency"),
    )
    parser.fail_where(text("GL_Account_Number").is_null(), "empty", "GL_Account_Number")
    order = []
    if "Fiscal_Year" in has:
        work = work.with_columns(year=parser.integers("Fiscal_Year", pattern=YEAR, what="year"))
        order.append("year")
    if "Period" in has:
        work = work.with_columns(period=parser.integers("Period", pattern=PERIOD, what="period"))
        order.append("period")
    if "Balance_As_Of_Date" in has:
        work = work.with_columns(as_of=parser.dates("Balance_As_Of_Date"))
        order.append("as_of")
    for field, target, indicator in (
        ("Amount_Beginning", "opening", "Amount_Beginning_Indicator"),
        ("Amount_Ending", "closing", "Amount_Ending_Indicator"),
    ):
        if field in amounts:
            work = work.with_columns(_indicated(parser, amounts[field], indicator).alias(target))
    if "Period_Activity_Debit" in amounts:
        work = work.with_columns(debit=amounts["Period_Activity_Debit"])
    if "Period_Activity_Credit" in amounts:
        work = work.with_columns(credit=amounts["Period_Activity_Credit"])
    keys = ["account_code", "unit", "currency"]
    periods = work.select(pl.struct(order).n_unique()).item() if order else 1
    if work.select(pl.struct(keys).is_duplicated().any()).item():
        if periods <= 1:
            parser.fail_where(
                pl.struct(keys).is_duplicated(),
                "account_twice_in_period",
                "GL_Account_Number",
                frame=work,
            )
        parser.report("info", "balances_periods", periods=periods)
    aggregations = []
    sorted_work = work.sort([*order, ROW]) if order else work
    if "opening" in work.columns:
        aggregations.append(pl.col("opening").first())
    if "closing" in work.columns:
        aggregations.append(pl.col("closing").last())
    for column in ("debit", "credit"):
        if column in work.columns:
            aggregations.append(pl.col(column).sum().cast(canonical.AMOUNT))
    grouped = (
        sorted_work.group_by(keys, maintain_order=True).agg(aggregations)
        if aggregations
        else sorted_work.select(keys).unique(maintain_order=True)
    )
    local_rows = grouped.filter(pl.col("unit").is_null())
    unit_rows = grouped.filter(pl.col("unit").is_not_null())
    units = unit_rows["unit"].unique().to_list()
    sums = [c for c in ("opening", "debit", "credit", "closing") if c in grouped.columns]
    if local_rows.height == 0 and len(units) > 1:
        local_rows = (
            unit_rows.group_by(["account_code", "currency"], maintain_order=True)
            .agg([pl.col(c).sum().cast(canonical.AMOUNT) for c in sums])
            .with_columns(unit=pl.lit(None, pl.String))
        )
    elif local_rows.height == 0:
        local_rows, unit_rows = unit_rows.with_columns(unit=pl.lit(None, pl.String)), unit_rows.clear()
    frames = [
        local_rows.with_columns(
            dimension_type=pl.lit(None, pl.String), dimension_code=pl.lit(None, pl.String)
        )
    ]
    if unit_rows.height:
        frames.append(unit_rows.with_columns(dimension_type=pl.lit("other"), dimension_code=pl.col("unit")))
    result = pl.concat([f.drop("unit") for f in frames], how="diagonal_relaxed")
    names = {}
    if "GL_Account_Name" in has:
        names = dict(
            frame.select(text("GL_Account_Number"), text("GL_Account_Name"))
            .drop_nulls()
            .unique("GL_Account_Number", keep="first")
            .iter_rows()
        )
    return canonical.conform("balances", result), names


def _accounts(parser: CellParser) -> pl.DataFrame:
    frame = parser.frame
    has = set(frame.columns)
    parser.fail_where(text("GL_Account_Number").is_null(), "empty", "GL_Account_Number")
    work = frame.select(
        ROW,
        text("GL_Account_Number").alias("code"),
        (text("GL_Account_Name") if "GL_Account_Name" in has else pl.lit(None, pl.String)).alias("name"),
        *[
            (pl.col(c).str.strip_chars().str.to_lowercase() if c in has else pl.lit(None, pl.String)).alias(c)
            for c in ("Account_Type", "Account_Subtype")
        ],
    )
    parser.fail_where(pl.col("code").is_duplicated(), "account_twice", "GL_Account_Number", frame=work)
    types = {k: v[0] for k, v in ACCOUNT_TYPES.items()}
    normals = {k: v[1] for k, v in ACCOUNT_TYPES.items() if v[1]}
    work = work.with_columns(
        type=pl.coalesce(
            pl.when(pl.col("Account_Subtype").is_in(canonical.ACCOUNT_TYPES)).then(pl.col("Account_Subtype")),
            pl.col("Account_Type").replace_strict(types, default=None, return_dtype=pl.String),
            pl.lit("unknown"),
        ),
        normal=pl.col("Account_Type").replace_strict(normals, default=None, return_dtype=pl.String),
    )
    work = work.with_columns(
        normal=pl.coalesce(
            "normal", pl.col("type").replace_strict(NORMAL_BALANCE, default=None, return_dtype=pl.String)
        )
    )
    if "Normal_Balance" in has:
        explicit = parser.directions("Normal_Balance")
        work = work.with_columns(
            normal=pl.coalesce(
                pl.Series("n", explicit).replace_strict(
                    {1: "D", -1: "C"}, default=None, return_dtype=pl.String
                ),
                "normal",
            )
        )
    codes = work["code"].to_list()
    parents, levels = hierarchy(codes)
    if "Parent_GL_Account_Number" in has:
        given = frame.select(text("Parent_GL_Account_Number"))["Parent_GL_Account_Number"].to_list()
        parents = [g if g is not None else None for g in given] if any(given) else parents
    if "GL_Account_Level" in has:
        given_levels = parser.integers("GL_Account_Level", what="level").to_list()
        if any(v is not None for v in given_levels):
            levels = [g if g is not None else d for g, d in zip(given_levels, levels, strict=True)]
    leaf = set(codes) - {p for p in parents if p}
    return canonical.conform(
        "accounts",
        pl.DataFrame(
            {
                "code": codes,
                "name": work["name"],
                "level": pl.Series(levels, dtype=pl.Int32),
                "parent_code": pl.Series(parents, dtype=pl.String),
                "type": work["type"],
                "normal_balance": work["normal"],
                "is_leaf": [c in leaf for c in codes],
                "dimension_types": pl.Series([[]] * len(codes), dtype=pl.List(pl.String)),
            }
        ),
    )


def _users(parser: CellParser) -> pl.DataFrame:
    frame = parser.frame
    has = set(frame.columns)
    if "User_Name" in has:
        name = text("User_Name")
    elif {"First_Name", "Last_Name"} & has:
        parts = [text(c) for c in ("First_Name", "Last_Name") if c in has]
        name = pl.concat_str(parts, separator=" ", ignore_nulls=True)
    else:
        name = pl.lit(None, pl.String)
    role = text("Role_Responsibility") if "Role_Responsibility" in has else pl.lit(None, pl.String)
    users = frame.select(text("User_ID").alias("code"), name.alias("name"), role.alias("role"))
    return canonical.conform("users", users.filter(pl.col("code").is_not_null()))


# --- writing --------------------------------------------------------------------------------------

GL_COLUMNS = (
    "Journal_ID",
    "Journal_ID_Line_Number",
    "JE_Header_Description",
    "JE_Line_Description",
    "Business_Unit_Code",
    "Fiscal_Year",
    "Period",
    "Effective_Date",
    "GL_Account_Number",
    "Amount",
    "Amount_Credit_Debit_Indicator",
    "Amount_Currency",
    "Source",
    "Entered_By",
    "Entered_Date",
    "Entered_Time",
    "Approved_By",
)


def _unit(column: str) -> pl.Expr:
    """The business unit out of `other_dimensions` ("other:BU1;..." → "BU1")."""
    return pl.col(column).str.extract(r"(?:^|;)other:([^;]+)", 1)


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write GL_Detail, Trial_Balance, Chart_Of_Accounts (and User_Listing, Business_Unit_Listing)
    as pipe-delimited UTF-8 files into the folder `target`; returns their paths."""
    options = options or {}
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    entity = source.lazy("entity").collect()
    lines = source.lazy("lines")
    local = options.get("currency") or (
        entity["currency"][0] if entity.height and entity["currency"][0] else "CNY"
    )
    start = entity["period_start"][0] if entity.height else None
    end = entity["period_end"][0] if entity.height else None
    if start is None or end is None:
        bounds = lines.select(
            pl.col("voucher_date").min().alias("a"), pl.col("voucher_date").max().alias("b")
        ).collect()
        start = start or bounds["a"][0] or datetime.date.today()
        end = end or bounds["b"][0] or start
    span = f"{start:%Y%m%d}_{end:%Y%m%d}"
    written = []

    number = pl.col("voucher_number").fill_null("")
    journal = (
        pl.when(pl.col("voucher_type").is_null())
        .then(number)
        .otherwise(
            pl.col("fiscal_year").cast(pl.String)
            + "-"
            + pl.col("period").cast(pl.String).str.zfill(2)
            + "-"
            + pl.col("voucher_type")
            + "-"
            + number
        )
    )
    net = pl.col("debit").fill_null(0) - pl.col("credit").fill_null(0)
    voucher = ["fiscal_year", "period", "voucher_type", "voucher_number"]
    detail = lines.select(
        journal.alias("Journal_ID"),
        pl.col("line_number").cast(pl.String).alias("Journal_ID_Line_Number"),
        pl.col("description").sort_by("line_number").first().over(voucher).alias("JE_Header_Description"),
        pl.col("description").alias("JE_Line_Description"),
        _unit("other_dimensions").alias("Business_Unit_Code"),
        pl.col("fiscal_year").cast(pl.String).alias("Fiscal_Year"),
        pl.col("period").cast(pl.String).alias("Period"),
        pl.col("voucher_date").dt.strftime("%Y-%m-%d").alias("Effective_Date"),
        pl.col("account_code").alias("GL_Account_Number"),
        net.abs().cast(canonical.AMOUNT).cast(pl.String).alias("Amount"),
        pl.when(net < 0).then(pl.lit("C")).otherwise(pl.lit("D")).alias("Amount_Credit_Debit_Indicator"),
        pl.coalesce("currency", pl.lit(local)).alias("Amount_Currency"),
        pl.col("source").alias("Source"),
        pl.col("preparer").alias("Entered_By"),
        pl.col("entered_at").dt.strftime("%Y-%m-%d").alias("Entered_Date"),
        pl.col("entered_at").dt.strftime("%H:%M:%S").alias("Entered_Time"),
        pl.col("reviewer").alias("Approved_By"),
    )
    path = target / f"GL_Detail_{span}.txt"
    detail.collect().write_csv(path, separator="|", quote_style="necessary")
    written.append(path)

    accounts = source.lazy("accounts").collect()
    balances = source.lazy("balances").filter(pl.col("currency").is_null()).collect()
    balances = balances.filter(pl.col("dimension_type").is_null() | (pl.col("dimension_type") == "other"))
    amount = lambda c: pl.col(c).cast(canonical.AMOUNT).cast(pl.String)  # noqa: E731
    trial = balances.select(
        pl.col("account_code").alias("GL_Account_Number"),
        pl.when(pl.col("dimension_type") == "other")
        .then(pl.col("dimension_code"))
        .alias("Business_Unit_Code"),
        pl.lit(entity["fiscal_year"][0] if entity.height else None, pl.Int32)
        .cast(pl.String)
        .alias("Fiscal_Year"),
        pl.lit(None, pl.String).alias("Period"),
        pl.lit(end.isoformat()).alias("Balance_As_Of_Date"),
        amount("opening").alias("Amount_Beginning"),
        amount("debit").alias("Period_Activity_Debit"),
        amount("credit").alias("Period_Activity_Credit"),
        amount("closing").alias("Amount_Ending"),
        pl.lit(local).alias("Amount_Currency"),
    )
    path = target / f"Trial_Balance_{span}.txt"
    trial.write_csv(path, separator="|", quote_style="necessary")
    written.append(path)

    ads_type = (
        pl.when(pl.col("type") == "asset")
        .then(pl.lit("Asset"))
        .when(pl.col("type") == "liability")
        .then(pl.lit("Liability"))
        .when(pl.col("type") == "equity")
        .then(pl.lit("Equity"))
        .when((pl.col("type") == "profit_loss") & (pl.col("normal_balance") == "C"))
        .then(pl.lit("Revenue"))
        .when(pl.col("type").is_in(["profit_loss", "cost"]))
        .then(pl.lit("Expense"))
        .otherwise(pl.lit("Other"))
    )
    chart = accounts.select(
        pl.col("code").alias("GL_Account_Number"),
        pl.col("name").alias("GL_Account_Name"),
        ads_type.alias("Account_Type"),
        pl.col("type").alias("Account_Subtype"),
        pl.col("parent_code").alias("Parent_GL_Account_Number"),
        pl.col("level").cast(pl.String).alias("GL_Account_Level"),
        pl.col("normal_balance").alias("Normal_Balance"),
    )
    path = target / "Chart_Of_Accounts.txt"
    chart.write_csv(path, separator="|", quote_style="necessary")
    written.append(path)

    users = source.lazy("users").collect()
    if users.height:
        path = target / "User_Listing.txt"
        users.select(
            pl.col("code").alias("User_ID"),
            pl.col("name").alias("User_Name"),
            pl.col("role").alias("Role_Responsibility"),
        ).write_csv(path, separator="|", quote_style="necessary")
        written.append(path)
    units = source.lazy("dimensions").filter(pl.col("type") == "other").collect()
    if units.height:
        path = target / "Business_Unit_Listing.txt"
        units.select(
            pl.col("code").alias("Business_Unit_Code"), pl.col("name").alias("Business_Unit_Description")
        ).write_csv(path, separator="|", quote_style="necessary")
        written.append(path)
    return written
