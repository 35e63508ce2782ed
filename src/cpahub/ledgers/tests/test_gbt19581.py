"""GB/T 19581-2004 text files: the file set in a directory or a zip, GB18030, header lines or the
field lists of GSSM, auxiliary groups, and the sign convention of balances without direction."""

from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, gbt19581

FILES = {
    "GSSM.TXT": "标准=GB/T 19581-2004\n字段分隔符=,\n字符集=GB18030\n",
    "DZZB.TXT": (
        "电子账簿编号,电子账簿名称,会计核算单位,组织机构代码,年度,本位币,科目结构,开发单位,版本号\n"
        "001,测试账套,江西测试有限公司,91360100MA35XXXX0X,2024,人民币,4-2-2,某软件,V8\n"
    ),
    "KJKM.TXT": (
        "科目编号,科目名称,科目级次,辅助核算项,科目类型,余额方向\n"
        "1001,库存现金,1,,资产,借\n"
        "1122,应收账款,1,,资产,借\n"
        "112201,货款,2,客户,资产,借\n"
        "2202,应付账款,1,供应商,负债,贷\n"
        "6001,主营业务收入,1,部门/项目,损益,贷\n"
    ),
    "KMYE.TXT": (
        "科目编号,币种,辅助核算组,会计月度,期初余额,借方发生额,贷方发生额,期末余额\n"
        "1001,人民币,,1,1000.00,0,500.00,500.00\n"
        "1122,人民币,,1,0,1130.00,0,1130.00\n"
        "112201,人民币,,1,0,1130.00,0,1130.00\n"
        "6001,人民币,,1,0,0,1000.00,1000.00\n"
        "2202,人民币,,1,200.00,500.00,0,-300.00\n"
    ),
    "JZPZ.TXT": (
        "凭证日期,凭证种类,凭证编号,行号,摘要,科目编号,借方金额,贷方金额,币种,辅助核算组,附件数,制单人员,审核人员,记账人员,记账标志,作废标志\n"
        '20240115,记,1,1,销售,112201,"1,130.00",0,人民币,客户:C001,1,张三,李四,王五,1,0\n'
        "20240115,记,1,2,销售,6001,0,1000.00,人民币,D01/P01,1,张三,李四,王五,1,0\n"
        "20240115,记,1,3,销项税,2221,0,130.00,人民币,,1,张三,李四,王五,1,0\n"
        "20240120,付,1,1,付款,2202,500.00,0,人民币,S01,0,张三,李四,王五,1,0\n"
        "20240120,付,1,2,付款,1001,0,500.00,人民币,渠道:Q1,0,张三,李四,王五,是,否\n"
    ),
}


def write(folder: Path, files: dict[str, str], encoding: str = "gb18030") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def read(path: Path, **options) -> InMemoryLedger:
    ledger = InMemoryLedger()
    gbt19581.read(path, ledger, options=options)
    return ledger


def test_file_set_in_a_directory(tmp_path):
    ledger = read(write(tmp_path / "set", FILES))
    assert [i.code for i in ledger.issues] == [
        "period_from_date",
        "periods_assumed_calendar",
        "balance_sign_convention",
    ]
    assert ledger.issues[2].message == (
        "KMYE has no 余额方向: balances read as signed in the account's normal direction (余额方向 of KJKM) — "
        "2 credit-side rows roll forward that way, 0 the other"
    )
    assert ledger.table("entity").rows() == [
        (
            "江西测试有限公司",
            "91360100MA35XXXX0X",
            "CNY",
            2024,
            datetime.date(2024, 1, 1),
            datetime.date(2024, 12, 31),
            "某软件 V8",
            "gbt19581-2004",
        )
    ]
    assert ledger.table("periods").height == 12
    assert ledger.table("accounts").select(
        "code", "level", "parent_code", "type", "normal_balance", "is_leaf", "dimension_types"
    ).rows() == [
        ("1001", 1, None, "asset", "D", True, []),
        ("1122", 1, None, "asset", "D", False, []),
        ("112201", 2, "1122", "asset", "D", True, ["customer"]),
        ("2202", 1, None, "liability", "C", True, ["supplier"]),
        ("6001", 1, None, "profit_loss", "C", True, ["department", "project"]),
    ]
    d = Decimal
    assert ledger.table("balances").select(
        "account_code", "opening", "debit", "credit", "closing"
    ).rows() == [
        ("1001", d("1000.00"), d("0.00"), d("500.00"), d("500.00")),
        ("1122", d("0.00"), d("1130.00"), d("0.00"), d("1130.00")),
        ("112201", d("0.00"), d("1130.00"), d("0.00"), d("1130.00")),
        ("6001", d("0.00"), d("0.00"), d("1000.00"), d("-1000.00")),
        ("2202", d("-200.00"), d("500.00"), d("0.00"), d("300.00")),
    ]
    lines = ledger.table("lines")
    assert lines.select(
        "fiscal_year",
        "period",
        "voucher_type",
        "voucher_number",
        "line_number",
        "account_code",
        "debit",
        "credit",
        "currency",
        "customer",
        "supplier",
        "department",
        "project",
        "other_dimensions",
        "posted",
        "void",
    ).rows() == [
        (
            2024,
            1,
            "记",
            "1",
            1,
            "112201",
            d("1130.00"),
            d("0.00"),
            None,
            "C001",
            None,
            None,
            None,
            None,
            True,
            False,
        ),
        (
            2024,
            1,
            "记",
            "1",
            2,
            "6001",
            d("0.00"),
            d("1000.00"),
            None,
            None,
            None,
            "D01",
            "P01",
            None,
            True,
            False,
        ),
        (
            2024,
            1,
            "记",
            "1",
            3,
            "2221",
            d("0.00"),
            d("130.00"),
            None,
            None,
            None,
            None,
            None,
            None,
            True,
            False,
        ),
        (
            2024,
            1,
            "付",
            "1",
            1,
            "2202",
            d("500.00"),
            d("0.00"),
            None,
            None,
            "S01",
            None,
            None,
            None,
            True,
            False,
        ),
        (
            2024,
            1,
            "付",
            "1",
            2,
            "1001",
            d("0.00"),
            d("500.00"),
            None,
            None,
            None,
            None,
            None,
            "other:渠道:Q1",
            True,
            False,
        ),
    ]
    first = lines.row(0, named=True)
    assert (
        first["voucher_date"],
        first["preparer"],
        first["reviewer"],
        first["poster"],
        first["source_location"],
    ) == (
        datetime.date(2024, 1, 15),
        "张三",
        "李四",
        "王五",
        "set/JZPZ.TXT:2",
    )


def test_zip_and_field_lists_from_gssm(tmp_path):
    files = dict(FILES)
    header, _, rows = files["JZPZ.TXT"].partition("\n")
    files["JZPZ.TXT"] = rows  # no header line: GSSM lists the fields
    files["GSSM.TXT"] += f"JZPZ={header}\n"
    folder = write(tmp_path / "set", files)
    archive = tmp_path / "账套.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
        for path in folder.iterdir():
            target.write(path, f"导出/{path.name.lower()}")
    ledger = read(archive)
    lines = ledger.table("lines")
    assert lines.height == 5
    assert lines["source_location"].to_list()[0] == "账套.zip/导出/jzpz.txt:1"
    assert lines.select(pl.col("debit").sum()).item() == Decimal("1630.00")


def test_a_data_file_without_header_or_field_list_is_refused(tmp_path):
    files = dict(FILES)
    files["KJKM.TXT"] = files["KJKM.TXT"].partition("\n")[2]
    with pytest.raises(FormatError, match="KJKM: no header line") as raised:
        read(write(tmp_path / "set", files))
    assert raised.value.location == "set/KJKM.TXT:1"


def test_balances_debit_positive_when_that_rolls_forward(tmp_path):
    files = dict(FILES)
    files["KMYE.TXT"] = (
        "科目编号,会计月度,期初余额,借方发生额,贷方发生额,期末余额\n"
        "2202,1,-200.00,500.00,0,300.00\n"
        "6001,1,0,0,1000.00,-1000.00\n"
    )
    ledger = read(write(tmp_path / "set", files))
    assert ledger.table("balances").select("account_code", "opening", "closing").rows() == [
        ("2202", Decimal("-200.00"), Decimal("300.00")),
        ("6001", Decimal("0.00"), Decimal("-1000.00")),
    ]
    finding = next(i for i in ledger.issues if i.code == "balance_sign_convention")
    assert (finding.severity, finding.data["convention"]) == ("info", "debit")


def test_balances_with_directions_and_the_undecidable_case(tmp_path):
    files = dict(FILES)
    files["KMYE.TXT"] = (
        "科目编号,会计月度,期初余额方向,期初余额,借方发生额,贷方发生额,期末余额方向,期末余额\n"
        "2202,1,贷,200.00,500.00,0,借,300.00\n"
    )
    ledger = read(write(tmp_path / "set", files))
    assert ledger.table("balances").select("opening", "closing").rows() == [
        (Decimal("-200.00"), Decimal("300.00"))
    ]
    assert "balance_sign_convention" not in [i.code for i in ledger.issues]
    files["KMYE.TXT"] = (
        "科目编号,会计月度,期初余额,借方发生额,贷方发生额,期末余额\n2202,1,100.00,0,0,100.00\n"
    )
    ledger = read(write(tmp_path / "other", files))
    finding = next(i for i in ledger.issues if i.code == "balance_sign_convention")
    assert finding.severity == "warning"
    assert ledger.table("balances").select("opening").item() == Decimal("-100.00")
    ledger = read(write(tmp_path / "third", files), balance_sign="debit")
    assert ledger.table("balances").select("opening").item() == Decimal("100.00")


def test_sniff_and_utf8(tmp_path):
    assert gbt19581.sniff(b"", "JZPZ.TXT")
    assert gbt19581.sniff(b"", "kmye.csv")
    assert not gbt19581.sniff(b"a,b", "ledger.csv")
    utf8 = dict(FILES, **{"GSSM.TXT": FILES["GSSM.TXT"].replace("GB18030", "UTF-8")})
    ledger = read(write(tmp_path / "utf8", utf8, encoding="utf-8"))
    assert ledger.table("lines").height == 5
    # GSSM names the encoding; files that are not in it are refused, not decoded by guesswork
    with pytest.raises(FormatError, match="not readable as GB18030 text") as raised:
        read(write(tmp_path / "wrong", FILES, encoding="utf-8"))
    assert raised.value.location == "wrong/DZZB.TXT:1"
