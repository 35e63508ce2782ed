"""`cpahub registry_import` and `cpahub registry_export`."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cpahub.accounts.models import SecurityEvent
from cpahub.registry.models import CPA, CPAEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """The tests compare English texts; the Chinese catalogue would change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_import_succeeds_with_exit_code_0(world, tmp_path):
    path = tmp_path / "cpas.csv"
    firm = world.firms["A"].organisation
    path.write_bytes(
        f"证书编号,姓名,所在事务所\n360199000001,钱一,{firm.name}\n360199000002,孙二,{firm.credit_code}\n".encode(
            "gb18030"
        )
    )
    code, out, err = call("registry_import", "cpa", str(path), "--user", "assoc_staff")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "cpas.csv: csv, encoding GB18030, delimiter comma, header row 1, 2 rows",
        "  证书编号 → Certificate number (证书编号)",
        "  姓名 → Name (姓名)",
        "  所在事务所 → Firm (name or credit code) (所在事务所)",
        "imported 2 rows: created 2, updated 0, unchanged 0, warnings 0",
    ]
    assert CPA.objects.filter(certificate_no__startswith="360199").count() == 2


def test_validation_errors_exit_1_and_write_the_report(world, tmp_path):
    path = tmp_path / "cpas.csv"
    path.write_text("证书编号,姓名,状态\n360199000001,钱一,执业\n360199000002,孙二,退休\n", encoding="utf-8")
    report = tmp_path / "errors.csv"
    code, _out, err = call("registry_import", "cpa", str(path), "--errors", str(report))
    assert code == 1
    assert err.splitlines() == [
        "row 3, 状态 [退休]: 退休 is not an accepted value; use one of: 执业、非执业、注销.",
        "1 errors in 1 of 2 rows: nothing was imported",
    ]
    assert report.read_text(encoding="utf-8-sig").splitlines() == [
        "Row,Column,Value,Reason",
        "3,状态,退休,退休 is not an accepted value; use one of: 执业、非执业、注销.",
    ]
    assert not CPA.objects.filter(certificate_no__startswith="360199").exists()


def test_xlsx_error_report(world, tmp_path):
    path = tmp_path / "cpas.csv"
    path.write_text("证书编号,姓名\n360199000001,\n", encoding="utf-8")
    report = tmp_path / "errors.xlsx"
    code, _out, _err = call("registry_import", "cpa", str(path), "--errors", str(report))
    assert code == 1
    sheet = openpyxl.load_workbook(report).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Row", "Column", "Value", "Reason"),
        (2, "姓名", None, "A value is required."),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04truncated", "The Excel file is damaged or incomplete; it is not a valid .xlsx file."),
        (
            "证书编号,姓名\n".encode(),
            "The file has a header row but no data rows; there is nothing to import.",
        ),
    ],
)
def test_unreadable_file_exits_2(world, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, _out, err = call("registry_import", "cpa", str(path))
    assert code == 2
    assert err.strip() == f"{path}: {message}"


def test_missing_file_exits_2(tmp_path, db):
    code, _out, err = call("registry_import", "cpa", str(tmp_path / "none.csv"))
    assert code == 2
    assert "cannot read" in err


def test_map_option_and_dry_run(world, tmp_path):
    path = tmp_path / "other.csv"
    firm = world.firms["B"].organisation
    path.write_text(f"编号,名字,单位,备注\n360199000003,李三,{firm.credit_code},随便\n", encoding="utf-8")
    code, out, _err = call(
        "registry_import", "cpa", str(path), "--map", "编号=certificate_no,名字=name,单位=firm", "--dry-run"
    )
    assert code == 0
    assert "  备注 → (ignored)" in out.splitlines()
    assert (
        out.splitlines()[-1]
        == "dry run, nothing changed: would have created 1, updated 0, unchanged 0, warnings 0"
    )
    assert not CPA.objects.filter(certificate_no="360199000003").exists()
    code, out, _err = call(
        "registry_import", "cpa", str(path), "--map", "编号=certificate_no,名字=name,单位=firm"
    )
    assert code == 0
    assert CPA.objects.get(certificate_no="360199000003").firm == world.firms["B"]


def test_missing_required_column_exits_1(world, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("编号,名字\n360199000003,李三\n", encoding="utf-8")
    code, _out, err = call("registry_import", "cpa", str(path))
    assert code == 1
    assert err.splitlines() == [
        "No column is mapped to the required field Certificate number (证书编号).",
        "No column is mapped to the required field Name (姓名).",
        "nothing was imported",
    ]


def test_bad_map_and_user_are_command_errors(world, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("证书编号,姓名\n1,张\n", encoding="utf-8")
    with pytest.raises(CommandError, match="The file has no column 工号"):
        call_command("registry_import", "cpa", str(path), "--map", "工号=name")
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        call_command("registry_import", "cpa", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="You may not import CPAs"):
        call_command("registry_import", "cpa", str(path), "--user", "admin_A", stdout=io.StringIO())


def test_reimport_by_command_moves_a_cpa(world, tmp_path):
    cpa = world.cpas["A"]
    path = tmp_path / "move.csv"
    path.write_text(
        f"证书编号,姓名,所在事务所\n{cpa.certificate_no},{cpa.name},乙会计师事务所\n", encoding="utf-8"
    )
    code, out, _err = call("registry_import", "cpa", str(path), "--user", "assoc_staff")
    assert code == 0
    assert out.splitlines()[-1] == (
        "imported 1 rows: created 0, updated 1, unchanged 0, warnings 0 (moved 1, status changed 0)"
    )
    assert CPAEvent.objects.filter(cpa=cpa, kind="moved").count() == 1


def test_export_command_and_round_trip(world, tmp_path):
    out_path = tmp_path / "cpas.xlsx"
    code, out, _err = call("registry_export", "cpa", str(out_path), "--user", "assoc_staff")
    assert (code, out.strip()) == (0, f"wrote 4 rows to {out_path}")
    headers = next(openpyxl.load_workbook(out_path).active.iter_rows(values_only=True))
    assert "身份证号" in headers
    event = SecurityEvent.objects.get(event="export", username="assoc_staff")
    assert (event.detail["what"], event.detail["format"], event.detail["rows"]) == ("registry.CPA", "xlsx", 4)
    code, out, _err = call("registry_import", "cpa", str(out_path), "--user", "assoc_staff")
    assert out.splitlines()[-1] == "imported 4 rows: created 0, updated 0, unchanged 4, warnings 0"


def test_system_export_has_every_row_but_no_id_numbers(world, tmp_path):
    out_path = tmp_path / "cpas.csv"
    code, out, _err = call("registry_export", "cpa", str(out_path), "--city", "赣州市", "--status", "执业")
    assert (code, out.strip()) == (0, f"wrote 2 rows to {out_path}")
    lines = out_path.read_text(encoding="utf-8-sig").splitlines()
    assert "身份证号" not in lines[0]
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["李四", "王五"]
    assert SecurityEvent.objects.get(event="export").username == "system (command line)"


def test_export_command_errors(world, tmp_path):
    with pytest.raises(CommandError, match=r"must end in \.csv or \.xlsx"):
        call_command("registry_export", "cpa", str(tmp_path / "x.txt"))
    with pytest.raises(CommandError, match="bank may not export cpa"):
        call_command("registry_export", "cpa", str(tmp_path / "x.csv"), "--user", "bank")
    with pytest.raises(CommandError, match="penalties have no status"):
        call_command("registry_export", "penalty", str(tmp_path / "x.csv"), "--status", "执业")
