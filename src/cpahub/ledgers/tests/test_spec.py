"""The published specification: generated schemas and field tables are committed and current."""

import json

import jsonschema
import pytest

from cpahub.ledgers import canonical, spec


def test_committed_schemas_and_spec_tables_match_the_code():
    assert spec.check_schemas() == [], "run `uv run python -m cpahub.ledgers.spec --write`"


def test_every_canonical_column_is_specified_in_order():
    for table, columns in canonical.TABLES.items():
        assert [f.name for f in spec.FIELDS[table]] == list(columns), table
    assert set(spec.TABLE_INFO) == set(canonical.TABLES)


def test_required_columns():
    assert spec.required_columns("lines") == [
        "fiscal_year",
        "period",
        "voucher_number",
        "voucher_date",
        "line_number",
        "account_code",
        "debit",
        "credit",
    ]
    assert spec.required_columns("entity") == [
        "name",
        "currency",
        "fiscal_year",
        "period_start",
        "period_end",
    ]


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("lines.csv", "lines"),
        ("lines-0001.csv", "lines"),
        ("lines-12.csv", None),
        ("cash_flow_items.csv", "cash_flow_items"),
        ("ledger.csv", None),
        ("accounts.CSV", None),
        ("manifest.json", None),
    ],
)
def test_file_names(name, table):
    assert spec.file_table(name) == table


def test_lexical_patterns():
    assert spec.lexical_pattern(canonical.AMOUNT) == r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$"
    assert spec.lexical_pattern(canonical.RATE) == r"^-?[0-9]{1,12}(\.[0-9]{1,8})?$"
    assert spec.lexical_pattern(canonical.TABLES["lines"]["voucher_date"]) == r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    assert spec.lexical_pattern(canonical.TABLES["lines"]["description"]) is None


def test_table_schema_of_the_voucher_lines():
    schema = spec.table_schema("lines")
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["debit"] == {
        "name": "debit",
        "description": "Debit amount in local currency; negative for a red-ink reversal",
        "descriptionZh": "借方金额（本位币；红字冲销为负数）",
        "type": "number",
        "decimalChar": ".",
        "groupChar": "",
        "bareNumber": True,
        "precision": 20,
        "scale": 2,
        "lexicalPattern": r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$",
        "constraints": {"required": True},
        "rule": "At most one of debit and credit is not zero.",
    }
    assert fields["customer"]["references"] == {
        "resource": "dimensions",
        "fields": ["code"],
        "where": {"type": "customer"},
    }
    assert fields["posted"]["trueValues"] == ["true"]
    assert schema["uniqueKeys"] == [
        ["fiscal_year", "period", "voucher_type", "voucher_number", "line_number"]
    ]
    assert schema["foreignKeys"][0] == {
        "fields": ["account_code"],
        "reference": {"resource": "accounts", "fields": ["code"]},
    }


def test_table_schema_enums_come_from_the_canonical_model():
    accounts = {f["name"]: f for f in spec.table_schema("accounts")["fields"]}
    assert accounts["type"]["constraints"]["enum"] == list(canonical.ACCOUNT_TYPES)
    assert accounts["dimension_types"]["type"] == "list"
    assert accounts["dimension_types"]["itemEnum"] == list(canonical.DIMENSION_TYPES)
    assert spec.table_schema("accounts")["foreignKeys"] == [
        {"fields": ["parent_code"], "reference": {"resource": "", "fields": ["code"]}}
    ]


def test_manifest_schema_accepts_the_example_and_rejects_broken_manifests():
    validator = jsonschema.Draft202012Validator(spec.manifest_schema())
    manifest = json.loads((spec.EXAMPLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(manifest)) == []
    broken = json.loads(json.dumps(manifest))
    broken["version"] = "2.0"
    broken["files"][0]["sha256"] = "XYZ"
    broken["totals"]["lines"]["total_debit"] = 295100.0
    del broken["producer"]
    messages = sorted(e.message for e in validator.iter_errors(broken))
    assert messages == [
        "'2.0' does not match '^1\\\\.[0-9]+$'",
        "'XYZ' does not match '^[0-9a-f]{64}$'",
        "'producer' is a required property",
        "295100.0 is not of type 'string'",
    ]


def test_field_table_markdown():
    table = spec.field_table_markdown("cash_flow_items").splitlines()
    assert table == [
        "| field | type | required | meaning | 含义 | rules |",
        "| --- | --- | --- | --- | --- | --- |",
        "| `code` | text | yes | Cash-flow item code | 现金流量项目编码 |  |",
        "| `name` | text | yes | Cash-flow item name | 现金流量项目名称 |  |",
        "| `direction` | text |  | in (inflow) or out (outflow) | 流向：in 流入、out 流出 | one of `in`, `out` |",
    ]


def test_a_changed_field_makes_the_check_fail(monkeypatch):
    fields = dict(spec.FIELDS)
    users = list(fields["users"])
    users[2] = spec.Field("role", "Role of the user", "角色")
    fields["users"] = tuple(users)
    monkeypatch.setattr(spec, "FIELDS", fields)
    assert spec.check_schemas() == ["schema/tables/users.json", "spec.md (field tables)"]


def test_render_spec_md_needs_every_marker():
    with pytest.raises(ValueError, match="exactly one <!-- fields:entity -->"):
        spec.render_spec_md("no markers here")
