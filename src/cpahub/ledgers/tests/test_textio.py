"""Text parsing shared by the ledger formats: encodings, files, amounts, dates, directions, zips."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpahub.core import textio as core
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.textio import (
    ROW,
    CellParser,
    cas_type,
    derive_accounts,
    format_amount,
    hierarchy,
    open_text,
    read_delimited,
)

D = Decimal


def parser(
    columns: dict[str, list], *, options=None, first_line: int = 2
) -> tuple[CellParser, InMemoryLedger]:
    height = len(next(iter(columns.values())))
    frame = pl.DataFrame(
        {ROW: list(range(first_line, first_line + height)), **columns},
        schema={ROW: pl.Int64, **dict.fromkeys(columns, pl.String)},
    )
    sink = InMemoryLedger()
    return CellParser(frame, "f.txt", sink=sink, options=options), sink


def codes(sink: InMemoryLedger) -> list[str]:
    return [issue.code for issue in sink.issues]


# --- core: encodings ------------------------------------------------------------------------------

TEXT = "日期|摘要|金额\n2024-01-05|收到货款（甲公司）|1,234.50\n"


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (TEXT.encode(), "UTF-8"),
        (codecs.BOM_UTF8 + TEXT.encode(), "UTF-8 (BOM)"),
        (TEXT.encode("gb18030"), "GB18030"),
        (TEXT.encode("utf-16"), "UTF-16"),
    ],
)
def test_file_encodings_are_detected_and_transcoded(tmp_path, data, label):
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    found = core.detect_file_encoding(path)
    assert found.label == label
    target = tmp_path / "utf8.txt"
    core.transcode_to_utf8(path, target, found)
    assert target.read_text(encoding="utf-8") == TEXT
    assert core.read_head(path, found) == TEXT


def test_encoding_is_checked_over_the_whole_file_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(core, "CHUNK", 7)  # a multi-byte character is split across chunks
    path = tmp_path / "f.txt"
    path.write_bytes(("一二三四五六七八九十" * 5).encode("gb18030") + b"\xff\xff")
    with pytest.raises(core.TextDecodeError) as error:
        core.detect_file_encoding(path)
    assert (error.value.code, error.value.offset, error.value.byte, error.value.tried) == (
        "encoding",
        100,
        0xFF,
        "UTF-8 / GB18030",
    )
    path.write_bytes(("一二三四五六七八九十" * 5).encode())
    assert core.detect_file_encoding(path) == core.UTF8


def test_nul_bytes_mean_binary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc\x00def")
    with pytest.raises(core.TextDecodeError) as error:
        core.detect_file_encoding(path)
    assert error.value.code == "binary"


def test_named_encoding_is_validated(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes("金额".encode("gb18030"))
    assert core.detect_file_encoding(path, hint="gbk") == core.GB18030
    with pytest.raises(core.TextDecodeError) as error:
        core.detect_file_encoding(path, hint="utf-8")
    assert (error.value.offset, error.value.tried) == (0, "UTF-8")
    with pytest.raises(ValueError, match="unknown encoding 'latin-9'"):
        core.detect_file_encoding(path, hint="latin-9")


def test_undecodable_file_error_points_at_the_line(tmp_path):
    path = tmp_path / "GL.txt"
    path.write_bytes(b"a|b\n1|2\n3|\xff\xfe\n")
    with pytest.raises(FormatError) as error, open_text(path):
        pass
    assert error.value.location == "GL.txt:3"
    assert "the byte 0xFF at offset 10 cannot be decoded" in str(error.value)


@pytest.mark.parametrize(("delimiter", "expected"), [("|", "|"), ("\t", "\t"), (",", ","), (";", ";")])
def test_delimiter_sniffing(delimiter, expected):
    text = "\n".join(delimiter.join(row) for row in [["a", "b", "c"], ["1", "x,y", "3"], ["4", "5", "6"]])
    assert core.sniff_delimiter(text) == expected


def test_half_width_folding_and_keys():
    assert core.fold("１２３４．５") == "1234.5"
    assert core.key(" Journal_ID ") == core.key("journal id") == "journalid"
    assert core.key("借方（金额）") == "借方金额"


# --- core: zip guards -----------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_inspection_refuses_bombs_before_inflating():
    archive = core.open_zip(zip_bytes({"a.txt": b"\0" * (8 * 1024 * 1024)}))
    with pytest.raises(core.ArchiveRefused) as error:
        core.inspect_zip(archive, max_total=10**9, max_ratio=100)
    assert (error.value.reason, error.value.member, error.value.size) == ("ratio", "a.txt", 8 * 1024 * 1024)
    with pytest.raises(core.ArchiveRefused) as error:
        core.inspect_zip(archive, max_total=1024, max_ratio=10**6)
    assert (error.value.reason, error.value.size, error.value.limit) == ("total", 8 * 1024 * 1024, 1024)
    with pytest.raises(core.ArchiveRefused) as error:
        core.inspect_zip(archive, max_total=10**9, max_ratio=10**6, max_members=0)
    assert error.value.reason == "members"
    with pytest.raises(core.ArchiveRefused) as error:
        core.open_zip(b"PK\x03\x04 not a zip")
    assert error.value.reason == "damaged"


def test_copy_member_counts_what_is_really_inflated():
    archive = core.open_zip(zip_bytes({"a.txt": b"x" * 5000}))
    member = archive.infolist()[0]
    out = io.BytesIO()
    assert core.copy_member(archive, member, out, limit=10_000) == 5000
    with pytest.raises(core.ArchiveRefused) as error:
        core.copy_member(archive, member, io.BytesIO(), limit=4096)
    assert (error.value.reason, error.value.limit) == ("overflow", 4096)
    member.file_size = 100  # an archive that lies about the size
    with pytest.raises(core.ArchiveRefused) as error:
        core.copy_member(archive, member, io.BytesIO(), limit=10_000)
    assert error.value.reason in ("overflow", "damaged")


# --- delimited files ------------------------------------------------------------------------------


def test_read_delimited_keeps_line_numbers(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("title\n\nh1|h2\n1|2\n\n3|\n", encoding="utf-8")
    with open_text(path) as source:
        frame = read_delimited(source, delimiter="|", headers=["h1", "h2"], skip_lines=3)
    assert frame.to_dicts() == [{ROW: 4, "h1": "1", "h2": "2"}, {ROW: 6, "h1": "3", "h2": None}]


def test_truncated_last_record_is_refused(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a|b|c\n1|2|3\n4|5", encoding="utf-8")
    with open_text(path) as source, pytest.raises(FormatError) as error:
        read_delimited(source, delimiter="|", headers=["a", "b", "c"], skip_lines=1)
    assert error.value.location == "t.txt:3"
    assert "looks truncated" in str(error.value)


def test_record_with_too_many_fields_is_located(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("a|b\n1|2\n3|4|5\n", encoding="utf-8")
    with open_text(path) as source, pytest.raises(FormatError) as error:
        read_delimited(source, delimiter="|", headers=["a", "b"], skip_lines=1)
    assert (error.value.location, str(error.value)) == (
        "t.txt:3",
        "t.txt:3: this record has 3 fields, the header has 2",
    )


def test_broken_quote_is_located(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"x\n', encoding="utf-8")
    with open_text(path) as source, pytest.raises(FormatError) as error:
        read_delimited(source, delimiter=",", headers=["a", "b"], skip_lines=1)
    assert error.value.location.startswith("t.csv")


# --- amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ["1,234.56", "1,234", "-12.3", "(12.30)", "12.3-", "", "0"],
            ["1234.56", "1234.00", "-12.30", "-12.30", "-12.30", None, "0.00"],
        ),
        (["1.234,56", "1.234", "-0,5", "1.234.567"], ["1234.56", "1234.00", "-0.50", "1234567.00"]),
        (["1 234,56", "12 345 678,9", "1\u00a0234,5"], ["1234.56", "12345678.90", "1234.50"]),
        (["1 234.56", "1'234.5"], ["1234.56", "1234.50"]),
        (["１，２３４．５６", "－７", "￥12.00", "¥-3"], ["1234.56", "-7.00", "12.00", "-3.00"]),
        (["-", "—"], [None, None]),
    ],
)
def test_amount_conventions(values, expected):
    p, sink = parser({"a": values})
    result = p.amounts(["a"])["a"]
    assert result.dtype == pl.Decimal(20, 2)
    assert [None if v is None else str(v) for v in result.to_list()] == expected
    assert sink.issues == []


def test_plain_machine_amounts_take_the_fast_path():
    p, _sink = parser({"a": ["-1234.5", "0.01", None, "  7 "]})
    assert p.amounts(["a"])["a"].to_list() == [D("-1234.50"), D("0.01"), None, D("7.00")]
    assert p.decimal_marks == {"a": "."}


def test_ambiguous_amounts_are_refused_with_the_location():
    p, _sink = parser({"a": ["1,234", "2,500", "900"]})
    with pytest.raises(FormatError) as error:
        p.amounts(["a"])
    assert error.value.location == "f.txt:2"
    assert str(error.value) == (
        "f.txt:2: a: '1,234' could be read with a decimal point or a decimal comma, and no other value says "
        "which; name the decimal mark (option decimal: '.' or ',')"
    )
    p, _sink = parser({"a": ["1,234", "2,500"]}, options={"decimal": ","})
    assert p.amounts(["a"])["a"].to_list() == [D("1.23"), D("2.50")]


def test_ambiguous_column_follows_the_other_amount_columns_of_the_file():
    p, _sink = parser({"debit": ["1,234", None], "credit": [None, "1,234.50"]})
    result = p.amounts(["debit", "credit"])
    assert result["debit"].to_list() == [D("1234.00"), None]
    assert result["credit"].to_list() == [None, D("1234.50")]
    assert p.decimal_marks == {"credit": ".", "debit": "."}


def test_both_decimal_marks_in_one_column_are_refused():
    p, _sink = parser({"a": ["1,5", "2.25"]})
    with pytest.raises(FormatError) as error:
        p.amounts(["a"])
    assert error.value.location == "f.txt:2"
    assert (
        "both decimal marks are used — line 3 reads with a decimal point, line 2 with a decimal comma"
        in str(error.value)
    )


def test_unreadable_amounts_are_refused_with_count_and_lines():
    p, _sink = parser({"a": ["12.00", "abc", "1,2,3.4", "--5"]})
    with pytest.raises(FormatError) as error:
        p.amounts(["a"])
    assert str(error.value) == (
        "f.txt:3: a: not a number (with dot as decimal mark) (3 value(s), lines 3, 4, 5; "
        "e.g. 'abc', '1,2,3.4', '--5')"
    )


def test_extra_decimals_are_rounded_half_up_and_reported():
    p, sink = parser({"a": ["1.005", "2.0049", "-3.335", "4.1200", "1,000.5"]})
    assert p.amounts(["a"])["a"].to_list() == [D("1.01"), D("2.00"), D("-3.34"), D("4.12"), D("1000.50")]
    assert [(i.code, i.location, i.data["count"]) for i in sink.issues] == [("amount_rounded", "f.txt:2", 3)]


def test_too_large_amount_is_refused():
    p, _sink = parser({"a": ["1" * 19]})
    with pytest.raises(FormatError, match="too large for an amount"):
        p.amounts(["a"])


def test_quantities_and_rates_keep_their_scale():
    p, _sink = parser({"q": ["1.234567", "2,5"], "r": ["7.12345678", "0.5"]}, options={"decimal": "auto"})
    with pytest.raises(FormatError):  # 1.234567 (dot) and 2,5 (comma) in one column
        p.decimals(["q"], scale=6, precision=24)
    p, _sink = parser({"q": ["1.234567", "2.5"], "r": ["7.12345678", "0.5"]})
    assert p.decimals(["q"], scale=6, precision=24)["q"].to_list() == [D("1.234567"), D("2.500000")]
    assert p.decimals(["r"], scale=8)["r"].to_list() == [D("7.12345678"), D("0.50000000")]


CONVENTIONS = [
    (".", ",", "-"),
    (".", ",", "()"),
    (".", "", "trailing"),
    (",", ".", "-"),
    (",", " ", "()"),
    (",", "", "trailing"),
    (".", " ", "-"),
    (".", "'", "-"),
]
amounts = st.decimals(min_value=D("-999999999999.99"), max_value=D("999999999999.99"), places=2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(amounts, min_size=1, max_size=12), st.sampled_from(CONVENTIONS))
def test_amounts_round_trip_in_every_convention(values, convention):
    mark, group, negative = convention
    written = [format_amount(v, mark=mark, group=group, negative=negative) for v in values]
    # With the decimal mark named, every convention reads back exactly.
    p, _sink = parser({"a": written}, options={"decimal": mark})
    assert p.amounts(["a"])["a"].to_list() == values
    # Left to detection, the result is either exact or refused as ambiguous — never a wrong value.
    p, _sink = parser({"a": written})
    try:
        result = p.amounts(["a"])["a"].to_list()
    except FormatError as error:
        assert "could be read with a decimal point or a decimal comma" in str(error)
    else:
        assert result == values


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=D("-99999"), max_value=D("99999"), places=6), min_size=1, max_size=8))
def test_quantities_round_trip(values):
    written = [format_amount(v) for v in values]
    p, _sink = parser({"q": written}, options={"decimal": "."})
    assert p.decimals(["q"], scale=6, precision=24)["q"].to_list() == values


# --- dates and times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "style", "expected"),
    [
        (
            ["2024-01-05", "2024/1/6", "2024.01.07", "2024年1月8日", "2024-01-09 10:11:12"],
            "ymd",
            [5, 6, 7, 8, 9],
        ),
        (["20240105", "20240106"], "ymd_compact", [5, 6]),
        (["05.01.2024", "06.01.2024"], "dmy", [5, 6]),
        (["13/01/2024", "05/01/2024"], "dmy", [13, 5]),
        (["01/13/2024", "01/05/2024"], "mdy", [13, 5]),
        (["45296", "45297.5"], "excel", [5, 6]),
    ],
)
def test_date_styles_are_decided_per_column(values, style, expected):
    p, sink = parser({"d": values})
    result = p.dates("d").to_list()
    assert p.date_styles == {"d": style}
    assert result == [datetime.date(2024, 1, day) for day in expected]
    assert sink.issues == []


def test_day_month_order_that_no_value_decides_is_refused_or_taken_from_the_file():
    p, _sink = parser({"d": ["01/02/2024", "03/04/2024"]})
    with pytest.raises(FormatError, match="could be day/month/year or month/day/year"):
        p.dates("d")
    p, _sink = parser({"d": ["01/02/2024", "03/04/2024"]}, options={"date_format": "mdy"})
    assert p.dates("d").to_list() == [datetime.date(2024, 1, 2), datetime.date(2024, 3, 4)]
    p, _sink = parser({"e": ["25/12/2024", "01/01/2024"], "d": ["01/02/2024", "03/04/2024"]})
    p.dates("e")
    assert p.dates("d").to_list() == [datetime.date(2024, 2, 1), datetime.date(2024, 4, 3)]


def test_a_column_never_mixes_styles():
    p, _sink = parser({"d": ["2024-01-05", "20240106", "2024-01-07"]})
    with pytest.raises(FormatError) as error:
        p.dates("d")
    assert str(error.value) == (
        "f.txt:3: d: not a date in the column's style (yyyy-mm-dd) (1 value(s), lines 3; e.g. '20240106')"
    )


def test_impossible_dates_are_refused():
    p, _sink = parser({"d": ["2024-02-30"]})
    with pytest.raises(FormatError, match="not a date"):
        p.dates("d")


def test_placeholder_dates_become_empty_with_a_warning():
    p, sink = parser({"d": ["00000000", "19000101", "99991231", "20240105", None, "0"]})
    assert p.dates("d").to_list() == [None, None, None, datetime.date(2024, 1, 5), None, None]
    assert [(i.code, i.location, i.data["count"], i.data["rows"]) for i in sink.issues] == [
        ("placeholder_date", "f.txt:2", 4, [2, 3, 4, 7])
    ]


def test_unreadable_dates_are_warnings_when_not_strict():
    p, sink = parser({"d": ["2024-01-05", "soon"]})
    assert p.dates("d", strict=False).to_list() == [datetime.date(2024, 1, 5), None]
    assert codes(sink) == ["date_unreadable"]


def test_times():
    p, sink = parser({"t": ["10:11:12", "101112", "3:04 PM", "12:00 AM", "2024-01-05 09:08", "25:00", None]})
    result = p.times("t").to_list()
    assert result == [
        datetime.timedelta(hours=10, minutes=11, seconds=12),
        datetime.timedelta(hours=10, minutes=11, seconds=12),
        datetime.timedelta(hours=15, minutes=4),
        datetime.timedelta(0),
        datetime.timedelta(hours=9, minutes=8),
        None,
        None,
    ]
    assert [(i.code, i.location) for i in sink.issues] == [("time_unreadable", "f.txt:7")]


dates = st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2099, 12, 31))
WRITERS = {
    "ymd": lambda d: f"{d.year}/{d.month}/{d.day}",
    "ymd_compact": lambda d: f"{d:%Y%m%d}",
    "dmy": lambda d: f"{d:%d.%m.%Y}",
    "mdy": lambda d: f"{d:%m/%d/%Y}",
    "excel": lambda d: str((d - datetime.date(1899, 12, 30)).days),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(dates, min_size=1, max_size=10), st.sampled_from(sorted(WRITERS)))
def test_dates_round_trip_in_every_style(values, style):
    written = [WRITERS[style](d) for d in values]
    p, _sink = parser({"d": written}, options={"date_format": style})
    assert p.dates("d").to_list() == values
    p, _sink = parser({"d": written})
    try:
        result = p.dates("d").to_list()
    except FormatError as error:  # only when day and month cannot be told apart
        assert style == "mdy"
        assert "could be day/month/year or month/day/year" in str(error)
    else:
        assert result == values


# --- directions, integers, booleans ---------------------------------------------------------------


def test_directions():
    p, _sink = parser({"i": ["D", "c", "Dr", "CR", "S", "h", "借", "贷", "平", "Debit", " credit "]})
    assert p.directions("i").to_list() == [1, -1, 1, -1, 1, -1, 1, -1, 0, 1, -1]
    p, _sink = parser({"i": ["D", "X"]})
    with pytest.raises(FormatError) as error:
        p.directions("i")
    assert error.value.location == "f.txt:3"


def test_integers_and_booleans():
    p, _sink = parser({"n": ["12", "００７", "3.0", None], "b": ["是", "否", "Y", None]})
    assert p.integers("n").to_list() == [12, 7, 3, None]
    assert p.booleans("b", true_words=["是", "y"], false_words=["否"]).to_list() == [True, False, True, None]
    p, _sink = parser({"n": ["1", "x"]})
    with pytest.raises(FormatError, match="n: not a whole number"):
        p.integers("n")


# --- accounts -------------------------------------------------------------------------------------


def test_hierarchy_from_code_prefixes():
    codes_ = ["1002", "100201", "10020101", "1002.02", "2202", "22020101"]
    parents, levels = hierarchy(codes_)
    assert parents == [None, "1002", "100201", "1002", None, "2202"]
    assert levels == [1, 2, 3, 2, 1, 2]


def test_cas_types():
    assert [cas_type(c) for c in ("1001", "2202", "3001", "4001", "5001", "6001", "6401", "9001", "AB")] == [
        ("asset", "D"),
        ("liability", "C"),
        ("common", None),
        ("equity", "C"),
        ("cost", "D"),
        ("profit_loss", "C"),
        ("profit_loss", "D"),
        ("unknown", None),
        ("unknown", None),
    ]
    accounts = derive_accounts(["1002", "100201"], {"1002": "银行存款"}, chart="cas")
    assert accounts.select(
        "code", "name", "level", "parent_code", "type", "normal_balance", "is_leaf"
    ).rows() == [
        ("1002", "银行存款", 1, None, "asset", "D", False),
        ("100201", None, 2, "1002", "asset", "D", True),
    ]


def test_format_amount():
    assert format_amount(D("-1234567.5"), mark=",", group=".", negative="()") == "(1.234.567,5)"
    assert format_amount(D("12.30"), group=",") == "12.30"
    assert format_amount(D("-0.01"), negative="trailing") == "0.01-"
    assert format_amount(None) == ""


def test_files_in_a_path_object(tmp_path):
    # open_text accepts a display name different from the path (zip members are renamed on disk)
    path = Path(tmp_path) / "00001.txt"
    path.write_text("a\n1\n", encoding="utf-8")
    with open_text(path, name="GL_Detail.txt") as source:
        assert (source.name, source.encoding.label, source.head) == ("GL_Detail.txt", "UTF-8", "a\n1\n")
