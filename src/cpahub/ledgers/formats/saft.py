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
import io
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError, xmlsafe
from cpahub.ledgers.formats.xmlsafe import LINE, local, xml_number, xml_text

FORMAT = "saft"
LABEL = "SAF-T Financial (Norwegian 1.10 / 1.30)"
NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
BATCH = 50_000
WRITE_VERSION = "1.30"
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
# The analysis types a cpahub export writes for each kind.
ANALYSIS_CODES = {"department": "DEPT", "project": "PROJ", "employee": "EMPL", "inventory": "INV"}
ANALYSIS_NAMES = {
    "department": "Department",
    "project": "Project",
    "employee": "Employee",
    "inventory": "Inventory",
}
OTHER_ANALYSIS = "OTHER"  # the analysis type written for an "other" dimension code without "TYPE:"


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
                    raise FormatError(f"option analysis_types: {part!r} is not TYPE=kind")
                pairs.append((key, kind))
    result = {}
    for key, kind in pairs:
        kind = str(kind).strip().lower()
        if kind not in canonical.DIMENSION_TYPES:
            raise FormatError(
                f"option analysis_types: {kind!r} is not a dimension kind ({', '.join(canonical.DIMENSION_TYPES)})"
            )
        result[str(key).strip()] = kind
    return result


# --- reading -------------------------------------------------------------------------------------

LINE_TEXT = [
    "fiscal_year",
    "period",
    "voucher_type",
    "voucher_number",
    "voucher_date",
    "description",
    "account_code",
    "amount",
    "side",
    "currency",
    "fx_amount",
    "fx_rate",
    "quantity",
    *canonical.DIMENSION_LINE_COLUMNS,
    "other_dimensions",
    "preparer",
    "entered",
    "source",
]
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
        raise FormatError(f"one SAF-T file expected, found {len(found)}", Path(path).name)
    _Reader(found[0], sink, options, progress).run()


TRANSACTION_FIELDS = {
    "TransactionID",
    "Period",
    "PeriodYear",
    "TransactionDate",
    "SourceID",
    "TransactionType",
    "Description",
    "SystemEntryDate",
    "CustomerID",
    "SupplierID",
}
LINE_FIELDS = {"AccountID", "CustomerID", "SupplierID", "Description", "Quantity", "SystemEntryTime"}
_NAMES: dict[str, str] = {}  # Clark tag -> local name


def _name(tag) -> str:
    name = _NAMES[tag] = local(tag)
    return name


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
        raise FormatError(f"{text!r} is not an amount", where) from None


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
        self.batch = self._empty_batch()

    # -- driver --

    def run(self) -> None:
        tags = [q(n) for n in WATCHED]
        for _event, element in xmlsafe.iterparse(
            self.source, tags=tags, options=self.options, sink=self.sink, progress=self.progress
        ):
            name = local(element.tag)
            parent = local(element.getparent().tag) if element.getparent() is not None else ""
            handler = getattr(self, f"_on_{name}", None)
            if handler is not None and self._in_place(name, parent):
                handler(element)
            xmlsafe.release(element)
        if not self.header:
            raise FormatError("no SAF-T Header: this is not a SAF-T Financial file", self.name)
        self._flush()
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
                        raise FormatError(
                            f"SelectionCriteria/{key}: {value!r} is not a number", self.where(criteria)
                        )
                    self.header[key] = int(value)
            for key in ("SelectionStartDate", "SelectionEndDate"):
                value = _t(criteria, key)
                if value is not None:
                    try:
                        self.header[key] = datetime.date.fromisoformat(value[:10])
                    except ValueError:
                        raise FormatError(
                            f"SelectionCriteria/{key}: {value!r} is not a date", self.where(criteria)
                        ) from None

    def _on_Account(self, element) -> None:
        code = _t(element, "AccountID")
        if code is None:
            raise FormatError("an Account without AccountID", self.where(element))
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
            raise FormatError(f"a {kind} without {id_name}", self.where(element))
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
                    Issue(
                        "warning",
                        "balance_without_account",
                        f"{kind} {code}: a BalanceAccount without AccountID is left out",
                        self.where(holder),
                    )
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
            raise FormatError(
                "an AnalysisTypeTableEntry without AnalysisType or AnalysisID", self.where(element)
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
        head: dict = {}
        lines = []
        names = _NAMES
        for child in element:
            tag = child.tag
            name = names.get(tag) or _name(tag)
            if name == "Line":
                lines.append(child)
            elif name in TRANSACTION_FIELDS:
                head[name] = (child.text or "").strip() or None
        entered_default = head.get("SystemEntryDate")
        batch = self.batch
        for number, line in enumerate(lines, start=1):
            self._line(batch, head, line, number, entered_default)
        if len(batch["account_code"]) >= BATCH:
            self._flush()

    def _line(self, batch, head: dict, line, number: int, entered_default) -> None:
        values: dict = {}
        analysis: list[tuple[str, str]] = []
        amount = side = currency = fx = rate = None
        names = _NAMES
        for child in line:
            tag = child.tag
            name = names.get(tag) or _name(tag)
            if name in LINE_FIELDS:
                values[name] = (child.text or "").strip() or None
            elif name == "Analysis":
                kind_code = id_code = None
                for part in child:
                    part_name = names.get(part.tag) or _name(part.tag)
                    if part_name == "AnalysisType":
                        kind_code = (part.text or "").strip()
                    elif part_name == "AnalysisID":
                        id_code = (part.text or "").strip()
                    elif part_name.endswith("AnalysisAmount"):
                        self.analysis_amounts += 1
                if kind_code and id_code:
                    analysis.append((kind_code, id_code))
            elif name == "DebitAmount" or name == "CreditAmount":
                side = "D" if name == "DebitAmount" else "C"
                for part in child:
                    part_name = names.get(part.tag) or _name(part.tag)
                    text = (part.text or "").strip() or None
                    if part_name == "Amount":
                        amount = text
                    elif part_name == "CurrencyCode":
                        currency = text
                    elif part_name == "CurrencyAmount":
                        fx = text
                    elif part_name == "ExchangeRate":
                        rate = text
        sourceline = line.sourceline
        if side is None:
            raise FormatError("a Line without DebitAmount or CreditAmount", f"{self.name}:{sourceline}")
        if currency is not None and currency == self.header.get("currency"):
            currency = fx = rate = None
        customer = values.get("CustomerID") or head.get("CustomerID")
        supplier = values.get("SupplierID") or head.get("SupplierID")
        department = project = employee = inventory = other = None
        if analysis:
            columns = {
                "customer": customer,
                "supplier": supplier,
                "department": None,
                "project": None,
                "employee": None,
                "inventory": None,
            }
            others = []
            for analysis_type, analysis_id in analysis:
                kind = self.analysis_kinds.get(analysis_type)
                if kind is None:
                    kind = self.analysis_kinds[analysis_type] = self._kind_of(analysis_type, None)
                if kind in columns and columns[kind] is None:
                    columns[kind] = analysis_id
                else:
                    others.append(f"{kind}:{self._dimension_code(kind, analysis_type, analysis_id)}")
            customer, supplier = columns["customer"], columns["supplier"]
            department, project = columns["department"], columns["project"]
            employee, inventory = columns["employee"], columns["inventory"]
            other = ";".join(others) or None
        batch["fiscal_year"].append(head.get("PeriodYear"))
        batch["period"].append(head.get("Period"))
        batch["voucher_type"].append(self.journal)
        batch["voucher_number"].append(head.get("TransactionID"))
        batch["voucher_date"].append(head.get("TransactionDate"))
        batch["line_number"].append(number)
        batch["description"].append(values.get("Description") or head.get("Description"))
        batch["account_code"].append(values.get("AccountID"))
        batch["amount"].append(amount)
        batch["side"].append(side)
        batch["currency"].append(currency)
        batch["fx_amount"].append(fx)
        batch["fx_rate"].append(rate)
        batch["quantity"].append(values.get("Quantity"))
        batch["customer"].append(customer)
        batch["supplier"].append(supplier)
        batch["department"].append(department)
        batch["project"].append(project)
        batch["employee"].append(employee)
        batch["inventory"].append(inventory)
        batch["other_dimensions"].append(other)
        batch["preparer"].append(head.get("SourceID"))
        batch["entered"].append(values.get("SystemEntryTime") or entered_default)
        batch["source"].append(head.get("TransactionType"))
        batch[LINE].append(sourceline)

    @staticmethod
    def _empty_batch() -> dict[str, list]:
        batch: dict[str, list] = {name: [] for name in LINE_TEXT}
        batch["line_number"] = []
        batch[LINE] = []
        return batch

    def _flush(self) -> None:
        batch, self.batch = self.batch, self._empty_batch()
        if not batch["account_code"]:
            return
        schema = dict.fromkeys(LINE_TEXT, pl.String) | {"line_number": pl.Int32, LINE: pl.Int64}
        frame = pl.DataFrame(batch, schema=schema)
        frame = lines_frame(frame, self.name, self.sink)
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
                Issue(
                    "info",
                    "analysis_amounts_not_kept",
                    f"{self.analysis_amounts} analysis amounts (a line's amount split over analysis values) "
                    "are not kept: the canonical model has one amount per line",
                    self.name,
                    {"count": self.analysis_amounts},
                )
            )
        other = sorted(t for t, k in self.analysis_kinds.items() if k == "other")
        if other:
            self.sink.report(
                Issue(
                    "info",
                    "analysis_types_other",
                    "analysis types kept as other dimensions (codes TYPE:ID): "
                    + ", ".join(f"{t} ({self.analysis_seen.get(t) or '?'})" for t in other)
                    + "; name their kind with the option analysis_types (e.g. B=project)",
                    self.name,
                    {"types": other},
                )
            )
        unknown = [a["code"] for a in self.accounts if a["type"] == "unknown"]
        if unknown:
            self.sink.report(
                Issue(
                    "info",
                    "account_type_unknown",
                    f"{len(unknown)} accounts have no standard account or grouping that gives their type "
                    f"(e.g. {', '.join(unknown[:5])})",
                    self.name,
                    {"count": len(unknown)},
                )
            )

    def _check_controls(self) -> None:
        expected = {
            "NumberOfEntries": (self.transactions, "transactions"),
            "TotalDebit": (self.debit_total, "total debit"),
            "TotalCredit": (self.credit_total, "total credit"),
        }
        if not self.control and self.transactions:
            self.sink.report(
                Issue(
                    "warning",
                    "control_totals_missing",
                    "GeneralLedgerEntries has no control totals",
                    self.name,
                )
            )
        for key, (text, line) in self.control.items():
            found, label = expected[key]
            try:
                stated = int(text) if key == "NumberOfEntries" else Decimal(text)
            except (ValueError, ArithmeticError):
                raise FormatError(f"{key}: {text!r} is not a number", f"{self.name}:{line}") from None
            if stated != found:
                self.sink.report(
                    Issue(
                        "error",
                        "control_total_mismatch",
                        f"{key} says {stated}, the file has {found} ({label})",
                        f"{self.name}:{line}",
                        {"control": key, "stated": str(stated), "found": str(found)},
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
            Issue(
                "info",
                "periods_assumed_calendar",
                "SAF-T names periods by number only; their dates are taken as calendar months"
                + (f" (periods without a month: {', '.join(odd)})" if odd else ""),
                f"{self.name}:{header['line']}",
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
                Issue(
                    "error",
                    "duplicate_account",
                    f"accounts listed more than once (the first is kept): {', '.join(sorted(duplicates))}",
                    self.name,
                    {"accounts": sorted(duplicates)},
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
                Issue(
                    "warning",
                    "duplicate_dimension",
                    f"{frame.height - unique.height} dimension values are listed more than once (the first is "
                    f"kept), e.g. {', '.join(f'{t} {c}' for t, c, _ in repeated)}",
                    self.name,
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


LINE_CONVERSIONS = {
    "fiscal_year": xmlsafe.Conversion("int", "PeriodYear"),
    "period": xmlsafe.Conversion("int", "Period"),
    "voucher_date": xmlsafe.Conversion("iso_date", "TransactionDate"),
    "amount": xmlsafe.Conversion("amount", "Amount"),
    "fx_amount": xmlsafe.Conversion("amount", "CurrencyAmount"),
    "fx_rate": xmlsafe.Conversion("rate", "ExchangeRate"),
    "quantity": xmlsafe.Conversion("quantity", "Quantity"),
}


def lines_frame(frame: pl.DataFrame, name: str, sink) -> pl.DataFrame:
    """The text batch of SAF-T lines as canonical columns (plus LINE)."""
    frame = xmlsafe.convert(frame, LINE_CONVERSIONS, name=name, sink=sink)
    entered = pl.col("entered").str.strip_chars()
    stamp = (
        entered.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?", 1)
        + pl.lit(" ")
        + entered.str.extract(r"^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2})", 1).fill_null("00:00:00")
    )
    frame = frame.with_columns(
        entered_at=stamp.str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us", strict=False)
    )
    unreadable = frame.filter(pl.col("entered").is_not_null() & pl.col("entered_at").is_null())
    if unreadable.height:
        sink.report(
            Issue(
                "warning",
                "entry_time_unreadable",
                f"SystemEntryTime/SystemEntryDate: {unreadable.height} value(s) are not dates; left empty "
                f"(e.g. {unreadable['entered'][0]!r})",
                f"{name}:{unreadable[LINE][0]}",
            )
        )
    zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
    debit_side = pl.col("side") == "D"
    return frame.select(
        "fiscal_year",
        "period",
        "voucher_type",
        "voucher_number",
        "voucher_date",
        "line_number",
        "description",
        "account_code",
        pl.when(debit_side).then(pl.col("amount")).otherwise(zero).alias("debit"),
        pl.when(debit_side).then(zero).otherwise(pl.col("amount")).alias("credit"),
        "currency",
        pl.when(debit_side).then(pl.col("fx_amount")).otherwise(-pl.col("fx_amount")).alias("fx_amount"),
        "fx_rate",
        "quantity",
        *canonical.DIMENSION_LINE_COLUMNS,
        "other_dimensions",
        "preparer",
        "entered_at",
        pl.lit(True).alias("posted"),
        pl.lit(False).alias("void"),
        "source",
        (pl.lit(f"{name}:") + pl.col(LINE).cast(pl.String)).alias("source_location"),
        LINE,
    )


# --- writing -------------------------------------------------------------------------------------

LOSS_MESSAGES = {
    "value_truncated": "values longer than SAF-T allows were cut",
    "character_dropped": "characters XML cannot carry were dropped",
    "hierarchy_not_kept": "parent accounts are not written (SAF-T lists the posting accounts only)",
    "account_without_balance": "accounts without a balance were written with zero balances",
    "missing_account": "lines refer to accounts missing from the chart",
    "voucher_fields_differ": "lines of one voucher differ in date, period, preparer or source; the first line's are written",
    "debit_and_credit": "lines with both a debit and a credit amount were written as their net amount",
    "currency_not_iso": "transaction currencies that are not 3-letter codes were left out",
    "dimension_not_written": "dimension values SAF-T cannot carry were left out",
    "cash_flow_not_written": "cash-flow items and line assignments are not part of SAF-T",
    "reviewer_not_written": "reviewers, posters, attachments and void flags are not part of SAF-T",
    "entry_date_invented": "vouchers without an entry date got the voucher date as SystemEntryDate (required)",
}


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as a Norwegian SAF-T Financial 1.30 file (UTF-8); returns [the file].

    Options: `country` (AuditFileCountry, default CN), `contact_first_name`, `contact_last_name`,
    `contact_telephone` (the Header's required contact, "-" when not given), `report` (a callable
    receiving an Issue for each kind of content SAF-T cannot carry)."""
    options = dict(options or {})
    target = Path(target)
    if target.is_dir():
        target = target / "saft.xml"
    losses = xmlsafe.Losses(options, target.name)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        _Writer(source, out, options, losses).run()
    losses.flush(LOSS_MESSAGES)
    return [target]


def _collect(source, name: str) -> pl.DataFrame:
    try:
        return source.lazy(name).collect()
    except (KeyError, FileNotFoundError):
        return canonical.empty(name)


class _Writer:
    def __init__(self, source, out: io.TextIOBase, options: dict, losses: xmlsafe.Losses):
        self.source = source
        self.out = out
        self.options = options
        self.losses = losses

    def t(self, value, limit: int | None = None, what: str = "") -> str:
        return xml_text(value, self.losses, limit=limit, what=what)

    def el(self, name: str, value, limit: int | None = None) -> str:
        return f"<{name}>{self.t(value, limit, name)}</{name}>"

    def run(self) -> None:
        entity = _collect(self.source, "entity")
        self.entity = entity.row(0, named=True) if entity.height else dict.fromkeys(canonical.ENTITY)
        if not self.entity.get("currency"):
            raise FormatError("the ledger has no currency; SAF-T needs the default currency")
        self.currency = self.entity["currency"]
        lines = self._lines()
        write = self.out.write
        write('<?xml version="1.0" encoding="UTF-8"?>\n')
        write(f'<AuditFile xmlns="{NAMESPACE}">\n')
        write(self._header(lines))
        write(self._master_files(lines))
        self._entries(lines)
        write("</AuditFile>\n")

    def _lines(self) -> pl.LazyFrame:
        lines = self.source.lazy("lines").with_row_index("__order")
        key = ["voucher_type", "fiscal_year", "period", "voucher_number"]
        return lines.with_columns(pl.col("__order").min().over(key).alias("__first")).sort(
            "voucher_type", "__first", "line_number", "__order", nulls_last=True
        )

    # -- header --

    def _header(self, lines: pl.LazyFrame) -> str:
        entity = self.entity
        periods = _collect(self.source, "periods").drop_nulls(["fiscal_year", "period"])
        if periods.height:
            first = periods.sort("fiscal_year", "period").row(0, named=True)
            last = periods.sort("fiscal_year", "period").row(-1, named=True)
            selection = (
                f"<PeriodStart>{first['period']}</PeriodStart><PeriodStartYear>{first['fiscal_year']}</PeriodStartYear>"
                f"<PeriodEnd>{last['period']}</PeriodEnd><PeriodEndYear>{last['fiscal_year']}</PeriodEndYear>"
            )
        elif entity.get("period_start") and entity.get("period_end"):
            selection = (
                f"<SelectionStartDate>{entity['period_start'].isoformat()}</SelectionStartDate>"
                f"<SelectionEndDate>{entity['period_end'].isoformat()}</SelectionEndDate>"
            )
        else:
            span = (
                lines.select("fiscal_year", "period")
                .drop_nulls()
                .unique()
                .sort("fiscal_year", "period")
                .collect()
            )
            if not span.height:
                raise FormatError(
                    "the ledger has no periods, period dates or lines: SAF-T needs a selection period"
                )
            span = (span.row(0, named=True), span.row(-1, named=True))
            selection = (
                f"<PeriodStart>{span[0]['period']}</PeriodStart><PeriodStartYear>{span[0]['fiscal_year']}</PeriodStartYear>"
                f"<PeriodEnd>{span[1]['period']}</PeriodEnd><PeriodEndYear>{span[1]['fiscal_year']}</PeriodEndYear>"
            )
        options = self.options
        contact = (
            "<Contact><ContactPerson>"
            + self.el("FirstName", options.get("contact_first_name") or "-", 35)
            + self.el("LastName", options.get("contact_last_name") or "-", 70)
            + "</ContactPerson>"
            + self.el("Telephone", options.get("contact_telephone") or "-", 18)
            + "</Contact>"
        )
        return (
            "<Header>"
            f"<AuditFileVersion>{WRITE_VERSION}</AuditFileVersion>"
            + self.el("AuditFileCountry", (options.get("country") or "CN")[:2].upper())
            + f"<AuditFileDateCreated>{datetime.date.today().isoformat()}</AuditFileDateCreated>"
            "<SoftwareCompanyName>cpahub</SoftwareCompanyName>"
            "<SoftwareID>cpahub audit data platform</SoftwareID>"
            f"<SoftwareVersion>{canonical.VERSION}</SoftwareVersion>"
            "<Company>"
            + self.el("RegistrationNumber", entity.get("credit_code") or "", 35)
            + self.el("Name", entity.get("name") or "", 256)
            + contact
            + "</Company>"
            + self.el("DefaultCurrencyCode", self.currency, 3)
            + f"<SelectionCriteria>{selection}</SelectionCriteria>"
            "<TaxAccountingBasis>A</TaxAccountingBasis>"
            "</Header>\n"
        )

    # -- master files --

    def _master_files(self, lines: pl.LazyFrame) -> str:
        accounts = _collect(self.source, "accounts")
        balances = _collect(self.source, "balances")
        dimensions = _collect(self.source, "dimensions")
        used = lines.select(pl.col("account_code").unique()).collect()["account_code"].drop_nulls()
        chart = set(accounts["code"].to_list())
        missing = [c for c in used.to_list() if c not in chart]
        if missing:
            self.losses.add("missing_account", ", ".join(missing[:5]), len(missing))
        written = accounts.filter(pl.col("is_leaf").fill_null(True) | pl.col("code").is_in(used.to_list()))
        if written.height < accounts.height:
            self.losses.add("hierarchy_not_kept", "", accounts.height - written.height)
        local = balances.filter(pl.col("dimension_type").is_null())
        per_account = (
            local.sort(pl.col("currency").is_not_null())
            .group_by("account_code", maintain_order=True)
            .agg(pl.col("opening").first(), pl.col("closing").first(), pl.col("currency").first())
        )
        per_account = {r["account_code"]: r for r in per_account.iter_rows(named=True)}
        parts = ["<MasterFiles>"]
        if written.height:
            parts.append("<GeneralLedgerAccounts>")
            for account in written.iter_rows(named=True):
                balance = per_account.get(account["code"])
                if balance is None:
                    self.losses.add("account_without_balance", account["code"])
                    balance = {"opening": None, "closing": None}
                kind = account.get("type") or "unknown"
                side = account.get("normal_balance") or "-"
                parts.append(
                    "<Account>"
                    + self.el("AccountID", account["code"], 70)
                    + self.el("AccountDescription", account.get("name") or "", 256)
                    + self.el("GroupingCategory", CPAHUB_GROUPING)
                    + self.el("GroupingCode", f"{kind}/{side}", 35)
                    + "<AccountType>GL</AccountType>"
                    + _balance_pair(balance["opening"], "Opening")
                    + _balance_pair(balance["closing"], "Closing")
                    + "</Account>"
                )
            parts.append("</GeneralLedgerAccounts>\n")
        party_balances = balances.filter(pl.col("dimension_type").is_in(["customer", "supplier"]))
        for kind, group, element, id_name in (
            ("customer", "Customers", "Customer", "CustomerID"),
            ("supplier", "Suppliers", "Supplier", "SupplierID"),
        ):
            members = dimensions.filter(pl.col("type") == kind)
            if not members.height:
                continue
            mine = party_balances.filter(pl.col("dimension_type") == kind)
            by_code: dict[str, list[dict]] = {}
            for row in mine.iter_rows(named=True):
                by_code.setdefault(row["dimension_code"], []).append(row)
            parts.append(f"<{group}>")
            for member in members.iter_rows(named=True):
                entries = "".join(
                    "<BalanceAccount>"
                    + self.el("AccountID", row["account_code"], 70)
                    + _balance_pair(row["opening"], "Opening")
                    + _balance_pair(row["closing"], "Closing")
                    + "</BalanceAccount>"
                    for row in by_code.get(member["code"], [])
                    if row["account_code"] is not None
                )
                parts.append(
                    f"<{element}>"
                    + (
                        self.el("RegistrationNumber", member["credit_code"], 35)
                        if member.get("credit_code")
                        else ""
                    )
                    + self.el("Name", member.get("name") or "", 256)
                    + self.el(id_name, member["code"], 35)
                    + entries
                    + f"</{element}>"
                )
            parts.append(f"</{group}>\n")
        analysis = []
        for member in dimensions.filter(~pl.col("type").is_in(["customer", "supplier"])).iter_rows(
            named=True
        ):
            analysis_type, analysis_name, analysis_id = self._analysis(member["type"], member["code"])
            if analysis_type is None:
                self.losses.add("dimension_not_written", f"{member['type']} {member['code']}")
                continue
            analysis.append(
                "<AnalysisTypeTableEntry>"
                + self.el("AnalysisType", analysis_type, 9)
                + self.el("AnalysisTypeDescription", analysis_name, 256)
                + self.el("AnalysisID", analysis_id, 35)
                + self.el("AnalysisIDDescription", member.get("name") or "", 256)
                + "</AnalysisTypeTableEntry>"
            )
        if analysis:
            parts.append("<AnalysisTypeTable>" + "".join(analysis) + "</AnalysisTypeTable>\n")
        if _collect(self.source, "cash_flow_items").height:
            self.losses.add("cash_flow_not_written")
        parts.append("</MasterFiles>\n")
        return "".join(parts) if len(parts) > 2 else "<MasterFiles></MasterFiles>\n"

    @staticmethod
    def _analysis(kind: str, code: str) -> tuple[str | None, str, str]:
        """(AnalysisType, its description, AnalysisID) for a dimension value."""
        if kind in ANALYSIS_CODES:
            return ANALYSIS_CODES[kind], ANALYSIS_NAMES[kind], code
        if kind == "other":
            analysis_type, sep, analysis_id = code.partition(":")
            if sep and analysis_type and len(analysis_type) <= 9:
                return analysis_type, analysis_type, analysis_id
            return OTHER_ANALYSIS, "Other", code
        return None, "", code

    # -- entries --

    def _entries(self, lines: pl.LazyFrame) -> None:
        key = ["voucher_type", "fiscal_year", "period", "voucher_number"]
        totals = (
            lines.select(
                pl.struct(key).n_unique().alias("n"),
                pl.col("debit").sum().alias("debit"),
                pl.col("credit").sum().alias("credit"),
                pl.len().alias("lines"),
            )
            .collect()
            .row(0, named=True)
        )
        write = self.out.write
        write("<GeneralLedgerEntries>")
        count = totals["n"] if totals["lines"] else 0
        write(f"<NumberOfEntries>{count}</NumberOfEntries>")
        write(f"<TotalDebit>{xml_number(totals['debit'] or Decimal(0))}</TotalDebit>")
        write(f"<TotalCredit>{xml_number(totals['credit'] or Decimal(0))}</TotalCredit>\n")
        frame = lines.drop("__order", "__first").collect()
        flags = frame.select(
            (
                pl.col("reviewer").is_not_null()
                | pl.col("poster").is_not_null()
                | pl.col("attachments").is_not_null()
                | pl.col("void").fill_null(False)
            ).sum(),
            pl.col("cash_flow_item").is_not_null().sum(),
        ).row(0)
        if flags[0]:
            self.losses.add("reviewer_not_written", "", flags[0])
        if flags[1]:
            self.losses.add("cash_flow_not_written", "", flags[1])
        journal = None
        transaction: list[dict] = []
        for batch in frame.iter_slices(20_000):
            for row in batch.iter_rows(named=True):
                if row["voucher_type"] != journal:
                    if transaction:
                        write(self._transaction(transaction))
                        transaction = []
                    if journal is not None:
                        write("</Journal>\n")
                    journal = row["voucher_type"]
                    write(
                        "<Journal>"
                        + self.el("JournalID", journal or "-", 18)
                        + self.el("Description", journal or "-", 256)
                        + "<Type>GL</Type>\n"
                    )
                if transaction and any(
                    row[k] != transaction[0][k] for k in ("fiscal_year", "period", "voucher_number")
                ):
                    write(self._transaction(transaction))
                    transaction = []
                transaction.append(row)
        if transaction:
            write(self._transaction(transaction))
        if journal is not None:
            write("</Journal>\n")
        write("</GeneralLedgerEntries>\n")

    def _transaction(self, rows: list[dict]) -> str:
        first = rows[0]
        if first["voucher_date"] is None:
            raise FormatError(
                f"voucher {first['voucher_type']} {first['voucher_number']} has no date; SAF-T requires one",
                first.get("source_location") or "",
            )
        if first["fiscal_year"] is None or first["period"] is None:
            raise FormatError(
                f"voucher {first['voucher_type']} {first['voucher_number']} has no period; SAF-T requires one",
                first.get("source_location") or "",
            )
        for row in rows[1:]:
            if any(row[k] != first[k] for k in ("voucher_date", "preparer", "source")):
                self.losses.add("voucher_fields_differ", f"{first['voucher_type']} {first['voucher_number']}")
                break
        entered = first["entered_at"]
        if entered is None:
            self.losses.add("entry_date_invented", f"{first['voucher_type']} {first['voucher_number']}")
        voucher_date = first["voucher_date"].isoformat()
        parts = [
            "<Transaction>",
            self.el("TransactionID", first["voucher_number"] or "", 70),
            f"<Period>{first['period']}</Period><PeriodYear>{first['fiscal_year']}</PeriodYear>",
            f"<TransactionDate>{voucher_date}</TransactionDate>",
        ]
        if first["preparer"] is not None:
            parts.append(self.el("SourceID", first["preparer"], 35))
        if first["source"] is not None:
            parts.append(self.el("TransactionType", first["source"], 18))
        parts.append(self.el("Description", first["description"] or "", 256))
        parts.append(
            f"<SystemEntryDate>{(entered.date() if entered else first['voucher_date']).isoformat()}</SystemEntryDate>"
        )
        parts.append(f"<GLPostingDate>{voucher_date}</GLPostingDate>")
        for row in rows:
            parts.append(self._line(row))
        parts.append("</Transaction>\n")
        return "".join(parts)

    def _line(self, row: dict) -> str:
        parts = [
            "<Line>",
            f"<RecordID>{row['line_number'] if row['line_number'] is not None else ''}</RecordID>",
        ]
        parts.append(self.el("AccountID", row["account_code"] or "", 70))
        for kind in ("department", "project", "employee", "inventory"):
            if row[kind] is not None:
                parts.append(self._analysis_element(kind, row[kind]))
        for entry in (row["other_dimensions"] or "").split(";"):
            if not entry.strip():
                continue
            kind, _, code = entry.partition(":")
            if kind in ("customer", "supplier"):
                self.losses.add("dimension_not_written", entry)
                continue
            parts.append(self._analysis_element(kind, code))
        if row["customer"] is not None:
            parts.append(self.el("CustomerID", row["customer"], 35))
        if row["supplier"] is not None:
            parts.append(self.el("SupplierID", row["supplier"], 35))
        parts.append(self.el("Description", row["description"] or "", 256))
        debit, credit = row["debit"] or Decimal(0), row["credit"] or Decimal(0)
        if debit and credit:
            self.losses.add("debit_and_credit", f"{row['voucher_type']} {row['voucher_number']}")
            debit, credit = debit - credit, Decimal(0)
        side, amount = ("CreditAmount", credit) if credit and not debit else ("DebitAmount", debit)
        currency_part = ""
        if row["currency"] is not None and row["fx_amount"] is not None:
            if len(row["currency"]) == 3 and row["currency"].isascii():
                fx = row["fx_amount"] if side == "DebitAmount" else -row["fx_amount"]
                currency_part = f"<CurrencyCode>{self.t(row['currency'])}</CurrencyCode><CurrencyAmount>{xml_number(fx)}</CurrencyAmount>"
                if row["fx_rate"] is not None:
                    currency_part += f"<ExchangeRate>{xml_number(row['fx_rate'])}</ExchangeRate>"
            else:
                self.losses.add("currency_not_iso", row["currency"])
        parts.append(f"<{side}><Amount>{xml_number(amount)}</Amount>{currency_part}</{side}>")
        if row["quantity"] is not None:
            parts.append(f"<Quantity>{xml_number(row['quantity'])}</Quantity>")
        if row["entered_at"] is not None:
            parts.append(
                f"<SystemEntryTime>{row['entered_at'].strftime('%Y-%m-%dT%H:%M:%S')}</SystemEntryTime>"
            )
        parts.append("</Line>")
        return "".join(parts)

    def _analysis_element(self, kind: str, code: str) -> str:
        if kind == "other":
            analysis_type, _, analysis_id = self._analysis("other", code)
        elif kind in ANALYSIS_CODES:
            analysis_type, analysis_id = ANALYSIS_CODES[kind], code
        else:
            self.losses.add("dimension_not_written", f"{kind}:{code}")
            return ""
        return (
            "<Analysis>"
            + self.el("AnalysisType", analysis_type, 9)
            + self.el("AnalysisID", analysis_id, 256)
            + "</Analysis>"
        )


def _balance_pair(value: Decimal | None, prefix: str) -> str:
    value = value if value is not None else Decimal(0)
    if value < 0:
        return f"<{prefix}CreditBalance>{xml_number(-value)}</{prefix}CreditBalance>"
    return f"<{prefix}DebitBalance>{xml_number(value)}</{prefix}DebitBalance>"
