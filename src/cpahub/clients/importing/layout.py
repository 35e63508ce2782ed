"""The client file layout: columns with Chinese and English headers and their synonyms.

Headers are matched after folding (full-width, case, spaces and brackets ignored); the export of
the client list uses the Chinese headers, so an export imports back unchanged.
"""

from __future__ import annotations

import functools

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cpahub.clients.choices import ClientStatus, Exchange, Ownership, RiskRating
from cpahub.registry.importing.layouts import BOOL, CHOICE, CODE, INT, TEXT, Choice, Column, Layout
from cpahub.registry.importing.layouts import CITY_CHOICES as CITIES

KIND = "clients"
MONEY_COLUMNS = frozenset({"registered_capital", "revenue", "total_assets"})

# value → (the Chinese word written on export, other words people write)
_WORDS = {
    "status": (
        ClientStatus,
        {
            ClientStatus.PROSPECT: ("潜在客户", ("意向客户", "潜在", "意向")),
            ClientStatus.ACTIVE: ("正常", ("有效", "在服务", "服务中", "活跃")),
            ClientStatus.INACTIVE: ("停止合作", ("终止合作", "停止", "终止", "不活跃", "无效")),
        },
    ),
    "ownership": (
        Ownership,
        {
            Ownership.STATE_CENTRAL: ("中央国有", ("央企", "中央企业", "国有(中央)", "中央国有企业")),
            Ownership.STATE_LOCAL: ("地方国有", ("地方国企", "国有(地方)", "地方国有企业", "国有", "国企")),
            Ownership.COLLECTIVE: ("集体", ("集体企业", "集体所有制")),
            Ownership.PRIVATE: ("民营", ("民营企业", "私营", "私营企业", "民企")),
            Ownership.FOREIGN: ("外商投资", ("外资", "外商独资", "中外合资", "中外合作", "外资企业")),
            Ownership.HMT: ("港澳台投资", ("港澳台", "港澳台商投资", "港澳台资")),
            Ownership.MIXED: ("混合所有制", ("混合", "混改")),
            Ownership.PUBLIC_BODY: ("机关事业单位", ("事业单位", "行政事业单位", "机关", "政府机关")),
            Ownership.NON_PROFIT: ("社会组织", ("非营利组织", "社会团体", "民办非企业单位", "基金会")),
            Ownership.OTHER: ("其他", ("其它",)),
        },
    ),
    "exchange": (
        Exchange,
        {
            Exchange.SSE: ("上海证券交易所", ("上交所", "沪市", "上海", "SH", "SSE")),
            Exchange.SZSE: ("深圳证券交易所", ("深交所", "深市", "深圳", "SZ", "SZSE")),
            Exchange.BSE: ("北京证券交易所", ("北交所", "北京", "BJ", "BSE")),
            Exchange.NEEQ: ("全国中小企业股份转让系统", ("新三板", "股转系统", "全国股转系统", "NEEQ")),
            Exchange.HKEX: ("香港联合交易所", ("港交所", "联交所", "香港", "HK", "HKEX")),
            Exchange.OTHER: ("其他交易所", ("其他", "其它", "境外")),
        },
    ),
    "risk_rating": (
        RiskRating,
        {
            RiskRating.LOW: ("低", ("低风险", "较低")),
            RiskRating.MEDIUM: ("中", ("中等", "中风险", "一般")),
            RiskRating.HIGH: ("高", ("高风险", "较高")),
        },
    ),
}


def _choices(name: str) -> tuple[Choice, ...]:
    """Each value with its Chinese word, its other words and its labels in both catalogues."""
    enum, words = _WORDS[name]
    choices = []
    for value, (zh, aliases) in words.items():
        labels = []
        for language in ("en", "zh-hans"):
            with translation.override(language):
                labels.append(str(enum(value).label))
        choices.append(Choice(value.value, zh, (*aliases, *labels)))
    return tuple(choices)


@functools.cache
def client_layout() -> Layout:
    return Layout(
        kind=KIND,
        label=_("Clients"),
        key_column="credit_code",
        filename="clients",
        sheet="客户",
        columns=(
            Column(
                "name",
                "客户名称",
                "client name",
                _("Name"),
                TEXT,
                required_new=True,
                max_length=200,
                aliases=("单位名称", "企业名称", "被审计单位", "被审计单位名称", "客户全称", "名称", "name"),
            ),
            Column(
                "short_name",
                "简称",
                "short name",
                _("Short name"),
                TEXT,
                max_length=60,
                aliases=("客户简称",),
            ),
            Column(
                "credit_code",
                "统一社会信用代码",
                "credit code",
                _("Credit code"),
                CODE,
                required=True,
                key=True,
                aliases=("信用代码", "社会信用代码", "统一代码", "unified social credit code", "uscc"),
            ),
            Column(
                "status",
                "状态",
                "status",
                _("Status"),
                CHOICE,
                aliases=("客户状态", "client status"),
                choices=_choices("status"),
            ),
            Column(
                "industry",
                "行业代码",
                "industry code",
                _("Industry (GB/T 4754)"),
                CODE,
                aliases=("国民经济行业代码", "行业分类代码", "所属行业代码", "行业", "industry", "gbt4754"),
            ),
            Column(
                "ownership",
                "所有制性质",
                "ownership",
                _("Ownership"),
                CHOICE,
                aliases=("所有制", "企业性质", "经济类型", "经济性质", "登记注册类型"),
                choices=_choices("ownership"),
            ),
            Column(
                "listed",
                "是否上市",
                "listed",
                _("Listed"),
                BOOL,
                aliases=("上市", "上市公司", "是否上市公司"),
            ),
            Column(
                "stock_code", "股票代码", "stock code", _("Stock code"), CODE, aliases=("证券代码", "ticker")
            ),
            Column(
                "exchange",
                "交易所",
                "exchange",
                _("Exchange"),
                CHOICE,
                aliases=("上市地点", "上市交易所", "挂牌场所", "证券交易所", "stock exchange"),
                choices=_choices("exchange"),
            ),
            Column(
                "registered_capital",
                "注册资本",
                "registered capital",
                _("Registered capital"),
                TEXT,
                aliases=("注册资本(元)", "注册资金"),
            ),
            Column(
                "revenue",
                "营业收入",
                "revenue",
                _("Annual revenue"),
                TEXT,
                aliases=("营业总收入", "年营业收入", "收入"),
            ),
            Column("total_assets", "资产总额", "total assets", _("Total assets"), TEXT, aliases=("总资产",)),
            Column(
                "employees",
                "员工人数",
                "employees",
                _("Employees"),
                INT,
                aliases=("从业人数", "职工人数", "人数"),
            ),
            Column(
                "city",
                "所在城市",
                "city",
                _("City"),
                CHOICE,
                aliases=("城市", "所在地", "地市"),
                choices=CITIES,
            ),
            Column(
                "address",
                "地址",
                "address",
                _("Address"),
                TEXT,
                max_length=300,
                aliases=("注册地址", "住所", "经营地址"),
            ),
            Column(
                "legal_representative",
                "法定代表人",
                "legal representative",
                _("Legal representative"),
                TEXT,
                max_length=60,
                aliases=("法人代表", "法人", "负责人"),
            ),
            Column(
                "parent_credit_code",
                "母公司统一社会信用代码",
                "parent credit code",
                _("Parent company's credit code"),
                CODE,
                aliases=("母公司信用代码", "上级单位统一社会信用代码", "母公司代码", "parent"),
            ),
            Column(
                "office",
                "承办机构",
                "office",
                _("Office"),
                TEXT,
                aliases=("承办分所", "所属机构", "办理机构", "分所"),
            ),
            Column(
                "risk_rating",
                "风险等级",
                "risk rating",
                _("Risk rating"),
                CHOICE,
                aliases=("风险评级", "风险", "risk"),
                choices=_choices("risk_rating"),
            ),
            Column("notes", "备注", "notes", _("Notes"), TEXT, aliases=("说明", "remarks"), multiline=True),
        ),
    )
