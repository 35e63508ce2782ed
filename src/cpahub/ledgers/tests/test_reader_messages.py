"""The readers' findings and refusals are shown in the user's language, like the checks' findings:
stable codes, English templates in one registry, data that fills them, Chinese translations."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from cpahub.accounts.choices import Role
from cpahub.ledgers import formats, services
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.formats import FormatError, ads, gbt24589, saft
from cpahub.ledgers.formats import messages as registry
from cpahub.ledgers.models import SnapshotIssue
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.ledgers.validation import MESSAGES, render_error, render_message
from cpahub.ledgers.views import status_message

SAFT = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / "example-999999999-2016.xml"
FORMATS_DIR = Path(formats.__file__).parent
HAN = re.compile(r"[\u4e00-\u9fff]")
# Template words that are names, not English (file and element names of the standards).
NOT_ENGLISH = re.compile(
    r"\{[^}]*\}|\b\w+\.(?:json|csv|xml)\b|\b[A-Za-z_]*_[A-Za-z_]*\b|\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b"
)


def placeholders(template: str) -> set[str]:
    return {
        field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field
    }


def sample_data(template: str) -> dict:
    """A value for every placeholder, numeric where the format spec needs a number."""
    data = {}
    for _, field, spec, _ in string.Formatter().parse(template):
        if field:
            kind = spec[-1:] if spec else ""
            data[field] = 1 if kind in "d," and kind else 1.5 if kind in "fe%" and kind else "x"
    return data


# --- the registry ---------------------------------------------------------------------------------


def test_every_template_has_a_chinese_translation_with_the_same_placeholders():
    assert len(MESSAGES) > 250  # checks' and readers' templates in one registry
    untranslated, mismatched = [], []
    with translation.override("zh-hans"):
        for key, template in MESSAGES.items():
            chinese = translation.gettext(template)
            if placeholders(chinese) != placeholders(template):
                mismatched.append(key)
            words = NOT_ENGLISH.sub("", template)
            if re.search(r"[a-z]{3,}", words) and not HAN.search(chinese):
                untranslated.append(key)
            data = sample_data(template)
            assert template.format(**data)
            assert chinese.format(**data)
    assert untranslated == []
    assert mismatched == []


def test_every_code_the_readers_use_has_a_template():
    """Walk the readers' source: each literal code and variant they pass has its template."""
    sources = {p: p.read_text() for p in FORMATS_DIR.rglob("*.py") if p.name != "messages.py"}
    codes, variants = set(), set()
    call = re.compile(
        r"(?:make_issue|FormatError\.of|\.report|problems\.add|\.fatal|report_where|report_values)\(\s*"
        r'(?:[^()"]*?,\s*)?(?:"(?:error|warning|info)",\s*)?"([a-z0-9_]+)"'
    )
    for path, text in sources.items():
        if path.name.endswith("_write.py"):
            continue  # writers report export losses, not reader findings
        codes |= set(call.findall(text))
        variants |= set(re.findall(r'variant="([a-z0-9_]+)"(?!\.)', text))
    bases = {key.split(":")[0] for key in MESSAGES}
    suffixes = {key.split(":")[1] for key in MESSAGES if ":" in key}
    assert {"periods_assumed_calendar", "file_read", "unknown_format", "xml_doctype", "bad_values"} <= codes
    assert sorted(codes - bases) == []
    assert sorted(variants - suffixes) == []
    # codes made from names: CellParser's kinds of number, zip refusal reasons, FormatError variants
    for what in ("amount", "rate", "quantity"):
        assert f"{what}_rounded" in MESSAGES
        assert f"bad_values:too_large_{what}" in MESSAGES
    textio_and_readers = "".join(sources.values())
    for what in set(re.findall(r'what="([a-z_]+)"', textio_and_readers)) | {"integer"}:
        if what not in ("amount", "rate", "quantity"):
            assert f"bad_values:not_{what}" in MESSAGES, what
    for reason in ("damaged", "members", "ratio", "total", "overflow"):
        assert f"archive_{reason}" in MESSAGES


def test_make_issue_keeps_the_english_text_and_refuses_missing_data():
    issue = registry.make_issue("info", "sources_listed", "s.txt", name="s.txt", count=3)
    assert issue.message == "s.txt: 3 sources listed (the lines keep the source code)"
    assert issue.data == {"name": "s.txt", "count": 3}
    with pytest.raises(KeyError):
        registry.make_issue("info", "sources_listed", "s.txt", name="s.txt")
    with pytest.raises(ValueError, match="registered twice"):
        registry.register({"sources_listed": "again"})


# --- real reads ------------------------------------------------------------------------------------


def rendered(issue) -> tuple[str, str]:
    with translation.override("zh-hans"):
        chinese = render_message(issue)
    with translation.override("en"):
        english = render_message(issue)
    return chinese, english


def test_saft_example_findings_render_in_chinese_and_english():
    ledger = InMemoryLedger()
    saft.read(SAFT, ledger)
    [calendar] = [i for i in ledger.issues if i.code == "periods_assumed_calendar"]
    chinese, english = rendered(calendar)
    assert (
        english
        == calendar.message
        == ("SAF-T names periods by number only; their dates are taken as calendar months")
    )
    assert chinese == "SAF-T 只以编号标识会计期间；各期间的起止日期按自然月确定"
    for issue in ledger.issues:  # every finding of the read has a fitting template
        chinese, english = rendered(issue)
        assert english == issue.message
        assert HAN.search(chinese), issue.code


ADS_HEADER = (
    "Journal_ID|Journal_ID_Line_Number|Effective_Date|GL_Account_Number|Amount|Amount_Credit_Debit_Indicator"
)


def write_gl(tmp_path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "GL_Detail_20240101_20241231.txt"
    path.write_bytes(("\n".join([ADS_HEADER, *rows]) + "\n").encode(encoding))
    return path


def test_gb18030_ads_file_findings_render_in_chinese(tmp_path):
    path = write_gl(
        tmp_path,
        [
            "记-1|1|2024-01-05|1001|100.005|D",  # three decimals: rounded, reported
            "记-1|2|2024-01-05|6001|100.01|C",
            "记-2|1|00000000|1001|5.00|D",  # placeholder date
            "记-2|2|2024-01-06|6001|5.00|C",
        ],
        encoding="gb18030",
    )
    ledger = InMemoryLedger()
    ads.read(path, ledger)
    found = {i.code: i for i in ledger.issues}
    assert found["file_read"].data["encoding"] == "GB18030"
    assert rendered(found["file_read"]) == (
        "GL_Detail_20240101_20241231.txt：gl detail 文件，GB18030 编码，以 pipe 分隔",
        "GL_Detail_20240101_20241231.txt: gl detail file, GB18030, pipe-delimited",
    )
    assert rendered(found["amount_rounded"]) == (
        "Amount：小数超过 2 位；已四舍五入保留 2 位（1 个值，第 2 行）",
        "Amount: more than 2 decimals; rounded half up to 2 (1 value(s), lines 2)",
    )
    chinese, english = rendered(found["placeholder_date"])
    assert chinese.startswith("Effective_Date：占位日期（如 00000000、1900-01-01、9999-12-31）按空值读取")
    assert english == found["placeholder_date"].message
    assert {"fiscal_year_derived", "period_derived"} <= set(found)


def test_xml_read_as_gb18030_is_reported_in_chinese(tmp_path):
    path = tmp_path / "总账.xml"
    body = '<总账 xmlns="http://www.example.com/none"><电子账簿><会计年度>2024</会计年度></电子账簿></总账>'
    path.write_bytes(body.encode("gb18030"))  # no declaration, not UTF-8
    ledger = InMemoryLedger()
    gbt24589.read(path, ledger)
    found = {i.code: i for i in ledger.issues}
    chinese, english = rendered(found["encoding_assumed"])
    assert english.startswith("the file has no XML declaration and is not UTF-8")
    assert chinese.startswith("文件没有 XML 声明且不是 UTF-8 编码")
    assert HAN.search(rendered(found["unexpected_namespace"])[0])


# --- refusals --------------------------------------------------------------------------------------


def test_ambiguous_dates_refusal_renders_in_chinese(tmp_path):
    path = write_gl(tmp_path, ["J1|1|01/02/2024|1001|5.00|D", "J1|2|03/04/2024|6001|5.00|C"])
    with pytest.raises(FormatError) as raised:
        ads.read(path, InMemoryLedger())
    error = raised.value
    assert (error.code, error.location, error.data) == (
        "date_style_ambiguous",
        "GL_Detail_20240101_20241231.txt",
        {"column": "Effective_Date"},
    )
    assert str(error) == (
        "GL_Detail_20240101_20241231.txt: Effective_Date: the dates could be day/month/year or month/day/year "
        "and no value says which; name the style (option date_format: dmy or mdy)"
    )
    with translation.override("zh-hans"):
        assert render_error(error) == (
            "GL_Detail_20240101_20241231.txt: Effective_Date：日期既可能是 日/月/年 也可能是 月/日/年，且没有值能"
            "判定；请指定日期格式（选项 date_format：dmy 或 mdy）"
        )
    with translation.override("en"):
        assert render_error(error) == str(error)


def test_refusals_with_only_a_message_still_work():
    error = FormatError("something odd", "f.txt:3")
    assert (str(error), error.code, error.data, error.location) == (
        "f.txt:3: something odd",
        "",
        {},
        "f.txt:3",
    )
    with translation.override("zh-hans"):
        assert render_error(error) == "f.txt:3: something odd"
        assert render_error(ValueError("plain")) == "plain"


def test_unknown_format_and_zip_bomb_refusals_translate(tmp_path):
    with pytest.raises(FormatError) as raised:
        formats.get("nope")
    with translation.override("zh-hans"):
        assert (
            render_error(raised.value)
            == "未知格式 'nope'；已知格式：cpahub, saft, gbt24589, gbt19581, ads, tabular"
        )

    class Refused:
        reason, member, ratio, size, limit = "ratio", "a.txt", 5000, 50 * 1024 * 1024, 0

    error = formats.archive_refusal(Refused, "bomb.zip")
    assert (
        str(error)
        == "bomb.zip: refused: a.txt would expand 5000 times, to 50.0 MB (this is how zip bombs look)"
    )
    with translation.override("zh-hans"):
        assert (
            render_error(error)
            == "bomb.zip: 已拒绝：a.txt 解压后将膨胀 5000 倍，达 50.0 MB（这是 zip 炸弹的特征）"
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("storage")
def test_a_refused_import_is_explained_in_the_users_language(firm, make_user, tmp_path):
    auditor = make_user(Role.STAFF_AUDITOR, firm.organisation)
    path = write_gl(tmp_path, ["J1|1|01/02/2024|1001|5.00|D", "J1|2|03/04/2024|6001|5.00|C"])
    snapshot = services.import_ledger(auditor, path, format="ads")
    assert snapshot.status == SnapshotStatus.REFUSED
    [issue] = SnapshotIssue.objects.filter(snapshot=snapshot)
    assert issue.data["cause"] == {
        "code": "date_style_ambiguous",
        "location": "GL_Detail_20240101_20241231.txt",
        "data": {"column": "Effective_Date"},
    }
    assert snapshot.message.startswith(
        "The file could not be read: GL_Detail_20240101_20241231.txt: Effective_Date"
    )
    with translation.override("zh-hans"):
        chinese = render_message(issue)
        assert chinese.startswith(
            "无法读取该文件：GL_Detail_20240101_20241231.txt: Effective_Date：日期既可能是"
        )
        assert status_message(snapshot) == chinese
    with translation.override("en"):
        assert render_message(issue) == issue.message == snapshot.message
        assert status_message(snapshot) == snapshot.message
