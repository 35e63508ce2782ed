"""Generate a realistic synthetic ledger and write it in every ledger format that has a writer.

One fiscal year of a fictional Jiangxi manufacturer: a Chinese enterprise chart of 1,000 accounts on
three levels, auxiliary dimensions (customers, suppliers, departments, projects), balanced vouchers
of 2-8 lines drawn from eleven kinds of business (sales, collections, purchases, payments, expenses,
payroll, cost of sales, production, completed goods, taxes, depreciation) with log-normal amounts, descriptions,
preparers, reviewers, USD and EUR bank lines, inventory quantities, opening balances and closing
balances that roll forward. Built vectorised with Polars (random numbers come from hashing a row
index with the seed, so a seed gives the same ledger on every run of the same Polars version).

    uv run python benchmarks/ledger_gen.py [--lines 1000000] [--out benchmarks/out/ledger] [--seed 2024]

writes `OUT/cpahub/` (cpahub audit data standard, folder), `OUT/ads/`, `OUT/gbt24589/`, `OUT/saft/`
(each through its format module's `write`, when that module exists) and `OUT/generated.json`, which
lists the forms written and the ones whose writer is missing. The last line of the output is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import sys
import time
import zipfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "ledger"
FORMS = ("cpahub", "ads", "gbt24589", "saft")
GENERATOR_VERSION = 2  # bump when the generated ledger changes: the benchmark then regenerates
YEAR = 2024

AMOUNT = pl.Decimal(20, 2)


# --- random numbers -------------------------------------------------------------------------------
class Random:
    """Vectorised pseudo-random numbers: the hash of (row index, seed, stream). No NumPy needed."""

    def __init__(self, seed: int):
        self.seed = seed
        self.stream = 0

    def uniform(self, n: int) -> pl.Series:
        """n floats in [0, 1)."""
        self.stream += 1
        hashed = pl.int_range(0, n, eager=True, dtype=pl.UInt64).hash(seed=self.seed * 7919 + self.stream)
        return (hashed // 2048).cast(pl.Float64) * 2.0**-53

    def normal(self, n: int) -> pl.Series:
        """Standard normal (Box-Muller)."""
        u1, u2 = self.uniform(n), self.uniform(n)
        return ((1.0 - u1).log() * -2.0).sqrt() * (u2 * (2 * math.pi)).cos()

    def integers(self, n: int, low: int, high: int) -> pl.Series:
        """Integers in [low, high)."""
        return (self.uniform(n) * (high - low)).floor().cast(pl.Int64) + low

    def choice(self, n: int, weights: list[float]) -> pl.Series:
        """Indexes 0..len(weights)-1 drawn with these weights."""
        total = sum(weights)
        cumulative, running = [], 0.0
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        cumulative[-1] = 1.0
        return pl.Series(cumulative).search_sorted(self.uniform(n), side="right").cast(pl.Int64)


# --- chart of accounts ----------------------------------------------------------------------------
# Level-1 accounts of the enterprise chart (企业会计准则应用指南 附录 会计科目).
LEVEL1 = [
    ("1001", "库存现金"),
    ("1002", "银行存款"),
    ("1012", "其他货币资金"),
    ("1101", "交易性金融资产"),
    ("1121", "应收票据"),
    ("1122", "应收账款"),
    ("1123", "预付账款"),
    ("1221", "其他应收款"),
    ("1231", "坏账准备"),
    ("1403", "原材料"),
    ("1405", "库存商品"),
    ("1471", "存货跌价准备"),
    ("1511", "长期股权投资"),
    ("1601", "固定资产"),
    ("1602", "累计折旧"),
    ("1604", "在建工程"),
    ("1701", "无形资产"),
    ("1702", "累计摊销"),
    ("1801", "长期待摊费用"),
    ("1811", "递延所得税资产"),
    ("1901", "待处理财产损溢"),
    ("2001", "短期借款"),
    ("2201", "应付票据"),
    ("2202", "应付账款"),
    ("2203", "预收账款"),
    ("2211", "应付职工薪酬"),
    ("2221", "应交税费"),
    ("2231", "应付利息"),
    ("2232", "应付股利"),
    ("2241", "其他应付款"),
    ("2501", "长期借款"),
    ("2901", "递延所得税负债"),
    ("4001", "实收资本"),
    ("4002", "资本公积"),
    ("4101", "盈余公积"),
    ("4103", "本年利润"),
    ("4104", "利润分配"),
    ("5001", "生产成本"),
    ("5101", "制造费用"),
    ("6001", "主营业务收入"),
    ("6051", "其他业务收入"),
    ("6111", "投资收益"),
    ("6301", "营业外收入"),
    ("6401", "主营业务成本"),
    ("6402", "其他业务成本"),
    ("6403", "税金及附加"),
    ("6601", "销售费用"),
    ("6602", "管理费用"),
    ("6603", "财务费用"),
    ("6701", "资产减值损失"),
    ("6711", "营业外支出"),
    ("6801", "所得税费用"),
]
CONTRA = {"1231", "1471", "1602", "1702"}  # asset accounts with a credit balance
BANKS = [
    "中国工商银行南昌分行",
    "中国建设银行南昌分行",
    "中国银行南昌分行",
    "中国农业银行南昌分行",
    "交通银行南昌分行",
    "江西银行营业部",
    "九江银行南昌分行",
    "招商银行南昌分行",
    "兴业银行南昌分行",
    "赣州银行南昌分行",
]
FX_BANKS = [("中国银行南昌分行美元户", "USD"), ("中国银行南昌分行欧元户", "EUR")]
PRODUCT_LINES = [
    "精密轴承",
    "齿轮箱",
    "液压阀",
    "电机总成",
    "传动轴",
    "数控刀具",
    "汽车配件",
    "风电法兰",
    "铝合金压铸件",
    "不锈钢管件",
    "阀门",
    "泵体",
    "减速机",
    "联轴器",
    "密封件",
    "弹簧",
    "紧固件",
    "模具",
    "冲压件",
    "锻件",
    "铸铁件",
    "电控柜",
    "传感器",
    "线束",
    "散热器",
    "滤清器",
    "离合器",
    "制动盘",
    "转向节",
    "悬架件",
]
MATERIALS = [
    "钢材",
    "铝材",
    "铜材",
    "不锈钢板",
    "铸铁",
    "塑料粒子",
    "橡胶",
    "电子元件",
    "轴承钢",
    "焊材",
    "油漆涂料",
    "润滑油",
    "包装材料",
    "标准件",
    "电线电缆",
    "磁性材料",
    "化工辅料",
    "刀具耗材",
    "劳保用品",
    "五金配件",
]
SALES_EXPENSES = [
    "职工薪酬",
    "运输费",
    "装卸费",
    "包装费",
    "保险费",
    "展览费",
    "广告费",
    "业务宣传费",
    "商品维修费",
    "差旅费",
    "办公费",
    "通讯费",
    "业务招待费",
    "租赁费",
    "折旧费",
    "样品费",
    "佣金",
    "会议费",
    "水电费",
    "车辆费用",
    "售后服务费",
    "仓储费",
    "招标费",
    "培训费",
    "其他",
]
ADMIN_EXPENSES = [
    "职工薪酬",
    "办公费",
    "差旅费",
    "业务招待费",
    "通讯费",
    "车辆费用",
    "折旧费",
    "无形资产摊销",
    "长期待摊费用摊销",
    "租赁费",
    "水电费",
    "物业管理费",
    "修理费",
    "保险费",
    "中介机构费",
    "审计费",
    "咨询费",
    "诉讼费",
    "董事会费",
    "会议费",
    "培训费",
    "招聘费",
    "研究开发费",
    "技术服务费",
    "软件服务费",
    "低值易耗品摊销",
    "劳动保护费",
    "绿化费",
    "排污费",
    "安全生产费",
    "党建工作经费",
    "工会经费",
    "职工教育经费",
    "福利费",
    "残疾人就业保障金",
    "印刷费",
    "邮寄费",
    "图书资料费",
    "网络费",
    "其他",
]
OVERHEADS = [
    "职工薪酬",
    "折旧费",
    "水电费",
    "修理费",
    "机物料消耗",
    "劳动保护费",
    "低值易耗品摊销",
    "租赁费",
    "运输费",
    "办公费",
    "差旅费",
    "保险费",
    "检验费",
    "环保费",
    "其他",
]
CHILDREN = {
    "1002": BANKS + [name for name, _ in FX_BANKS],
    "1012": ["银行汇票存款", "银行本票存款", "信用卡存款", "信用证保证金存款", "存出投资款"],
    "1221": ["备用金", "押金及保证金", "代垫款项", "其他"],
    "1403": MATERIALS,
    "1405": PRODUCT_LINES,
    "1601": ["房屋及建筑物", "机器设备", "运输设备", "电子设备", "办公设备", "其他设备"],
    "1602": ["房屋及建筑物", "机器设备", "运输设备", "电子设备", "办公设备", "其他设备"],
    "1701": ["土地使用权", "软件", "专利权", "非专利技术"],
    "1702": ["土地使用权", "软件", "专利权", "非专利技术"],
    "2211": [
        "工资",
        "职工福利费",
        "社会保险费",
        "住房公积金",
        "工会经费",
        "职工教育经费",
        "非货币性福利",
        "辞退福利",
    ],
    "2221": [
        "应交增值税",
        "未交增值税",
        "应交企业所得税",
        "应交个人所得税",
        "应交城市维护建设税",
        "应交教育费附加",
        "应交地方教育附加",
        "应交房产税",
        "应交土地使用税",
        "应交印花税",
        "应交环境保护税",
        "待抵扣进项税额",
    ],
    "2241": ["押金", "代扣款项", "保证金", "其他"],
    "4104": ["提取法定盈余公积", "应付现金股利", "未分配利润"],
    "5001": ["基本生产成本", "辅助生产成本"],
    "5101": OVERHEADS,
    "6001": PRODUCT_LINES,
    "6051": ["材料销售", "租金收入", "技术服务收入"],
    "6401": PRODUCT_LINES,
    "6402": ["材料销售", "租金收入", "技术服务收入"],
    "6403": ["城市维护建设税", "教育费附加", "地方教育附加", "房产税", "土地使用税", "印花税"],
    "6601": SALES_EXPENSES,
    "6602": ADMIN_EXPENSES,
    "6603": ["利息支出", "利息收入", "汇兑损益", "手续费"],
    "6711": ["非流动资产处置损失", "罚款支出", "捐赠支出", "其他"],
}
GRANDCHILDREN = {
    "222101": ["进项税额", "销项税额", "已交税金", "转出未交增值税", "进项税额转出"],
    "500101": ["直接材料", "直接人工", "制造费用"],
    "500102": ["直接材料", "直接人工", "制造费用"],
}
# Auxiliary accounting (辅助核算) by account code prefix; the longest prefix wins.
DIMENSION_OF = {
    "1122": "customer",
    "2202": "supplier",
    "1123": "supplier",
    "2203": "customer",
    "1221": "department",
    "5001": "project",
    "5101": "department",
    "6001": "customer",
    "6601": "department",
    "6602": "department",
}
TARGET_ACCOUNTS = 1_000


def _account_type(code: str) -> tuple[str, str]:
    first = code[0]
    kind = {"1": "asset", "2": "liability", "3": "common", "4": "equity", "5": "cost", "6": "profit_loss"}[
        first
    ]
    if first == "1":
        side = "C" if code[:4] in CONTRA else "D"
    elif first in "24":
        side = "C"
    elif first == "5":
        side = "D"
    else:  # income accounts 60xx-63xx are credit, expenses 64xx-68xx debit
        side = "C" if code[:2] in ("60", "61", "63") else "D"
    return kind, side


def chart() -> pl.DataFrame:
    """1,000 accounts on three levels; product lines under 库存商品 and materials get level-3 items."""
    rows: list[tuple[str, str, int, str | None]] = []
    for code, name in LEVEL1:
        rows.append((code, name, 1, None))
        for index, child in enumerate(CHILDREN.get(code, ()), start=1):
            child_code = f"{code}{index:02d}"
            rows.append((child_code, child, 2, code))
            for sub_index, grandchild in enumerate(GRANDCHILDREN.get(child_code, ()), start=1):
                rows.append((f"{child_code}{sub_index:02d}", grandchild, 3, child_code))
    # Fill up to TARGET_ACCOUNTS with level-3 items: materials (10 each) and products (the rest).
    material_parents = [f"1403{i:02d}" for i in range(1, len(MATERIALS) + 1)]
    product_parents = [f"1405{i:02d}" for i in range(1, len(PRODUCT_LINES) + 1)]
    for parent, base in zip(material_parents, MATERIALS, strict=True):
        for item in range(1, 11):
            rows.append((f"{parent}{item:02d}", f"{base}-规格{item:02d}", 3, parent))
    remaining = TARGET_ACCOUNTS - len(rows)
    per_line, extra = divmod(remaining, len(product_parents))
    for number, (parent, base) in enumerate(zip(product_parents, PRODUCT_LINES, strict=True)):
        for item in range(1, per_line + (1 if number < extra else 0) + 1):
            rows.append((f"{parent}{item:02d}", f"{base}-型号{item:02d}", 3, parent))
    parents = {parent for _, _, _, parent in rows if parent}
    fx = {f"1002{len(BANKS) + i:02d}": currency for i, (_, currency) in enumerate(FX_BANKS, start=1)}
    records = []
    for code, name, level, parent in rows:
        kind, side = _account_type(code)
        prefix = next((p for p in sorted(DIMENSION_OF, key=len, reverse=True) if code.startswith(p)), None)
        leaf = code not in parents
        records.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent_code": parent,
                "type": kind,
                "normal_balance": side,
                "is_leaf": leaf,
                "dimension_types": [DIMENSION_OF[prefix]] if prefix and leaf else [],
                "currency": fx.get(code),
            }
        )
    frame = pl.DataFrame(records, schema_overrides={"level": pl.Int32, "dimension_types": pl.List(pl.Utf8)})
    assert frame.height == TARGET_ACCOUNTS, frame.height
    return frame


# --- master data ----------------------------------------------------------------------------------
CITIES = [
    "南昌",
    "九江",
    "赣州",
    "吉安",
    "宜春",
    "抚州",
    "上饶",
    "景德镇",
    "萍乡",
    "新余",
    "鹰潭",
    "长沙",
    "武汉",
    "杭州",
    "宁波",
    "深圳",
    "佛山",
    "苏州",
    "合肥",
    "福州",
]
WORDS = [
    "恒通",
    "华信",
    "鑫达",
    "宏远",
    "瑞丰",
    "金桥",
    "博盛",
    "天宇",
    "中联",
    "新元",
    "东方",
    "正泰",
    "永盛",
    "赣新",
    "洪都",
    "庐山",
    "井冈",
    "鄱湖",
    "昌盛",
    "力拓",
]
TRADES = ["机械", "汽车部件", "电气", "贸易", "重工", "新能源", "精工", "装备", "实业", "科技"]
DEPARTMENTS = [
    ("01", "总经理办公室", None),
    ("02", "财务部", None),
    ("03", "人力资源部", None),
    ("04", "销售部", None),
    ("0401", "华东销售区", "04"),
    ("0402", "华南销售区", "04"),
    ("0403", "华中销售区", "04"),
    ("0404", "海外销售部", "04"),
    ("05", "采购部", None),
    ("06", "生产部", None),
    ("0601", "铸造车间", "06"),
    ("0602", "机加工车间", "06"),
    ("0603", "热处理车间", "06"),
    ("0604", "装配车间", "06"),
    ("0605", "涂装车间", "06"),
    ("07", "技术研发中心", None),
    ("08", "质量管理部", None),
    ("09", "仓储物流部", None),
    ("10", "设备动力部", None),
    ("11", "安全环保部", None),
    ("12", "信息中心", None),
    ("13", "行政部", None),
    ("14", "审计部", None),
    ("15", "法务部", None),
    ("16", "证券事务部", None),
    ("17", "售后服务部", None),
    ("18", "市场部", None),
    ("19", "国际业务部", None),
    ("20", "工程部", None),
    ("21", "后勤保障部", None),
]
USERS = [
    ("U01", "李晓红", "preparer"),
    ("U02", "王建国", "preparer"),
    ("U03", "陈静", "preparer"),
    ("U04", "刘洋", "preparer"),
    ("U05", "赵敏", "preparer"),
    ("U06", "周磊", "preparer"),
    ("U07", "吴芳", "reviewer"),
    ("U08", "郑伟", "reviewer"),
    ("U09", "孙丽华", "poster"),
]
CASH_FLOW_ITEMS = [
    ("CF01", "销售商品、提供劳务收到的现金", "in"),
    ("CF02", "收到的税费返还", "in"),
    ("CF03", "收到其他与经营活动有关的现金", "in"),
    ("CF04", "购买商品、接受劳务支付的现金", "out"),
    ("CF05", "支付给职工以及为职工支付的现金", "out"),
    ("CF06", "支付的各项税费", "out"),
    ("CF07", "支付其他与经营活动有关的现金", "out"),
    ("CF08", "收回投资收到的现金", "in"),
    ("CF09", "取得投资收益收到的现金", "in"),
    ("CF10", "处置固定资产、无形资产和其他长期资产收回的现金净额", "in"),
    ("CF11", "购建固定资产、无形资产和其他长期资产支付的现金", "out"),
    ("CF12", "投资支付的现金", "out"),
    ("CF13", "吸收投资收到的现金", "in"),
    ("CF14", "取得借款收到的现金", "in"),
    ("CF15", "偿还债务支付的现金", "out"),
    ("CF16", "分配股利、利润或偿付利息支付的现金", "out"),
]
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(region: str, serial: int) -> str:
    """A well-formed (fictional) unified social credit code: 91 + region + 9-char id + check char."""
    body = f"91{region}{serial:09d}"
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return body + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def companies(rng: Random, count: int, prefix: str, dimension: str, region_base: int) -> pl.DataFrame:
    city = rng.integers(count, 0, len(CITIES))
    word = rng.integers(count, 0, len(WORDS))
    trade = rng.integers(count, 0, len(TRADES))
    frame = pl.DataFrame(
        {"i": pl.int_range(1, count + 1, eager=True), "city": city, "word": word, "trade": trade}
    )
    names = frame.select(
        pl.format(
            "{}{}{}有限公司",
            pl.col("city").replace_strict(list(range(len(CITIES))), CITIES, return_dtype=pl.Utf8),
            pl.col("word").replace_strict(list(range(len(WORDS))), WORDS, return_dtype=pl.Utf8),
            pl.col("trade").replace_strict(list(range(len(TRADES))), TRADES, return_dtype=pl.Utf8),
        )
    ).to_series()
    # The same generated name twice gets a branch suffix, as real registers do.
    seen: dict[str, int] = {}
    unique = []
    for name in names.to_list():
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else name.replace("有限公司", f"第{seen[name]}分公司"))
    return pl.DataFrame(
        {
            "type": dimension,
            "code": [f"{prefix}{i:05d}" for i in range(1, count + 1)],
            "name": unique,
            "parent_code": None,
            "credit_code": [credit_code(str(region_base + i % 90), 100000 + i) for i in range(count)],
        },
        schema_overrides={"parent_code": pl.Utf8},
    )


def dimensions(rng: Random) -> pl.DataFrame:
    customers = companies(rng, 2_000, "C", "customer", 360100)
    suppliers = companies(rng, 1_000, "S", "supplier", 360500)
    departments = pl.DataFrame(
        {
            "type": "department",
            "code": [code for code, _, _ in DEPARTMENTS],
            "name": [name for _, name, _ in DEPARTMENTS],
            "parent_code": [parent for _, _, parent in DEPARTMENTS],
            "credit_code": None,
        },
        schema_overrides={"parent_code": pl.Utf8, "credit_code": pl.Utf8},
    )
    projects = pl.DataFrame(
        {
            "type": "project",
            "code": [f"P{YEAR}{i:03d}" for i in range(1, 101)],
            "name": [f"{PRODUCT_LINES[i % len(PRODUCT_LINES)]}订单项目{i:03d}" for i in range(1, 101)],
            "parent_code": None,
            "credit_code": None,
        },
        schema_overrides={"parent_code": pl.Utf8, "credit_code": pl.Utf8},
    )
    return pl.concat([customers, suppliers, departments, projects])


# --- vouchers -------------------------------------------------------------------------------------
# kind: (weight, side of the single line, accounts of the single line, accounts of the other lines,
#        ln(mean amount in yuan), sigma, cash-flow item of a cash line, descriptions)
BANK = ("1002",)
KINDS = {
    "sales": (
        0.18,
        "D",
        ("1122",),
        ("6001", "22210102"),
        9.2,
        1.1,
        None,
        ("销售商品", "销售产品开具增值税专用发票", "确认销售收入", "发货结算"),
    ),
    "collection": (
        0.12,
        "D",
        BANK,
        ("1122",),
        9.6,
        1.0,
        "CF01",
        ("收到货款", "收回应收账款", "客户回款", "银行收款"),
    ),
    "purchase": (
        0.15,
        "C",
        ("2202",),
        ("1403", "22210101"),
        9.0,
        1.1,
        None,
        ("采购原材料", "材料入库", "购进材料取得专用发票", "采购入库结算"),
    ),
    "payment": (
        0.12,
        "C",
        BANK,
        ("2202",),
        9.3,
        1.0,
        "CF04",
        ("支付货款", "偿还应付账款", "支付供应商款项", "网银付款"),
    ),
    "expense": (
        0.18,
        "C",
        ("1001", "1002", "1221", "2241"),
        ("6601", "6602", "6602", "5101", "6601", "660304"),
        6.6,
        1.3,
        "CF07",
        (
            "报销差旅费",
            "支付办公费",
            "报销业务招待费",
            "支付水电费",
            "支付维修费",
            "报销交通费",
            "支付咨询费",
        ),
    ),
    "payroll": (
        0.05,
        "C",
        ("221101",),
        ("500101", "500102", "5101", "6601", "6602"),
        9.0,
        0.6,
        None,
        ("计提本月工资", "分配职工薪酬", "计提工资"),
    ),
    "cost": (
        0.07,
        "C",
        ("1405",),
        ("6401",),
        9.3,
        1.1,
        None,
        ("结转销售成本", "结转主营业务成本", "产品出库结转成本"),
    ),
    "production": (
        0.06,
        "C",
        ("1403",),
        ("500101", "500102"),
        9.1,
        1.1,
        None,
        ("生产领用材料", "车间领料", "领用原材料"),
    ),
    "completion": (
        0.07,
        "C",
        ("500101",),
        ("1405",),
        9.4,
        1.0,
        None,
        ("完工产品入库", "结转完工产品成本", "产成品验收入库"),
    ),
    "tax": (
        0.04,
        "C",
        BANK,
        ("2221",),
        8.5,
        1.2,
        "CF06",
        ("缴纳税费", "缴纳增值税", "缴纳附加税费", "预缴企业所得税"),
    ),
    "depreciation": (
        0.03,
        "C",
        ("1602",),
        ("6602", "5101", "6601"),
        8.0,
        0.8,
        None,
        ("计提折旧", "计提本月固定资产折旧"),
    ),
}
VOUCHER_SIZES = (2, 3, 4, 5, 6, 7, 8)
VOUCHER_SIZE_WEIGHTS = (0.46, 0.2, 0.13, 0.09, 0.06, 0.035, 0.025)
FX_RATES = {"USD": (7.10, 0.05), "EUR": (7.75, 0.08)}  # centre and monthly swing


def _voucher_sizes(rng: Random, lines: int) -> list[int]:
    mean = sum(s * w for s, w in zip(VOUCHER_SIZES, VOUCHER_SIZE_WEIGHTS, strict=True)) / sum(
        VOUCHER_SIZE_WEIGHTS
    )
    estimate = int(lines / mean * 1.1) + 10
    sizes = rng.choice(estimate, list(VOUCHER_SIZE_WEIGHTS)) + 2
    cumulative = sizes.cum_sum()
    count = int(cumulative.search_sorted(lines, side="left")) + 1
    sizes = sizes.head(count).to_list()
    excess = sum(sizes) - lines
    # Trim the last vouchers so that the total is exactly `lines` and no voucher has fewer than 2 lines.
    index = len(sizes) - 1
    while excess > 0 and index >= 0:
        cut = min(excess, sizes[index] - 2)
        sizes[index] -= cut
        excess -= cut
        index -= 1
    if excess:
        raise ValueError("too few lines for one voucher")
    return sizes


def _pick_accounts(rng: Random, frame: pl.DataFrame, pools: dict, leaves: list[str]) -> pl.Series:
    """For each row (column `pool`), one leaf account from that pool, chosen uniformly."""
    names = list(pools)
    flat: list[str] = []
    offsets, lengths = [], []
    for name in names:
        members = [code for code in leaves if code.startswith(pools[name])]
        if not members:
            raise ValueError(f"no leaf account under {pools[name]}")
        offsets.append(len(flat))
        lengths.append(len(members))
        flat.extend(members)
    pool_index = frame["pool"].replace_strict(names, list(range(len(names))), return_dtype=pl.Int64)
    offset = pool_index.replace_strict(list(range(len(names))), offsets, return_dtype=pl.Int64)
    length = pool_index.replace_strict(list(range(len(names))), lengths, return_dtype=pl.Int64)
    pick = offset + (rng.uniform(frame.height) * length).floor().cast(pl.Int64)
    return pl.Series(flat).gather(pick)


def _zipf_weights(count: int, exponent: float = 0.9) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def build(lines: int = 1_000_000, seed: int = 2024) -> dict[str, pl.DataFrame]:
    """The canonical tables of the synthetic ledger (see `cpahub.ledgers.canonical`)."""
    from cpahub.ledgers import canonical

    rng = Random(seed)
    accounts = chart()
    dims = dimensions(rng)
    leaves = accounts.filter(pl.col("is_leaf"))["code"].to_list()
    # Vouchers -------------------------------------------------------------------------------------
    sizes = _voucher_sizes(rng, lines)
    count = len(sizes)
    kind_names = list(KINDS)
    kind = rng.choice(count, [KINDS[k][0] for k in kind_names])
    # Days of the year, weighted towards month ends (accruals, closing entries).
    first = dt.date(YEAR, 1, 1)
    days = (dt.date(YEAR, 12, 31) - first).days + 1
    day_weights = []
    for offset in range(days):
        date = first + dt.timedelta(days=offset)
        weight = 0.25 if date.weekday() >= 5 else 1.0
        if (date + dt.timedelta(days=3)).month != date.month:
            weight *= 3.0
        day_weights.append(weight)
    day = rng.choice(count, day_weights)
    customer_rank = rng.choice(count, _zipf_weights(2_000))
    supplier_rank = rng.choice(count, _zipf_weights(1_000))
    leaf_departments = [code for code, _, _ in DEPARTMENTS if not any(p == code for _, _, p in DEPARTMENTS)]
    vouchers = (
        pl.DataFrame(
            {
                "size": pl.Series(sizes, dtype=pl.Int64),
                "kind": pl.Series(kind_names).gather(kind),
                "day": day,
                "customer": (customer_rank + 1).cast(pl.Utf8).str.zfill(5),
                "supplier": (supplier_rank + 1).cast(pl.Utf8).str.zfill(5),
                "department": pl.Series(leaf_departments).gather(
                    rng.integers(count, 0, len(leaf_departments))
                ),
                "project": (rng.integers(count, 1, 101)).cast(pl.Utf8).str.zfill(3),
                "preparer": pl.Series([u for u, _, r in USERS if r == "preparer"]).gather(
                    rng.integers(count, 0, 6)
                ),
                "reviewer": pl.Series([u for u, _, r in USERS if r == "reviewer"]).gather(
                    rng.integers(count, 0, 2)
                ),
                "entered_seconds": rng.integers(count, 8 * 3600, 19 * 3600),
                "attachments": rng.integers(count, 0, 6).cast(pl.Int32),
                "description": rng.uniform(count),
                "source_pick": rng.uniform(count),
            }
        )
        .with_columns(
            voucher_date=pl.lit(first) + pl.duration(days=pl.col("day")),
            customer="C" + pl.col("customer"),
            supplier="S" + pl.col("supplier"),
            project=pl.lit(f"P{YEAR}") + pl.col("project"),
        )
        .with_columns(period=pl.col("voucher_date").dt.month().cast(pl.Int32))
        .sort("voucher_date", "entered_seconds", maintain_order=True)
        .with_columns(
            voucher=pl.int_range(pl.len()),
            voucher_number=pl.int_range(1, pl.len() + 1).over("period").cast(pl.Utf8),
        )
    )
    # Lines: one row per line, `single` marks the line that balances the voucher ------------------
    line_frame = (
        vouchers.select("voucher", "size", "kind")
        .with_columns(position=pl.int_ranges(0, pl.col("size")))
        .explode("position")
        .with_columns(single_side=pl.col("kind").replace_strict({k: v[1] for k, v in KINDS.items()}))
        .with_columns(
            # Debit lines come first (借 before 贷): a single debit line is the first, a single
            # credit line the last.
            single=pl.when(pl.col("single_side") == "D")
            .then(pl.col("position") == 0)
            .otherwise(pl.col("position") == pl.col("size") - 1)
        )
        .with_columns(
            side=pl.when(pl.col("single"))
            .then(pl.col("single_side"))
            .otherwise(pl.when(pl.col("single_side") == "D").then(pl.lit("C")).otherwise(pl.lit("D"))),
            line_number=(pl.col("position") + 1).cast(pl.Int32),
        )
    )
    n = line_frame.height
    # Amounts of the other lines: log-normal by kind, in cents; some expenses are round figures.
    mu = line_frame["kind"].replace_strict({k: v[4] for k, v in KINDS.items()}, return_dtype=pl.Float64)
    sigma = line_frame["kind"].replace_strict({k: v[5] for k, v in KINDS.items()}, return_dtype=pl.Float64)
    raw = (mu + sigma * rng.normal(n)).exp() * 100
    round_figure = (rng.uniform(n) < 0.08) & (line_frame["kind"] == "expense")
    cents = (
        pl.DataFrame({"raw": raw, "round": round_figure})
        .select(
            pl.when(pl.col("round"))
            .then(((pl.col("raw") / 10_000).round(0) * 10_000).clip(10_000))
            .otherwise(pl.col("raw").round(0).clip(1))
            .cast(pl.Int64)
        )
        .to_series()
    )
    line_frame = line_frame.with_columns(cents=cents).with_columns(
        cents=pl.when(pl.col("single"))
        .then(pl.col("cents").filter(~pl.col("single")).sum().over("voucher"))
        .otherwise(pl.col("cents"))
    )
    # Accounts: a pool per kind and role (single / other lines).
    pools = {}
    for name, (_, _, single_pool, other_pool, *_rest) in KINDS.items():
        for i, prefix in enumerate(single_pool):
            pools[f"{name}:s:{i}"] = prefix
        for i, prefix in enumerate(other_pool):
            pools[f"{name}:o:{i}"] = prefix
    role_count = {f"{name}:s": len(v[2]) for name, v in KINDS.items()} | {
        f"{name}:o": len(v[3]) for name, v in KINDS.items()
    }
    line_frame = line_frame.with_columns(
        role=pl.col("kind") + pl.when(pl.col("single")).then(pl.lit(":s")).otherwise(pl.lit(":o")),
        pick=rng.uniform(n),
    )
    choices = (
        (line_frame["pick"] * line_frame["role"].replace_strict(role_count, return_dtype=pl.Float64))
        .floor()
        .cast(pl.Int64)
    )
    line_frame = line_frame.with_columns(pool=pl.col("role") + ":" + choices.cast(pl.Utf8))
    line_frame = line_frame.with_columns(account_code=_pick_accounts(rng, line_frame, pools, leaves))
    # Dimensions, currencies and quantities follow the account.
    account_info = accounts.select(
        pl.col("code").alias("account_code"),
        pl.col("dimension_types").list.first().alias("dimension"),
        pl.col("currency").alias("account_currency"),
    )
    line_frame = line_frame.join(account_info, on="account_code", how="left").join(
        vouchers.select(
            "voucher",
            "period",
            "voucher_number",
            "voucher_date",
            "customer",
            "supplier",
            "department",
            "project",
            "preparer",
            "reviewer",
            "entered_seconds",
            "attachments",
            pl.col("description").alias("description_pick"),
            "source_pick",
        ),
        on="voucher",
        how="left",
    )
    line_frame = line_frame.sort("voucher", "position")
    fx_shift = rng.uniform(n)
    descriptions = {k: v[7] for k, v in KINDS.items()}
    description_pool = [d for k in KINDS for d in descriptions[k]]
    description_offset = {}
    running = 0
    for k in KINDS:
        description_offset[k] = running
        running += len(descriptions[k])
    description_index = line_frame["kind"].replace_strict(description_offset, return_dtype=pl.Int64) + (
        line_frame["description_pick"]
        * line_frame["kind"].replace_strict(
            {k: len(v) for k, v in descriptions.items()}, return_dtype=pl.Float64
        )
    ).floor().cast(pl.Int64)
    amount = _to_amount(pl.col("cents"))
    zero = pl.lit(0, dtype=AMOUNT)
    signed_cents = pl.when(pl.col("side") == "D").then(pl.col("cents")).otherwise(-pl.col("cents"))
    rate = pl.col("account_currency").replace_strict(
        {c: r[0] for c, r in FX_RATES.items()}, default=None, return_dtype=pl.Float64
    ) + (pl.col("fx_shift") - 0.5) * pl.col("account_currency").replace_strict(
        {c: r[1] for c, r in FX_RATES.items()}, default=None, return_dtype=pl.Float64
    )
    cash_flow = {k: v[6] for k, v in KINDS.items()}
    is_cash = pl.col("account_code").str.starts_with("1001") | pl.col("account_code").str.starts_with("1002")
    inventory = pl.col("account_code").str.starts_with("1403") | pl.col("account_code").str.starts_with(
        "1405"
    )
    unit_price = (pl.col("account_code").str.slice(4).cast(pl.Int64) % 97 + 3) * 10  # yuan per unit
    lines_out = (
        line_frame.with_columns(
            fx_shift=fx_shift, description=pl.Series(description_pool).gather(description_index)
        )
        .with_columns(rate=rate.round(4))
        .select(
            pl.lit(YEAR, dtype=pl.Int32).alias("fiscal_year"),
            "period",
            pl.lit("记").alias("voucher_type"),
            "voucher_number",
            "voucher_date",
            "line_number",
            "description",
            "account_code",
            pl.when(pl.col("side") == "D").then(amount).otherwise(zero).alias("debit"),
            pl.when(pl.col("side") == "C").then(amount).otherwise(zero).alias("credit"),
            pl.col("account_currency").alias("currency"),
            pl.when(pl.col("account_currency").is_not_null())
            .then(_to_amount((signed_cents / pl.col("rate")).round(0).cast(pl.Int64)))
            .alias("fx_amount"),
            pl.col("rate").cast(pl.Decimal(20, 8)).alias("fx_rate"),
            pl.when(inventory)
            .then(_to_amount((signed_cents / unit_price).round(0).cast(pl.Int64)).cast(pl.Decimal(24, 6)))
            .alias("quantity"),
            pl.when(pl.col("dimension") == "customer").then(pl.col("customer")).alias("customer"),
            pl.when(pl.col("dimension") == "supplier").then(pl.col("supplier")).alias("supplier"),
            pl.when(pl.col("dimension") == "department").then(pl.col("department")).alias("department"),
            pl.when(pl.col("dimension") == "project").then(pl.col("project")).alias("project"),
            pl.when(is_cash)
            .then(pl.col("kind").replace_strict(cash_flow, default=None, return_dtype=pl.Utf8))
            .alias("cash_flow_item"),
            pl.col("attachments"),
            pl.col("preparer"),
            pl.col("reviewer"),
            pl.lit("U09").alias("poster"),
            (
                pl.col("voucher_date").cast(pl.Datetime("us"))
                + pl.duration(seconds=pl.col("entered_seconds"))
            ).alias("entered_at"),
            pl.lit(True).alias("posted"),
            pl.lit(False).alias("void"),
            pl.when(pl.col("source_pick") < 0.8)
            .then(pl.lit("manual"))
            .otherwise(pl.lit("system"))
            .alias("source"),
        )
    )
    lines_out = canonical.conform("lines", lines_out)
    balances = _balances(rng, accounts, dims, lines_out)
    entity = pl.DataFrame(
        {
            "name": "江西赣鄱精密机械股份有限公司",
            "credit_code": credit_code("360100", 20240001),
            "currency": "CNY",
            "fiscal_year": YEAR,
            "period_start": dt.date(YEAR, 1, 1),
            "period_end": dt.date(YEAR, 12, 31),
            "source_software": "cpahub benchmark generator",
            "source_format": "synthetic",
        }
    )
    periods = pl.DataFrame(
        {
            "fiscal_year": [YEAR] * 12,
            "period": list(range(1, 13)),
            "start": [dt.date(YEAR, m, 1) for m in range(1, 13)],
            "end": [dt.date(YEAR + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(1, 13)],
        }
    )
    tables = {
        "entity": entity,
        "periods": periods,
        "accounts": accounts,
        "dimensions": dims,
        "balances": balances,
        "lines": lines_out,
        "users": pl.DataFrame(USERS, schema=["code", "name", "role"], orient="row"),
        "cash_flow_items": pl.DataFrame(CASH_FLOW_ITEMS, schema=["code", "name", "direction"], orient="row"),
    }
    return {name: canonical.conform(name, frame) for name, frame in tables.items()}


def _to_amount(cents: pl.Expr) -> pl.Expr:
    """Integer cents to Decimal(20, 2), exactly (the division keeps the dividend's scale)."""
    return (cents.cast(pl.Decimal(38, 2)) / 100).cast(AMOUNT)


def _balances(rng: Random, accounts: pl.DataFrame, dims: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Opening balances for the balance-sheet accounts, movements from the lines, closing = opening
    + debit - credit; account rows at every level (parents are the sum of their children) and, for
    accounts with auxiliary accounting, one row per dimension value."""
    leaves = accounts.filter(pl.col("is_leaf"))
    dimension_of = leaves.select("code", pl.col("dimension_types").list.first().alias("dimension_type"))
    # Movements in cents by leaf account and dimension value.
    line_cents = lines.select(
        "account_code",
        pl.coalesce("customer", "supplier", "department", "project").alias("dimension_code"),
        (pl.col("debit") * 100).cast(pl.Int64).alias("debit"),
        (pl.col("credit") * 100).cast(pl.Int64).alias("credit"),
        pl.col("fx_amount"),
    )
    movements = line_cents.group_by("account_code", "dimension_code").agg(
        pl.col("debit").sum(),
        pl.col("credit").sum(),
        (pl.col("fx_amount").cast(pl.Decimal(38, 2)) * 100).cast(pl.Int64).sum().alias("fx"),
    )
    # Openings: balance-sheet leaves (not P&L, not cost); dimensioned ones per dimension value.
    balance_sheet = leaves.filter(
        pl.col("type").is_in(["asset", "liability", "equity"]) & (pl.col("code") != "410403")
    )
    sign = pl.when(pl.col("normal_balance") == "D").then(1).otherwise(-1)
    plain = balance_sheet.filter(pl.col("dimension_types").list.len() == 0)
    plain_open = plain.select(
        pl.col("code").alias("account_code"),
        pl.lit(None, dtype=pl.Utf8).alias("dimension_code"),
        (
            (pl.Series((11.5 + 1.4 * rng.normal(plain.height)).exp() * 100).round(0).cast(pl.Int64)) * sign
        ).alias("opening"),
    )
    dimensioned = balance_sheet.filter(pl.col("dimension_types").list.len() > 0).select(
        "code", "normal_balance", pl.col("dimension_types").list.first().alias("dimension_type")
    )
    per_value = dimensioned.join(
        dims.select(pl.col("type").alias("dimension_type"), pl.col("code").alias("dimension_code")),
        on="dimension_type",
    )
    per_value = per_value.with_columns(
        keep=rng.uniform(per_value.height) < 0.6, size=(10.0 + 1.3 * rng.normal(per_value.height)).exp() * 100
    )
    dim_open = per_value.filter("keep").select(
        pl.col("code").alias("account_code"),
        "dimension_code",
        (pl.col("size").round(0).cast(pl.Int64) * sign).alias("opening"),
    )
    openings = pl.concat([plain_open, dim_open])
    plug = -int(openings["opening"].sum())
    openings = pl.concat(
        [
            openings,
            pl.DataFrame(
                {"account_code": ["410403"], "dimension_code": [None], "opening": [plug]},
                schema=openings.schema,
            ),
        ]
    )
    detail = (
        openings.join(
            movements, on=["account_code", "dimension_code"], how="full", coalesce=True, nulls_equal=True
        )
        .with_columns(pl.col("opening", "debit", "credit", "fx").fill_null(0))
        .with_columns(closing=pl.col("opening") + pl.col("debit") - pl.col("credit"))
        .join(dimension_of.rename({"code": "account_code"}), on="account_code", how="left")
    )
    # Foreign-currency accounts: opening in currency at the January rate, closing rolls forward.
    fx_accounts = dict(
        accounts.filter(pl.col("currency").is_not_null()).select("code", "currency").iter_rows()
    )
    detail = (
        detail.with_columns(
            currency=pl.col("account_code").replace_strict(fx_accounts, default=None, return_dtype=pl.Utf8)
        )
        .with_columns(
            opening_fx=pl.when(pl.col("currency").is_not_null()).then(
                (
                    pl.col("opening")
                    / pl.col("currency").replace_strict(
                        {c: r[0] for c, r in FX_RATES.items()}, default=None, return_dtype=pl.Float64
                    )
                )
                .round(0)
                .cast(pl.Int64)
            )
        )
        .with_columns(closing_fx=pl.col("opening_fx") + pl.col("fx"))
    )
    # Account rows: the leaf total, then every ancestor as the sum of its leaves.
    parent = dict(accounts.select("code", "parent_code").iter_rows())
    ancestry = []
    for code in leaves["code"].to_list():
        node = code
        while node:
            ancestry.append((code, node))
            node = parent[node]
    ancestry_frame = pl.DataFrame(ancestry, schema=["account_code", "ancestor"], orient="row")
    sums = ["opening", "debit", "credit", "closing"]
    leaf_totals = detail.group_by("account_code").agg(pl.col(sums).sum())
    account_rows = (
        ancestry_frame.join(leaf_totals, on="account_code", how="inner")
        .group_by("ancestor")
        .agg(pl.col(sums).sum())
        .rename({"ancestor": "account_code"})
        .with_columns(
            dimension_type=pl.lit(None, dtype=pl.Utf8),
            dimension_code=pl.lit(None, dtype=pl.Utf8),
            currency=pl.lit(None, dtype=pl.Utf8),
            opening_fx=pl.lit(None, dtype=pl.Int64),
            closing_fx=pl.lit(None, dtype=pl.Int64),
        )
    )
    # A foreign-currency account also has a row in its currency, with the amounts in that currency.
    currency_rows = (
        detail.filter(pl.col("currency").is_not_null())
        .group_by("account_code", "currency")
        .agg(pl.col([*sums, "opening_fx", "closing_fx"]).sum())
        .with_columns(dimension_type=pl.lit(None, dtype=pl.Utf8), dimension_code=pl.lit(None, dtype=pl.Utf8))
    )
    sums += ["opening_fx", "closing_fx"]
    dimension_rows = detail.filter(pl.col("dimension_code").is_not_null()).select(
        "account_code", "dimension_type", "dimension_code", "currency", *sums
    )
    order = accounts.select(pl.col("code").alias("account_code"), pl.int_range(pl.len()).alias("order"))
    columns = dimension_rows.columns
    balances = (
        pl.concat([account_rows.select(columns), currency_rows.select(columns), dimension_rows])
        .join(order, on="account_code", how="left")
        .sort(
            "order",
            pl.col("currency").is_not_null(),
            pl.col("dimension_code").is_not_null(),
            "dimension_code",
        )
        .drop("order")
    )
    return balances.select(
        "account_code",
        "dimension_type",
        "dimension_code",
        "currency",
        *[_to_amount(pl.col(name)).alias(name) for name in sums],
    )


# --- writing --------------------------------------------------------------------------------------
class TablesSource:
    """A `LedgerSource` over a dict of canonical DataFrames."""

    def __init__(self, tables: dict[str, pl.DataFrame]):
        self.tables = tables

    def lazy(self, name: str) -> pl.LazyFrame:
        from cpahub.ledgers import canonical

        return (self.tables[name] if name in self.tables else canonical.empty(name)).lazy()


def _import_file(form: str, target: Path, paths: list[Path]) -> Path:
    """The one file an import takes: the written file, or a zip of the written folder."""
    if len(paths) == 1 and paths[0].is_file() and paths[0].suffix.lower() != ".csv":
        return paths[0]
    archive = target.with_suffix(".zip")
    if form == "cpahub":
        from cpahub.ledgers.formats import cpahub_std

        return cpahub_std.zip_package(target, archive)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(paths):
            out.write(path, path.relative_to(target).as_posix())
    return archive


def write_forms(tables: dict[str, pl.DataFrame], out: Path, forms=FORMS) -> dict:
    """Write the ledger in each form through its format module.

    {form: {target, paths, bytes, seconds, import} | {missing} | {error}}; `import` is the file to
    give `import_ledger` (a zip of the folder for forms written as several files).
    """
    from cpahub.ledgers import formats

    available = formats.available()
    source = TablesSource(tables)
    result: dict[str, dict] = {}
    for form in forms:
        module = available.get(form)
        if module is None or not hasattr(module, "write"):
            result[form] = {"missing": f"cpahub.ledgers.formats.{form} has no writer yet"}
            continue
        target = out / form
        for old in (target, target.with_suffix(".zip")):
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        target.mkdir(parents=True)
        started = time.perf_counter()
        try:
            paths = [Path(p) for p in module.write(source, target)]
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            import_file = _import_file(form, target, paths)
        except Exception as error:  # a writer that fails is reported, not fatal to the other forms
            result[form] = {"error": f"{type(error).__name__}: {error}"[:300]}
            continue
        result[form] = {
            "target": target.relative_to(out).as_posix(),
            "paths": [p.relative_to(out).as_posix() for p in paths],
            "bytes": sum(p.stat().st_size for p in paths),
            "seconds": round(seconds, 2),
            "import": import_file.relative_to(out).as_posix(),
            "import_bytes": import_file.stat().st_size,
            "zip_seconds": round(time.perf_counter() - started, 2),
        }
    return result


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpahub.settings")
    os.environ.setdefault("CPAHUB_PROFILE", "dev")
    os.environ.setdefault("CPAHUB_DEBUG", "false")
    os.environ.setdefault("CPAHUB_LOG_LEVEL", "ERROR")
    import django

    django.setup()


def generate(lines: int, out: Path, seed: int, forms=FORMS) -> dict:
    started = time.perf_counter()
    tables = build(lines, seed)
    built = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    written = write_forms(tables, out, forms)
    lines_frame = tables["lines"]
    summary = {
        "benchmark": "ledger_gen",
        "lines": lines_frame.height,
        "vouchers": lines_frame.select(pl.struct("period", "voucher_number").n_unique()).item(),
        "accounts": tables["accounts"].height,
        "dimensions": tables["dimensions"].height,
        "balances": tables["balances"].height,
        "total_debit": str(lines_frame["debit"].sum()),
        "total_credit": str(lines_frame["credit"].sum()),
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "build_seconds": round(built, 2),
        "forms": written,
        "missing": sorted(form for form, info in written.items() if "missing" in info),
    }
    (out / "generated.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="voucher lines (1,000,000)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder ({DEFAULT_OUT.relative_to(ROOT)})"
    )
    parser.add_argument("--seed", type=int, default=2024, help="random seed (2024)")
    parser.add_argument("--forms", default=",".join(FORMS), help=f"comma-separated forms ({','.join(FORMS)})")
    args = parser.parse_args(argv)
    forms = [f for f in args.forms.split(",") if f]
    unknown = set(forms) - set(FORMS)
    if unknown:
        parser.error(f"unknown forms: {', '.join(sorted(unknown))}")
    setup_django()
    summary = generate(args.lines, args.out, args.seed, forms)
    print(
        f"built {summary['lines']:,} lines in {summary['vouchers']:,} vouchers in {summary['build_seconds']} s"
    )
    for form, info in summary["forms"].items():
        if "missing" in info or "error" in info:
            print(f"  {form:<9} {info.get('missing') or info.get('error')}")
        else:
            print(
                f"  {form:<9} {info['bytes'] / 1e6:8.1f} MB in {info['seconds']:6.2f} s  -> {args.out / info['target']}"
            )
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
