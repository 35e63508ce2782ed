"""CSV/XLSX exports of 用友 and 金蝶 read through mapping profiles: selection, conventions, hostile files."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from cpahub.core.permissions import VIEW
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, tabular
from cpahub.ledgers.models import MappingProfile

D = Decimal
DAY = datetime.date


def read(path: Path, **options) -> InMemoryLedger:
    sink = InMemoryLedger()
    tabular.read(path, sink, options=options)
    return sink


def codes(sink: InMemoryLedger) -> list[str]:
    return [issue.code for issue in sink.issues]


def issue(sink: InMemoryLedger, code: str):
    return next(i for i in sink.issues if i.code == code)


def xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
                elif value is not None:
                    sheet.write(r, c, value)
        for first_row, first_col, last_row, last_col, value in (merges or {}).get(name, []):
            sheet.merge_range(first_row, first_col, last_row, last_col, value)
    workbook.close()
    return path


# --- 用友 U8: CSV in GB18030 with title rows, combined auxiliary cells, total rows ----------------

U8_CSV = """序时账
核算单位：江西某某制造有限公司          2024年1月-2024年1月

日期,凭证号,摘要,科目编码,科目名称,借方金额,贷方金额,辅助项,制单人,审核人,记账人
2024-01-05,记-0001,收到货款,100201,银行存款/工行,"12,345.60",,,张三,李四,王五
2024-01-05,记-0001,收到货款,1122,应收账款,,"12,345.60","客户:C001 江西甲公司;部门:01 销售部",张三,李四,王五
2024-01-31,转-0002,计提工资,660201,管理费用/工资,500,,"项目:P01 一期工程;银行账户:8888",张三,,
2024-01-31,转-0002,计提工资,2211,应付职工薪酬,,500,,张三,,
,,本月合计,,,"12,845.60","12,845.60",,,,
"""


def test_u8_journal_csv_in_gb18030(tmp_path):
    path = tmp_path / "序时账.csv"
    path.write_bytes(U8_CSV.encode("gb18030"))
    sink = read(path)
    lines = sink.table("lines")
    assert lines.select(
        "fiscal_year",
        "period",
        "voucher_type",
        "voucher_number",
        "voucher_date",
        "line_number",
        "account_code",
    ).rows() == [
        (2024, 1, "记", "1", DAY(2024, 1, 5), 1, "100201"),
        (2024, 1, "记", "1", DAY(2024, 1, 5), 2, "1122"),
        (2024, 1, "转", "2", DAY(2024, 1, 31), 1, "660201"),
        (2024, 1, "转", "2", DAY(2024, 1, 31), 2, "2211"),
    ]
    assert lines.select("debit", "credit").rows() == [
        (D("12345.60"), D("0.00")),
        (D("0.00"), D("12345.60")),
        (D("500.00"), D("0.00")),
        (D("0.00"), D("500.00")),
    ]
    assert lines.select("customer", "department", "project", "other_dimensions").rows() == [
        (None, None, None, None),
        ("C001", "01", None, None),
        (None, None, "P01", "other:银行账户:8888"),
        (None, None, None, None),
    ]
    assert lines.select("preparer", "reviewer", "poster", "posted").rows() == [
        ("张三", "李四", "王五", True),
        ("张三", "李四", "王五", True),
        ("张三", None, None, False),
        ("张三", None, None, False),
    ]
    assert lines["source_location"].to_list() == [
        "序时账.csv:5",
        "序时账.csv:6",
        "序时账.csv:7",
        "序时账.csv:8",
    ]
    assert sink.table("dimensions").select("type", "code", "name").rows() == [
        ("customer", "C001", "江西甲公司"),
        ("department", "01", "销售部"),
        ("project", "P01", "一期工程"),
        ("other", "银行账户:8888", None),
    ]
    assert sink.table("accounts").select(
        "code", "name", "level", "parent_code", "type", "normal_balance"
    ).rows() == [
        ("100201", "银行存款/工行", 1, None, "asset", "D"),
        ("1122", "应收账款", 1, None, "asset", "D"),
        ("2211", "应付职工薪酬", 1, None, "liability", "C"),
        ("660201", "管理费用/工资", 1, None, "profit_loss", "D"),
    ]
    selected = issue(sink, "profile_selected")
    assert selected.message.startswith(
        "序时账.csv: profile 'Yonyou U8 journal (用友U8 序时账)' chosen (1.00 of the columns known, 0.61 of the "
        "profile's fields found; next "
    )
    assert (selected.data["profile"], selected.data["header_row"]) == ("Yonyou U8 journal (用友U8 序时账)", 4)
    assert (issue(sink, "total_rows_skipped").location, issue(sink, "total_rows_skipped").data["count"]) == (
        "序时账.csv:9",
        1,
    )
    entity = sink.table("entity").row(0, named=True)
    assert (
        entity["fiscal_year"],
        entity["period_start"],
        entity["period_end"],
        entity["source_software"],
    ) == (
        2024,
        DAY(2024, 1, 5),
        DAY(2024, 1, 31),
        "用友 U8",
    )
    assert entity["source_format"] == "tabular"


def test_u8_auxiliary_cell_that_cannot_be_read_is_refused(tmp_path):
    path = tmp_path / "u8.csv"
    path.write_text(U8_CSV.replace("客户:C001 江西甲公司", "C001 江西甲公司"), encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read(path)
    assert error.value.location == "u8.csv:6"
    assert "not auxiliary items written as kind:code name" in str(error.value)


def test_empty_account_code_is_refused(tmp_path):
    path = tmp_path / "u8.csv"
    path.write_text(U8_CSV.replace(",2211,应付职工薪酬,", ",,应付职工薪酬,"), encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read(path)
    assert error.value.location == "u8.csv:8"


# --- 用友 T+ and 金蝶 K/3, KIS as workbooks ----------------------------------------------------------


def test_tplus_journal_xlsx_with_auxiliary_columns(tmp_path):
    rows = [
        ["T+ 序时账"],
        [],
        [
            "凭证日期",
            "凭证字号",
            "分录序号",
            "摘要",
            "科目编码",
            "科目全名",
            "币种",
            "汇率",
            "原币金额",
            "借方金额",
            "贷方金额",
            "数量",
            "客户",
            "部门",
            "制单人",
            "审核人",
            "记账人",
        ],
        [
            DAY(2024, 3, 2),
            "记-5",
            1,
            "收美元货款",
            "100202",
            "银行存款_中行美元",
            "美元",
            7.1,
            1000,
            7100,
            None,
            None,
            None,
            None,
            "U01",
            "U02",
            "U03",
        ],
        [
            DAY(2024, 3, 2),
            "记-5",
            2,
            "收美元货款",
            "1122",
            "应收账款",
            "人民币",
            None,
            None,
            None,
            7100,
            None,
            "C01 甲公司",
            "",
            "U01",
            "U02",
            "U03",
        ],
        [
            DAY(2024, 3, 9),
            "记-6",
            1,
            "领料",
            "5001",
            "生产成本",
            "",
            None,
            None,
            12.345,
            None,
            2.5,
            None,
            "[D01]车间",
            "U01",
            None,
            None,
        ],
        [
            DAY(2024, 3, 9),
            "记-6",
            2,
            "领料",
            "1403",
            "原材料",
            "",
            None,
            None,
            None,
            12.345,
            -2.5,
            None,
            None,
            "U01",
            None,
            None,
        ],
    ]
    sink = read(xlsx(tmp_path / "tplus.xlsx", {"序时账": rows}))
    lines = sink.table("lines")
    assert lines.select(
        "voucher_type", "voucher_number", "line_number", "voucher_date", "account_code"
    ).rows() == [
        ("记", "5", 1, DAY(2024, 3, 2), "100202"),
        ("记", "5", 2, DAY(2024, 3, 2), "1122"),
        ("记", "6", 1, DAY(2024, 3, 9), "5001"),
        ("记", "6", 2, DAY(2024, 3, 9), "1403"),
    ]
    assert lines.select("debit", "credit", "currency", "fx_amount", "fx_rate", "quantity").rows() == [
        (D("7100.00"), D("0.00"), "USD", D("1000.00"), D("7.10000000"), None),
        (D("0.00"), D("7100.00"), None, None, None, None),
        (D("12.35"), D("0.00"), None, None, None, D("2.500000")),
        (D("0.00"), D("12.35"), None, None, None, D("-2.500000")),
    ]
    assert lines.select("customer", "department").rows() == [
        (None, None),
        ("C01", None),
        (None, "D01"),
        (None, None),
    ]
    assert lines["source_location"].to_list() == [f"tplus.xlsx[序时账]:{n}" for n in (4, 5, 6, 7)]
    # 12.345 has a third decimal: rounded half up, and said so (once per column)
    rounded = [
        (i.location, i.data["column"], i.data["count"]) for i in sink.issues if i.code == "amount_rounded"
    ]
    assert rounded == [("tplus.xlsx[序时账]:6", "借方金额", 1), ("tplus.xlsx[序时账]:7", "贷方金额", 1)]
    assert sink.table("dimensions").select("type", "code", "name").rows() == [
        ("customer", "C01", "甲公司"),
        ("department", "D01", "车间"),
    ]
    assert issue(sink, "profile_selected").data["profile"] == "Yonyou T+ journal (用友T+ 序时账)"


def test_k3_vouchers_with_separate_type_and_number_and_period_labels(tmp_path):
    rows = [
        [
            "日期",
            "会计期间",
            "凭证字",
            "凭证号",
            "分录号",
            "摘要",
            "科目代码",
            "科目名称",
            "币别",
            "原币金额",
            "借方",
            "贷方",
            "核算项目",
            "制单",
            "审核",
            "过账",
        ],
        [
            "2024-12-31",
            "2024年第12期",
            "记",
            "0088",
            1,
            "结转成本",
            "6401",
            "主营业务成本",
            "人民币",
            800,
            800,
            0,
            "",
            "a",
            "b",
            "c",
        ],
        [
            "2024-12-31",
            "2024.12",
            "记",
            "0088",
            2,
            "结转成本",
            "1405.01",
            "库存商品-甲",
            "人民币",
            800,
            0,
            800,
            "供应商:S9 乙厂",
            "a",
            "b",
            "c",
        ],
    ]
    sink = read(xlsx(tmp_path / "k3.xlsx", {"Sheet1": rows}))
    lines = sink.table("lines")
    assert lines.select(
        "fiscal_year", "period", "voucher_type", "voucher_number", "line_number", "account_code", "supplier"
    ).rows() == [
        (2024, 12, "记", "88", 1, "6401", None),
        (2024, 12, "记", "88", 2, "1405.01", "S9"),
    ]
    assert lines.select("debit", "credit", "fx_amount").rows() == [
        (D("800.00"), D("0.00"), D("800.00")),
        (D("0.00"), D("800.00"), D("-800.00")),
    ]
    assert issue(sink, "profile_selected").data["profile"] == "Kingdee K/3 vouchers (金蝶K/3 凭证查询)"


def test_kis_journal(tmp_path):
    path = tmp_path / "kis.csv"
    path.write_text(
        "日期,会计期间,凭证字号,分录号,摘要,科目代码,科目名称,借方金额,贷方金额,制单人,审核人,过账人\n"
        "2024/2/1,2,记-3,1,报销,6602.01,办公费,88.8,,x,y,z\n"
        "2024/2/1,2,记-3,2,报销,1001,库存现金,,88.8,x,y,z\n",
        encoding="utf-8",
    )
    sink = read(path)
    assert issue(sink, "profile_selected").data["profile"] == "Kingdee KIS journal (金蝶KIS 会计分录序时簿)"
    assert sink.table("lines").select(
        "period", "voucher_number", "account_code", "debit", "credit"
    ).rows() == [
        (2, "3", "6602.01", D("88.80"), D("0.00")),
        (2, "3", "1001", D("0.00"), D("88.80")),
    ]
    assert sink.table("accounts").select("code", "type").rows() == [
        ("1001", "asset"),
        ("6602.01", "profit_loss"),
    ]


# --- balances ---------------------------------------------------------------------------------------


def test_u8_trial_balance_with_two_header_rows(tmp_path):
    rows = [
        ["发生额及余额表"],
        ["科目编码", "科目名称", "期初余额", None, "本期发生", None, "期末余额", None],
        [None, None, "借方", "贷方", "借方", "贷方", "借方", "贷方"],
        ["1001", "库存现金", 500, None, 120, None, 620, None],
        ["2202", "应付账款", None, 40, None, 30, None, 70],
        ["6001", "主营业务收入", None, None, 0, 150, None, 150],
        ["", "合计", 500, 40, 120, 180, 620, 220],
    ]
    merges = {"余额表": [(1, 2, 1, 3, "期初余额"), (1, 4, 1, 5, "本期发生"), (1, 6, 1, 7, "期末余额")]}
    sink = read(xlsx(tmp_path / "u8tb.xlsx", {"余额表": rows}, merges))
    assert sink.table("balances").select("account_code", "opening", "debit", "credit", "closing").rows() == [
        ("1001", D("500.00"), D("120.00"), D("0.00"), D("620.00")),
        ("2202", D("-40.00"), D("0.00"), D("30.00"), D("-70.00")),
        ("6001", D("0.00"), D("0.00"), D("150.00"), D("-150.00")),
    ]
    assert issue(sink, "profile_selected").data == {
        "variant": "runner_up",  # picks the message template
        "name": "u8tb.xlsx[余额表]",
        "profile": "Yonyou U8 trial balance (用友U8 发生额及余额表)",
        "profile_id": None,
        "score": 1.0,
        "coverage": 1.0,
        "runner_up": "Yonyou T+ account balances (用友T+ 科目余额表)",  # on the top header row alone
        "runner_up_score": 0.8,
        "runner_up_coverage": 0.4444,
        "header_row": 2,
    }
    assert "total_rows_skipped" in codes(sink)
    assert sink.table("accounts").select("code", "name").rows() == [
        ("1001", "库存现金"),
        ("2202", "应付账款"),
        ("6001", "主营业务收入"),
    ]


def test_tplus_balances_with_directions(tmp_path):
    path = tmp_path / "tb.csv"
    path.write_text(
        "科目编码,科目名称,期初方向,期初余额,本期借方,本期贷方,本年借方累计,本年贷方累计,期末方向,期末余额\n"
        "1001,库存现金,借,500.00,120.00,0,120,0,借,620.00\n"
        "2202,应付账款,贷,40.00,0,30.00,0,30,贷,70.00\n"
        "1002,银行存款,平,0,0,0,0,0,平,0\n",
        encoding="utf-8",
    )
    sink = read(path)
    assert sink.table("balances").select("account_code", "opening", "closing").rows() == [
        ("1001", D("500.00"), D("620.00")),
        ("2202", D("-40.00"), D("-70.00")),
        ("1002", D("0.00"), D("0.00")),
    ]


def test_folder_with_journal_balances_and_chart(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "序时账.csv").write_bytes(U8_CSV.encode("gb18030"))
    (folder / "余额表.csv").write_text(
        "科目代码,科目名称,期初借方余额,期初贷方余额,本期借方发生额,本期贷方发生额,本年累计借方,本年累计贷方,期末借方余额,期末贷方余额\n"
        "1122,应收账款,100,,0,12345.6,0,12345.6,,12245.6\n",
        encoding="utf-8",
    )
    (folder / "科目.csv").write_text(
        "科目编码,科目名称,科目类型,余额方向,辅助核算,外币币种\n"
        "1002,银行存款,资产,借,,\n"
        "100201,工行,资产,借,,\n"
        "1122,应收账款,资产,借,客户/部门,\n"
        "2211,应付职工薪酬,负债,贷,,\n"
        "6602,管理费用,损益,借,,\n"
        "660201,工资,损益,借,项目,\n",
        encoding="utf-8",
    )
    sink = read(folder)
    assert sink.table("lines").height == 4
    assert sink.table("balances").select("account_code", "opening", "credit", "closing").rows() == [
        ("1122", D("100.00"), D("12345.60"), D("-12245.60"))
    ]
    accounts = sink.table("accounts")
    assert accounts.select(
        "code", "level", "parent_code", "type", "normal_balance", "is_leaf", "dimension_types"
    ).rows() == [
        ("1002", 1, None, "asset", "D", False, []),
        ("100201", 2, "1002", "asset", "D", True, []),
        ("1122", 1, None, "asset", "D", True, ["customer", "department"]),
        ("2211", 1, None, "liability", "C", True, []),
        ("6602", 1, None, "profit_loss", "D", False, []),
        ("660201", 2, "6602", "profit_loss", "D", True, ["project"]),
    ]
    chosen = sorted(i.data["profile"] for i in sink.issues if i.code == "profile_selected")
    assert chosen == [
        "Kingdee KIS account balances (金蝶KIS 科目余额表)",
        "Yonyou U8 journal (用友U8 序时账)",
        "Yonyou U8/T+ chart of accounts (用友 会计科目)",
    ]


def test_zip_of_tables(tmp_path):
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("序时账.csv", U8_CSV.encode("gb18030"))
        archive.writestr("说明.doc", b"ignored")
    sink = read(target)
    assert sink.table("lines").height == 4
    assert sink.table("lines")["source_location"][0] == "序时账.csv:5"
    assert "file_ignored" in codes(sink)


# --- choosing the profile ---------------------------------------------------------------------------

OWN = {
    "name": "Firm layout A",
    "kind": "lines",
    "columns": {
        "凭证日期": "voucher_date",
        "凭证": "voucher",
        "科目": "account_code",
        "金额": "amount",
        "方向": "direction",
    },
}
OWN_CSV = "凭证日期,凭证,科目,金额,方向\n2024-05-01,记-1,1001,10,借\n2024-05-01,记-1,6001,10,贷\n"


def test_users_own_profile_with_amount_and_direction(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    sink = read(path, profiles=[OWN])
    assert sink.table("lines").select("account_code", "debit", "credit").rows() == [
        ("1001", D("10.00"), D("0.00")),
        ("6001", D("0.00"), D("10.00")),
    ]
    assert issue(sink, "profile_selected").data["score"] == 1.0


def test_two_profiles_that_fit_equally_are_refused(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    twin = {**OWN, "name": "Firm layout B"}
    with pytest.raises(FormatError) as error:
        read(path, profiles=[OWN, twin])
    assert str(error.value) == (
        "own.csv: the headers fit the profiles 'Firm layout A', 'Firm layout B' equally well (1.00 of the columns "
        "known, 1.00 of the profile's fields found); "
        "name the one to use (option profile)"
    )
    sink = read(path, profiles=[OWN, twin], profile="Firm layout B")
    assert codes(sink)[0] == "profile_used"
    assert issue(sink, "profile_used").message == "own.csv: read with the profile 'Firm layout B' (as asked)"


def test_no_profile_fits(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read(path)
    assert str(error.value).startswith("x.csv: no mapping profile fits this table (closest: ")


def test_named_profile_that_does_not_fit(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read(path, profile="yonyou-u8-lines")
    assert str(error.value).startswith(
        "own.csv: the profile 'Yonyou U8 journal (用友U8 序时账)' does not fit: missing"
    )
    with pytest.raises(FormatError, match="no mapping profile 'nope'"):
        read(path, profile="nope")


def test_score_is_precision_then_coverage():
    profile = tabular.as_profile(OWN)
    assert tabular.score(profile, ["凭证日期", "凭证", "科目", "金额", "方向"])[:2] == (1.0, 1.0)
    precision, coverage, mapping, missing = tabular.score(
        profile, ["凭证日期", "凭证", "科目", "金额", "方向", "备注", ""]
    )
    assert (round(precision, 4), coverage, missing) == (round(5 / 6, 4), 1.0, [])
    assert mapping == {"voucher_date": 0, "voucher": 1, "account_code": 2, "amount": 3, "direction": 4}
    assert tabular.score(profile, ["凭证日期", "科目"])[1:] == (
        0.4,
        {"voucher_date": 0, "account_code": 1},
        ["voucher or voucher_number", "credit+debit or amount"],
    )


def test_combined_headers():
    rows = [["科目编码", "期初余额", "", "本期发生", ""], ["", "借方", "贷方", "借方", "贷方"]]
    assert tabular.combined_headers(rows, 0, 2) == [
        "科目编码",
        "期初余额借方",
        "期初余额贷方",
        "本期发生借方",
        "本期发生贷方",
    ]


def test_builtin_profiles_are_valid_and_distinct():
    profiles = tabular.builtin_profiles()
    assert sorted(p.slug for p in profiles) == [
        "kingdee-accounts",
        "kingdee-k3-balances",
        "kingdee-k3-lines",
        "kingdee-kis-balances",
        "kingdee-kis-lines",
        "yonyou-accounts",
        "yonyou-tplus-balances",
        "yonyou-tplus-lines",
        "yonyou-u8-balances",
        "yonyou-u8-lines",
    ]
    for profile in profiles:
        assert tabular.check_profile(profile.kind, profile.columns, profile.options) == [], profile.slug
        # each profile's own headers select it, and nothing else scores as well
        headers = list(dict.fromkeys(h for h in profile.columns))
        scores = sorted(((tabular.score(p, headers)[0], p.slug) for p in profiles), reverse=True)
        assert scores[0][1] == profile.slug or scores[0][0] > scores[1][0], profile.slug


def test_check_profile():
    assert tabular.check_profile("lines", {"日期": "when", "科目": "account_code"}, {"colour": 1}) == [
        "日期: 'when' is not a field of lines",
        "unknown option 'colour'",
        "missing: voucher or voucher_number",
        "missing: credit+debit or amount",
        "missing: voucher_date or period or period_label",
    ]


def test_sniff():
    assert tabular.sniff(U8_CSV.encode("gb18030"), "x.csv")
    assert not tabular.sniff(b"a,b,c\n1,2,3\n", "x.csv")
    assert not tabular.sniff(b"\x00\x01binary", "x.bin")
    assert tabular.sniff(b"PK\x03\x04....xl/workbook.xml", "x.xlsx")


# --- hostile workbooks --------------------------------------------------------------------------------


def test_xlsx_zip_bomb_is_refused(tmp_path):
    target = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    with pytest.raises(FormatError) as error:
        read(target)
    assert str(error.value).startswith("bomb.xlsx: refused: its part xl/worksheets/sheet1.xml would expand")


def test_truncated_xlsx_is_refused(tmp_path):
    data = xlsx(tmp_path / "ok.xlsx", {"S": [["日期"], ["2024-01-01"]]}).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError) as error:
        read(cut)
    assert str(error.value) in (
        "cut.xlsx: the workbook is damaged or incomplete",
        "cut.xlsx: the zip archive is damaged or incomplete",
    )


def test_workbook_with_broken_xml(tmp_path):
    target = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<workbook")
    with pytest.raises(FormatError, match="the workbook is damaged or incomplete"):
        read(target)


def test_values_beyond_the_header_are_refused(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV + "2024-05-02,记-2,1001,5,借,stray\n", encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read(path, profiles=[OWN])
    assert error.value.location == "own.csv:4"


# --- profiles in the database -------------------------------------------------------------------------


@pytest.mark.django_db
def test_builtin_profiles_are_loaded_by_the_migration():
    stored = MappingProfile.objects.filter(builtin=True, organisation=None)
    assert stored.count() == 10
    u8 = stored.get(name="Yonyou U8 journal (用友U8 序时账)")
    data = json.loads((tabular.PROFILES_DIR / "yonyou-u8-lines.json").read_text(encoding="utf-8"))
    assert (u8.kind, u8.software, u8.columns, u8.options) == (
        "lines",
        "用友 U8",
        data["columns"],
        data["options"],
    )


@pytest.mark.django_db
def test_available_profiles_follow_the_permission_gate(tmp_path, firm, other_firm, make_user):
    from cpahub.accounts.choices import Role

    user = make_user(Role.STAFF_AUDITOR, firm.organisation)
    mine = MappingProfile.objects.create(
        name="Ours", kind="lines", organisation=firm.organisation, columns=OWN["columns"]
    )
    MappingProfile.objects.create(
        name="Theirs", kind="lines", organisation=other_firm.organisation, columns=OWN["columns"]
    )
    names = {p.name for p in tabular.available_profiles(user)}
    assert "Ours" in names and "Theirs" not in names
    assert len([p for p in tabular.available_profiles(user) if p.builtin]) == 10
    assert set(MappingProfile.objects.restrict(user, VIEW).values_list("name", flat=True)) >= {"Ours"}
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    sink = read(path, profiles=tabular.available_profiles(user), profile=str(mine.pk))
    assert sink.table("lines").height == 2


def test_large_csv_is_batched(tmp_path):
    lines = ["日期,凭证号,摘要,科目编码,科目名称,借方金额,贷方金额"]
    for i in range(2600):
        side = f"{i % 50}.5," if i % 2 == 0 else f",{(i - 1) % 50}.5"
        lines.append(f"2024-01-{1 + i % 28:02d},记-{i // 2 + 1},x,1001,现金,{side}")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sink = read(path)
    assert sink.table("lines").height == 2600
    assert sink.table("lines")["debit"].sum() == sink.table("lines")["credit"].sum()


def test_progress(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    seen = []
    tabular.read(path, InMemoryLedger(), options={"profiles": [OWN]}, progress=seen.append)
    assert seen == [1.0]


def test_io_helpers():
    assert tabular._cell_text(datetime.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert tabular._cell_text(1e16) == "10000000000000000"
    assert tabular._cell_text(12.5) == "12.5"
    assert tabular._cell_text(True) == "1"
    assert tabular._cell_text("  ") is None


def test_options_given_as_text_on_the_command_line(tmp_path):
    path = tmp_path / "u8.csv"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(csv.reader(io.StringIO(U8_CSV)))
    path.write_text(buffer.getvalue(), encoding="utf-8")
    sink = read(path, delimiter="semicolon", strip_voucher_zeros="false", decimal=".")
    assert sink.table("lines")["voucher_number"].to_list() == ["0001", "0001", "0002", "0002"]
    with pytest.raises(FormatError) as error:  # the 本月合计 row is kept, and has no account code
        read(path, skip_totals="no")
    assert error.value.location == "u8.csv:9"
    with pytest.raises(FormatError, match="a yes/no option cannot be 'maybe'"):
        read(path, fx_signed="maybe")
    sink = read(path, auxiliary='{"style": "combined", "labels": {"银行账户": "other"}}')
    assert sink.table("lines")["other_dimensions"].to_list()[2] == "other:银行账户:8888"


def test_the_documentation_lists_every_builtin_profile(settings):
    text = (Path(settings.BASE_DIR) / "docs" / "data-standard" / "flat-files.md").read_text(encoding="utf-8")
    for profile in tabular.builtin_profiles():
        section = text.split(f"#### `{profile.slug}` — {profile.name}", 1)
        assert len(section) == 2, profile.slug
        body = section[1].split("####", 1)[0]
        for header, target in profile.columns.items():
            assert f"`{target}`" in body and header in body, (profile.slug, header)


def test_detection_picks_tabular(tmp_path):
    from cpahub.ledgers import formats

    path = tmp_path / "序时账.csv"
    path.write_bytes(U8_CSV.encode("gb18030"))
    assert formats.detect(path) == "tabular"
    assert (
        formats.detect(xlsx(tmp_path / "k.xlsx", {"S": [["科目代码", "科目名称"], ["1001", "现金"]]}))
        == "tabular"
    )
