"""Export in the default layouts, and export → import round trips that change nothing."""

import io

import openpyxl
import pytest
from django.utils import translation

from cpahub.core.models import ObjectChange
from cpahub.registry.importing import engine, exporters
from cpahub.registry.importing.layouts import CPA_LAYOUT, FIRM_LAYOUT
from cpahub.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """The tests compare English texts; the Chinese catalogue would change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def export_bytes(kind, user, fmt="csv", **filters) -> bytes:
    export = exporters.build(kind, user, **filters)
    response = exporters.response(export, fmt)
    if fmt == "csv":
        return b"".join(response.streaming_content)
    return response.content


def rows_of(kind, user, fmt="csv", **filters):
    table = engine.load_table(export_bytes(kind, user, fmt, **filters), kind)
    return table.headers, [row.cells for row in table.rows]


def round_trip(kind, user, fmt):
    data = export_bytes(kind, user, fmt)
    before = ObjectChange.objects.count()
    result = engine.run_import(kind, engine.load_table(data, kind), actor=user)
    assert (result.errors, result.warnings, result.mapping_problems) == ([], [], [])
    assert ObjectChange.objects.count() == before
    return result


def test_firm_export_in_the_default_layout(world):
    headers, rows = rows_of("firm", world.users["assoc_staff"])
    assert headers == [c.zh for c in FIRM_LAYOUT.columns]
    a, a1 = world.firms["A"], world.firms["A1"]
    by_name = {row[1]: row for row in rows}
    assert sorted(by_name) == ["乙会计师事务所", "甲会计师事务所", "甲会计师事务所赣州分所"]
    assert by_name["甲会计师事务所赣州分所"] == [
        a1.firm_no,
        "甲会计师事务所赣州分所",
        a1.organisation.credit_code,
        "正常",
        "1",
        "普通合伙",
        "赣州市",
        a1.licence_no,
        "2005-05-01",
        "",
        "否",
        a.organisation.credit_code,
        "",
        "",
        "",
        "",
        "",
    ]


def test_cpa_export_leaves_id_numbers_to_association_staff(world):
    headers, rows = rows_of("cpa", world.users["assoc_staff"])
    assert headers == [c.zh for c in CPA_LAYOUT.columns]
    cpa = world.cpas["A"]
    row = next(r for r in rows if r[0] == cpa.certificate_no)
    assert row == [
        cpa.certificate_no,
        "张三",
        "甲会计师事务所",
        world.firms["A"].organisation.credit_code,
        "江西省",
        "执业",
        "女",
        "1985-01-01",
        cpa.id_number,
        "2008-09-01",
        "否",
    ]
    for name in ("assoc_leader", "city_nc", "regulator", "admin_A"):
        headers, rows = rows_of("cpa", world.users[name])
        assert "身份证号" not in headers, name
        assert all(cpa.id_number not in r for r in rows)


def test_exports_are_restricted_to_what_the_user_may_export(world):
    _h, rows = rows_of("cpa", world.users["city_nc"])
    assert [r[1] for r in rows] == ["张三"]
    _h, rows = rows_of("firm", world.users["admin_A"])
    assert sorted(r[1] for r in rows) == ["甲会计师事务所", "甲会计师事务所赣州分所"]
    _h, rows = rows_of("penalty", world.users["bank"])
    assert [r[0] for r in rows] == [world.penalties["A_pub"].document_no]


def test_export_filters(world):
    staff = world.users["assoc_staff"]
    _h, rows = rows_of("cpa", staff, city="360700")
    assert sorted(r[1] for r in rows) == ["李四", "王五"]
    _h, rows = rows_of("cpa", staff, status="non_practising")
    assert [r[1] for r in rows] == ["赵六"]
    _h, rows = rows_of("firm", staff, city="360100", status="active")
    assert [r[1] for r in rows] == ["甲会计师事务所"]


def test_english_headers_export_imports_back(world):
    staff = world.users["assoc_staff"]
    headers, _rows = rows_of("cpa", staff, language="en")
    assert headers[:3] == ["certificate number", "name", "firm"]
    data = export_bytes("cpa", staff, language="en")
    result = engine.run_import("cpa", engine.load_table(data, "cpa"), actor=staff)
    assert (result.unchanged, result.updated, result.created) == (4, 0, 0)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["firm", "cpa", "penalty"])
def test_round_trip_changes_nothing(world, kind, fmt):
    firm = world.firms["A"]
    firm.chief_partner = "=张合伙"  # neutralised as '= on export, read back as written
    firm.save()
    firm.organisation.address = "南昌市红谷滩区（新区）1号"
    firm.organisation.save()
    world.cpas["B"].is_partner = True
    world.cpas["B"].save()
    result = round_trip(kind, world.users["assoc_staff"], fmt)
    expected = {"firm": 3, "cpa": 4, "penalty": 4}[kind]
    assert (result.created, result.updated, result.unchanged) == (0, 0, expected)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_without_id_numbers(world, fmt):
    city = world.users["city_nc"]
    result = round_trip("cpa", city, fmt)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    world.cpas["A"].refresh_from_db()
    assert world.cpas["A"].id_number == f.resident_id(int(world.cpas["A"].id_number[14:17]))


def test_round_trip_then_edit_changes_one_row(world):
    staff = world.users["assoc_staff"]
    data = export_bytes("cpa", staff, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    status_column = [c.value for c in sheet[1]].index("状态") + 1
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "王五":
            row[status_column - 1].value = "非执业"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = engine.run_import("cpa", engine.load_table(buffer.getvalue(), "cpa"), actor=staff)
    assert (result.updated, result.unchanged, result.status_changed) == (1, 3, 1)
    world.cpas["B"].refresh_from_db()
    assert world.cpas["B"].status == "non_practising"


def test_template_has_the_writable_columns():
    export = exporters.template_export("firm")
    assert export.headers == [c.zh for c in FIRM_LAYOUT.columns if c.name != "cpa_count"]
    assert list(export.rows()) == []
