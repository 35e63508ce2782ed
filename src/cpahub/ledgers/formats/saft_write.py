"""SAF-T Financial, Norwegian edition: writing v1.30 (`saft.write` calls `write` here).

The format's names and reading are in `saft`."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError, xmlsafe
from cpahub.ledgers.formats.saft import CPAHUB_GROUPING, NAMESPACE, OTHER_ANALYSIS
from cpahub.ledgers.formats.xmlsafe import xml_number, xml_text

WRITE_VERSION = "1.30"
# The analysis types a cpahub export writes for each kind.
ANALYSIS_CODES = {"department": "DEPT", "project": "PROJ", "employee": "EMPL", "inventory": "INV"}
ANALYSIS_NAMES = {
    "department": "Department",
    "project": "Project",
    "employee": "Employee",
    "inventory": "Inventory",
}

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
        entity = canonical.collect(self.source, "entity")
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
        periods = canonical.collect(self.source, "periods").drop_nulls(["fiscal_year", "period"])
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
        accounts = canonical.collect(self.source, "accounts")
        balances = canonical.collect(self.source, "balances")
        dimensions = canonical.collect(self.source, "dimensions")
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
        if canonical.collect(self.source, "cash_flow_items").height:
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
