"""OECD SAF-T Financial, Norwegian edition (v1.10 and v1.30): read, and write v1.30.

What is read (docs/data-standard/formats.md has the full mapping):

- Header: company name and registration number, default currency, selection period (periods are
  taken as calendar months — reported as information), software.
- MasterFiles: GeneralLedgerAccounts/Account (type and normal balance from the standard account of
  NS 4102 — 1.10 `StandardAccountID`, 1.30 `GroupingCode` of an RF-1167/1175/1323 category — or from
  the grouping a cpahub export writes; opening and closing balances, signed); Customers and
  Suppliers (dimensions; their balances per account, 1.10 `AccountID` + balances or 1.30
  `BalanceAccount`); AnalysisTypeTable (dimensions: an analysis type becomes a department, project,
  employee or inventory dimension when its description says so — Avdeling, Prosjekt... — or when the
  option `analysis_types` ("A=department,P=project") says so; other types are "other" dimensions
  with codes "TYPE:ID").
- GeneralLedgerEntries/Journal/Transaction/Line: one canonical line per Line, in order
  (`line_number` 1, 2, ... within the transaction); `voucher_type` = JournalID, `voucher_number` =
  TransactionID, period and year from Period/PeriodYear, `preparer` = SourceID, `source` =
  TransactionType, `entered_at` = the line's SystemEntryTime or else the transaction's
  SystemEntryDate, posted = true. Analysis values go to the dimension columns (first value of a
  kind) or to `other_dimensions` ("department:102;other:B:11").
- Control totals: NumberOfEntries (transactions), TotalDebit and TotalCredit are compared with what
  was read; a difference is an error finding.
- Balances: SAF-T carries only opening and closing balances; the period's debit and credit per
  account (and per customer/supplier and account) are summed from the lines, so that
  opening + debit - credit = closing holds when the file is consistent — whether it does is for
  the validation to say.

Streaming: lxml iterparse over the end events of the elements used, each released when read, so
memory stays flat; the lines go to the sink in batches of `BATCH` lines.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError, saft_lines, xmlchunks, xmlsafe
from cpahub.ledgers.formats.messages import listing, make_issue
from cpahub.ledgers.formats.saft_lines import NAMESPACE, OTHER_ANALYSIS
from cpahub.ledgers.formats.xmlsafe import LINE, local

FORMAT = "saft"
LABEL = "SAF-T Financial (Norwegian 1.10 / 1.30)"
BATCH = 50_000
# The grouping category a cpahub export writes; its GroupingCode is "type/normal balance".
CPAHUB_GROUPING = "cpahub account type"
NORWEGIAN_GROUPINGS = ("RF-1167", "RF-1175", "RF-1323")

# Analysis type descriptions (lower case, exact) that name a canonical dimension kind.
ANALYSIS_KINDS = {
    "department": ("avdeling", "avdelinger", "department", "departments", "dept", "afdeling", "部门"),
    "project": ("prosjekt", "prosjekter", "project", "projects", "项目"),
    "employee": ("ansatt", "ansatte", "employee", "employees", "medarbeider", "员工", "职员"),
    "inventory": ("inventory", "lager", "存货"),
}


def q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def sniff(head: bytes, name: str) -> bool:
    if b"urn:StandardAuditFile-Taxation-Financial" in head:
        return True
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return "urn:StandardAuditFile-Taxation-Financial" in head.decode("utf-16", "ignore")
        except UnicodeError:
            return False
    return False


def ns4102(code: str | None) -> tuple[str, str | None]:
    """(account type, normal balance) of a Norwegian standard account number (NS 4102 classes)."""
    code = (code or "").strip()
    if not code[:1].isdigit():
        return "unknown", None
    first, two = code[0], code[:2]
    if first == "1":
        return "asset", "D"
    if first == "2":
        return ("equity", "C") if two == "20" else ("liability", "C")
    if first == "3":
        return "profit_loss", "C"
    if first in "4567":
        return "profit_loss", "D"
    if first == "8":
        return "profit_loss", None
    return "unknown", None


def parse_analysis_option(value) -> dict[str, str]:
    """The option analysis_types: a dict, or text "A=department,P=project" (also ":" and ";")."""
    if not value:
        return {}
    if isinstance(value, dict):
        pairs = value.items()
    else:
        pairs = []
        for part in str(value).replace(";", ",").split(","):
            if part.strip():
                key, sep, kind = part.replace(":", "=", 1).partition("=")
                if not sep:
                    raise FormatError.of("option_analysis_types", value=part)
                pairs.append((key, kind))
    result = {}
    for key, kind in pairs:
        kind = str(kind).strip().lower()
        if kind not in canonical.DIMENSION_TYPES:
            raise FormatError.of(
                "option_analysis_types",
                variant="kind",
                value=kind,
                kinds=", ".join(canonical.DIMENSION_TYPES),
            )
        result[str(key).strip()] = kind
    return result


# --- reading -------------------------------------------------------------------------------------

WATCHED = [
    "Header",
    "Account",
    "Customer",
    "Supplier",
    "AnalysisTypeTableEntry",
    "NumberOfEntries",
    "TotalDebit",
    "TotalCredit",
    "JournalID",
    "Transaction",
    # released unread, so that big sections do not pile up in memory
    "TaxTableEntry",
    "UOMTableEntry",
    "MovementTypeTableEntry",
    "Product",
    "PhysicalStockEntry",
    "Owner",
    "Asset",
    "Taxonomy",
    "Invoice",
    "Payment",
    "StockMovement",
    "AssetTransaction",
]


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    options = dict(options or {})
    found = xmlsafe.sources(Path(path), accept=lambda n: n.lower().endswith(".xml"))
    if len(found) != 1:
        raise FormatError.of("saft_file_count", Path(path).name, count=len(found))
    _Reader(found[0], sink, options, progress).run()


def _t(element, name: str) -> str | None:
    """Trimmed text of the child `name` (namespace-qualified), None when absent or empty."""
    child = element.find(q(name))
    if child is None or child.text is None:
        return None
    value = child.text.strip()
    return value or None


def _amount(text: str | None, where: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except ArithmeticError:
        raise FormatError.of("saft_not_amount", where, value=text) from None


class _Reader:
    def __init__(self, source: xmlsafe.Source, sink, options: dict, progress):
        self.source = source
        self.name = source.name
        self.sink = sink
        self.options = options
        self.progress = xmlsafe.Progress(progress, source.size)
        self.analysis_option = parse_analysis_option(options.get("analysis_types"))
        self.header: dict = {}
        self.accounts: list[dict] = []
        self.balances: list[dict] = []  # master balances: account rows and customer/supplier rows
        self.dimensions: list[dict] = []
        self.account_links: dict[str, set] = {}  # account -> kinds linked in the master files
        self.analysis_kinds: dict[str, str] = {}  # analysis type -> kind
        self.analysis_seen: dict[str, str] = {}  # analysis type -> description
        self.control: dict[str, tuple[str, int]] = {}
        self.journal: str | None = None
        self.transactions = 0
        self.line_count = 0
        self.debit_total = Decimal(0)
        self.credit_total = Decimal(0)
        self.analysis_amounts = 0
        self.movements: list[pl.DataFrame] = []
        self.dimension_movements: list[pl.DataFrame] = []
        self.line_kinds: dict[str, set] = {}
        self.batch = saft_lines.Rows()  # raw rows read in this process
        self.journals: list[tuple[int, str | None]] = []  # (rows so far, journal) where it changes
        self.frames: list[pl.DataFrame] = []  # raw rows: batches of this process and worker chunks
        self.pending_rows = 0

    # -- driver --

    def run(self) -> None:
        tags = [q(n) for n in WATCHED]
        for event, element in xmlchunks.events(
            self.source,
            tags=tags,
            record="Transaction",
            extract=saft_lines.extract_chunk,
            options=self.options,
            sink=self.sink,
            progress=self.progress,
        ):
            if event == "chunk":
                self._on_chunk(*element)
                continue
            name = local(element.tag)
            parent = local(element.getparent().tag) if element.getparent() is not None else ""
            handler = getattr(self, f"_on_{name}", None)
            if handler is not None and self._in_place(name, parent):
                handler(element)
            xmlsafe.release(element)
        if not self.header:
            raise FormatError.of("saft_no_header", self.name)
        self._flush(force=True)
        self._finish()

    @staticmethod
    def _in_place(name: str, parent: str) -> bool:
        expected = {
            "Account": "GeneralLedgerAccounts",
            "Customer": "Customers",
            "Supplier": "Suppliers",
            "NumberOfEntries": "GeneralLedgerEntries",
            "TotalDebit": "GeneralLedgerEntries",
            "TotalCredit": "GeneralLedgerEntries",
            "JournalID": "Journal",
            "Transaction": "Journal",
            "Header": "AuditFile",
        }
        return expected.get(name, parent) == parent

    def where(self, element) -> str:
        return f"{self.name}:{element.sourceline}"

    # -- header and master files --

    def _on_Header(self, element) -> None:
        company = element.find(q("Company"))
        criteria = element.find(q("SelectionCriteria"))
        software = " ".join(
            v
            for v in (
                _t(element, "SoftwareCompanyName"),
                _t(element, "SoftwareID"),
                _t(element, "SoftwareVersion"),
            )
            if v
        )
        version = _t(element, "AuditFileVersion") or ""
        self.header = {
            "name": _t(company, "Name") if company is not None else None,
            "credit_code": _t(company, "RegistrationNumber") if company is not None else None,
            "currency": _t(element, "DefaultCurrencyCode"),
            "software": software or None,
            "version": "1.30"
            if version.startswith("1.3")
            else "1.20"
            if version.startswith("1.2")
            else "1.10",
            "line": element.sourceline,
        }
        if criteria is not None:
            for key in ("PeriodStart", "PeriodStartYear", "PeriodEnd", "PeriodEndYear"):
                value = _t(criteria, key)
                if value is not None:
                    if not value.isdigit():
                        raise FormatError.of(
                            "saft_bad_element",
                            self.where(criteria),
                            variant="number",
                            element=f"SelectionCriteria/{key}",
                            value=value,
                        )
                    self.header[key] = int(value)
            for key in ("SelectionStartDate", "SelectionEndDate"):
                value = _t(criteria, key)
                if value is not None:
                    try:
                        self.header[key] = datetime.date.fromisoformat(value[:10])
                    except ValueError:
                        raise FormatError.of(
                            "saft_bad_element",
                            self.where(criteria),
                            variant="date",
                            element=f"SelectionCriteria/{key}",
                            value=value,
                        ) from None

    def _on_Account(self, element) -> None:
        code = _t(element, "AccountID")
        if code is None:
            raise FormatError.of(
                "saft_missing_element", self.where(element), element="Account", child="AccountID"
            )
        standard = _t(element, "StandardAccountID")
        category, grouping = _t(element, "GroupingCategory"), _t(element, "GroupingCode")
        account_type, normal = "unknown", None
        if category == CPAHUB_GROUPING and grouping:
            kind, _, side = grouping.partition("/")
            account_type = kind if kind in canonical.ACCOUNT_TYPES else "unknown"
            normal = side if side in ("D", "C") else None
        elif standard:
            account_type, normal = ns4102(standard)
        elif category and category.upper().startswith(NORWEGIAN_GROUPINGS):
            account_type, normal = ns4102(grouping)
        self.accounts.append(
            {
                "code": code,
                "name": _t(element, "AccountDescription"),
                "level": 1,
                "parent_code": None,
                "type": account_type,
                "normal_balance": normal,
                "is_leaf": True,
                "grouping": standard or (f"{category}:{grouping}" if category else None),
                "line": element.sourceline,
            }
        )
        self.balances.append(self._balance(element, code, None, None))

    def _balance(self, element, account: str, kind: str | None, code: str | None) -> dict:
        where = self.where(element)

        def signed(debit_name: str, credit_name: str) -> Decimal | None:
            debit = _amount(_t(element, debit_name), where)
            credit = _amount(_t(element, credit_name), where)
            if debit is None and credit is None:
                return None
            return (debit or Decimal(0)) - (credit or Decimal(0))

        return {
            "account_code": account,
            "dimension_type": kind,
            "dimension_code": code,
            "opening": signed("OpeningDebitBalance", "OpeningCreditBalance"),
            "closing": signed("ClosingDebitBalance", "ClosingCreditBalance"),
            "line": element.sourceline,
        }

    def _party(self, element, kind: str) -> None:
        id_name = "CustomerID" if kind == "customer" else "SupplierID"
        code = _t(element, id_name)
        if code is None:
            raise FormatError.of(
                "saft_missing_element", self.where(element), element=id_name[: -len("ID")], child=id_name
            )
        self.dimensions.append(
            {
                "type": kind,
                "code": code,
                "name": _t(element, "Name"),
                "parent_code": None,
                "credit_code": _t(element, "RegistrationNumber"),
                "line": element.sourceline,
            }
        )
        account = _t(element, "AccountID")  # 1.10
        if account is not None:
            self.account_links.setdefault(account, set()).add(kind)
            row = self._balance(element, account, kind, code)
            if row["opening"] is not None or row["closing"] is not None:
                self.balances.append(row)
        for holder in element.findall(q("BalanceAccount")):  # 1.30
            account = _t(holder, "AccountID")
            if account is None:
                self.sink.report(
                    make_issue("warning", "balance_without_account", self.where(holder), kind=kind, code=code)
                )
                continue
            self.account_links.setdefault(account, set()).add(kind)
            self.balances.append(self._balance(holder, account, kind, code))

    def _on_Customer(self, element) -> None:
        self._party(element, "customer")

    def _on_Supplier(self, element) -> None:
        self._party(element, "supplier")

    def _kind_of(self, analysis_type: str, description: str | None) -> str:
        if analysis_type in self.analysis_option:
            return self.analysis_option[analysis_type]
        label = (description or "").strip().lower()
        for kind, words in ANALYSIS_KINDS.items():
            if label in words:
                return kind
        return "other"

    def _on_AnalysisTypeTableEntry(self, element) -> None:
        analysis_type = _t(element, "AnalysisType")
        analysis_id = _t(element, "AnalysisID")
        if analysis_type is None or analysis_id is None:
            raise FormatError.of(
                "saft_missing_element",
                self.where(element),
                variant="either",
                element="AnalysisTypeTableEntry",
                child="AnalysisType",
                other="AnalysisID",
            )
        description = _t(element, "AnalysisTypeDescription")
        if analysis_type not in self.analysis_kinds:
            self.analysis_kinds[analysis_type] = self._kind_of(analysis_type, description)
            self.analysis_seen[analysis_type] = description or ""
        kind = self.analysis_kinds[analysis_type]
        self.dimensions.append(
            {
                "type": kind,
                "code": self._dimension_code(kind, analysis_type, analysis_id),
                "name": _t(element, "AnalysisIDDescription"),
                "parent_code": None,
                "credit_code": None,
                "line": element.sourceline,
            }
        )

    @staticmethod
    def _dimension_code(kind: str, analysis_type: str, analysis_id: str) -> str:
        if kind != "other":
            return analysis_id
        return analysis_id if analysis_type == OTHER_ANALYSIS else f"{analysis_type}:{analysis_id}"

    # -- general ledger entries --

    def _on_NumberOfEntries(self, element) -> None:
        self.control["NumberOfEntries"] = ((element.text or "").strip(), element.sourceline)

    def _on_TotalDebit(self, element) -> None:
        self.control["TotalDebit"] = ((element.text or "").strip(), element.sourceline)

    def _on_TotalCredit(self, element) -> None:
        self.control["TotalCredit"] = ((element.text or "").strip(), element.sourceline)

    def _on_JournalID(self, element) -> None:
        self.journal = (element.text or "").strip() or None

    def _on_Transaction(self, element) -> None:
        self.transactions += 1
        batch = self.batch
        if not self.journals or self.journals[-1][1] != self.journal:
            self.journals.append((len(batch), self.journal))
        saft_lines.transaction_rows(element, batch)
        if len(batch) >= BATCH:
            self._take_batch()
            self._flush()

    def _on_chunk(self, result: dict, parent) -> None:
        """Raw rows of a run of Transactions parsed by a worker (all in the current journal)."""
        if parent is None or local(parent.tag) != "Journal":
            return  # Transactions elsewhere are not read (as `_in_place` says for single ones)
        self._take_batch()
        self.transactions += result["transactions"]
        frame = result["frame"]
        self.frames.append(frame.with_columns(voucher_type=pl.lit(self.journal, dtype=pl.String)))
        self.pending_rows += frame.height
        self._flush()

    def _take_batch(self) -> None:
        """The raw rows read in this process so far, with their journal, into the frames to convert."""
        batch, journals = self.batch, self.journals
        if not len(batch):
            return
        self.batch, self.journals = saft_lines.Rows(), []
        starts = [start for start, _ in journals] + [len(batch)]
        voucher_type = pl.concat(
            [
                pl.repeat(journal, starts[i + 1] - start, dtype=pl.String, eager=True)
                for i, (start, journal) in enumerate(journals)
            ]
        )
        frame = batch.frame().with_columns(voucher_type.alias("voucher_type"))
        self.frames.append(frame)
        self.pending_rows += frame.height

    def _kinds(self, types: list[str]) -> dict[str, str]:
        for analysis_type in types:
            if analysis_type not in self.analysis_kinds:
                self.analysis_kinds[analysis_type] = self._kind_of(analysis_type, None)
        return {t: self.analysis_kinds[t] for t in types}

    def _flush(self, *, force: bool = False) -> None:
        """Convert the raw rows collected so far once there are `BATCH` of them (or at the end)."""
        if force:
            self._take_batch()
        if not self.frames or (self.pending_rows < BATCH and not force):
            return
        raw = pl.concat(self.frames, how="vertical")
        self.frames, self.pending_rows = [], 0
        text, analysis_amounts = saft_lines.resolve(
            raw, currency=self.header.get("currency"), kinds=self._kinds
        )
        self.analysis_amounts += analysis_amounts
        sideless = text.filter(pl.col("side").is_null())
        if sideless.height:
            raise FormatError.of(
                "saft_missing_element",
                f"{self.name}:{sideless[LINE][0]}",
                variant="either",
                element="Line",
                child="DebitAmount",
                other="CreditAmount",
            )
        frame = saft_lines.lines_frame(text, self.name, self.sink)
        self.line_count += frame.height
        sums = frame.select(pl.col("debit").sum(), pl.col("credit").sum()).row(0)
        self.debit_total += sums[0] or Decimal(0)
        self.credit_total += sums[1] or Decimal(0)
        self.movements.append(
            frame.group_by("account_code").agg(pl.col("debit").sum(), pl.col("credit").sum())
        )
        for kind in ("customer", "supplier"):
            self.dimension_movements.append(
                frame.filter(pl.col(kind).is_not_null())
                .group_by("account_code", pl.col(kind).alias("dimension_code"))
                .agg(pl.col("debit").sum(), pl.col("credit").sum())
                .with_columns(dimension_type=pl.lit(kind))
            )
        for kind in canonical.DIMENSION_LINE_COLUMNS:
            used = frame.filter(pl.col(kind).is_not_null())["account_code"].unique().to_list()
            for account in used:
                self.line_kinds.setdefault(account, set()).add(kind)
        others = (
            frame.filter(pl.col("other_dimensions").is_not_null())
            .select("account_code", pl.col("other_dimensions").str.split(";"))
            .explode("other_dimensions")
            .select("account_code", pl.col("other_dimensions").str.split(":").list.first())
            .unique()
        )
        for account, kind in others.iter_rows():
            self.line_kinds.setdefault(account, set()).add(kind)
        self.sink.put_lines(canonical.conform("lines", frame.drop(LINE)))

    # -- the end --

    def _finish(self) -> None:
        self._check_controls()
        self.sink.put("entity", self._entity())
        self.sink.put("periods", self._periods())
        self._put_accounts_and_balances()
        self._put_dimensions()
        if self.analysis_amounts:
            self.sink.report(
                make_issue("info", "analysis_amounts_not_kept", self.name, count=self.analysis_amounts)
            )
        other = sorted(t for t, k in self.analysis_kinds.items() if k == "other")
        if other:
            self.sink.report(
                make_issue(
                    "info",
                    "analysis_types_other",
                    self.name,
                    types=other,
                    type_list=", ".join(f"{t} ({self.analysis_seen.get(t) or '?'})" for t in other),
                )
            )
        unknown = [a["code"] for a in self.accounts if a["type"] == "unknown"]
        if unknown:
            self.sink.report(
                make_issue(
                    "info",
                    "account_type_unknown",
                    self.name,
                    count=len(unknown),
                    examples=", ".join(unknown[:5]),
                )
            )

    def _check_controls(self) -> None:
        expected = {
            "NumberOfEntries": (self.transactions, "transactions"),
            "TotalDebit": (self.debit_total, "total debit"),
            "TotalCredit": (self.credit_total, "total credit"),
        }
        if not self.control and self.transactions:
            self.sink.report(make_issue("warning", "control_totals_missing", self.name))
        for key, (text, line) in self.control.items():
            found, label = expected[key]
            try:
                stated = int(text) if key == "NumberOfEntries" else Decimal(text)
            except (ValueError, ArithmeticError):
                raise FormatError.of(
                    "saft_bad_element", f"{self.name}:{line}", variant="number", element=key, value=text
                ) from None
            if stated != found:
                self.sink.report(
                    make_issue(
                        "error",
                        "control_total_mismatch",
                        f"{self.name}:{line}",
                        variant=label.replace(" ", "_"),
                        control=key,
                        stated=str(stated),
                        found=str(found),
                    )
                )

    def _entity(self) -> pl.DataFrame:
        header = self.header
        start = header.get("SelectionStartDate")
        end = header.get("SelectionEndDate")
        year = header.get("PeriodStartYear")
        if "PeriodStart" in header and "PeriodStartYear" in header:
            start = _month_start(header["PeriodStartYear"], header["PeriodStart"]) or start
        if "PeriodEnd" in header and "PeriodEndYear" in header:
            end = _month_end(header["PeriodEndYear"], header["PeriodEnd"]) or end
        if year is None and start is not None:
            year = start.year
        return pl.DataFrame(
            [
                {
                    "name": header.get("name"),
                    "credit_code": header.get("credit_code"),
                    "currency": header.get("currency"),
                    "fiscal_year": year,
                    "period_start": start,
                    "period_end": end,
                    "source_software": header.get("software"),
                    "source_format": f"saft-no-{header['version']}",
                }
            ],
            schema=canonical.ENTITY,
        )

    def _periods(self) -> pl.DataFrame:
        header = self.header
        keys = ("PeriodStart", "PeriodStartYear", "PeriodEnd", "PeriodEndYear")
        if not all(k in header for k in keys):
            return canonical.empty("periods")
        rows = []
        first_year, last_year = header["PeriodStartYear"], header["PeriodEndYear"]
        odd = []
        for year in range(first_year, min(last_year, first_year + 50) + 1):
            low = header["PeriodStart"] if year == first_year else 1
            high = header["PeriodEnd"] if year == last_year else 12
            for period in range(low, high + 1):
                start, end = _month_start(year, period), _month_end(year, period)
                if start is None:
                    odd.append(f"{year}/{period}")
                rows.append({"fiscal_year": year, "period": period, "start": start, "end": end})
        self.sink.report(
            make_issue(
                "info",
                "periods_assumed_calendar",
                f"{self.name}:{header['line']}",
                variant="odd" if odd else None,
                periods=listing(odd, limit=50),
            )
        )
        return pl.DataFrame(rows, schema=canonical.PERIODS)

    def _put_accounts_and_balances(self) -> None:
        links = {a: set(k) for a, k in self.account_links.items()}
        for account, kinds in self.line_kinds.items():
            links.setdefault(account, set()).update(kinds)
        order = {k: i for i, k in enumerate(canonical.DIMENSION_TYPES)}
        accounts = [
            {
                **{k: v for k, v in a.items() if k in canonical.ACCOUNTS},
                "dimension_types": sorted(links.get(a["code"], ()), key=lambda k: order.get(k, 99)),
            }
            for a in self.accounts
        ]
        seen: dict[str, int] = {}
        unique = []
        for row in accounts:
            if row["code"] in seen:
                seen[row["code"]] += 1
                continue
            seen[row["code"]] = 1
            unique.append(row)
        duplicates = {c: n for c, n in seen.items() if n > 1}
        if duplicates:
            self.sink.report(
                make_issue(
                    "error",
                    "duplicate_account",
                    self.name,
                    variant="listed",
                    accounts=sorted(duplicates),
                    account_list=", ".join(sorted(duplicates)),
                )
            )
        self.sink.put("accounts", pl.DataFrame(unique, schema=canonical.ACCOUNTS))

        amount = canonical.AMOUNT
        master = pl.DataFrame(
            [
                {k: r[k] for k in ("account_code", "dimension_type", "dimension_code", "opening", "closing")}
                for r in self.balances
            ],
            schema={
                "account_code": pl.String,
                "dimension_type": pl.String,
                "dimension_code": pl.String,
                "opening": amount,
                "closing": amount,
            },
        ).unique(
            subset=["account_code", "dimension_type", "dimension_code"], keep="first", maintain_order=True
        )
        moves = (
            pl.concat(self.movements)
            .group_by("account_code")
            .agg(pl.col("debit").sum(), pl.col("credit").sum())
            if self.movements
            else pl.DataFrame(schema={"account_code": pl.String, "debit": amount, "credit": amount})
        )
        dimension_moves = (
            pl.concat(self.dimension_movements)
            .group_by("account_code", "dimension_type", "dimension_code")
            .agg(pl.col("debit").sum(), pl.col("credit").sum())
            if self.dimension_movements
            else pl.DataFrame(
                schema={
                    "account_code": pl.String,
                    "dimension_code": pl.String,
                    "debit": amount,
                    "credit": amount,
                    "dimension_type": pl.String,
                }
            )
        )
        plain = master.filter(pl.col("dimension_type").is_null()).join(moves, on="account_code", how="left")
        with_dimension = master.filter(pl.col("dimension_type").is_not_null()).join(
            dimension_moves, on=["account_code", "dimension_type", "dimension_code"], how="left"
        )
        zero = pl.lit(Decimal(0), dtype=amount)
        balances = pl.concat([plain, with_dimension.select(plain.columns)]).with_columns(
            pl.col("debit").fill_null(zero), pl.col("credit").fill_null(zero)
        )
        self.sink.put("balances", canonical.conform("balances", balances))

    def _put_dimensions(self) -> None:
        if not self.dimensions:
            self.sink.put("dimensions", canonical.empty("dimensions"))
            return
        frame = pl.DataFrame(
            [{k: d[k] for k in canonical.DIMENSIONS} for d in self.dimensions], schema=canonical.DIMENSIONS
        )
        unique = frame.unique(subset=["type", "code"], keep="first", maintain_order=True)
        if unique.height < frame.height:
            repeated = (
                frame.group_by("type", "code")
                .len()
                .filter(pl.col("len") > 1)
                .sort("type", "code")
                .head(5)
                .rows()
            )
            self.sink.report(
                make_issue(
                    "warning",
                    "duplicate_dimension",
                    self.name,
                    count=frame.height - unique.height,
                    examples=", ".join(f"{t} {c}" for t, c, _ in repeated),
                )
            )
        self.sink.put("dimensions", unique)


def _month_start(year: int, period: int) -> datetime.date | None:
    if 1 <= period <= 12 and 1 <= year <= 9999:
        return datetime.date(year, period, 1)
    return None


def _month_end(year: int, period: int) -> datetime.date | None:
    start = _month_start(year, period)
    if start is None:
        return None
    following = datetime.date(year + (period == 12), period % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as a Norwegian SAF-T Financial 1.30 file (UTF-8); returns [the file].

    The writer and its options are in `saft_write`."""
    from cpahub.ledgers.formats import saft_write

    return saft_write.write(source, target, options=options)


def __getattr__(attr: str):
    # The writer's names stay reachable from here (`saft.LOSS_MESSAGES`), imported on first use
    # because `saft_write` imports this module.
    if attr in _WRITER_NAMES:
        from cpahub.ledgers.formats import saft_write

        return getattr(saft_write, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


_WRITER_NAMES = frozenset({"ANALYSIS_CODES", "ANALYSIS_NAMES", "LOSS_MESSAGES", "WRITE_VERSION"})
