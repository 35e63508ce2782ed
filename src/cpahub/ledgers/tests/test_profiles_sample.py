"""Samples for making profiles: trimming, finding the header, proposing fields, previewing; and the
checks of a profile's content (`ledgers.profiles`)."""

from __future__ import annotations

import codecs
import datetime
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cpahub.core import textio as coretext
from cpahub.ledgers import profile_fields, profiles
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.tabular import FIELDS, sample, suggest
from cpahub.ledgers.formats.tabular.profiles import Profile
from cpahub.ledgers.tests.profiledata import JOURNAL, JOURNAL_COLUMNS


def test_every_field_has_a_label_and_a_place():
    for kind, fields in FIELDS.items():
        assert set(profile_fields.fields(kind)) == fields - {"ignore"}, kind
        assert len(profile_fields.fields(kind)) == len(set(profile_fields.fields(kind)))
        assert all(f in profile_fields.LABELS for f in fields)


def test_header_under_title_rows_and_two_header_rows():
    rows = [["某软件 序时账"], ["核算单位：某公司"], [], *[r.split(",") for r in JOURNAL.splitlines()[1:3]]]
    header = suggest.guess_header(rows, "lines", {})
    assert (header.index, header.rows, header.headers[0]) == (3, 1, "凭证日期")
    balances = [
        ["科目余额表"],
        ["科目编码", "科目名称", "期初余额", "", "本期发生", "", "期末余额", ""],
        ["", "", "借方", "贷方", "借方", "贷方", "借方", "贷方"],
        ["1002", "银行存款", "100", "", "50", "20", "130", ""],
    ]
    header = suggest.guess_header(balances, "balances", {})
    assert (header.index, header.rows) == (1, 2)
    assert header.headers[2:4] == ["期初余额借方", "期初余额贷方"]
    assert suggest.guess_header(balances, "balances", {"header_rows": "1", "header_row": "2"}).rows == 1


def test_unknown_headers_fall_back_to_the_widest_row():
    rows = [
        ["Report"],
        ["When", "Ref", "Text", "Acct", "Dr", "Cr"],
        ["2024-01-01", "1", "x", "1001", "5", ""],
    ]
    header = suggest.guess_header(rows, "lines", {})
    assert (header.index, header.known) == (1, 0)
    assert suggest.propose(header.headers, "lines") == {}


def test_propose_exact_then_contained_names():
    headers = ["日期", "凭证号", "摘要", "科目编码", "借方金额（本币）", "贷方金额(本币)", "凭证日期"]
    proposal = suggest.propose(headers, "lines")
    assert {f: headers[i] for f, i in proposal.items()} == {
        "voucher_date": "日期",  # the first column wins; 凭证日期 stays free
        "voucher": "凭证号",
        "description": "摘要",
        "account_code": "科目编码",
        "debit": "借方金额（本币）",
        "credit": "贷方金额(本币)",
    }


@pytest.mark.parametrize(
    ("values", "field"), [(["记-0001", "转-2"], "voucher"), (["1", "12"], "voucher_number")]
)
def test_a_doubtful_header_is_settled_by_its_values(values, field):
    proposal = suggest.propose(["凭证号", "科目代码"], "lines", samples={0: values, 1: ["1001", "1002"]})
    assert proposal[field] == 0


def test_the_firms_own_profiles_teach_names():
    ours = Profile(name="ours", kind="lines", columns={"往来单位": "customer", "记账日": "voucher_date"})
    assert suggest.propose(["记账日", "往来单位"], "lines", [ours]) == {"voucher_date": 0, "customer": 1}


def test_trim_keeps_whole_lines_of_a_long_gb18030_file(tmp_path):
    line = "2024-01-05,记-1,收到货款,1002,银行存款,1000.00,,\n"
    text = JOURNAL + line * 20_000
    source = tmp_path / "big.csv"
    source.write_bytes(text.encode("gb18030"))
    kept = sample.trim(source, tmp_path / "kept")
    data = kept.read_bytes()
    assert len(data) <= sample.SAMPLE_TEXT_BYTES and data.endswith(b"\n")
    assert data.decode("gb18030").splitlines()[-1] == line.strip()
    assert sample.sample_tables(kept, {})[0].encoding == "GB18030"


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_trim_keeps_utf16_aligned(tmp_path, bom):
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    text = JOURNAL + "2024-01-05,记-1,收到货款,1002,银行存款,1000.00,,\n" * 5000
    source = tmp_path / "u16.csv"
    source.write_bytes(bom + text.encode(codec))
    kept = sample.trim(source, tmp_path / "kept")
    decoded = kept.read_bytes()[2:].decode(codec)
    assert decoded.endswith("\n") and decoded.startswith("某软件")
    table = sample.sample_tables(kept, {})[0]
    assert table.encoding == "UTF-16" and table.rows[1][0] == "凭证日期"


def test_trim_refuses_what_is_not_a_table(tmp_path):
    endless = tmp_path / "one-line.csv"
    endless.write_bytes(b"a," * (sample.SAMPLE_TEXT_BYTES // 2 + 10))
    with pytest.raises(FormatError, match="no line break"):
        sample.trim(endless, tmp_path / "x")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.csv", "x,y\n")
    with pytest.raises(FormatError, match="not an archive"):
        sample.trim(archive, tmp_path / "y")


def test_trim_rewrites_the_first_rows_of_a_workbook(tmp_path):
    source = tmp_path / "book.bin"  # a workbook under a wrong name is still read
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("序时账")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["凭证日期", "科目编码", "借方"])
    for row in range(1, sample.SAMPLE_ROWS + 50):
        sheet.write_datetime(row, 0, datetime.datetime(2024, 1, 5), date)
        sheet.write(row, 1, "1002")
        sheet.write(row, 2, 1.234)
    book.add_worksheet("empty")
    book.close()
    kept = sample.trim(source, tmp_path / "kept")
    assert kept.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(kept, read_only=True)
    assert workbook.sheetnames == ["序时账"]
    rows = list(workbook["序时账"].iter_rows(values_only=True))
    assert len(rows) == sample.SAMPLE_ROWS
    assert rows[1] == (datetime.datetime(2024, 1, 5), "1002", 1.234)


def test_preview_reads_only_the_first_rows(tmp_path):
    source = tmp_path / "j.csv"
    body = "\n".join(f"2024-01-{1 + n % 28:02d},记-{n},x,1002,现金,{n}.00," for n in range(1, 60))
    source.write_text(
        "凭证日期,凭证字号,摘要,科目编号,科目名称,借方本币,贷方本币\n" + body + "\n", encoding="utf-8"
    )
    profile = Profile(
        name="p", kind="lines", columns={k: v for k, v in JOURNAL_COLUMNS.items() if k != "备注"}
    )
    preview = sample.preview(source, profile, limit=5)
    assert preview.ok and len(preview.rows) == 5
    assert preview.header_row == 1 and preview.table == "j.csv"
    assert preview.rows[0][0] == "2"  # the source line
    missing = sample.preview(source, Profile(name="q", kind="lines", columns={"凭证日期": "voucher_date"}))
    assert missing.missing and not missing.ok


def test_clean_columns():
    assert profiles.clean_columns(
        "lines", {" 凭证 日期 ": "voucher_date"} | dict(list(JOURNAL_COLUMNS.items())[1:])
    ) == {
        "凭证 日期": "voucher_date",
        **dict(list(JOURNAL_COLUMNS.items())[1:]),
    }
    with pytest.raises(ValidationError) as twice:
        profiles.clean_columns("lines", JOURNAL_COLUMNS | {"科目 编号": "account_name"})
    assert twice.value.message_dict["columns"] == ["The column 科目 编号 is mapped twice (also as 科目编号)."]
    with pytest.raises(ValidationError) as missing:
        profiles.clean_columns("accounts", {"科目代码": "account_code"})
    assert missing.value.message_dict["columns"] == ["Map a column for: Account name."]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"encoding": "big5"}, "encoding"),
        ({"delimiter": "::"}, "delimiter"),
        ({"header_rows": 3}, "header_rows"),
        ({"header_row": "x"}, "header_row"),
        ({"voucher_pattern": "("}, "voucher_pattern"),
        ({"currency": "RMB1"}, "currency"),
        ({"auxiliary": {"labels": {"往来": "friend"}}}, "auxiliary"),
        ({"profile": "1"}, "profile"),
        ({"skip_totals": "maybe"}, "skip_totals"),
    ],
)
def test_clean_options_refuses(options, error):
    with pytest.raises(ValidationError) as refused:
        profiles.clean_options("lines", JOURNAL_COLUMNS, options)
    assert error in refused.value.message_dict


OPTION_VALUES = {
    "encoding": st.sampled_from(["auto", "utf-8", "gb18030", "utf-16"]),
    "delimiter": st.sampled_from(["auto", ",", ";", "tab", "|", "\t"]),
    "header_row": st.integers(1, 20),
    "header_rows": st.sampled_from([1, 2, "1", "2"]),
    "date_format": st.sampled_from(["auto", "ymd", "dmy", "mdy", "excel", "ymd_compact"]),
    "decimal": st.sampled_from(["auto", ".", ","]),
    "amount": st.sampled_from(["auto", "debit_credit"]),
    "skip_totals": st.sampled_from([True, False, "true", "no"]),
    "currency": st.sampled_from(["cny", "USD", "eur"]),
    "auxiliary": st.fixed_dictionaries(
        {"style": st.sampled_from(["combined", "columns"])},
        optional={"labels": st.just({"往来单位": "customer"})},
    ),
}


@given(st.fixed_dictionaries({}, optional=OPTION_VALUES))
def test_clean_options_is_stable(options):
    """Cleaned options clean to themselves, and say what the reader will do with them."""
    once = profiles.clean_options("lines", JOURNAL_COLUMNS, options)
    assert profiles.clean_options("lines", JOURNAL_COLUMNS, once) == once
    assert "auto" not in once.values() and "CNY" not in once.values()
    if once.get("delimiter"):
        assert len(once["delimiter"]) == 1
    assert all(coretext.key(k) for k in once)
