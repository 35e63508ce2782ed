"""The published specification of the "cpahub audit data standard" (STD-3), as data.

`canonical.py` fixes the tables, columns and types; this module adds what a third party needs to
produce conforming files: each field's meaning (English and Chinese), whether it is required, its
constraints (enums, ranges, patterns), the lexical form of each type in the CSV files, the keys and
references between tables, and the package manifest. From these it generates

- `manifest_schema()`: a JSON Schema (draft 2020-12) for `manifest.json`;
- `table_schema(name)`: a Frictionless "Table Schema" descriptor for each table's CSV file;
- `field_table_markdown(name)`: the field tables of `docs/data-standard/spec.md`;

and `write_schemas()` / `check_schemas()` keep the committed copies under
`docs/data-standard/schema/` equal to what this module generates (a test fails when they differ):

    uv run python -m cpahub.ledgers.spec --write     # regenerate schema files and spec.md tables
    uv run python -m cpahub.ledgers.spec             # check; exit 1 when out of date

`example_ledger()` is the small complete ledger of `docs/data-standard/example/`.
This module has no Django dependency, so vendors' tooling can import it on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical

STANDARD = "cpahub audit data standard"
VERSION = canonical.VERSION
MAJOR = int(VERSION.split(".")[0])
DOCS = Path(__file__).resolve().parents[3] / "docs" / "data-standard"
SCHEMA_DIR = DOCS / "schema"
EXAMPLE_DIR = DOCS / "example"
SPEC_MD = DOCS / "spec.md"
ID_PREFIX = f"urn:cpahub:data-standard:{VERSION}"

MANIFEST = "manifest.json"
TABLE_ORDER = tuple(
    canonical.TABLES
)  # entity, periods, accounts, dimensions, balances, lines, users, cash_flow_items
REQUIRED_TABLES = ("entity", "accounts", "lines")
LINES_PER_FILE = 1_000_000  # at most this many rows per lines file (a spreadsheet opens 1,048,576)
LIST_SEPARATOR = ";"
FILE_NAME = re.compile(r"^(?:(?P<table>[a-z_]+)|lines-(?P<part>[0-9]{4}))\.csv$")
CURRENCY_PATTERN = "^[A-Z]{3}$"
VOUCHER_KEY = ("fiscal_year", "period", "voucher_type", "voucher_number")
EXTENSION_PREFIX = "x_"  # producer-specific extra columns start with this and are ignored by readers


def file_table(name: str) -> str | None:
    """The table a file name belongs to ("lines-0003.csv" -> "lines"), or None."""
    match = FILE_NAME.match(name)
    if not match:
        return None
    if match.group("part"):
        return "lines"
    table = match.group("table")
    return table if table in canonical.TABLES else None


# --------------------------------------------------------------------------------------------------
# fields


@dataclass(frozen=True)
class Field:
    name: str
    en: str  # meaning, English
    zh: str  # meaning, Chinese
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None  # for text fields
    item_enum: tuple[str, ...] = ()  # for list fields
    rule: str = ""  # further rules, English, for the docs


DT = canonical.DIMENSION_TYPES
AT = canonical.ACCOUNT_TYPES

FIELDS: dict[str, tuple[Field, ...]] = {
    "entity": (
        Field("name", "Name of the accounting entity", "会计核算单位名称", True),
        Field(
            "credit_code",
            "Unified social credit code, or the registration number the source has",
            "统一社会信用代码（或来源系统中的登记号码）",
        ),
        Field(
            "currency",
            "Local (functional) currency, ISO 4217 code",
            "记账本位币（ISO 4217 代码）",
            True,
            pattern=CURRENCY_PATTERN,
        ),
        Field("fiscal_year", "Fiscal year of the ledger", "会计年度", True, minimum=1900, maximum=2999),
        Field("period_start", "First day the ledger covers", "数据起始日期", True),
        Field(
            "period_end", "Last day the ledger covers", "数据截止日期", True, rule="Not before period_start."
        ),
        Field(
            "source_software",
            "Accounting software the data comes from, with its version",
            "来源财务软件名称及版本",
        ),
        Field(
            "source_format",
            "Format the data was first read from, e.g. gbt24589-2010, saft-no-1.10, ads-gl, cpahub-1.0",
            "原始数据格式",
        ),
    ),
    "periods": (
        Field("fiscal_year", "Fiscal year", "会计年度", True, minimum=1900, maximum=2999),
        Field(
            "period",
            "Period number: 1-12 for the months, 13 and above for adjustment periods",
            "会计期间号（1–12 为月份，13 及以上为调整期）",
            True,
            minimum=1,
            maximum=99,
        ),
        Field("start", "First day of the period", "期间起始日期", True),
        Field("end", "Last day of the period", "期间结束日期", True, rule="Not before start."),
    ),
    "accounts": (
        Field("code", "Account code", "科目编码", True),
        Field("name", "Account name (this level only, not the full path)", "科目名称（本级名称）", True),
        Field(
            "level",
            "Level in the chart: 1 for top-level accounts",
            "科目级次（一级科目为 1）",
            True,
            minimum=1,
            maximum=20,
        ),
        Field(
            "parent_code",
            "Code of the parent account; empty at level 1",
            "上级科目编码（一级科目为空）",
            rule="Required when level > 1; the parent's level is level − 1.",
        ),
        Field(
            "type",
            "Account class: asset, liability, common, equity, cost, profit_loss, off_balance or unknown",
            "科目类别：资产、负债、共同、所有者权益、成本、损益、表外、未知",
            True,
            enum=AT,
        ),
        Field(
            "normal_balance",
            "Normal balance side: D (debit) or C (credit)",
            "余额方向：D 借、C 贷",
            True,
            enum=("D", "C"),
        ),
        Field(
            "is_leaf",
            "true when the account has no sub-accounts (vouchers post to leaf accounts)",
            "是否末级科目",
            True,
            rule="true exactly when no account names this one as its parent_code.",
        ),
        Field(
            "dimension_types",
            "Auxiliary accounting kept on this account, ';'-separated (e.g. customer;project); empty for none",
            "辅助核算类别（以分号分隔；无辅助核算为空）",
            item_enum=DT,
        ),
        Field(
            "currency",
            "Currency of a foreign-currency account (ISO 4217); empty otherwise",
            "外币核算币种（ISO 4217；非外币科目为空）",
            pattern=CURRENCY_PATTERN,
        ),
    ),
    "dimensions": (
        Field(
            "type",
            "Kind of auxiliary accounting: customer, supplier, department, project, employee, inventory or other",
            "辅助核算类别：客户、供应商、部门、项目、职员、存货、其他",
            True,
            enum=DT,
        ),
        Field(
            "code",
            "Code of the dimension value (unique within its type)",
            "辅助项编码（同一类别内唯一）",
            True,
        ),
        Field("name", "Name of the dimension value", "辅助项名称", True),
        Field(
            "parent_code",
            "Code of the parent value of the same type, when the list is a tree",
            "上级辅助项编码（同一类别）",
        ),
        Field(
            "credit_code",
            "Unified social credit code of a customer or supplier, when known",
            "客户、供应商的统一社会信用代码",
        ),
    ),
    "balances": (
        Field("account_code", "Account code", "科目编码", True),
        Field(
            "dimension_type",
            "Kind of auxiliary accounting of a breakdown row; empty on the account's own row",
            "辅助核算类别（科目总额行为空）",
            enum=DT,
            rule="Set together with dimension_code, or neither.",
        ),
        Field(
            "dimension_code",
            "Dimension value of a breakdown row",
            "辅助项编码",
            rule="Set together with dimension_type.",
        ),
        Field(
            "currency",
            "Empty: local currency. An ISO 4217 code: the row of that currency of a foreign-currency account",
            "币种（空为本位币；外币行填币种代码）",
            pattern=CURRENCY_PATTERN,
        ),
        Field(
            "opening",
            "Opening balance in local currency, signed: debit positive, credit negative",
            "期初余额（本位币，借正贷负）",
            True,
        ),
        Field(
            "debit",
            "Debit movements of the periods covered, local currency",
            "本期借方发生额（本位币）",
            True,
        ),
        Field(
            "credit",
            "Credit movements of the periods covered, local currency",
            "本期贷方发生额（本位币）",
            True,
        ),
        Field(
            "closing",
            "Closing balance in local currency, signed: debit positive",
            "期末余额（本位币，借正贷负）",
            True,
            rule="closing = opening + debit − credit.",
        ),
        Field("opening_fx", "Opening balance in the row's currency, signed", "期初外币余额（借正贷负）"),
        Field("closing_fx", "Closing balance in the row's currency, signed", "期末外币余额（借正贷负）"),
        Field("opening_quantity", "Opening quantity, signed", "期初数量（借正贷负）"),
        Field("closing_quantity", "Closing quantity, signed", "期末数量（借正贷负）"),
    ),
    "lines": (
        Field("fiscal_year", "Fiscal year of the voucher", "会计年度", True, minimum=1900, maximum=2999),
        Field("period", "Accounting period of the voucher", "会计期间", True, minimum=1, maximum=99),
        Field(
            "voucher_type",
            "Voucher type (记, 收, 付, 转 ...) or the source's journal id; empty when the source has one series",
            "凭证类别（记、收、付、转等）或来源系统的日记账编号",
        ),
        Field("voucher_number", "Voucher number within its type and period", "凭证号", True),
        Field("voucher_date", "Voucher date", "凭证日期", True, rule="Within the voucher's period."),
        Field(
            "line_number", "Line number within the voucher, from 1", "分录行号（从 1 开始）", True, minimum=1
        ),
        Field("description", "Description (摘要) of the line", "摘要"),
        Field("account_code", "Account posted to (a leaf account)", "科目编码（末级科目）", True),
        Field(
            "debit",
            "Debit amount in local currency; negative for a red-ink reversal",
            "借方金额（本位币；红字冲销为负数）",
            True,
            rule="At most one of debit and credit is not zero.",
        ),
        Field(
            "credit",
            "Credit amount in local currency; negative for a red-ink reversal",
            "贷方金额（本位币；红字冲销为负数）",
            True,
        ),
        Field(
            "currency",
            "Transaction currency of a foreign-currency line (ISO 4217); empty for local currency",
            "外币币种（本位币分录为空）",
            pattern=CURRENCY_PATTERN,
        ),
        Field(
            "fx_amount", "Amount in the transaction currency, signed: debit positive", "原币金额（借正贷负）"
        ),
        Field(
            "fx_rate",
            "Exchange rate: local currency per unit of the transaction currency",
            "汇率（一单位外币折合本位币）",
            minimum=0,
        ),
        Field("quantity", "Quantity, signed: debit positive", "数量（借正贷负）"),
        Field("customer", "Customer code (dimensions of type customer)", "客户编码"),
        Field("supplier", "Supplier code (dimensions of type supplier)", "供应商编码"),
        Field("department", "Department code (dimensions of type department)", "部门编码"),
        Field("project", "Project code (dimensions of type project)", "项目编码"),
        Field("employee", "Employee code (dimensions of type employee)", "职员编码"),
        Field("inventory", "Inventory item code (dimensions of type inventory)", "存货编码"),
        Field(
            "other_dimensions",
            "Further auxiliary accounting as type:code pairs separated by ';'",
            "其他辅助核算（类别:编码，以分号分隔）",
            pattern=r"^[^;:]+:[^;]+(;[^;:]+:[^;]+)*$",
        ),
        Field("cash_flow_item", "Cash-flow item code (cash_flow_items)", "现金流量项目编码"),
        Field("attachments", "Number of attached documents", "附件张数", minimum=0),
        Field("preparer", "Who prepared the voucher (user code or name)", "制单人"),
        Field("reviewer", "Who reviewed it", "审核人"),
        Field("poster", "Who posted it", "记账人"),
        Field("entered_at", "When it was entered, local time", "录入时间（当地时间）"),
        Field("posted", "true when posted", "是否已记账"),
        Field(
            "void",
            "true when the voucher is void (作废)",
            "是否作废",
            rule="The same for every line of a voucher.",
        ),
        Field(
            "source",
            "Where the voucher comes from: manual, a system module, an interface",
            "凭证来源（手工、系统模块、接口等）",
        ),
        Field(
            "source_location",
            "Where the line is in the producer's own source (file:line); readers fill an empty value with this file and line",
            "来源位置（文件:行号；为空时读取方填入本文件及行号）",
        ),
    ),
    "users": (
        Field("code", "User code", "用户编码", True),
        Field("name", "User name", "用户姓名", True),
        Field("role", "Role in the accounting system", "角色"),
    ),
    "cash_flow_items": (
        Field("code", "Cash-flow item code", "现金流量项目编码", True),
        Field("name", "Cash-flow item name", "现金流量项目名称", True),
        Field("direction", "in (inflow) or out (outflow)", "流向：in 流入、out 流出", enum=("in", "out")),
    ),
}

TABLE_INFO: dict[str, dict] = {
    "entity": {
        "en": "The accounting entity whose books these are: exactly one row.",
        "zh": "会计核算单位（仅一行）",
        "primary_key": [],
    },
    "periods": {
        "en": "The accounting periods of the fiscal year(s) covered.",
        "zh": "会计期间",
        "primary_key": ["fiscal_year", "period"],
    },
    "accounts": {
        "en": "The chart of accounts, every level.",
        "zh": "会计科目表（各级科目）",
        "primary_key": ["code"],
    },
    "dimensions": {
        "en": "Values of the auxiliary accounting dimensions: customers, suppliers, departments, projects ...",
        "zh": "辅助核算项目档案（客户、供应商、部门、项目等）",
        "primary_key": ["type", "code"],
    },
    "balances": {
        "en": "Opening balance, movements and closing balance per account (every level), per account and "
        "dimension value, and per foreign currency.",
        "zh": "科目余额及发生额（含辅助核算余额、外币余额）",
        "unique_keys": [["account_code", "dimension_type", "dimension_code", "currency"]],
    },
    "lines": {
        "en": "Voucher lines (记账凭证分录): one row per line. A voucher is identified by fiscal_year, period, "
        "voucher_type and voucher_number; its lines balance (debits = credits).",
        "zh": "记账凭证分录（每行一条分录）",
        "unique_keys": [[*VOUCHER_KEY, "line_number"]],
    },
    "users": {"en": "Users of the accounting system.", "zh": "用户（操作员）", "primary_key": ["code"]},
    "cash_flow_items": {"en": "Cash-flow statement items.", "zh": "现金流量项目", "primary_key": ["code"]},
}

# Foreign keys: (table, fields) -> (referenced table, fields).
FOREIGN_KEYS: dict[str, list[tuple[list[str], str, list[str]]]] = {
    "accounts": [(["parent_code"], "accounts", ["code"])],
    "dimensions": [(["type", "parent_code"], "dimensions", ["type", "code"])],
    "balances": [
        (["account_code"], "accounts", ["code"]),
        (["dimension_type", "dimension_code"], "dimensions", ["type", "code"]),
    ],
    "lines": [
        (["account_code"], "accounts", ["code"]),
        (["fiscal_year", "period"], "periods", ["fiscal_year", "period"]),
        (["cash_flow_item"], "cash_flow_items", ["code"]),
    ],
}
# Dimension columns of the lines refer to dimensions of one type (not expressible as a plain foreign key).
DIMENSION_REFERENCES = {column: column for column in canonical.DIMENSION_LINE_COLUMNS}


def fields(table: str) -> tuple[Field, ...]:
    return FIELDS[table]


def field(table: str, name: str) -> Field:
    return next(f for f in FIELDS[table] if f.name == name)


def required_columns(table: str) -> list[str]:
    return [f.name for f in FIELDS[table] if f.required]


# --------------------------------------------------------------------------------------------------
# lexical forms of the types in the CSV files


def kind(dtype: pl.DataType) -> str:
    """text | integer | decimal | date | datetime | boolean | list"""
    if dtype == pl.Utf8:
        return "text"
    if dtype == pl.Int32:
        return "integer"
    if isinstance(dtype, pl.Decimal):
        return "decimal"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Boolean:
        return "boolean"
    if isinstance(dtype, pl.List):
        return "list"
    raise ValueError(f"no lexical form for {dtype}")


def lexical_pattern(dtype: pl.DataType) -> str | None:
    """The regular expression a non-empty value of this type matches in the CSV files."""
    match kind(dtype):
        case "integer":
            return r"^-?[0-9]{1,10}$"
        case "decimal":
            whole = dtype.precision - dtype.scale
            return rf"^-?[0-9]{{1,{whole}}}(\.[0-9]{{1,{dtype.scale}}})?$"
        case "date":
            return r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        case "datetime":
            return r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
        case "boolean":
            return r"^(true|false)$"
        case "list":
            return r"^[^;]+(;[^;]+)*$"
    return None


def type_label(dtype: pl.DataType) -> str:
    match kind(dtype):
        case "decimal":
            return f"decimal({dtype.precision},{dtype.scale})"
        case "list":
            return "list of text"
        case other:
            return other


DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f"


# --------------------------------------------------------------------------------------------------
# Table Schema (Frictionless Data) descriptors


def _field_descriptor(table: str, spec: Field, dtype: pl.DataType) -> dict:
    descriptor: dict = {"name": spec.name, "description": spec.en, "descriptionZh": spec.zh}
    constraints: dict = {}
    match kind(dtype):
        case "text":
            descriptor["type"] = "string"
        case "integer":
            descriptor["type"] = "integer"
            descriptor["bareNumber"] = True
        case "decimal":
            descriptor |= {
                "type": "number",
                "decimalChar": ".",
                "groupChar": "",
                "bareNumber": True,
                "precision": dtype.precision,
                "scale": dtype.scale,
            }
        case "date":
            descriptor |= {"type": "date", "format": "default"}
        case "datetime":
            descriptor |= {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S"}
            descriptor["fractionalSeconds"] = "optional, up to 6 digits (.ffffff)"
        case "boolean":
            descriptor |= {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
        case "list":
            descriptor |= {"type": "list", "delimiter": LIST_SEPARATOR, "itemType": "string"}
    pattern = lexical_pattern(dtype)
    if pattern:
        descriptor["lexicalPattern"] = pattern
    if spec.required:
        constraints["required"] = True
    if spec.enum:
        constraints["enum"] = list(spec.enum)
    if spec.item_enum:
        descriptor["itemEnum"] = list(spec.item_enum)
    if spec.minimum is not None:
        constraints["minimum"] = spec.minimum
    if spec.maximum is not None:
        constraints["maximum"] = spec.maximum
    if spec.pattern:
        constraints["pattern"] = spec.pattern
    if constraints:
        descriptor["constraints"] = constraints
    if table == "lines" and spec.name in DIMENSION_REFERENCES:
        descriptor["references"] = {
            "resource": "dimensions",
            "fields": ["code"],
            "where": {"type": DIMENSION_REFERENCES[spec.name]},
        }
    if spec.rule:
        descriptor["rule"] = spec.rule
    return descriptor


def table_schema(table: str) -> dict:
    info = TABLE_INFO[table]
    schema = canonical.TABLES[table]
    descriptor: dict = {
        "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
        "name": table,
        "title": f"{STANDARD} {VERSION}: {table}",
        "description": info["en"],
        "descriptionZh": info["zh"],
        "path": "lines.csv or lines-0001.csv, lines-0002.csv ..." if table == "lines" else f"{table}.csv",
        "dialect": {
            "delimiter": ",",
            "quoteChar": '"',
            "doubleQuote": True,
            "header": True,
            "lineTerminator": "\n",
            "encoding": "utf-8",
        },
        "missingValues": [""],
        "fields": [_field_descriptor(table, spec, schema[spec.name]) for spec in FIELDS[table]],
    }
    if info.get("primary_key"):
        descriptor["primaryKey"] = info["primary_key"]
    if info.get("unique_keys"):
        descriptor["uniqueKeys"] = info["unique_keys"]
    keys = []
    for fields_, target, target_fields in FOREIGN_KEYS.get(table, []):
        keys.append(
            {
                "fields": fields_,
                "reference": {"resource": "" if target == table else target, "fields": target_fields},
            }
        )
    if keys:
        descriptor["foreignKeys"] = keys
    return descriptor


# --------------------------------------------------------------------------------------------------
# manifest


AMOUNT_TEXT = r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$"
HEX64 = "^[0-9a-f]{64}$"


def _control_totals_schema() -> dict:
    return {
        "type": "object",
        "description": "Totals over the voucher lines of the file (or of the package): a reader recomputes and compares them.",
        "required": ["count", "total_debit", "total_credit", "vouchers"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "number of voucher lines"},
            "total_debit": {
                "type": "string",
                "pattern": AMOUNT_TEXT,
                "description": "sum of debit, as a decimal text",
            },
            "total_credit": {
                "type": "string",
                "pattern": AMOUNT_TEXT,
                "description": "sum of credit, as a decimal text",
            },
            "vouchers": {
                "type": "integer",
                "minimum": 0,
                "description": "number of distinct vouchers (fiscal_year, period, voucher_type, voucher_number)",
            },
        },
        "additionalProperties": False,
    }


def manifest_schema() -> dict:
    tables = list(canonical.TABLES)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{ID_PREFIX}:manifest",
        "title": f"{STANDARD} {VERSION}: manifest.json",
        "description": "Describes a package: the standard and version, who made it and when, the entity, and "
        "every data file with its row count, digests and control totals.",
        "type": "object",
        "required": ["standard", "version", "producer", "created", "entity", "files", "totals"],
        "properties": {
            "standard": {"const": STANDARD},
            "version": {
                "type": "string",
                "pattern": rf"^{MAJOR}\.[0-9]+$",
                "description": "major.minor of the standard the package follows",
            },
            "producer": {
                "type": "object",
                "required": ["software"],
                "properties": {
                    "software": {
                        "type": "string",
                        "minLength": 1,
                        "description": "name of the producing software",
                    },
                    "version": {"type": "string", "description": "its version"},
                    "vendor": {"type": "string", "description": "who makes it"},
                },
            },
            "created": {
                "type": "string",
                "format": "date-time",
                "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
                "description": "when the package was made, ISO 8601 with the UTC offset",
            },
            "entity": {
                "type": "object",
                "description": "copy of the entity row, for people and tools that look at the manifest only",
                "required": ["name", "currency", "fiscal_year"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "credit_code": {"type": ["string", "null"]},
                    "currency": {"type": "string", "pattern": CURRENCY_PATTERN},
                    "fiscal_year": {"type": "integer", "minimum": 1900, "maximum": 2999},
                    "period_start": {"type": ["string", "null"], "format": "date"},
                    "period_end": {"type": ["string", "null"], "format": "date"},
                },
            },
            "files": {
                "type": "array",
                "minItems": len(REQUIRED_TABLES),
                "items": {
                    "type": "object",
                    "required": ["name", "table", "rows", "bytes", "sha256", "sm3"],
                    "properties": {
                        "name": {"type": "string", "pattern": r"^([a-z_]+|lines-[0-9]{4})\.csv$"},
                        "table": {"enum": tables},
                        "rows": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "data rows (not counting the header)",
                        },
                        "bytes": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "size of the file in bytes",
                        },
                        "sha256": {
                            "type": "string",
                            "pattern": HEX64,
                            "description": "SHA-256 of the file, lower-case hex",
                        },
                        "sm3": {
                            "type": "string",
                            "pattern": HEX64,
                            "description": "SM3 (GB/T 32905) of the file, lower-case hex",
                        },
                        "control_totals": _control_totals_schema(),
                    },
                },
            },
            "totals": {
                "type": "object",
                "description": "rows per table over all its files, and the control totals of all voucher lines",
                "required": ["rows", "lines"],
                "properties": {
                    "rows": {
                        "type": "object",
                        "propertyNames": {"enum": tables},
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "lines": _control_totals_schema(),
                },
            },
        },
    }


# --------------------------------------------------------------------------------------------------
# markdown field tables for spec.md


def field_table_markdown(table: str) -> str:
    schema = canonical.TABLES[table]
    rows = [
        "| field | type | required | meaning | 含义 | rules |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in FIELDS[table]:
        dtype = schema[spec.name]
        rules = []
        if spec.enum:
            rules.append("one of " + ", ".join(f"`{v}`" for v in spec.enum))
        if spec.item_enum:
            rules.append("items from " + ", ".join(f"`{v}`" for v in spec.item_enum))
        if spec.minimum is not None:
            rules.append(f"≥ {spec.minimum}")
        if spec.maximum is not None:
            rules.append(f"≤ {spec.maximum}")
        if spec.pattern:
            rules.append(f"matches `{spec.pattern}`")
        if spec.rule:
            rules.append(spec.rule)
        rule_text = "; ".join(rules).replace("|", "\\|")
        required = "yes" if spec.required else ""
        rows.append(
            f"| `{spec.name}` | {type_label(dtype)} | {required} | {spec.en} | {spec.zh} | {rule_text} |"
        )
    return "\n".join(rows)


MARKER = "<!-- fields:{table} -->"
END_MARKER = "<!-- /fields:{table} -->"


def render_spec_md(text: str) -> str:
    """`text` with every generated field table (between its markers) replaced by the current one."""
    for table in canonical.TABLES:
        start, end = MARKER.format(table=table), END_MARKER.format(table=table)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        replacement = f"{start}\n{field_table_markdown(table)}\n{end}"
        text, count = pattern.subn(lambda _m, r=replacement: r, text)
        if count != 1:
            raise ValueError(f"spec.md needs exactly one {start} ... {end} block (found {count})")
    return text


# --------------------------------------------------------------------------------------------------
# generated files


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def generated_files() -> dict[str, str]:
    """{path relative to docs/data-standard/schema/: content} of every generated schema file."""
    files = {"manifest.schema.json": dumps(manifest_schema())}
    for table in canonical.TABLES:
        files[f"tables/{table}.json"] = dumps(table_schema(table))
    return files


def check_schemas() -> list[str]:
    """Paths (relative to docs/data-standard/) that differ from what this module generates."""
    stale = []
    for name, content in generated_files().items():
        path = SCHEMA_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(f"schema/{name}")
    if SCHEMA_DIR.exists():
        for path in SCHEMA_DIR.rglob("*.json"):
            name = path.relative_to(SCHEMA_DIR).as_posix()
            if name not in generated_files():
                stale.append(f"schema/{name} (not generated any more)")
    if SPEC_MD.exists():
        text = SPEC_MD.read_text(encoding="utf-8")
        if render_spec_md(text) != text:
            stale.append("spec.md (field tables)")
    else:
        stale.append("spec.md")
    return stale


def write_schemas() -> list[Path]:
    written = []
    for name, content in generated_files().items():
        path = SCHEMA_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    if SPEC_MD.exists():
        SPEC_MD.write_text(render_spec_md(SPEC_MD.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(SPEC_MD)
    return written


# --------------------------------------------------------------------------------------------------
# the example package


EXAMPLE_OPTIONS = {
    "producer": {"software": "cpahub", "version": "0.1.0", "vendor": "Jiangxi Institute of CPAs"},
    "created": "2025-01-15T10:00:00+08:00",
}


def example_ledger() -> dict[str, pl.DataFrame]:
    """A small, complete and consistent ledger: January and February of a fictional company."""
    D = dt.date
    accounts = [
        # code, name, level, parent, type, normal balance, leaf, dimensions, currency
        ("1001", "库存现金", 1, None, "asset", "D", True, [], None),
        ("1002", "银行存款", 1, None, "asset", "D", False, [], None),
        ("100201", "中国银行南昌分行", 2, "1002", "asset", "D", True, [], None),
        ("100202", "中国银行南昌分行美元户", 2, "1002", "asset", "D", True, [], "USD"),
        ("1122", "应收账款", 1, None, "asset", "D", True, ["customer"], None),
        ("1405", "库存商品", 1, None, "asset", "D", True, [], None),
        ("2202", "应付账款", 1, None, "liability", "C", True, ["supplier"], None),
        ("2221", "应交税费", 1, None, "liability", "C", False, [], None),
        ("222101", "应交增值税", 2, "2221", "liability", "C", False, [], None),
        ("22210101", "进项税额", 3, "222101", "liability", "C", True, [], None),
        ("22210102", "销项税额", 3, "222101", "liability", "C", True, [], None),
        ("4001", "实收资本", 1, None, "equity", "C", True, [], None),
        ("6001", "主营业务收入", 1, None, "profit_loss", "C", True, ["customer"], None),
        ("6401", "主营业务成本", 1, None, "profit_loss", "D", True, [], None),
        ("6602", "管理费用", 1, None, "profit_loss", "D", True, ["department"], None),
    ]
    dimensions = [
        ("customer", "C001", "南昌洪都机电有限公司", None, "91360100MA35XXXX1A"),
        ("customer", "C002", "九江长江贸易有限公司", None, None),
        ("supplier", "S001", "赣州稀土材料有限公司", None, None),
        ("department", "01", "行政部", None, None),
        ("department", "02", "销售部", None, None),
    ]
    # voucher (period, number, date), lines: (account, debit, credit, description, dimension, extra)
    vouchers = [
        (
            1,
            "1",
            D(2024, 1, 5),
            "李会计",
            [
                ("1405", "50000.00", "0", "采购商品入库", {}),
                ("22210101", "6500.00", "0", "采购商品入库", {}),
                ("2202", "0", "56500.00", "采购商品入库", {"supplier": "S001"}),
            ],
        ),
        (
            1,
            "2",
            D(2024, 1, 18),
            "李会计",
            [
                ("1122", "67800.00", "0", "销售商品, 开具专用发票", {"customer": "C001"}),
                ("6001", "0", "60000.00", "销售商品, 开具专用发票", {"customer": "C001"}),
                ("22210102", "0", "7800.00", "销售商品, 开具专用发票", {}),
            ],
        ),
        (
            1,
            "3",
            D(2024, 1, 31),
            "王出纳",
            [
                ("6602", "1200.00", "0", "报销办公用品", {"department": "01"}),
                ("1001", "0", "1200.00", "报销办公用品", {"cash_flow_item": "CF07"}),
            ],
        ),
        (
            1,
            "4",
            D(2024, 1, 31),
            "李会计",
            [
                ("6401", "42000.00", "0", "结转销售成本", {}),
                ("1405", "0", "42000.00", "结转销售成本", {}),
            ],
        ),
        (
            2,
            "1",
            D(2024, 2, 6),
            "王出纳",
            [
                (
                    "100202",
                    "71100.00",
                    "0",
                    "收到美元货款\n(合同 2024-002)",
                    {"currency": "USD", "fx_amount": "10000.00", "fx_rate": "7.11"},
                ),
                ("1122", "0", "71100.00", "收到美元货款\n(合同 2024-002)", {"customer": "C002"}),
            ],
        ),
        (
            2,
            "2",
            D(2024, 2, 20),
            "王出纳",
            [
                ("2202", "56500.00", "0", '支付 "赣州稀土" 货款', {"supplier": "S001"}),
                ("100201", "0", "56500.00", '支付 "赣州稀土" 货款', {"cash_flow_item": "CF04"}),
            ],
        ),
    ]
    lines = []
    for period, number, date, preparer, entries in vouchers:
        for index, (account, debit, credit, text, extra) in enumerate(entries, start=1):
            extra = dict(extra)
            row = {
                "fiscal_year": 2024,
                "period": period,
                "voucher_type": "记",
                "voucher_number": number,
                "voucher_date": date,
                "line_number": index,
                "description": text,
                "account_code": account,
                "debit": debit,
                "credit": credit,
                "currency": extra.pop("currency", None),
                "fx_amount": extra.pop("fx_amount", None),
                "fx_rate": extra.pop("fx_rate", None),
                "attachments": 2 if index == 1 else None,
                "preparer": preparer,
                "reviewer": "张主管",
                "poster": "张主管",
                "entered_at": dt.datetime.combine(date, dt.time(9, 30, 15)),
                "posted": True,
                "void": False,
                "source": "manual",
                **extra,
            }
            lines.append(row)
    lines_frame = pl.DataFrame(lines, infer_schema_length=None).with_columns(
        pl.col("debit", "credit", "fx_amount").cast(canonical.AMOUNT),
        pl.col("fx_rate").cast(canonical.RATE),
    )
    openings = {
        "1001": "5000.00",
        "100201": "200000.00",
        "100202": "0.00",
        "1122": "30000.00",
        "4001": "-235000.00",
    }
    customer_openings = {"C002": "30000.00"}
    # Balances are derived from the lines, so that they tie by construction.
    moves = lines_frame.group_by("account_code").agg(pl.col("debit").sum(), pl.col("credit").sum())
    chart = pl.DataFrame(
        accounts,
        schema=[
            "code",
            "name",
            "level",
            "parent_code",
            "type",
            "normal_balance",
            "is_leaf",
            "dimension_types",
            "currency",
        ],
        orient="row",
    )
    leaf_rows = (
        chart.filter("is_leaf")
        .select(account_code="code")
        .join(moves, on="account_code", how="left")
        .with_columns(
            opening=pl.col("account_code").replace_strict(openings, default="0").cast(canonical.AMOUNT),
            debit=pl.col("debit").fill_null(0).cast(canonical.AMOUNT),
            credit=pl.col("credit").fill_null(0).cast(canonical.AMOUNT),
        )
    )
    parent_of = dict(chart.select("code", "parent_code").iter_rows())
    rows = {r["account_code"]: r for r in leaf_rows.to_dicts()}
    for leaf in list(rows):
        node = parent_of[leaf]
        while node:
            total = rows.setdefault(node, {"account_code": node, "opening": 0, "debit": 0, "credit": 0})
            for key in ("opening", "debit", "credit"):
                total[key] = total[key] + rows[leaf][key]
            node = parent_of[node]
    order = {code: i for i, code in enumerate(chart["code"])}
    account_rows = sorted(rows.values(), key=lambda r: order[r["account_code"]])
    balances = pl.DataFrame(account_rows).with_columns(
        pl.col("opening", "debit", "credit").cast(canonical.AMOUNT)
    )
    dimension_moves = (
        lines_frame.with_columns(
            dimension_type=pl.when(pl.col("customer").is_not_null())
            .then(pl.lit("customer"))
            .when(pl.col("supplier").is_not_null())
            .then(pl.lit("supplier"))
            .when(pl.col("department").is_not_null())
            .then(pl.lit("department")),
            dimension_code=pl.coalesce("customer", "supplier", "department"),
        )
        .filter(pl.col("dimension_code").is_not_null())
        .group_by("account_code", "dimension_type", "dimension_code", maintain_order=True)
        .agg(pl.col("debit").sum().cast(canonical.AMOUNT), pl.col("credit").sum().cast(canonical.AMOUNT))
    )
    dimension_rows = dimension_moves.with_columns(
        opening=pl.when(pl.col("account_code") == "1122")
        .then(pl.col("dimension_code").replace_strict(customer_openings, default="0"))
        .otherwise(pl.lit("0"))
        .cast(canonical.AMOUNT)
    )
    fx_row = pl.DataFrame(
        {
            "account_code": ["100202"],
            "currency": ["USD"],
            "opening": ["0.00"],
            "debit": ["71100.00"],
            "credit": ["0.00"],
            "opening_fx": ["0.00"],
            "closing_fx": ["10000.00"],
        }
    ).with_columns(pl.col("opening", "debit", "credit", "opening_fx", "closing_fx").cast(canonical.AMOUNT))
    all_balances = (
        pl.concat([balances, dimension_rows, fx_row], how="diagonal_relaxed")
        .with_columns(
            pl.col("opening", "debit", "credit").cast(canonical.AMOUNT),
        )
        .with_columns(closing=(pl.col("opening") + pl.col("debit") - pl.col("credit")).cast(canonical.AMOUNT))
        .with_columns(_order=pl.col("account_code").replace_strict(order, return_dtype=pl.Int32))
        .sort(
            "_order",
            pl.col("dimension_code").is_not_null(),
            pl.col("currency").is_not_null(),
            "dimension_code",
            maintain_order=True,
        )
        .drop("_order")
    )
    tables = {
        "entity": pl.DataFrame(
            {
                "name": ["江西示例精密机械有限公司"],
                "credit_code": ["91360100MA35EXAMPL"],
                "currency": ["CNY"],
                "fiscal_year": [2024],
                "period_start": [D(2024, 1, 1)],
                "period_end": [D(2024, 2, 29)],
                "source_software": ["cpahub example"],
                "source_format": ["cpahub-1.0"],
            }
        ),
        "periods": pl.DataFrame(
            {
                "fiscal_year": [2024, 2024],
                "period": [1, 2],
                "start": [D(2024, 1, 1), D(2024, 2, 1)],
                "end": [D(2024, 1, 31), D(2024, 2, 29)],
            }
        ),
        "accounts": chart,
        "dimensions": pl.DataFrame(
            dimensions, schema=["type", "code", "name", "parent_code", "credit_code"], orient="row"
        ),
        "balances": all_balances,
        "lines": lines_frame,
        "users": pl.DataFrame(
            {
                "code": ["U01", "U02", "U03"],
                "name": ["李会计", "王出纳", "张主管"],
                "role": ["preparer", "cashier", "reviewer"],
            }
        ),
        "cash_flow_items": pl.DataFrame(
            {
                "code": ["CF01", "CF04", "CF07"],
                "name": [
                    "销售商品、提供劳务收到的现金",
                    "购买商品、接受劳务支付的现金",
                    "支付其他与经营活动有关的现金",
                ],
                "direction": ["in", "out", "out"],
            }
        ),
    }
    return {name: canonical.conform(name, frame) for name, frame in tables.items()}


def main(argv: list[str]) -> int:
    if "--write" in argv:
        for path in write_schemas():
            print(f"wrote {path}")
        from cpahub.ledgers.formats import cpahub_std

        ledger = canonical.InMemoryLedger()
        for name, frame in example_ledger().items():
            (ledger.put_lines if name == "lines" else lambda f, n=name: ledger.put(n, f))(frame)
        import shutil

        if EXAMPLE_DIR.exists():
            shutil.rmtree(EXAMPLE_DIR)
        for path in cpahub_std.write(ledger, EXAMPLE_DIR, options=EXAMPLE_OPTIONS):
            print(f"wrote {path}")
        return 0
    stale = check_schemas()
    for name in stale:
        print(f"out of date: docs/data-standard/{name}", file=sys.stderr)
    if stale:
        print("run: uv run python -m cpahub.ledgers.spec --write", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
