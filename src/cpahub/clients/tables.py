from django.utils.translation import gettext_lazy as _

from cpahub.clients import industry
from cpahub.core.tables import Column, Table


class ClientTable(Table):
    """The list page and its export: the export has every column the import reads back."""

    columns = (
        Column("name", _("Name"), link=True),
        Column("credit_code", _("Credit code")),
        Column("status", _("Status")),
        Column("industry", _("Industry"), accessor=lambda c: industry.label(c.industry)),
        Column("ownership", _("Ownership")),
        Column("stock", _("Stock code"), accessor=lambda c: c.stock_code if c.listed else ""),
        Column("office", _("Office"), accessor="office.name"),
        Column("risk_rating", _("Risk")),
    )


class ClientExportTable(Table):
    """Every field, headed as the import expects them (Chinese headers; the import reads both)."""

    columns = (
        Column("name", "客户名称"),
        Column("short_name", "简称"),
        Column("credit_code", "统一社会信用代码"),
        Column("status", "状态"),
        Column("industry", "行业代码"),
        Column("industry_name", "行业名称", accessor=lambda c: industry.label(c.industry)),
        Column("ownership", "所有制性质"),
        Column("listed", "是否上市", accessor=lambda c: "是" if c.listed else "否"),
        Column("stock_code", "股票代码"),
        Column("exchange", "交易所"),
        Column("registered_capital", "注册资本", accessor=lambda c: _plain(c.registered_capital)),
        Column("revenue", "营业收入", accessor=lambda c: _plain(c.revenue)),
        Column("total_assets", "资产总额", accessor=lambda c: _plain(c.total_assets)),
        Column("employees", "员工人数"),
        Column("city", "所在城市"),
        Column("address", "地址"),
        Column("legal_representative", "法定代表人"),
        Column("parent_credit_code", "母公司统一社会信用代码", accessor="parent.credit_code"),
        Column("parent_name", "母公司名称", accessor="parent.name"),
        Column("office", "承办机构", accessor="office.name"),
        Column("risk_rating", "风险等级"),
        Column("notes", "备注"),
    )


def _plain(value):
    """Amounts without thousands separators, so that the import reads them back unchanged."""
    return None if value is None else f"{value:f}"


class BlacklistTable(Table):
    columns = (
        Column("name", _("Name"), link=True),
        Column("credit_code", _("Credit code")),
        Column("reason", _("Reason")),
        Column("active", _("Active")),
        Column("added_by", _("Added by"), accessor=lambda e: str(e.added_by) if e.added_by else ""),
        Column("created", _("Added on"), accessor=lambda e: e.created.date()),
    )
