"""Test data for the mapping-profile pages: a journal export no built-in profile knows, and helpers."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from cpahub.ledgers.models import MappingProfile

# 某软件 序时账: a title row, then headers no built-in profile has all of (科目编号, 借方本币 …).
JOURNAL = """某软件 序时账 2024年1月
凭证日期,凭证字号,摘要,科目编号,科目名称,借方本币,贷方本币,备注
2024-01-05,记-1,收到货款,1002,银行存款,"1,000.00",,
2024-01-05,记-1,收到货款,1122,应收账款,,"1,000.00",
2024-01-31,记-2,计提工资,6602,管理费用,500.00,,月末
2024-01-31,记-2,计提工资,2211,应付职工薪酬,,500.00,
"""
JOURNAL_COLUMNS = {
    "凭证日期": "voucher_date",
    "凭证字号": "voucher",
    "摘要": "description",
    "科目编号": "account_code",
    "科目名称": "account_name",
    "借方本币": "debit",
    "贷方本币": "credit",
    "备注": "ignore",
}


def journal_upload(encoding: str = "utf-8", name: str = "序时账.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JOURNAL.encode(encoding), content_type="text/csv")


def firm_profile(
    organisation, name: str = "Our journal", *, shared: bool = False, **fields
) -> MappingProfile:
    return MappingProfile.objects.create(
        organisation=organisation,
        name=name,
        kind=fields.pop("kind", "lines"),
        software=fields.pop("software", "某软件 V5"),
        columns=fields.pop("columns", dict(JOURNAL_COLUMNS)),
        options=fields.pop("options", {}),
        shared=shared,
        **fields,
    )
