"""Readers and normalisers: encodings, delimiters, workbooks, and the guards against bad files."""

import codecs
import datetime
import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cpahub.registry.importing import normalise, readers
from cpahub.registry.importing.layouts import CPA_LAYOUT, FIRM_LAYOUT
from cpahub.registry.importing.readers import ReadError


@pytest.fixture(autouse=True)
def english(settings):
    """The tests compare English texts; the Chinese catalogue would change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


HEADER = "证书编号,姓名,所在事务所,状态"
ROW = "360100000001,张三,测试会计师事务所（特殊普通合伙）,执业"


def table(data: bytes, **kwargs):
    return readers.make_table(readers.read(data, **kwargs), score=CPA_LAYOUT.score)


def xlsx(rows, sheet="Sheet1", formats=None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                worksheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
            elif value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


# --- CSV ------------------------------------------------------------------------------------


def test_utf8_csv():
    t = table(f"{HEADER}\n{ROW}\n".encode())
    assert (t.format, t.encoding, t.delimiter_name, t.header_row) == ("csv", "UTF-8", "comma", 1)
    assert t.headers == ["证书编号", "姓名", "所在事务所", "状态"]
    assert [(r.number, r.cells) for r in t.rows] == [
        (2, ["360100000001", "张三", "测试会计师事务所（特殊普通合伙）", "执业"])
    ]


def test_utf8_bom_csv():
    t = table(codecs.BOM_UTF8 + f"{HEADER}\r\n{ROW}\r\n".encode())
    assert t.encoding == "UTF-8 (BOM)"
    assert t.headers[0] == "证书编号"  # the BOM is not part of the first header


def test_gb18030_csv():
    t = table(f"{HEADER}\n{ROW}\n".encode("gb18030"))
    assert t.encoding == "GB18030"
    assert t.rows[0].cells[2] == "测试会计师事务所（特殊普通合伙）"


def test_gbk_text_with_rare_character_is_read_as_gb18030():
    t = table("证书编号,姓名\n360100000002,王䶮\n".encode("gb18030"))
    assert t.rows[0].cells[1] == "王䶮"


def test_utf16_csv_as_excel_saves_unicode_text():
    t = table(f"{HEADER}\n{ROW}\n".replace(",", "\t").encode("utf-16"))
    assert (t.encoding, t.delimiter_name) == ("UTF-16", "tab")
    assert t.rows[0].cells[1] == "张三"


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe"), (",", "comma")]
)
def test_delimiters_are_sniffed(delimiter, name):
    text = f"{HEADER}\n{ROW}\n360100000003,李四,乙所,非执业\n".replace(",", delimiter)
    t = table(text.encode())
    assert t.delimiter_name == name
    assert t.rows[1].cells == ["360100000003", "李四", "乙所", "非执业"]


def test_semicolon_file_with_commas_inside_quotes():
    t = table('证书编号;姓名;所在事务所\n360100000004;"赵,六";"甲所; 南昌"\n'.encode())
    assert t.delimiter_name == "semicolon"
    assert t.rows[0].cells == ["360100000004", "赵,六", "甲所; 南昌"]


def test_undecodable_bytes_are_refused_with_the_offset():
    data = "证书编号,姓名\n".encode() + b"360100000005,\x81\x20bad\n"
    with pytest.raises(ReadError) as error:
        readers.read(data)
    assert error.value.code == "encoding"
    assert error.value.message == (
        "The file is not readable as UTF-8 / GB18030 text: the byte 0x81 at offset 33 cannot be decoded. "
        "Save the file as CSV UTF-8 and upload it again."
    )


def test_bad_utf8_after_a_bom_is_refused():
    with pytest.raises(ReadError) as error:
        readers.read(codecs.BOM_UTF8 + b"abc,\xff\n")
    assert "offset 4" in error.value.message


def test_binary_file_is_refused():
    with pytest.raises(ReadError) as error:
        readers.read(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    assert error.value.code == "binary"


@pytest.mark.parametrize("data", [b"", b"   \n\n", codecs.BOM_UTF8])
def test_empty_file(data):
    with pytest.raises(ReadError) as error:
        table(data)
    assert (error.value.code, error.value.message) == ("empty", "The file is empty.")


def test_header_only_file():
    with pytest.raises(ReadError) as error:
        table(f"{HEADER}\n".encode())
    assert error.value.code == "no_rows"
    assert error.value.message == "The file has a header row but no data rows; there is nothing to import."


def test_oversized_file(settings):
    settings.CPAHUB_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ReadError) as error:
        readers.read(b"x" * 101)
    assert error.value.code == "too_large"
    assert error.value.message == "The file is 0.0 MB; at most 0.0 MB can be imported."


def test_row_limit(settings):
    settings.CPAHUB_IMPORT_MAX_ROWS = 5
    with pytest.raises(ReadError) as error:
        table((HEADER + "\n" + (ROW + "\n") * 6).encode())
    assert error.value.message == "The file has more than 5 rows. Split it into smaller files."
    assert len(table((HEADER + "\n" + (ROW + "\n") * 5).encode()).rows) == 5


def test_title_row_above_headers_is_skipped_and_rows_keep_their_numbers():
    text = "注册会计师名录（2024年）\n\n" + HEADER + "\n" + ROW + "\n\n" + ROW.replace("张三", "李四") + "\n"
    t = table(text.encode())
    assert t.header_row == 3
    assert [(r.number, r.cells[1]) for r in t.rows] == [(4, "张三"), (6, "李四")]


def test_cells_are_cleaned_but_names_keep_full_width_brackets():
    text = HEADER + "\n\u3000３６０１０００００００６\u200b ,  王五 ,甲所（分所）,'=执业\n"
    t = table(text.encode())
    assert t.rows[0].cells == ["３６０１０００００００６", "王五", "甲所（分所）", "=执业"]
    assert normalise.clean_code(t.rows[0].cells[0]) == "360100000006"


def test_missing_and_duplicate_headers_are_named():
    t = table("证书编号,,姓名,姓名\n1,a,b,c,d\n".encode())
    assert t.headers == ["证书编号", "Column B", "姓名", "姓名 (2)", "Column E"]
    assert t.rows[0].cells == ["1", "a", "b", "c", "d"]


# --- Excel ----------------------------------------------------------------------------------


def test_xlsx_first_sheet_with_dates_and_numbers():
    data = xlsx(
        [
            ["证书编号", "姓名", "出生日期", "取得资格日期", "是否合伙人"],
            [360100000007, "张三", datetime.date(1985, 1, 2), 45292, True],
            [None, None, None, None, None],
            ["360100000008", "李四", "1986/3/4", "2009年9月1日", "否"],
        ]
    )
    t = table(data)
    assert (t.format, t.sheet.sheet, t.sheet.sheets, t.encoding) == ("xlsx", "Sheet1", ["Sheet1"], "")
    assert [(r.number, r.cells) for r in t.rows] == [
        (2, ["360100000007", "张三", datetime.date(1985, 1, 2), "45292", "是"]),
        (4, ["360100000008", "李四", "1986/3/4", "2009年9月1日", "否"]),
    ]
    assert normalise.parse_date(t.rows[0].cells[3]) == datetime.date(2024, 1, 1)


def test_xlsx_named_sheet():
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["这是说明页"])
    sheet = workbook.create_sheet("注册会计师")
    sheet.append(["证书编号", "姓名"])
    sheet.append(["360100000009", "王五"])
    workbook.save(buffer)
    t = table(buffer.getvalue(), sheet="注册会计师")
    assert (t.sheet.sheet, t.sheet.sheets) == ("注册会计师", ["说明", "注册会计师"])
    assert t.rows[0].cells == ["360100000009", "王五"]
    with pytest.raises(ReadError) as error:
        readers.read(buffer.getvalue(), sheet="没有")
    assert error.value.message == "The workbook has no sheet named 没有; its sheets are: 说明, 注册会计师."


def test_a_cover_sheet_without_data_is_passed_over():
    from cpahub.registry.importing.engine import load_table

    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "封面"
    workbook.active.append(["注册会计师名单"])
    sheet = workbook.create_sheet("名单")
    sheet.append(["证书编号", "姓名"])
    sheet.append(["360100000011", "孙七"])
    workbook.save(buffer)
    t = load_table(buffer.getvalue(), "cpa")
    assert (t.sheet.sheet, t.rows[0].cells) == ("名单", ["360100000011", "孙七"])
    with pytest.raises(ReadError) as error:
        load_table(buffer.getvalue(), "cpa", sheet="封面")
    assert error.value.code == "no_rows"


def test_zip_bomb_xlsx_is_refused_before_inflating():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(ReadError) as error:
        readers.read(data)
    assert error.value.code == "zip_bomb"
    assert error.value.message.startswith(
        "The Excel file was refused: its part xl/worksheets/sheet1.xml would expand 1"
    )


def test_zip_declaring_a_huge_total_size_is_refused(settings):
    settings.CPAHUB_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.CPAHUB_IMPORT_MAX_COMPRESSION_RATIO = 10_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    with pytest.raises(ReadError) as error:
        readers.read(buffer.getvalue())
    assert error.value.message == (
        "The Excel file was refused: it would expand to 2.0 MB, more than the 1.0 MB allowed. "
        "Split it into smaller files or save it as CSV."
    )


def test_truncated_xlsx():
    data = xlsx([["证书编号", "姓名"], ["360100000010", "赵六"]])
    with pytest.raises(ReadError) as error:
        readers.read(data[: len(data) // 2])
    assert error.value.code == "damaged"


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ReadError) as error:
        readers.read(buffer.getvalue())
    assert error.value.code == "not_xlsx"


def test_workbook_with_broken_xml():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<workbook")
    with pytest.raises(ReadError) as error:
        readers.read(buffer.getvalue())
    assert error.value.code == "damaged"


def test_old_xls_is_refused():
    with pytest.raises(ReadError) as error:
        readers.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert error.value.code == "xls"


def test_empty_sheet_and_header_only_sheet():
    with pytest.raises(ReadError) as error:
        table(xlsx([]))
    assert error.value.code == "empty"
    with pytest.raises(ReadError) as error:
        table(xlsx([["证书编号", "姓名"]]))
    assert error.value.code == "no_rows"


# --- headers --------------------------------------------------------------------------------


def test_header_matching_folds_width_case_and_remarks():
    assert FIRM_LAYOUT.match_header("统一社会信用代码（18位）") == "credit_code"
    assert FIRM_LAYOUT.match_header("上级事务所（总所）信用代码") == "parent_credit_code"
    assert FIRM_LAYOUT.match_header(" Credit Code ") == "credit_code"
    assert FIRM_LAYOUT.match_header("*事务所名称") == "name"
    assert FIRM_LAYOUT.match_header("备注") is None
    assert CPA_LAYOUT.auto_mapping(["证书编号", "姓名", "证书编号", "备注"]) == [
        "certificate_no",
        "name",
        "",
        "",
    ]


def test_map_option():
    headers = ["编号", "名字", "单位", "备注"]
    assert CPA_LAYOUT.parse_map_option(headers, "编号=certificate_no, 名字=姓名,单位=firm,备注=ignore") == [
        "certificate_no",
        "name",
        "firm",
        "",
    ]
    with pytest.raises(ValueError, match="The file has no column 工号"):
        CPA_LAYOUT.parse_map_option(headers, "工号=certificate_no")
    with pytest.raises(ValueError, match="salary is not a field"):
        CPA_LAYOUT.parse_map_option(headers, "编号=salary")


# --- normalisers (properties) ---------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
dates = st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2099, 12, 31))


@given(dates)
def test_every_date_format_parses_back(day):
    written = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        f"{day:%Y-%m-%d} 00:00:00",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        day.isoformat().translate(FULL_WIDTH),
        f"{day.year}年{day.month}月{day.day}日".translate(FULL_WIDTH),
        day,
        datetime.datetime.combine(day, datetime.time(12, 30)),
    ]
    for value in written:
        assert normalise.parse_date(value) == day


@given(dates)
def test_excel_day_numbers(day):
    serial = (day - datetime.date(1899, 12, 30)).days
    if 10000 <= serial <= 99999:
        assert normalise.parse_date(str(serial)) == day
        assert normalise.parse_date(f"{serial}.0") == day


@given(st.text(alphabet="abcxyz一二", min_size=1, max_size=8))
def test_words_are_not_dates(text):
    with pytest.raises(ValueError, match="Not a date"):
        normalise.parse_date(text)


@given(
    st.integers(min_value=1900, max_value=2099), st.integers(min_value=1, max_value=12), st.integers(32, 99)
)
def test_impossible_days_are_refused(year, month, day):
    with pytest.raises(ValueError, match="is not a valid date"):
        normalise.parse_date(f"{year}-{month:02d}-{day}")


@given(st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_parse_back(number):
    for written in (
        str(number),
        f"{number:,}",
        str(number).translate(FULL_WIDTH),
        f"{number}.0",
        f" {number} ",
    ):
        assert normalise.parse_int(written) == number


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_fractions_are_not_whole_numbers(number):
    with pytest.raises(ValueError, match="Not a whole number"):
        normalise.parse_int(repr(number))


@given(
    st.sampled_from(["是", "Y", "yes", "TRUE", "1", "√", "ｙｅｓ"]),
    st.sampled_from(["否", "N", "no", "False", "0", "×"]),
)
def test_yes_and_no(yes, no):
    assert normalise.parse_bool(yes) is True
    assert normalise.parse_bool(no) is False


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=1, max_size=20))
def test_codes_survive_full_width_and_spaces(code):
    full = code.translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY",
            "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
        )
    )
    assert normalise.clean_code(f"\u3000{full[:3]} {full[3:]}\u3000") == code
