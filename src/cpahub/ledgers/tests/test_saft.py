"""SAF-T Financial (Norwegian 1.10/1.30): the two real example files, control totals, the 1.30
writer (validated against the official XSD) and import -> export -> import round trips."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from lxml import etree

from cpahub.ledgers import canonical
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, saft, xmlsafe

SAFT_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t"
SMALL = SAFT_DIR / "example-999999999-2016.xml"
LARGE = SAFT_DIR / "example-888888888-2018.xml"


def read(path: Path, **options) -> InMemoryLedger:
    ledger = InMemoryLedger()
    saft.read(path, ledger, options=options)
    return ledger


def codes(ledger: InMemoryLedger) -> list[str]:
    return [issue.code for issue in ledger.issues]


def comparable(ledger: InMemoryLedger, name: str) -> pl.DataFrame:
    """A canonical table without what legitimately differs after a round trip, in a fixed order."""
    frame = ledger.table(name)
    if name == "lines":
        frame = frame.drop("source_location")
    if name == "entity":
        frame = frame.drop("source_software", "source_format")
    keys = [c for c, t in frame.schema.items() if not isinstance(t, pl.List)]
    return frame.sort(keys, nulls_last=True)


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    schema = SAFT_DIR / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
    return etree.XMLSchema(etree.parse(str(schema), xmlsafe.safe_parser()))


def test_the_example_files_are_there():
    # The shared data folder sits beside the clone; without it these tests must fail, not skip.
    assert SMALL.is_file()
    assert LARGE.is_file()


def test_small_example_file():
    ledger = read(SMALL)
    assert codes(ledger) == ["periods_assumed_calendar", "analysis_types_other"]
    assert ledger.table("entity").rows(named=True) == [
        {
            "name": "Selskapet AS",
            "credit_code": "999999999",
            "currency": "NOK",
            "fiscal_year": 2015,
            "period_start": datetime.date(2015, 1, 1),
            "period_end": datetime.date(2015, 12, 31),
            "source_software": "Sluttbrukersystemet AS Regnskapssystemet 3.14",
            "source_format": "saft-no-1.10",
        }
    ]
    assert ledger.table("periods").height == 12
    assert ledger.table("periods").row(9) == (
        2015,
        10,
        datetime.date(2015, 10, 1),
        datetime.date(2015, 10, 31),
    )
    assert ledger.table("accounts").select("code", "type", "normal_balance", "dimension_types").rows() == [
        ("1925", "asset", "D", ["other"]),
        ("2400", "liability", "C", ["supplier", "other"]),
        ("2740", "liability", "C", ["other"]),
        ("4000", "profit_loss", "D", ["department", "project", "other"]),
    ]
    assert ledger.table("dimensions").select("type", "code", "name", "credit_code").rows() == [
        ("customer", "12000", "Kunden AS", "999999999"),
        ("supplier", "20000", "Leverandøren AS", "999999999"),
        ("department", "100", "Administrasjon", None),
        ("project", "2000", "Kontorbygg Aker Brygge", None),
        ("other", "B:4", "Bank", None),
        ("other", "B:11", "Inngående faktura", None),
    ]
    balances = ledger.table("balances").select(
        "account_code", "dimension_type", "dimension_code", "opening", "debit", "credit", "closing"
    )
    assert balances.rows() == [
        ("1925", None, None, Decimal("1234.56"), Decimal("0.00"), Decimal("12500.00"), Decimal("12345.67")),
        (
            "2400",
            None,
            None,
            Decimal("-1234.56"),
            Decimal("12500.00"),
            Decimal("12500.00"),
            Decimal("-12345.67"),
        ),
        ("2740", None, None, Decimal("-1234.56"), Decimal("2500.00"), Decimal("0.00"), Decimal("-12345.67")),
        ("4000", None, None, Decimal("0.00"), Decimal("10000.00"), Decimal("0.00"), Decimal("0.00")),
        (
            "1500",
            "customer",
            "12000",
            Decimal("1234.56"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("12345.67"),
        ),
        (
            "2400",
            "supplier",
            "20000",
            Decimal("-1234.56"),
            Decimal("0.00"),
            Decimal("12500.00"),
            Decimal("-12345.67"),
        ),
    ]
    lines = ledger.table("lines")
    assert lines.height == 5
    assert lines.select(pl.col("debit").sum(), pl.col("credit").sum()).row(0) == (
        Decimal("25000.00"),
        Decimal("25000.00"),
    )
    first = lines.row(0, named=True)
    assert {k: first[k] for k in first if first[k] is not None} == {
        "fiscal_year": 2015,
        "period": 10,
        "voucher_type": "A",
        "voucher_number": "4567",
        "voucher_date": datetime.date(2015, 10, 31),
        "line_number": 1,
        "description": "Faktura 123456",
        "account_code": "4000",
        "debit": Decimal("10000.00"),
        "credit": Decimal("0.00"),
        "department": "100",
        "project": "2000",
        "other_dimensions": "other:B:11",
        "preparer": "1234",
        "entered_at": datetime.datetime(2015, 10, 22, 9, 30),
        "posted": True,
        "void": False,
        "source": "Normal",
        "source_location": "example-999999999-2016.xml:326",
    }
    assert lines.select("voucher_number", "line_number", "account_code", "supplier").rows() == [
        ("4567", 1, "4000", None),
        ("4567", 2, "2740", None),
        ("4567", 3, "2400", "20000"),
        ("5678", 1, "2400", None),
        ("5678", 2, "1925", None),
    ]


def test_large_example_file_control_totals_and_content():
    ledger = read(LARGE)
    assert "control_total_mismatch" not in codes(ledger)
    assert codes(ledger) == ["periods_assumed_calendar", "analysis_amounts_not_kept"]
    lines = ledger.table("lines")
    assert lines.height == 170
    assert lines.select(pl.struct("voucher_type", "voucher_number").n_unique()).item() == 53
    assert lines.select(pl.col("debit").sum(), pl.col("credit").sum()).row(0) == (
        Decimal("9487049.35"),
        Decimal("9487049.35"),
    )
    assert lines.group_by("period").len().sort("period").rows() == [(1, 41), (2, 42), (3, 43), (4, 44)]
    entity = ledger.table("entity").row(0, named=True)
    assert (entity["name"], entity["period_start"], entity["period_end"]) == (
        "Tøyen Lekefabrikk AS",
        datetime.date(2017, 1, 1),
        datetime.date(2017, 4, 30),
    )
    assert ledger.table("dimensions").group_by("type").len().sort("type").rows() == [
        ("customer", 6),
        ("department", 3),
        ("project", 5),
        ("supplier", 6),
    ]
    # A line split over two departments keeps the first in its column, the second in other_dimensions.
    split = lines.filter(pl.col("voucher_number") == "1004").row(0, named=True)
    assert (split["account_code"], split["department"], split["other_dimensions"]) == (
        "6300",
        "100",
        "department:101;department:102",
    )
    assert ledger.table("accounts").filter(pl.col("code") == "2000").row(0, named=True)["type"] == "equity"
    # Movements summed from the lines; the example file itself does not roll forward on three accounts.
    balances = ledger.table("balances").with_columns(
        gap=pl.col("opening") + pl.col("debit") - pl.col("credit") - pl.col("closing")
    )
    assert balances.filter(pl.col("gap") != 0).select("account_code", "gap").rows() == [
        ("1920", Decimal("53838.25")),
        ("2711", Decimal("-0.35")),
        ("2740", Decimal("0.35")),
    ]
    customer = balances.filter(pl.col("dimension_code") == "1001").row(0, named=True)
    assert (
        customer["account_code"],
        customer["opening"],
        customer["debit"],
        customer["credit"],
        customer["closing"],
    ) == (
        "1500",
        Decimal("2000.00"),
        Decimal("1110797.50"),
        Decimal("847297.50"),
        Decimal("265500.00"),
    )


def test_control_totals_that_do_not_match_are_errors(tmp_path):
    text = SMALL.read_text(encoding="utf-8-sig")
    text = text.replace("<n1:NumberOfEntries>2<", "<n1:NumberOfEntries>3<")
    text = text.replace("<n1:TotalDebit>25000<", "<n1:TotalDebit>25000.01<")
    changed = tmp_path / "changed.xml"
    changed.write_text(text, encoding="utf-8")
    ledger = read(changed)
    errors = [(i.code, i.message, i.location) for i in ledger.issues if i.severity == "error"]
    assert errors == [
        (
            "control_total_mismatch",
            "NumberOfEntries says 3, the file has 2 (transactions)",
            "changed.xml:307",
        ),
        (
            "control_total_mismatch",
            "TotalDebit says 25000.01, the file has 25000.00 (total debit)",
            "changed.xml:308",
        ),
    ]
    assert ledger.table("lines").height == 5  # the lines are still read; validation refuses the import


def test_analysis_types_option_names_the_kind():
    ledger = read(SMALL, analysis_types="B=project")
    lines = ledger.table("lines")
    assert lines.select("project", "other_dimensions").rows()[:2] == [("11", "project:2000"), ("11", None)]
    assert "analysis_types_other" not in codes(ledger)
    with pytest.raises(FormatError, match="not a dimension kind"):
        read(SMALL, analysis_types="B=nonsense")


@pytest.mark.parametrize("path", [SMALL, LARGE], ids=["999999999", "888888888"])
def test_round_trip_through_saft_130(path, tmp_path, xsd):
    original = read(path)
    target = tmp_path / "out.xml"
    losses = []
    assert saft.write(original, target, options={"report": losses.append}) == [target]
    assert losses == []
    document = etree.parse(str(target), xmlsafe.safe_parser())
    assert xsd.validate(document), list(xsd.error_log)[:3]
    again = read(target)
    assert again.table("entity")["source_format"].to_list() == ["saft-no-1.30"]
    for name in canonical.TABLES:
        assert comparable(again, name).equals(comparable(original, name)), name


def test_writer_reports_what_saft_cannot_carry(tmp_path, xsd):
    ledger = InMemoryLedger()
    ledger.put(
        "entity",
        pl.DataFrame(
            [{"name": "江西测试有限公司", "currency": "CNY", "fiscal_year": 2024}], schema=canonical.ENTITY
        ),
    )
    ledger.put(
        "accounts",
        pl.DataFrame(
            [
                {
                    "code": "1122",
                    "name": "应收账款",
                    "level": 1,
                    "type": "asset",
                    "normal_balance": "D",
                    "is_leaf": False,
                },
                {
                    "code": "112201",
                    "name": "货款",
                    "level": 2,
                    "parent_code": "1122",
                    "type": "asset",
                    "is_leaf": True,
                },
            ],
            schema=canonical.ACCOUNTS,
        ),
    )
    ledger.put_lines(
        pl.DataFrame(
            [
                {
                    "fiscal_year": 2024,
                    "period": 3,
                    "voucher_type": "记",
                    "voucher_number": "1",
                    "voucher_date": datetime.date(2024, 3, 5),
                    "line_number": 1,
                    "description": "收款\x01 & <测试>\r\n第二行",
                    "account_code": "112201",
                    "debit": Decimal("100.00"),
                    "credit": Decimal("0.00"),
                    "reviewer": "李四",
                }
            ]
        )
    )
    losses = []
    target = tmp_path / "cn.xml"
    saft.write(ledger, target, options={"report": losses.append, "country": "cn"})
    assert xsd.validate(etree.parse(str(target), xmlsafe.safe_parser())), list(xsd.error_log)[:3]
    assert sorted(i.code for i in losses) == [
        "account_without_balance",
        "character_dropped",
        "entry_date_invented",
        "hierarchy_not_kept",
        "reviewer_not_written",
    ]
    again = read(target)
    line = again.table("lines").row(0, named=True)
    assert line["description"] == "收款 & <测试>\r\n第二行"
    assert again.table("accounts")["code"].to_list() == ["112201"]
    assert again.table("entity")["currency"].to_list() == ["CNY"]


def test_version_130_grouping_and_balance_accounts(tmp_path):
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<AuditFile xmlns="{saft.NAMESPACE}">
<Header><AuditFileVersion>1.30</AuditFileVersion><AuditFileCountry>NO</AuditFileCountry>
<AuditFileDateCreated>2024-01-10</AuditFileDateCreated><SoftwareCompanyName>X</SoftwareCompanyName>
<SoftwareID>Y</SoftwareID><SoftwareVersion>1</SoftwareVersion>
<Company><RegistrationNumber>123</RegistrationNumber><Name>Firma AS</Name></Company>
<DefaultCurrencyCode>NOK</DefaultCurrencyCode>
<SelectionCriteria><SelectionStartDate>2023-01-01</SelectionStartDate><SelectionEndDate>2023-12-31</SelectionEndDate></SelectionCriteria>
<TaxAccountingBasis>A</TaxAccountingBasis></Header>
<MasterFiles><GeneralLedgerAccounts>
<Account><AccountID>1500</AccountID><AccountDescription>Kunder</AccountDescription>
<GroupingCategory>RF-1167</GroupingCategory><GroupingCode>1500</GroupingCode><AccountType>GL</AccountType>
<OpeningDebitBalance>100</OpeningDebitBalance><ClosingDebitBalance>150</ClosingDebitBalance></Account>
<Account><AccountID>3000</AccountID><AccountDescription>Salg</AccountDescription>
<GroupingCategory>Other</GroupingCategory><GroupingCode>x</GroupingCode><AccountType>GL</AccountType>
<OpeningCreditBalance>0</OpeningCreditBalance><ClosingCreditBalance>50</ClosingCreditBalance></Account>
</GeneralLedgerAccounts>
<Customers><Customer><Name>Kunde</Name><CustomerID>K1</CustomerID>
<BalanceAccount><AccountID>1500</AccountID><OpeningDebitBalance>100</OpeningDebitBalance><ClosingDebitBalance>150</ClosingDebitBalance></BalanceAccount>
</Customer></Customers></MasterFiles>
<GeneralLedgerEntries><NumberOfEntries>1</NumberOfEntries><TotalDebit>50</TotalDebit><TotalCredit>50</TotalCredit>
<Journal><JournalID>S</JournalID><Description>Salg</Description><Type>S</Type>
<Transaction><TransactionID>7</TransactionID><Period>5</Period><PeriodYear>2023</PeriodYear>
<TransactionDate>2023-05-02</TransactionDate><CustomerID>K1</CustomerID><Description>Faktura</Description>
<SystemEntryDate>2023-05-02</SystemEntryDate><GLPostingDate>2023-05-02</GLPostingDate>
<Line><RecordID>a</RecordID><AccountID>1500</AccountID><Description>F</Description>
<DebitAmount><Amount>50</Amount><CurrencyCode>EUR</CurrencyCode><CurrencyAmount>4.5</CurrencyAmount><ExchangeRate>11.11111111</ExchangeRate></DebitAmount>
<Quantity>2</Quantity></Line>
<Line><RecordID>b</RecordID><AccountID>3000</AccountID><Description>F</Description>
<CreditAmount><Amount>50</Amount><CurrencyCode>EUR</CurrencyCode><CurrencyAmount>4.5</CurrencyAmount></CreditAmount></Line>
</Transaction></Journal></GeneralLedgerEntries></AuditFile>"""
    path = tmp_path / "v130.xml"
    path.write_text(document, encoding="utf-8")
    ledger = read(path)
    assert codes(ledger) == ["account_type_unknown"]
    assert ledger.table("entity").select("fiscal_year", "period_start", "period_end", "source_format").row(
        0
    ) == (
        2023,
        datetime.date(2023, 1, 1),
        datetime.date(2023, 12, 31),
        "saft-no-1.30",
    )
    assert ledger.table("periods").height == 0
    assert ledger.table("accounts").select("code", "type", "normal_balance", "dimension_types").rows() == [
        ("1500", "asset", "D", ["customer"]),
        ("3000", "unknown", None, ["customer"]),  # the transaction's CustomerID applies to its lines
    ]
    assert ledger.table("balances").select(
        "account_code", "dimension_code", "opening", "debit", "closing"
    ).rows() == [
        ("1500", None, Decimal("100.00"), Decimal("50.00"), Decimal("150.00")),
        ("3000", None, Decimal("0.00"), Decimal("0.00"), Decimal("-50.00")),
        ("1500", "K1", Decimal("100.00"), Decimal("50.00"), Decimal("150.00")),
    ]
    lines = ledger.table("lines").select(
        "line_number", "customer", "currency", "fx_amount", "fx_rate", "quantity"
    )
    assert lines.rows() == [
        (1, "K1", "EUR", Decimal("4.50"), Decimal("11.11111111"), Decimal("2.000000")),
        (2, "K1", "EUR", Decimal("-4.50"), None, None),
    ]


def test_a_line_without_amount_is_refused(tmp_path):
    text = SMALL.read_text(encoding="utf-8-sig").replace(
        "<n1:DebitAmount>\n\t\t\t\t\t\t<n1:Amount>2500</n1:Amount>\n\t\t\t\t\t</n1:DebitAmount>", ""
    )
    path = tmp_path / "broken.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match="without DebitAmount or CreditAmount") as raised:
        read(path)
    assert raised.value.location == "broken.xml:361"


def test_an_amount_that_is_not_a_number_is_refused(tmp_path):
    text = SMALL.read_text(encoding="utf-8-sig").replace(
        "<n1:Amount>12500</n1:Amount>", "<n1:Amount>2.500,00</n1:Amount>", 1
    )
    path = tmp_path / "comma.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=re.escape("Amount: '2.500,00' is not a number")) as raised:
        read(path)
    assert raised.value.location == "comma.xml:376"  # the Line element


def test_sniff():
    assert saft.sniff(SMALL.read_bytes()[:4096], SMALL.name)
    assert not saft.sniff(b"<?xml version='1.0'?><x/>", "x.xml")
    utf16 = SMALL.read_text(encoding="utf-8-sig").encode("utf-16")
    assert saft.sniff(utf16[:4096], "x.xml")
