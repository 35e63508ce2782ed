"""The GB/T 24589.1-2010 element names and how they map to the canonical model — ONE table to correct.

No public XSD or sample of the standard exists. The names below come from the table and element
names of the standard as used by accounting software that exports it (module files 公共档案 and 总账,
one element per table row, one child element per field). When a real file uses another name for a
field, add it to the list of that field: the first name of each list is the one the writer uses,
the others are accepted when reading. docs/data-standard/formats.md prints this table.

Kinds say how a value is read: text, int (whole number), date (yyyyMMdd), amount (Decimal 20,2),
rate (Decimal 20,8), quantity (Decimal 24,6), flag (FLAGS), posted (POSTED), void (VOID),
direction (DIRECTIONS), account_type (ACCOUNT_TYPES).
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "http://sxbw.audit.gov.cn/AccountingSoftwareDataInterfaceStandard/2010/SOE/XMLSchema"
STANDARD = "GB/T 24589.1-2010"
SOURCE_FORMAT = "gbt24589-2010"
AUX_SLOTS = 30  # 辅助项1编号 .. 辅助项30编号


@dataclass(frozen=True)
class Field:
    names: tuple[str, ...]  # element names; the first is written
    kind: str = "text"


def F(*names: str, kind: str = "text") -> Field:
    return Field(tuple(names), kind)


def _aux() -> dict[str, Field]:
    return {f"aux{n}": F(f"辅助项{n}编号") for n in range(1, AUX_SLOTS + 1)}


# Module (file root element) -> its tables in the order a file lists them.
MODULES = {
    "公共档案": [
        "电子账簿",
        "会计期间",
        "记账凭证类型",
        "币种",
        "部门档案",
        "员工档案",
        "供应商档案",
        "客户档案",
        "自定义档案项",
        "自定义档案项值",
    ],
    "总账": [
        "总账基础信息",
        "会计科目",
        "科目辅助核算",
        "现金流量项目",
        "科目余额及发生额",
        "记账凭证",
        "现金流量凭证项目数据",
    ],
}

# table -> {field: Field}
TABLES: dict[str, dict[str, Field]] = {
    "电子账簿": {
        "book_code": F("电子账簿编号"),
        "book_name": F("电子账簿名称"),
        "entity_name": F("会计核算单位"),
        "credit_code": F("组织机构代码", "统一社会信用代码"),
        "entity_kind": F("单位性质"),
        "industry": F("行业"),
        "developer": F("开发单位"),
        "software_version": F("版本号"),
        "currency": F("本位币"),
        "fiscal_year": F("会计年度", kind="int"),
        "standard_version": F("标准版本号"),
    },
    "会计期间": {
        "fiscal_year": F("会计年度", kind="int"),
        "period": F("会计期间号", kind="int"),
        "start": F("会计期间起始日期", "起始日期", kind="date"),
        "end": F("会计期间结束日期", "结束日期", kind="date"),
    },
    "记账凭证类型": {
        "code": F("记账凭证类型编号", "类型编号"),
        "name": F("记账凭证类型名称", "类型名称"),
        "short_name": F("记账凭证类型简称"),
    },
    "币种": {
        "code": F("币种编码", "币种代码"),
        "name": F("币种名称"),
    },
    "部门档案": {
        "code": F("部门编码", "部门编号"),
        "name": F("部门名称"),
        "parent_code": F("上级部门编码", "上级部门编号"),
    },
    "员工档案": {
        "code": F("员工编码", "员工编号"),
        "name": F("员工姓名", "员工名称"),
        "department": F("部门编码", "部门编号"),
    },
    "供应商档案": {
        "code": F("供应商编码", "供应商编号"),
        "name": F("供应商名称"),
        "short_name": F("供应商简称"),
        "credit_code": F("统一社会信用代码", "纳税人识别号"),
    },
    "客户档案": {
        "code": F("客户编码", "客户编号"),
        "name": F("客户名称"),
        "short_name": F("客户简称"),
        "credit_code": F("统一社会信用代码", "纳税人识别号"),
    },
    "自定义档案项": {
        "code": F("档案编码"),
        "name": F("档案名称"),
        "description": F("档案描述"),
    },
    "自定义档案项值": {
        "archive": F("档案编码"),
        "code": F("档案值编码"),
        "name": F("档案值名称"),
        "parent_code": F("档案值父节点"),
        "level": F("档案值级次", kind="int"),
    },
    "总账基础信息": {
        "coding_rule": F("会计科目编号规则", "科目编号规则"),
        "separator": F("结构分隔符"),
    },
    "会计科目": {
        "code": F("科目编号"),
        "name": F("科目名称"),
        "level": F("科目级次", kind="int"),
        "type": F("科目类型", kind="account_type"),
        "normal_balance": F("余额方向", kind="direction"),
    },
    "科目辅助核算": {
        "account": F("科目编号"),
        "item": F("辅助项编号"),
        "name": F("辅助项名称"),
        "archive": F("对应档案"),
        "description": F("辅助项描述"),
    },
    "现金流量项目": {
        "code": F("现金流量项目编码"),
        "name": F("现金流量项目名称"),
        "direction": F("现金流量项目属性"),
    },
    "科目余额及发生额": {
        "fiscal_year": F("会计年度", kind="int"),
        "period": F("会计期间号", kind="int"),
        "account_code": F("科目编号"),
        **_aux(),
        "currency": F("币种编码"),
        "unit": F("计量单位"),
        "opening_side": F("期初余额方向", kind="direction"),
        "opening": F("期初本币余额", kind="amount"),
        "opening_fx": F("期初原币余额", kind="amount"),
        "opening_quantity": F("期初数量", kind="quantity"),
        "debit": F("借方本币金额", "借方本币发生额", kind="amount"),
        "debit_fx": F("借方原币金额", kind="amount"),
        "debit_quantity": F("借方数量", kind="quantity"),
        "credit": F("贷方本币金额", "贷方本币发生额", kind="amount"),
        "credit_fx": F("贷方原币金额", kind="amount"),
        "credit_quantity": F("贷方数量", kind="quantity"),
        "closing_side": F("期末余额方向", kind="direction"),
        "closing": F("期末本币余额", kind="amount"),
        "closing_fx": F("期末原币余额", kind="amount"),
        "closing_quantity": F("期末数量", kind="quantity"),
    },
    "记账凭证": {
        "voucher_date": F("记账凭证日期", "凭证日期", kind="date"),
        "fiscal_year": F("会计年度", kind="int"),
        "period": F("会计期间号", kind="int"),
        "voucher_type": F("记账凭证类型编号", "类型编号"),
        "voucher_number": F("记账凭证编号", "凭证编号"),
        "line_number": F("记账凭证行号", "行号", kind="int"),
        "description": F("记账凭证摘要", "摘要"),
        "account_code": F("科目编号"),
        **_aux(),
        "currency": F("币种编码"),
        "unit": F("计量单位"),
        "debit_quantity": F("借方数量", kind="quantity"),
        "debit_fx": F("借方原币金额", kind="amount"),
        "debit": F("借方本币金额", kind="amount"),
        "credit_quantity": F("贷方数量", kind="quantity"),
        "credit_fx": F("贷方原币金额", kind="amount"),
        "credit": F("贷方本币金额", kind="amount"),
        "fx_amount": F("原币金额", kind="amount"),  # a signed original amount, where a file has one
        "rate_type": F("汇率类型编号"),
        "fx_rate": F("汇率", kind="rate"),
        "unit_price": F("单价", kind="rate"),
        "settlement": F("结算方式编码"),
        "document_type": F("票据类型"),
        "document_number": F("票据号"),
        "document_date": F("票据日期"),
        "attachments": F("附件数", kind="int"),
        "preparer": F("制单人"),
        "reviewer": F("审核人"),
        "poster": F("记账人"),
        "posted": F("记账标志", kind="posted"),
        "void": F("作废标志", kind="void"),
        "source": F("凭证来源系统"),
    },
    "现金流量凭证项目数据": {
        "voucher_type": F("记账凭证类型编号"),
        "voucher_number": F("记账凭证编号"),
        "line_number": F("现金流量行号"),
        "cash_flow_item": F("现金流量项目编码"),
    },
}

# --- value tables ----------------------------------------------------------------------------------

# 余额方向, 期初余额方向, 期末余额方向 -> D / C (平 = nil balance, allowed on balances only)
DIRECTIONS = {"借": "D", "借方": "D", "贷": "C", "贷方": "C", "平": "0", "D": "D", "C": "C"}

# 科目类型 -> canonical account type
ACCOUNT_TYPES = {
    "资产": "asset",
    "资产类": "asset",
    "负债": "liability",
    "负债类": "liability",
    "共同": "common",
    "共同类": "common",
    "所有者权益": "equity",
    "所有者权益类": "equity",
    "权益": "equity",
    "权益类": "equity",
    "净资产": "equity",
    "净资产类": "equity",
    "成本": "cost",
    "成本类": "cost",
    "损益": "profit_loss",
    "损益类": "profit_loss",
    "表外": "off_balance",
    "表外科目": "off_balance",
}
# canonical account type -> 科目类型 written
ACCOUNT_TYPE_NAMES = {
    "asset": "资产",
    "liability": "负债",
    "common": "共同",
    "equity": "所有者权益",
    "cost": "成本",
    "profit_loss": "损益",
    "off_balance": "表外",
}

FLAGS = {"1": True, "0": False, "是": True, "否": False, "y": True, "n": False, "true": True, "false": False}
POSTED = FLAGS | {"已记账": True, "未记账": False, "记账": True}  # 记账标志
VOID = FLAGS | {"作废": True, "已作废": True, "未作废": False, "正常": False}  # 作废标志

# 对应档案 -> dimension kind
ARCHIVE_KINDS = {
    "客户档案": "customer",
    "供应商档案": "supplier",
    "部门档案": "department",
    "员工档案": "employee",
}
CUSTOM_ARCHIVES = ("自定义档案项值", "自定义档案项", "自定义档案")
# 辅助项名称 / 辅助项编号 / 档案名称 (with 档案, 辅助核算, 核算 taken off the end) -> dimension kind
KIND_WORDS = {
    "客户": "customer",
    "供应商": "supplier",
    "部门": "department",
    "员工": "employee",
    "职员": "employee",
    "人员": "employee",
    "个人": "employee",
    "项目": "project",
    "存货": "inventory",
    "物料": "inventory",
    "商品": "inventory",
}
# dimension kind -> (辅助项编号/名称, 对应档案) written
KIND_ITEMS = {
    "customer": ("客户", "客户档案"),
    "supplier": ("供应商", "供应商档案"),
    "department": ("部门", "部门档案"),
    "employee": ("员工", "员工档案"),
    "project": ("项目", "自定义档案项值"),
    "inventory": ("存货", "自定义档案项值"),
}
OTHER_ARCHIVE = "其他"  # custom archive for "other" dimension codes that have no "TYPE:" part

CURRENCY_NAMES = {
    "人民币": "CNY",
    "RMB": "CNY",
    "美元": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
}


def kind_of_word(word: str | None) -> str | None:
    """The dimension kind a name such as 客户 / 客户档案 / 项目辅助核算 stands for, or None."""
    text = (word or "").strip()
    for suffix in ("辅助核算", "核算", "档案"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return KIND_WORDS.get(text)


def element_fields(table: str) -> dict[str, str]:
    """element name -> field, for reading `table` (every name of every field)."""
    return {name: field for field, spec in TABLES[table].items() for name in spec.names}
