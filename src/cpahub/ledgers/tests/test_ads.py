"""AICPA Audit Data Standard (GL) flat files: reading the messy variants, hostile files, writing back."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cpahub.ledgers import canonical
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, ads

D = Decimal
GL_NAME = "GL_Detail_20240101_20241231.txt"
HEADER = [
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
]
ROWS = [
    [
        "JE1",
        "1",
        "Cash sale",
        "",
        "BU1",
        "2024",
        "1",
        "2024-01-05",
        "1001",
        "1250.00",
        "D",
        "CNY",
        "GJ",
        "U01",
        "2024-01-05",
        "10:11:12",
        "U02",
    ],
    [
        "JE1",
        "2",
        "Cash sale",
        "Revenue",
        "BU1",
        "2024",
        "1",
        "2024-01-05",
        "6001",
        "1250.00",
        "C",
        "CNY",
        "GJ",
        "U01",
        "2024-01-05",
        "10:11:12",
        "U02",
    ],
    [
        "JE2",
        "1",
        "Purchase",
        "",
        "BU1",
        "2024",
        "2",
        "2024-02-03",
        "6401",
        "300.55",
        "D",
        "CNY",
        "AP",
        "U03",
        "2024-02-04",
        "09:00:00",
        "",
    ],
    [
        "JE2",
        "2",
        "Purchase",
        "",
        "BU1",
        "2024",
        "2",
        "2024-02-03",
        "2202",
        "300.55",
        "C",
        "CNY",
        "AP",
        "U03",
        "2024-02-04",
        "09:00:00",
        "",
    ],
]


def gl_text(rows=ROWS, header=HEADER, delimiter="|") -> str:
    return "\n".join(delimiter.join(r) for r in [header, *rows]) + "\n"


def write(tmp_path: Path, text: str, name: str = GL_NAME, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, **options) -> InMemoryLedger:
    sink = InMemoryLedger()
    ads.read(path, sink, options=options)
    return sink


def amounts(sink: InMemoryLedger) -> list[tuple]:
    return (
        sink.table("lines").select("voucher_number", "line_number", "account_code", "debit", "credit").rows()
    )


EXPECTED = [
    ("JE1", 1, "1001", D("1250.00"), D("0.00")),
    ("JE1", 2, "6001", D("0.00"), D("1250.00")),
    ("JE2", 1, "6401", D("300.55"), D("0.00")),
    ("JE2", 2, "2202", D("0.00"), D("300.55")),
]


def codes(sink: InMemoryLedger) -> list[str]:
    return [issue.code for issue in sink.issues]


# --- GL_Detail ------------------------------------------------------------------------------------


def test_pipe_delimited_gl_detail(tmp_path):
    sink = read(write(tmp_path, gl_text()))
    lines = sink.table("lines")
    assert amounts(sink) == EXPECTED
    first = lines.row(0, named=True)
    assert {
        k: first[k] for k in ("fiscal_year", "period", "voucher_type", "voucher_date", "description")
    } == {
        "fiscal_year": 2024,
        "period": 1,
        "voucher_type": None,
        "voucher_date": datetime.date(2024, 1, 5),
        "description": "Cash sale",  # the header description when the line has none
    }
    assert lines["description"].to_list() == ["Cash sale", "Revenue", "Purchase", "Purchase"]
    assert first["entered_at"] == datetime.datetime(2024, 1, 5, 10, 11, 12)
    assert (first["preparer"], first["reviewer"], first["source"], first["posted"]) == (
        "U01",
        "U02",
        "GJ",
        True,
    )
    assert lines["reviewer"].to_list() == ["U02", "U02", None, None]
    assert lines["other_dimensions"].to_list() == ["other:BU1"] * 4
    assert lines["currency"].to_list() == [None] * 4  # the local currency
    assert lines["source_location"].to_list() == [f"{GL_NAME}:{n}" for n in (2, 3, 4, 5)]
    entity = sink.table("entity").row(0, named=True)
    assert entity == {
        "name": None,
        "credit_code": None,
        "currency": "CNY",
        "fiscal_year": 2024,
        "period_start": datetime.date(2024, 1, 1),
        "period_end": datetime.date(2024, 12, 31),
        "source_software": None,
        "source_format": "ads-gl",
    }
    assert sink.table("dimensions").select("type", "code").rows() == [("other", "BU1")]
    assert sink.table("accounts").select("code", "level", "type").rows() == [
        ("1001", 1, "unknown"),
        ("2202", 1, "unknown"),
        ("6001", 1, "unknown"),
        ("6401", 1, "unknown"),
    ]
    assert codes(sink) == ["file_read", "amount_convention", "accounts_derived"]


@pytest.mark.parametrize(("delimiter", "label"), [(",", "comma"), ("\t", "tab"), ("|", "pipe")])
def test_comma_and_tab_delimited_read_the_same(tmp_path, delimiter, label):
    rows = [[cell.replace("Cash sale", "Cash sale, counter") for cell in row] for row in ROWS]
    text = gl_text(rows, delimiter=delimiter)
    if delimiter == ",":
        text = text.replace("Cash sale, counter", '"Cash sale, counter"')
    sink = read(write(tmp_path, text))
    assert amounts(sink) == EXPECTED
    assert sink.table("lines")["description"][0] == "Cash sale, counter"
    assert sink.issues[0].message == f"{GL_NAME}: gl detail file, UTF-8, {label}-delimited"


def test_sap_s_h_indicators(tmp_path):
    rows = [[*row[:10], {"D": "S", "C": "H"}[row[10]], *row[11:]] for row in ROWS]
    assert amounts(read(write(tmp_path, gl_text(rows)))) == EXPECTED


def test_signed_amounts_without_an_indicator(tmp_path):
    header = [h for h in HEADER if h != "Amount_Credit_Debit_Indicator"]
    rows = [[*row[:9], ("-" if row[10] == "C" else "") + row[9], *row[11:]] for row in ROWS]
    sink = read(write(tmp_path, gl_text(rows, header)))
    assert amounts(sink) == EXPECTED
    assert "amount_convention" not in codes(sink)


def test_signed_amounts_with_a_redundant_indicator(tmp_path):
    rows = [[*row[:9], ("-" if row[10] == "C" else "") + row[9], *row[10:]] for row in ROWS]
    sink = read(write(tmp_path, gl_text(rows)))
    assert amounts(sink) == EXPECTED
    assert [i.message for i in sink.issues if i.code == "amount_convention"] == [
        "Amount is signed (credits negative) and the indicator agrees with the sign"
    ]


def test_negative_amount_with_a_debit_indicator_is_a_reported_reversal(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][9], rows[3][9] = "-300.55", "-300.55"  # a red-ink entry: negative debit, negative credit
    sink = read(write(tmp_path, gl_text(rows)))
    assert amounts(sink)[2:] == [
        ("JE2", 1, "6401", D("0.00"), D("300.55")),
        ("JE2", 2, "2202", D("300.55"), D("0.00")),
    ]
    warning = next(i for i in sink.issues if i.code == "amount_negative_with_indicator")
    assert (warning.severity, warning.location, warning.data["rows"]) == ("warning", f"{GL_NAME}:4", [4, 5])


def test_stray_spaces_and_case_in_headers(tmp_path):
    header = [" journal_id", "JOURNAL_ID_LINE_NUMBER ", "JE Header Description", "je_line_description"]
    header += ["business_unit_code", " Fiscal_Year", "period", "Effective_Date  ", " GL_Account_Number"]
    header += ["amount", "Amount_Credit_Debit_Indicator ", "amount_currency", "SOURCE", "Entered_By"]
    header += ["Entered_Date", "Entered_Time", "Approved_By"]
    assert amounts(read(write(tmp_path, gl_text(header=header)))) == EXPECTED


def test_placeholder_dates_are_warnings(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][14], rows[1][14], rows[2][14] = "00000000", "1900-01-01", "9999-12-31"
    rows[3][14] = "2024-02-04"
    sink = read(write(tmp_path, gl_text(rows)))
    warning = next(i for i in sink.issues if i.code == "placeholder_date")
    assert (warning.severity, warning.location, warning.data["count"]) == ("warning", f"{GL_NAME}:2", 3)
    assert sink.table("lines")["entered_at"].to_list() == [None, None, None, datetime.datetime(2024, 2, 4, 9)]


def test_placeholder_effective_date_keeps_the_line(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[3][7] = "1900-01-01"
    sink = read(write(tmp_path, gl_text(rows)))
    assert sink.table("lines")["voucher_date"].to_list()[3] is None
    assert sink.table("lines")["period"].to_list() == [1, 1, 2, 2]


def test_unbalanced_entries_are_kept_for_the_validation(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][9] = "1200.00"
    sink = read(write(tmp_path, gl_text(rows)))
    assert amounts(sink)[1] == ("JE1", 2, "6001", D("0.00"), D("1200.00"))
    assert sink.table("lines").height == 4


@pytest.mark.parametrize(
    ("prefix", "encoding", "label"),
    [(codecs.BOM_UTF8, "utf-8", "UTF-8 (BOM)"), (b"", "gb18030", "GB18030"), (b"", "utf-16", "UTF-16")],
)
def test_encodings(tmp_path, prefix, encoding, label):
    rows = [list(r) for r in ROWS]
    rows[0][2] = rows[1][2] = "销售收入（现金）"
    path = tmp_path / GL_NAME
    path.write_bytes(prefix + gl_text(rows).encode(encoding))
    sink = read(path)
    assert amounts(sink) == EXPECTED
    assert sink.table("lines")["description"][0] == "销售收入（现金）"
    assert sink.issues[0].data["encoding"] == label


def test_missing_fields_are_named(tmp_path):
    header = [h for h in HEADER if h != "GL_Account_Number"]
    rows = [row[:8] + row[9:] for row in ROWS]
    with pytest.raises(FormatError) as error:
        read(write(tmp_path, gl_text(rows, header)))
    assert error.value.location == f"{GL_NAME}:1"
    assert str(error.value).startswith(
        f"{GL_NAME}:1: missing field(s) GL_Account_Number; the header has: Journal_ID,"
    )


def test_bad_amount_is_refused_with_its_line(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][9] = "3OO.55"
    with pytest.raises(FormatError) as error:
        read(write(tmp_path, gl_text(rows)))
    assert error.value.location == f"{GL_NAME}:4"
    rows[2][9] = ""
    with pytest.raises(FormatError) as error:
        read(write(tmp_path, gl_text(rows)))
    assert str(error.value) == f"{GL_NAME}:4: Amount: empty Amount (1 value(s), lines 4; e.g. None)"


def test_truncated_file_is_refused(tmp_path):
    text = gl_text()
    path = write(tmp_path, text[: text.rindex("|2024-02-03|")])
    with pytest.raises(FormatError) as error:
        read(path)
    assert error.value.location == f"{GL_NAME}:5"
    assert "looks truncated" in str(error.value)


def test_year_and_period_from_the_date_when_missing(tmp_path):
    header = [h for h in HEADER if h not in ("Fiscal_Year", "Period", "Journal_ID_Line_Number")]
    rows = [row[:1] + row[2:5] + row[7:] for row in ROWS]
    sink = read(write(tmp_path, gl_text(rows, header)))
    lines = sink.table("lines")
    assert lines.select("fiscal_year", "period", "line_number").rows() == [
        (2024, 1, 1),
        (2024, 1, 2),
        (2024, 2, 1),
        (2024, 2, 2),
    ]
    assert {"fiscal_year_derived", "period_derived", "line_numbers_derived"} <= set(codes(sink))


def test_sniff():
    assert ads.sniff(b"anything", "GL_Detail_20240101_20241231.txt")
    assert ads.sniff(gl_text().encode(), "export.txt")
    assert ads.sniff(codecs.BOM_UTF8 + gl_text(delimiter=",").encode(), "export.csv")
    assert not ads.sniff("日期,凭证号,科目编码\n".encode(), "export.csv")
    assert ads.sniff(b"PK\x03\x04....GL_Detail_2024.txt", "ads.zip")


# --- a full set: folder and zip ---------------------------------------------------------------------

TB = """GL_Account_Number|GL_Account_Name|Business_Unit_Code|Fiscal_Year|Period|Amount_Beginning|Period_Activity_Debit|Period_Activity_Credit|Amount_Ending
1001|Cash|BU1|2024|12|500.00|1250.00|0.00|1750.00
2202|Payables|BU1|2024|12|-100.00|0.00|300.55|-400.55
6001|Revenue|BU1|2024|12|0.00|0.00|1250.00|-1250.00
6401|Cost of sales|BU1|2024|12|0.00|300.55|0.00|300.55
"""
COA = """GL_Account_Number|GL_Account_Name|Account_Type|Account_Subtype
1001|Cash|Asset|Current Asset
2202|Payables|Liability|Current Liability
6001|Revenue|Revenue|Sales
6401|Cost of sales|Expense|COGS
"""
USERS = """User_ID|User_Name|Role_Responsibility
U01|Li Ming|Accountant
U02|Wang Fang|Controller
"""
UNITS = """Business_Unit_Code|Business_Unit_Description
BU1|Nanchang head office
"""
SOURCES = """Source|Source_Description
GJ|General journal
AP|Payables
"""


def full_set(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / GL_NAME).write_text(gl_text(), encoding="utf-8")
    (folder / "Trial_Balance_20240101_20241231.txt").write_text(TB, encoding="utf-8")
    (folder / "Chart_Of_Accounts.txt").write_text(COA, encoding="utf-8")
    (folder / "User_Listing.txt").write_text(USERS, encoding="utf-8")
    (folder / "Business_Unit_Listing.txt").write_text(UNITS, encoding="utf-8")
    (folder / "Source_Listing.txt").write_text(SOURCES, encoding="utf-8")
    (folder / "readme.txt").write_text("not a data file", encoding="utf-8")
    return folder


def check_full_set(sink: InMemoryLedger) -> None:
    assert amounts(sink) == EXPECTED
    assert sink.table("accounts").select(
        "code", "name", "type", "normal_balance", "level", "is_leaf"
    ).rows() == [
        ("1001", "Cash", "asset", "D", 1, True),
        ("2202", "Payables", "liability", "C", 1, True),
        ("6001", "Revenue", "profit_loss", "C", 1, True),
        ("6401", "Cost of sales", "profit_loss", "D", 1, True),
    ]
    balances = sink.table("balances")
    assert balances.select(
        "account_code", "dimension_type", "opening", "debit", "credit", "closing"
    ).rows() == [
        ("1001", None, D("500.00"), D("1250.00"), D("0.00"), D("1750.00")),
        ("2202", None, D("-100.00"), D("0.00"), D("300.55"), D("-400.55")),
        ("6001", None, D("0.00"), D("0.00"), D("1250.00"), D("-1250.00")),
        ("6401", None, D("0.00"), D("300.55"), D("0.00"), D("300.55")),
    ]
    assert sink.table("users").rows() == [
        ("U01", "Li Ming", "Accountant"),
        ("U02", "Wang Fang", "Controller"),
    ]
    assert sink.table("dimensions").select("type", "code", "name").rows() == [
        ("other", "BU1", "Nanchang head office")
    ]
    assert "sources_listed" in codes(sink)
    assert "file_ignored" in codes(sink)


def test_folder_with_every_file(tmp_path):
    check_full_set(read(full_set(tmp_path / "ads")))


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"export/{path.name}")
    return target


def test_zip_with_every_file(tmp_path):
    check_full_set(read(zip_folder(full_set(tmp_path / "ads"), tmp_path / "ads.zip")))


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    target = tmp_path / "bomb.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(GL_NAME, gl_text())
        archive.writestr("GL_Detail_20240101_20240131.txt", b"\0" * (40 * 1024 * 1024))
    assert target.stat().st_size < 200_000
    with pytest.raises(FormatError) as error:
        read(target)
    assert str(error.value).startswith("bomb.zip: refused: GL_Detail_20240101_20240131.txt would expand")
    with pytest.raises(FormatError, match="would expand to"):
        read(target, max_uncompressed_bytes=1024 * 1024, max_compression_ratio=10**6)


def test_truncated_zip_is_refused(tmp_path):
    data = zip_folder(full_set(tmp_path / "ads"), tmp_path / "ads.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError) as error:
        read(cut)
    assert str(error.value) == "cut.zip: the zip archive is damaged or incomplete"


def test_zip_without_gl_detail(tmp_path):
    target = tmp_path / "tb.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("Trial_Balance_20240101_20241231.txt", TB)
    with pytest.raises(FormatError, match="no GL_Detail file found"):
        read(target)


def test_several_gl_detail_files_and_trial_balance_periods(tmp_path):
    folder = tmp_path / "ads"
    folder.mkdir()
    (folder / "GL_Detail_20240101_20240131.txt").write_text(gl_text(ROWS[:2]), encoding="utf-8")
    (folder / "GL_Detail_20240201_20240229.txt").write_text(gl_text(ROWS[2:]), encoding="utf-8")
    (folder / "Trial_Balance_20240101_20240229.txt").write_text(
        "GL_Account_Number|Fiscal_Year|Period|Amount_Beginning|Amount_Ending\n"
        "1001|2024|2|1750.00|1750.00\n"
        "1001|2024|1|500.00|1750.00\n",
        encoding="utf-8",
    )
    sink = read(folder)
    assert amounts(sink) == EXPECTED
    assert sink.table("lines")["source_location"].to_list() == [
        "GL_Detail_20240101_20240131.txt:2",
        "GL_Detail_20240101_20240131.txt:3",
        "GL_Detail_20240201_20240229.txt:2",
        "GL_Detail_20240201_20240229.txt:3",
    ]
    assert sink.table("balances").select("account_code", "opening", "debit", "closing").rows() == [
        ("1001", D("500.00"), None, D("1750.00"))
    ]
    assert "balances_periods" in codes(sink)
    entity = sink.table("entity")
    assert (entity["period_start"][0], entity["period_end"][0]) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 2, 29),
    )


def test_trial_balance_with_indicators(tmp_path):
    folder = tmp_path / "ads"
    folder.mkdir()
    (folder / GL_NAME).write_text(gl_text(), encoding="utf-8")
    (folder / "Trial_Balance.txt").write_text(
        "GL_Account_Number,Beginning_Balance,Beginning_Balance_Credit_Debit_Indicator,Ending_Balance,"
        "Ending_Balance_Credit_Debit_Indicator\n"
        '2202,"1,000.00",C,"1,300.55",Cr\n',
        encoding="utf-8",
    )
    sink = read(folder)
    assert sink.table("balances").select("account_code", "opening", "closing").rows() == [
        ("2202", D("-1000.00"), D("-1300.55"))
    ]


# --- writing and round trip -----------------------------------------------------------------------


def without_locations(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("source_location")


def test_write_then_read_gives_the_same_ledger(tmp_path):
    first = read(full_set(tmp_path / "in"))
    paths = ads.write(first, tmp_path / "out")
    assert [p.name for p in paths] == [
        GL_NAME,
        "Trial_Balance_20240101_20241231.txt",
        "Chart_Of_Accounts.txt",
        "User_Listing.txt",
        "Business_Unit_Listing.txt",
    ]
    head = (tmp_path / "out" / GL_NAME).read_text(encoding="utf-8").splitlines()[:2]
    assert head == [
        "|".join(HEADER),
        "JE1|1|Cash sale|Cash sale|BU1|2024|1|2024-01-05|1001|1250.00|D|CNY|GJ|U01|2024-01-05|10:11:12|U02",
    ]
    second = read(tmp_path / "out")
    assert_frame_equal(without_locations(second.table("lines")), without_locations(first.table("lines")))
    for table in ("accounts", "balances", "users", "dimensions", "entity"):
        assert_frame_equal(second.table(table), first.table(table), check_row_order=True)


def test_write_gives_journal_ids_to_typed_vouchers(tmp_path):
    source = InMemoryLedger()
    source.put_lines(
        pl.DataFrame(
            {
                "fiscal_year": [2024, 2024],
                "period": [3, 3],
                "voucher_type": ["记", "记"],
                "voucher_number": ["12", "12"],
                "voucher_date": [datetime.date(2024, 3, 1)] * 2,
                "line_number": [1, 2],
                "description": ["计提折旧", None],
                "account_code": ["6602", "1602"],
                "debit": [D("10.00"), D("0")],
                "credit": [D("0"), D("10.00")],
            }
        )
    )
    ads.write(source, tmp_path)
    text = (tmp_path / "GL_Detail_20240301_20240301.txt").read_text(encoding="utf-8").splitlines()
    assert text[1:] == [
        "2024-03-记-12|1|计提折旧|计提折旧||2024|3|2024-03-01|6602|10.00|D|CNY|||||",
        "2024-03-记-12|2|计提折旧|||2024|3|2024-03-01|1602|10.00|C|CNY|||||",
    ]
    back = read(tmp_path)
    assert back.table("lines").select("voucher_number", "debit", "credit").rows() == [
        ("2024-03-记-12", D("10.00"), D("0.00")),
        ("2024-03-记-12", D("0.00"), D("10.00")),
    ]
    assert dict(back.table("lines").schema) == canonical.TABLES["lines"]


def test_generated_ledger_round_trips(tmp_path):
    """A bigger ledger from many accounts: export, import, export again gives identical files."""
    lines = pl.DataFrame(
        {
            "fiscal_year": [2024] * 400,
            "period": [1 + (i // 40) for i in range(400)],
            "voucher_number": [f"V{i // 2:04d}" for i in range(400)],
            "voucher_date": [datetime.date(2024, 1 + (i // 40), 1 + (i % 28)) for i in range(400)],
            "line_number": [1 + i % 2 for i in range(400)],
            "description": [f"line {i} | with a pipe" if i % 7 == 0 else f"line {i}" for i in range(400)],
            "account_code": [f"{1001 + (i % 13)}" for i in range(400)],
            "debit": [D(f"{(i // 2) * 3}.{i % 100:02d}") if i % 2 == 0 else D("0") for i in range(400)],
            "credit": [
                D(f"{(i // 2) * 3}.{(i - 1) % 100:02d}") if i % 2 == 1 else D("0") for i in range(400)
            ],
            "preparer": ["U01"] * 400,
            "source": ["manual"] * 400,
        }
    )
    source = InMemoryLedger()
    source.put_lines(lines)
    first_paths = ads.write(source, tmp_path / "a")
    back = read(tmp_path / "a")
    second_paths = ads.write(back, tmp_path / "b")
    for one, two in zip(first_paths, second_paths, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    got = back.table("lines").select(lines.columns)
    assert_frame_equal(got, canonical.conform("lines", lines).select(lines.columns))


def test_large_file_is_read_in_batches(tmp_path):
    rows = [
        [
            "J" + str(i // 2),
            str(1 + i % 2),
            "",
            "",
            "",
            "2024",
            "1",
            "2024-01-05",
            "1001",
            "1.00",
            "DC"[i % 2],
            "",
            "",
            "",
            "",
            "",
            "",
        ]
        for i in range(2500)
    ]
    sink = InMemoryLedger()
    ads.read(write(tmp_path, gl_text(rows)), sink, options={"batch_rows": 1000})
    assert [len(b) for b in sink._line_batches] == [1000, 1000, 500]
    assert sink.table("lines")["debit"].sum() == D("1250.00")


def test_progress_is_reported(tmp_path):
    seen = []
    ads.read(full_set(tmp_path / "ads"), InMemoryLedger(), progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_bytes_helper_reads_like_a_file(tmp_path):
    # the zip path of GL_Detail inside a subfolder keeps its own name in locations
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/b/" + GL_NAME, gl_text())
    target = tmp_path / "nested.zip"
    target.write_bytes(buffer.getvalue())
    sink = read(target)
    assert sink.table("lines")["source_location"][0] == f"{GL_NAME}:2"


def test_delimiter_named_in_words(tmp_path):
    sink = read(write(tmp_path, gl_text(delimiter="\t")), delimiter="tab")
    assert amounts(sink) == EXPECTED
    with pytest.raises(FormatError, match="the delimiter must be one character"):
        read(write(tmp_path, gl_text()), delimiter="||")


def test_detection_picks_ads(tmp_path):
    from cpahub.ledgers import formats

    assert formats.detect(write(tmp_path, gl_text())) == "ads"
    assert formats.detect(zip_folder(full_set(tmp_path / "ads"), tmp_path / "ads.zip")) == "ads"
