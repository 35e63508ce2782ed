"""The cpahub audit data standard: writer, streaming reader, package validator and command."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import re
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cpahub.ledgers import canonical, formats, spec
from cpahub.ledgers.formats import FormatError, cpahub_std

EXAMPLE = spec.EXAMPLE_DIR


# --------------------------------------------------------------------------------------------------
# helpers


def ledger_of(tables: dict[str, pl.DataFrame]) -> canonical.InMemoryLedger:
    ledger = canonical.InMemoryLedger()
    for name, frame in tables.items():
        if name == "lines":
            ledger.put_lines(frame)
        else:
            ledger.put(name, frame)
    return ledger


def read_package(path: Path, **options) -> canonical.InMemoryLedger:
    sink = canonical.InMemoryLedger()
    cpahub_std.read(path, sink, options=options)
    return sink


def copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(EXAMPLE, target)
    return target


def tamper(
    package: Path, name: str, old: str | bytes, new: str | bytes, *, fix_manifest: bool = True
) -> None:
    """Replace `old` by `new` (once) in one file; by default update its digests in the manifest."""
    path = package / name
    data = path.read_bytes()
    old_b = old.encode() if isinstance(old, str) else old
    new_b = new.encode() if isinstance(new, str) else new
    assert data.count(old_b) >= 1, old
    path.write_bytes(data.replace(old_b, new_b, 1))
    if fix_manifest:
        refresh_digests(package, name)


def refresh_digests(package: Path, name: str) -> None:
    manifest_path = package / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["name"] == name:
            entry.update(cpahub_std.file_digests(package / name))
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def edit_manifest(package: Path, change) -> None:
    path = package / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def codes(issues) -> list[tuple[str, str]]:
    return [(issue.severity, issue.code) for issue in issues]


def load_generator():
    path = Path(settings.BASE_DIR) / "benchmarks" / "ledger_gen.py"
    module_spec = importlib.util.spec_from_file_location("ledger_gen", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------------
# the example package


def test_the_example_package_is_what_the_writer_makes(tmp_path):
    paths = cpahub_std.write(ledger_of(spec.example_ledger()), tmp_path / "out", options=spec.EXAMPLE_OPTIONS)
    assert [p.name for p in paths] == [
        "manifest.json",
        "entity.csv",
        "periods.csv",
        "accounts.csv",
        "dimensions.csv",
        "balances.csv",
        "users.csv",
        "cash_flow_items.csv",
        "lines.csv",
    ]
    assert sorted(p.name for p in EXAMPLE.iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), (
            f"{path.name} differs: run `uv run python -m cpahub.ledgers.spec --write`"
        )


def test_the_example_package_conforms():
    report = cpahub_std.check_package(EXAMPLE)
    assert report.issues == []
    assert report.valid and not report.unreadable
    assert (report.lines, report.vouchers) == (14, 6)
    assert (report.total_debit, report.total_credit) == (Decimal("295100.00"), Decimal("295100.00"))


def test_the_example_reads_back_exactly_with_line_locations():
    ledger = read_package(EXAMPLE)
    expected = spec.example_ledger()
    for name in canonical.TABLES:
        got = ledger.table(name)
        if name == "lines":
            assert got["source_location"].to_list() == [
                *(f"lines.csv:{n}" for n in range(2, 12)),
                "lines.csv:12",  # its description has a line break: the next record starts on 14
                "lines.csv:14",
                "lines.csv:16",
                "lines.csv:17",
            ]
            got = got.with_columns(source_location=pl.lit(None, pl.Utf8))
        assert got.equals(expected[name]), name
    assert ledger.issues == []


def test_the_manifest_of_the_example():
    manifest = json.loads((EXAMPLE / "manifest.json").read_text(encoding="utf-8"))
    lines = next(e for e in manifest["files"] if e["name"] == "lines.csv")
    assert lines["control_totals"] == {
        "count": 14,
        "total_debit": "295100.00",
        "total_credit": "295100.00",
        "vouchers": 6,
    }
    assert lines["sha256"] == cpahub_std.file_digests(EXAMPLE / "lines.csv")["sha256"]
    assert lines["sm3"] == cpahub_std.file_digests(EXAMPLE / "lines.csv")["sm3"]
    assert manifest["totals"]["rows"] == {
        "entity": 1,
        "periods": 2,
        "accounts": 15,
        "dimensions": 5,
        "balances": 21,
        "lines": 14,
        "users": 3,
        "cash_flow_items": 3,
    }
    assert manifest["entity"] == {
        "name": "江西示例精密机械有限公司",
        "credit_code": "91360100MA35EXAMPL",
        "currency": "CNY",
        "fiscal_year": 2024,
        "period_start": "2024-01-01",
        "period_end": "2024-02-29",
    }


# --------------------------------------------------------------------------------------------------
# round trips

TRICKY = st.sampled_from(
    [
        "a,b",
        'say "hi"',
        "two\nlines",
        "crlf\r\nend",
        "cr\ronly",
        " padded ",
        "记账凭证",
        "x;y",
        "NULL",
        '""',
        "\t",
        "0001",
    ]
)
TEXT = st.one_of(st.text(st.characters(codec="utf-8"), min_size=1, max_size=8), TRICKY)


def value_strategy(table: str, column: str, dtype):
    info = spec.field(table, column)
    kind = spec.kind(dtype)
    if info.enum:
        base = st.sampled_from(info.enum)
    elif info.pattern == spec.CURRENCY_PATTERN:
        base = st.from_regex(r"\A[A-Z]{3}\Z")
    elif column == "other_dimensions":
        base = st.from_regex(r"\A[a-z]{1,4}:[A-Z0-9]{1,4}(;[a-z]{1,4}:[A-Z0-9]{1,4}){0,2}\Z")
    elif kind == "text":
        base = TEXT
    elif kind == "integer":
        low = info.minimum if info.minimum is not None else -(2**31)
        base = st.integers(low, info.maximum if info.maximum is not None else 2**31 - 1)
    elif kind == "decimal":
        bound = Decimal(10 ** (dtype.precision - dtype.scale)) - 1
        low = Decimal(info.minimum) if info.minimum is not None else -bound
        base = st.decimals(low, bound, places=dtype.scale, allow_nan=False, allow_infinity=False)
    elif kind == "date":
        base = st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31))
    elif kind == "datetime":
        base = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2999, 12, 31))
    elif kind == "boolean":
        base = st.booleans()
    else:
        return st.lists(st.sampled_from(info.item_enum), max_size=3)
    if info.required or (table == "lines" and column == "source_location"):
        return base
    return st.none() | base


def rows_strategy(table: str, max_size: int):
    row = st.fixed_dictionaries(
        {column: value_strategy(table, column, dtype) for column, dtype in canonical.TABLES[table].items()}
    )
    size = 1 if table == "entity" else max_size
    return st.lists(row, min_size=1 if table == "entity" else 0, max_size=size).map(
        lambda rows, t=table: pl.DataFrame(rows, schema=canonical.TABLES[t])
    )


LEDGERS = st.fixed_dictionaries(
    {table: rows_strategy(table, 8 if table == "lines" else 4) for table in canonical.TABLES}
)


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(tables=LEDGERS, per_file=st.sampled_from([1_000_000, 3]), as_zip=st.booleans())
def test_any_ledger_round_trips_exactly(tables, per_file, as_zip):
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / ("package.zip" if as_zip else "package")
        cpahub_std.write(ledger_of(tables), target, options={"lines_per_file": per_file})
        ledger = read_package(target)
    for name, frame in tables.items():
        assert ledger.table(name).equals(frame), name
    assert [
        i.code
        for i in ledger.issues
        if i.code in ("digest_mismatch", "control_total_mismatch", "row_count_mismatch")
    ] == []


@pytest.fixture(scope="module")
def generated():
    return load_generator().build(20_000, seed=7)


def test_a_generated_ledger_round_trips_and_conforms(generated, tmp_path):
    target = tmp_path / "generated"
    paths = cpahub_std.write(ledger_of(generated), target, options={"lines_per_file": 7_000})
    assert [p.name for p in paths if p.name.startswith("lines")] == [
        "lines-0001.csv",
        "lines-0002.csv",
        "lines-0003.csv",
    ]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    counts = [e["rows"] for e in manifest["files"] if e["table"] == "lines"]
    assert sum(counts) == 20_000 and max(counts) <= 7_000
    # every file ends where a voucher ends
    key = list(spec.VOUCHER_KEY)
    lasts = [
        pl.read_csv(target / f"lines-000{n}.csv", infer_schema=False).select(key).row(-1) for n in (1, 2)
    ]
    firsts = [
        pl.read_csv(target / f"lines-000{n}.csv", infer_schema=False).select(key).row(0) for n in (2, 3)
    ]
    assert all(a != b for a, b in zip(lasts, firsts, strict=True))
    assert manifest["totals"]["lines"] == {
        "count": 20_000,
        "total_debit": f"{generated['lines']['debit'].sum():.2f}",
        "total_credit": f"{generated['lines']['credit'].sum():.2f}",
        "vouchers": generated["lines"].select(key).n_unique(),
    }
    ledger = read_package(target)
    for name, frame in generated.items():
        got = ledger.table(name)
        if name == "lines":
            first = counts[0]
            assert got["source_location"][first - 1 : first + 1].to_list() == [
                f"lines-0001.csv:{first + 1}",
                "lines-0002.csv:2",
            ]
            got = got.with_columns(source_location=pl.lit(None, pl.Utf8))
        assert got.equals(frame), name
    report = cpahub_std.check_package(target)
    assert report.issues == []
    assert report.lines == 20_000


def test_write_to_a_zip_and_recognise_it(tmp_path):
    target = tmp_path / "ledger.zip"
    assert cpahub_std.write(ledger_of(spec.example_ledger()), target) == [target]
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist()[0] == "manifest.json"
    head = target.read_bytes()[:65536]
    assert cpahub_std.sniff(head, target.name)
    assert formats.detect(target) == "cpahub"
    assert cpahub_std.sniff((EXAMPLE / "manifest.json").read_bytes(), "manifest.json")
    assert not cpahub_std.sniff((EXAMPLE / "lines.csv").read_bytes(), "lines.csv")
    assert not cpahub_std.sniff(b'{"name": "other"}', "x.json")
    ledger = read_package(target)
    assert ledger.table("lines").height == 14
    assert ledger.issues == []


def test_a_zip_with_the_package_in_a_folder(tmp_path):
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(EXAMPLE.iterdir()):
            archive.write(path, f"export-2024/{path.name}")
        archive.writestr("export-2024/readme.txt", "hello")
    ledger = read_package(target)
    assert ledger.table("accounts").height == 15
    assert codes(ledger.issues) == [("info", "file_ignored")]


def test_an_empty_ledger(tmp_path):
    ledger = ledger_of({"entity": spec.example_ledger()["entity"]})
    paths = cpahub_std.write(ledger, tmp_path / "empty")
    assert (tmp_path / "empty" / "lines.csv").read_text(encoding="utf-8").count("\n") == 1
    manifest = json.loads(paths[0].read_text(encoding="utf-8"))
    assert manifest["totals"]["lines"] == {
        "count": 0,
        "total_debit": "0.00",
        "total_credit": "0.00",
        "vouchers": 0,
    }
    back = read_package(tmp_path / "empty")
    assert back.table("lines").height == 0
    assert back.table("accounts").height == 0


def test_the_writer_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(FileExistsError):
        cpahub_std.write(ledger_of(spec.example_ledger()), tmp_path)


def test_empty_text_is_written_as_no_value(tmp_path):
    tables = spec.example_ledger()
    tables["users"] = pl.DataFrame({"code": ["U1"], "name": ["张三"], "role": [""]})
    cpahub_std.write(ledger_of(tables), tmp_path / "p")
    assert (tmp_path / "p" / "users.csv").read_text(encoding="utf-8") == "code,name,role\nU1,张三,\n"
    assert read_package(tmp_path / "p").table("users")["role"].to_list() == [None]


def test_producer_locations_are_kept_unless_package_locations_are_asked_for(tmp_path):
    tables = spec.example_ledger()
    tables["lines"] = tables["lines"].with_columns(
        source_location=pl.format("GL_Detail.txt:{}", pl.int_range(1, 15))
    )
    cpahub_std.write(ledger_of(tables), tmp_path / "p")
    kept = read_package(tmp_path / "p").table("lines")["source_location"].to_list()
    assert kept[:2] == ["GL_Detail.txt:1", "GL_Detail.txt:2"]
    replaced = (
        read_package(tmp_path / "p", package_locations=True).table("lines")["source_location"].to_list()
    )
    assert replaced[:2] == ["lines.csv:2", "lines.csv:3"]


def test_progress_is_reported_up_to_the_size(tmp_path):
    calls = []
    cpahub_std.read(
        EXAMPLE, canonical.InMemoryLedger(), progress=lambda done, total: calls.append((done, total))
    )
    total = sum(p.stat().st_size for p in EXAMPLE.iterdir() if p.name != "manifest.json")
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


# --------------------------------------------------------------------------------------------------
# bad values: FormatError with file:line:column

BAD_VALUES = [
    (
        "lines.csv",
        "67800.00",
        '"67,800.00"',
        "lines.csv:5:9",
        "debit: '67,800.00' is not a plain decimal number with at most 2 decimals (a dot, no separators)",
    ),
    (
        "lines.csv",
        "50000.00",
        "50000.001",
        "lines.csv:2:9",
        "debit: '50000.001' is not a plain decimal number with at most 2 decimals",
    ),
    (
        "lines.csv",
        "2024-01-05,1,",
        "2024-02-30,1,",
        "lines.csv:2:5",
        "voucher_date: '2024-02-30' is not a calendar date",
    ),
    (
        "lines.csv",
        "2024-01-05,1,",
        "05/01/2024,1,",
        "lines.csv:2:5",
        "voucher_date: '05/01/2024' is not a date in the form yyyy-mm-dd",
    ),
    (
        "lines.csv",
        "2024-01-05T09:30:15,true",
        "2024-01-05 09:30:15,true",
        "lines.csv:2:27",
        "entered_at: '2024-01-05 09:30:15' is not a date and time",
    ),
    (
        "lines.csv",
        ",true,false,manual",
        ",yes,false,manual",
        "lines.csv:2:28",
        "posted: 'yes' is not true or false",
    ),
    (
        "lines.csv",
        "2024,1,记,1,2024-01-05,1",
        "2024,1,记,1,2024-01-05,0",
        "lines.csv:2:6",
        "line_number: '0' is outside 1..2147483647",
    ),
    (
        "lines.csv",
        "2024,1,记,1,2024-01-05,1",
        "2024,13a,记,1,2024-01-05,1",
        "lines.csv:2:2",
        "period: '13a' is not a whole number",
    ),
    ("lines.csv", ",USD,", ",usd,", "lines.csv:12:11", "currency: 'usd' does not match ^[A-Z]{3}$"),
    (
        "accounts.csv",
        "asset,D",
        "assets,D",
        "accounts.csv:2:5",
        "type: 'assets' is not one of asset, liability",
    ),
    (
        "accounts.csv",
        "customer,",
        "customer;;project,",
        "accounts.csv:6:8",
        "dimension_types: 'customer;;project' has an empty item",
    ),
    (
        "accounts.csv",
        "customer,",
        "customer;client,",
        "accounts.csv:6:8",
        "dimension_types: 'customer;client' has an item that is not one of",
    ),
    (
        "cash_flow_items.csv",
        ",in",
        ",inflow",
        "cash_flow_items.csv:2:3",
        "direction: 'inflow' is not one of in, out",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "location", "message"), BAD_VALUES)
def test_a_bad_value_stops_the_read_with_its_place(tmp_path, name, old, new, location, message):
    package = copy_example(tmp_path)
    tamper(package, name, old, new)
    with pytest.raises(FormatError) as raised:
        read_package(package)
    assert raised.value.location == location
    assert str(raised.value).startswith(f"{location}: {message}")


BAD_STRUCTURE = [
    (
        "dropped field",
        ",true,false,manual,\n2024,1,记,1,2024-01-05,3",
        ",true,false,manual\n2024,1,记,1,2024-01-05,3",
        "lines.csv:3",
        "expected 31 fields as in the header, found 30",
    ),
    (
        "blank line",
        "manual,\n2024,1,记,1,2024-01-05,3",
        "manual,\n\n2024,1,记,1,2024-01-05,3",
        "lines.csv:4",
        "expected 31 fields as in the header, found 1",
    ),
    (
        "quote inside a field",
        "采购商品入库,1405",
        '采购"商品"入库,1405',
        "lines.csv:2:7",
        "a double quote inside an unquoted field",
    ),
    (
        "text after a quoted field",
        '"销售商品, 开具专用发票",1122',
        '"销售商品, 开具专用发票"x,1122',
        "lines.csv:5:7",
        "text after the closing quote",
    ),
    (
        "unterminated quote",
        "2024,2,记,2,2024-02-20,2",
        '2024,2,记,2,2024-02-20,"2',
        "lines.csv:17",
        "a quoted field is not closed before the end of the file",
    ),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "location", "message"), BAD_STRUCTURE, ids=[c[0] for c in BAD_STRUCTURE]
)
def test_broken_csv_structure_is_found_with_its_line(tmp_path, case, old, new, location, message):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", old, new)
    with pytest.raises(FormatError) as raised:
        read_package(package)
    assert raised.value.location == location
    assert message in str(raised.value)


def test_a_file_that_is_not_utf8(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", "采购商品入库,1405", "采购商品入库".encode("gb18030") + b",1405")
    with pytest.raises(FormatError, match=r"the file is not UTF-8 \(invalid start byte\)") as raised:
        read_package(package)
    assert raised.value.location == "lines.csv:2:25"


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        ("fiscal_year,period,", "fiscal_year,", "lines.csv:1", "the header lacks the column(s) period"),
        (
            "fiscal_year,period,",
            "fiscal_year,period,period,",
            "lines.csv:1:3",
            "column 'period' appears twice",
        ),
        ("source_location\n", "source_location,remark\n", "lines.csv:1:32", "unknown column 'remark'"),
    ],
)
def test_header_problems(tmp_path, old, new, location, message):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", old, new)
    with pytest.raises(FormatError) as raised:
        read_package(package)
    assert raised.value.location == location
    assert message in str(raised.value)


def test_extension_columns_and_a_byte_order_mark_are_tolerated(tmp_path):
    package = copy_example(tmp_path)
    text = (package / "users.csv").read_text(encoding="utf-8").splitlines()
    text = [line + (",x_department" if i == 0 else ",财务部") for i, line in enumerate(text)]
    (package / "users.csv").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(text) + "\r\n").encode())
    refresh_digests(package, "users.csv")
    ledger = read_package(package)
    assert ledger.table("users")["name"].to_list() == ["李会计", "王出纳", "张主管"]
    assert [(i.code, i.location) for i in ledger.issues] == [
        ("bom", "users.csv:1"),
        ("extension_column", "users.csv:1:4"),
    ]


def test_a_column_of_a_later_minor_version_is_ignored_with_a_warning(tmp_path):
    package = copy_example(tmp_path)
    (package / "users.csv").write_text(
        "code,name,role,email\nU01,李会计,preparer,li@example.cn\nU02,王出纳,cashier,\nU03,张主管,reviewer,\n",
        encoding="utf-8",
    )
    refresh_digests(package, "users.csv")
    edit_manifest(package, lambda m: m.update(version="1.3"))
    ledger = read_package(package)
    assert [(i.severity, i.code, i.location) for i in ledger.issues] == [
        ("warning", "unknown_column", "users.csv:1:4")
    ]


# --------------------------------------------------------------------------------------------------
# differences from the manifest: reported, the read goes on


def test_a_changed_file_is_caught_by_its_digests(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", "报销办公用品", "报销办公文具", fix_manifest=False)  # same length
    ledger = read_package(package)
    assert [(i.code, i.data.get("field")) for i in ledger.issues] == [
        ("digest_mismatch", "sha256"),
        ("digest_mismatch", "sm3"),
    ]
    assert ledger.issues[0].message == "the SHA256 digest of lines.csv differs from the manifest's"


def test_a_lost_line_is_caught_by_the_counts_and_control_totals(tmp_path):
    package = copy_example(tmp_path)
    lines = (package / "lines.csv").read_text(encoding="utf-8")
    record = "2024,1,记,3,2024-01-31,1,报销办公用品,6602,1200.00,0.00,,,,,,,01,,,,,,2,王出纳,张主管,张主管,2024-01-31T09:30:15,true,false,manual,\n"
    assert record in lines
    (package / "lines.csv").write_text(lines.replace(record, ""), encoding="utf-8")
    refresh_digests(package, "lines.csv")
    ledger = read_package(package)
    assert [(i.code, i.message) for i in ledger.issues] == [
        ("row_count_mismatch", "lines.csv has 13 rows; the manifest says 14"),
        ("control_total_mismatch", "lines.csv: count is 13; the manifest says 14"),
        ("control_total_mismatch", "lines.csv: total_debit is 293900.00; the manifest says 295100.00"),
        ("control_total_mismatch", "all lines: count is 13; the manifest says 14"),
        ("control_total_mismatch", "all lines: total_debit is 293900.00; the manifest says 295100.00"),
        ("row_count_mismatch", "the lines files have 13 rows; the manifest's totals say 14"),
    ]
    assert ledger.table("lines").height == 13


def test_an_empty_required_value_is_reported_with_its_lines(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", "报销办公用品,6602,", "报销办公用品,,")
    ledger = read_package(package)
    [issue] = ledger.issues
    assert (issue.severity, issue.code, issue.location) == ("error", "missing_value", "lines.csv:8:8")
    assert issue.message == "account_code is required but empty in 1 row(s) (lines 8)"


# --------------------------------------------------------------------------------------------------
# manifests and zips that cannot be read


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (
            lambda m: m.update(standard="other"),
            "manifest.json",
            "this is not a package of the 'cpahub audit data standard'",
        ),
        (
            lambda m: m.update(version="2.0"),
            "manifest.json",
            "version '2.0' of the standard is not supported",
        ),
        (lambda m: m.update(files="all"), "manifest.json", "manifest.json has no usable list of files"),
        (lambda m: m["files"].pop(0), "manifest.json", "the package has no entity file"),
        (
            lambda m: m["files"][0].update(name="entities.csv"),
            "manifest.json",
            "the package has no entity file",
        ),
    ],
)
def test_unusable_manifests(tmp_path, change, location, message):
    package = copy_example(tmp_path)
    edit_manifest(package, change)
    with pytest.raises(FormatError) as raised:
        read_package(package)
    assert raised.value.location == location
    assert message in str(raised.value)


def test_a_manifest_that_is_not_json(tmp_path):
    package = copy_example(tmp_path)
    (package / "manifest.json").write_text('{"standard": ', encoding="utf-8")
    with pytest.raises(FormatError, match=re.escape("manifest.json is not valid JSON")) as raised:
        read_package(package)
    assert raised.value.location == "manifest.json:1:14"


def test_a_listed_file_that_is_missing(tmp_path):
    package = copy_example(tmp_path)
    (package / "users.csv").unlink()
    with pytest.raises(
        FormatError, match=re.escape("users.csv: users.csv is listed in the manifest but not in the package")
    ):
        read_package(package)


def test_manifest_schema_problems_and_unlisted_files_are_reported(tmp_path):
    package = copy_example(tmp_path)
    edit_manifest(package, lambda m: (m.update(created="yesterday"), m["files"].pop(7)))
    ledger = read_package(package)
    assert [(i.code, i.location) for i in ledger.issues] == [
        ("manifest_invalid", "manifest.json:/created"),
        ("file_unlisted", "cash_flow_items.csv"),
    ]
    assert ledger.table("cash_flow_items").height == 0


def test_not_a_package(tmp_path):
    with pytest.raises(FormatError, match="no such file or folder"):
        read_package(tmp_path / "nothing")
    (tmp_path / "ledger.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not a cpahub data package"):
        read_package(tmp_path / "ledger.csv")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("lines.csv", "x")
    with pytest.raises(FormatError, match=re.escape("the zip file has no manifest.json")):
        read_package(tmp_path / "other.zip")


def test_a_zip_bomb_is_refused(tmp_path):
    package = copy_example(tmp_path)
    header = (package / "users.csv").read_text(encoding="utf-8")
    (package / "users.csv").write_text(header + "U9,x," + "y" * 11_000_000 + "\n", encoding="utf-8")
    refresh_digests(package, "users.csv")
    target = tmp_path / "bomb.zip"
    cpahub_std.zip_package(package, target)
    with pytest.raises(FormatError, match="refused: the member inflates") as raised:
        read_package(target)
    assert raised.value.location == "users.csv"


def test_a_zip_member_larger_than_announced_is_cut_off(tmp_path):
    package = copy_example(tmp_path)
    target = tmp_path / "p.zip"
    cpahub_std.zip_package(package, target)
    with zipfile.ZipFile(target) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    next(e for e in manifest["files"] if e["name"] == "lines.csv")["bytes"] = 100
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(
        FormatError, match=re.escape("lines.csv: the member is larger than the 100 bytes announced")
    ):
        read_package(target)


# --------------------------------------------------------------------------------------------------
# validate_package: every finding, no database


def test_the_validator_reports_every_bad_value_and_skips_the_ledger_checks(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", "50000.00", "50,000.00")  # unquoted: one field too many
    tamper(package, "accounts.csv", "asset,D", "assets,D")
    tamper(package, "periods.csv", "2024-01-31", "2024-01-32")
    issues = cpahub_std.validate_package(package)
    assert [(i.severity, i.code, i.location) for i in issues] == [
        ("error", "invalid_value", "periods.csv:2:4"),
        ("error", "invalid_value", "accounts.csv:2:5"),
        ("error", "csv_field_count", "lines.csv:2"),
        ("info", "ledger_checks_skipped", ""),
    ]
    assert issues[0].message == "end: '2024-01-32' is not a calendar date"


def test_the_validator_runs_the_ledger_checks(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "lines.csv", "报销办公用品,6602,1200.00", "报销办公用品,6602,1300.00")
    tamper(package, "lines.csv", ",C002,", ",C009,")
    report = cpahub_std.check_package(package)
    # Severities are the standard's (an import may only warn about some of these).
    assert sorted((i.severity, i.code, i.location) for i in report.issues) == sorted(
        [
            ("error", "control_total_mismatch", "lines.csv"),
            ("error", "control_total_mismatch", "manifest.json"),
            ("error", "voucher_unbalanced", "lines.csv:8"),
            ("error", "totals_unbalanced", ""),
            ("error", "tb_ledger_mismatch", "lines.csv:8"),
            ("warning", "tb_dimension_mismatch", "balances.csv:9"),  # 1122, customer C002
            ("warning", "tb_dimension_mismatch", "lines.csv:14"),
            ("warning", "tb_dimension_mismatch", "lines.csv:8"),
            ("error", "unknown_dimension", "lines.csv:14"),
        ]
    )
    unbalanced = next(i for i in report.issues if i.code == "voucher_unbalanced")
    assert (
        unbalanced.message
        == "Voucher 记-3 (2024/01) does not balance: debit 1300.00, credit 1200.00, difference 100.00"
    )
    assert not report.valid


def test_validator_package_level_references_and_keys(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "accounts.csv", "100201,中国银行南昌分行,2,1002", "100201,中国银行南昌分行,2,1003")
    tamper(package, "users.csv", "U02,", "U01,")
    tamper(package, "lines.csv", ",CF04,", ",CF99,")
    tamper(package, "lines.csv", "2024,1,记,1,2024-01-05,2,", "2024,1,记,1,2024-01-05,1,")
    issues = cpahub_std.validate_package(package)
    found = {(i.code, i.location, i.message) for i in issues}
    assert ("error", "duplicate_line_number", "lines.csv:2") in {
        (i.severity, i.code, i.location) for i in issues
    }
    assert (
        "unknown_reference",
        "accounts.csv:4",
        "accounts: the parent 1003 of account 100201 is not in the chart",
    ) in found
    assert ("duplicate_key", "users.csv:3", "users: code=U01 appears 2 times") in found
    assert (
        "unknown_reference",
        "lines.csv:17",
        "lines: cash-flow item CF99 is not in cash_flow_items.csv (1 lines)",
    ) in found


def test_the_validator_on_something_unreadable(tmp_path):
    report = cpahub_std.check_package(tmp_path / "missing")
    assert report.unreadable
    assert [(i.code, i.message) for i in report.issues] == [
        ("package_unreadable", "missing: no such file or folder")
    ]
    bad = copy_example(tmp_path)
    (bad / "manifest.json").write_text("[]", encoding="utf-8")
    assert [i.code for i in cpahub_std.validate_package(bad)] == ["manifest_unreadable"]


# --------------------------------------------------------------------------------------------------
# the command


def run_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ledger_validate", *map(str, args), stdout=out, no_color=True)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue()


def test_command_on_a_valid_package():
    status, output = run_command(EXAMPLE)
    assert status == 0
    assert output.splitlines() == [
        "14 voucher lines in 6 vouchers; total debit 295,100.00, total credit 295,100.00",
        f"{EXAMPLE}: valid — 0 errors, 0 warning(s)",
    ]


def test_command_on_an_invalid_package(tmp_path):
    package = copy_example(tmp_path)
    tamper(package, "accounts.csv", "asset,D", "assets,D")
    tamper(package, "accounts.csv", "asset,D", "assets,D")
    status, output = run_command(package, "--limit", "1")
    assert status == 1
    assert output.splitlines() == [
        "ERROR   accounts.csv:2:5: type: 'assets' is not one of asset, liability, common, equity, cost, profit_loss, off_balance, unknown",
        "INFO    the ledger checks (balanced vouchers, roll-forward, trial balance ...) were skipped: fix the file errors above first",
        "… 1 more error finding(s) of kind invalid_value",
        f"{package}: INVALID — 2 error(s), 0 warning(s)",
    ]


def test_command_on_an_unreadable_package_and_as_json(tmp_path):
    status, output = run_command(tmp_path / "nothing", "--json")
    assert status == 2
    result = json.loads(output)
    assert (result["result"], result["errors"]) == ("unreadable", 1)
    assert result["issues"] == [
        {
            "severity": "error",
            "code": "package_unreadable",
            "location": "nothing",
            "message": "nothing: no such file or folder",
        }
    ]


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["lines.csv", "accounts.csv", "balances.csv", "manifest.json"]),
    edits=st.lists(
        st.tuples(st.integers(0, 3000), st.integers(0, 5), st.binary(max_size=4)), min_size=1, max_size=4
    ),
)
def test_damaged_files_give_clear_errors_never_crashes(name, edits):
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "p"
        shutil.copytree(EXAMPLE, package)
        data = bytearray((package / name).read_bytes())
        for position, cut, inserted in edits:
            position %= len(data) + 1
            data[position : position + cut] = inserted
        (package / name).write_bytes(bytes(data))
        try:
            cpahub_std.read(package, canonical.InMemoryLedger())
        except FormatError as error:
            assert error.location  # every refusal says where
        issues = cpahub_std.validate_package(package)
    assert all(issue.severity in ("error", "warning", "info") for issue in issues)


def test_a_balance_that_does_not_roll_forward_is_an_error_in_a_package(tmp_path):
    package = copy_example(tmp_path)
    tamper(
        package,
        "balances.csv",
        "1001,,,,5000.00,0.00,1200.00,3800.00",
        "1001,,,,5000.00,0.00,1200.00,3900.00",
    )
    [issue] = cpahub_std.validate_package(package)
    assert (issue.severity, issue.code, issue.location) == (
        "error",
        "balance_roll_forward",
        "balances.csv:2",
    )


def test_a_red_ink_amount_keeps_its_side_through_a_round_trip(tmp_path):
    """红字冲销: a negative debit stays a negative debit in the standard (not moved to credit)."""
    import polars as pl

    from cpahub.ledgers import canonical
    from cpahub.ledgers.formats import cpahub_std

    ledger = canonical.InMemoryLedger()
    ledger.put("entity", pl.DataFrame({"name": ["红字单位"], "currency": ["CNY"], "fiscal_year": [2024]}))
    ledger.put("accounts", pl.DataFrame({"code": ["1001", "6001"], "name": ["库存现金", "主营业务收入"]}))
    lines = pl.DataFrame(
        {
            "fiscal_year": [2024, 2024],
            "period": [1, 1],
            "voucher_type": ["记", "记"],
            "voucher_number": ["9", "9"],
            "voucher_date": ["2024-01-31", "2024-01-31"],
            "line_number": [1, 2],
            "account_code": ["1001", "6001"],
            "debit": ["-100.00", "0"],
            "credit": ["0", "-100.00"],
        }
    ).with_columns(pl.col("voucher_date").str.to_date())
    ledger.put_lines(lines)
    cpahub_std.write(ledger, tmp_path / "pkg")
    again = canonical.InMemoryLedger()
    cpahub_std.read(tmp_path / "pkg", again)
    got = again.table("lines").select("account_code", "debit", "credit").rows()
    assert [(code, str(d), str(c)) for code, d, c in got] == [
        ("1001", "-100.00", "0.00"),
        ("6001", "0.00", "-100.00"),
    ]
    assert [i for i in again.issues if i.data.get("column") in ("debit", "credit")] == []


def test_a_header_that_is_not_a_csv_record_is_a_clear_error(tmp_path):
    """Found by hypothesis: a header line holding only a quote character."""
    from cpahub.ledgers.formats.cpahub_std_validate import Problems, _read_header

    path = tmp_path / "accounts.csv"
    path.write_bytes(b'"\n')
    problems = Problems(strict=False)
    assert _read_header(path, "accounts.csv", problems) is None
    assert [(i.code, i.location) for i in problems.issues] == [("header", "accounts.csv:1")]
    assert "not a valid CSV record" in problems.issues[0].message
    with pytest.raises(FormatError, match="not a valid CSV record"):
        _read_header(path, "accounts.csv", Problems(strict=True))
