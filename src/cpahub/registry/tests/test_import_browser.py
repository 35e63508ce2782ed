"""Browser journey: upload a CSV with a bad row, read the error, download the report, fix, import."""

import re

import pytest

from cpahub.registry.models import CPA, CPAEvent
from cpahub.testing.browser import login_as, screenshot

# Until the project's urls.py includes the import pages, this module mounts them itself.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def csv_upload(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("gb18030")}


def test_import_with_an_error_report_then_a_fixed_file(page, live_server, world, tmp_path):
    a, b = world.firms["A"], world.firms["B"]
    moving = world.cpas["A"]
    header = "证书编号,姓名,所在事务所,状态,性别"
    rows = [
        f"360199000001,钱一,{a.organisation.name},执业,男",
        f"360199000002,孙二,{b.organisation.credit_code},执业,女",
        f"{moving.certificate_no},{moving.name},{b.organisation.name},执业,女",
    ]
    bad = "\n".join([header, rows[0], "360199000002,孙二,丙会计师事务所,执业,女", rows[2]])
    login_as(page, live_server, world.users["assoc_staff"])

    page.goto(f"{live_server.url}/registry/import/")
    page.select_option("select[name=kind]", "cpa")
    page.set_input_files("input[name=file]", csv_upload("注册会计师.csv", bad))
    screenshot(page, "import-1-upload")
    page.get_by_role("button", name=re.compile("Upload|上传")).click()

    page.wait_for_url(re.compile(r"/registry/import/[0-9a-f-]{36}/$"))
    assert page.get_by_test_id("encoding").inner_text().endswith("GB18030")
    assert page.get_by_test_id("preview").get_by_text("丙会计师事务所").is_visible()
    screenshot(page, "import-2-preview")
    page.get_by_test_id("check").click()

    page.wait_for_url(re.compile(r"/errors/$"))
    errors = page.get_by_test_id("errors")
    assert errors.locator("tbody tr").count() == 1
    assert errors.locator("tbody tr td").first.inner_text() == "3"
    assert "丙会计师事务所" in errors.inner_text()
    screenshot(page, "import-3-errors")
    with page.expect_download() as download_info:
        page.get_by_test_id("report-csv").click()
    report = tmp_path / "report.csv"
    download_info.value.save_as(report)
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("3,所在事务所,丙会计师事务所,")
    assert not CPA.objects.filter(certificate_no__startswith="360199").exists()

    page.get_by_test_id("upload-again").click()
    page.select_option("select[name=kind]", "cpa")
    page.set_input_files("input[name=file]", csv_upload("注册会计师-改.csv", "\n".join([header, *rows])))
    page.get_by_role("button", name=re.compile("Upload|上传")).click()
    page.wait_for_url(re.compile(r"/registry/import/[0-9a-f-]{36}/$"))
    page.get_by_test_id("check").click()

    page.wait_for_url(re.compile(r"/confirm/$"))
    assert page.get_by_test_id("created").inner_text() == "2"
    assert page.get_by_test_id("updated").inner_text() == "1"
    assert "乙会计师事务所" in page.get_by_test_id("changes").inner_text()
    screenshot(page, "import-4-confirm")
    page.get_by_test_id("apply").click()

    page.wait_for_url(re.compile(r"/done/$"))
    assert page.get_by_test_id("done").is_visible()
    screenshot(page, "import-5-done")
    assert sorted(CPA.objects.filter(certificate_no__startswith="360199").values_list("name", flat=True)) == [
        "孙二",
        "钱一",
    ]
    moving.refresh_from_db()
    assert moving.firm == b
    assert CPAEvent.objects.filter(cpa=moving, kind="moved").count() == 1


def test_import_pages_on_a_phone(phone_page, live_server, world):
    login_as(phone_page, live_server, world.users["city_nc"])
    phone_page.goto(f"{live_server.url}/registry/import/")
    screenshot(phone_page, "import-phone-upload")
    text = f"No.;Who;Where\n360199000003;吴三;{world.firms['A'].organisation.name}\n"
    phone_page.set_input_files("input[name=file]", csv_upload("other.csv", text))
    phone_page.select_option("select[name=kind]", "cpa")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"/registry/import/[0-9a-f-]{36}/$"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    phone_page.select_option("select[name=col_0]", "certificate_no")
    phone_page.select_option("select[name=col_1]", "name")
    phone_page.select_option("select[name=col_2]", "firm")
    screenshot(phone_page, "import-phone-mapping")
    phone_page.get_by_test_id("check").click()
    phone_page.wait_for_url(re.compile(r"/confirm/$"))
    phone_page.get_by_test_id("apply").click()
    phone_page.wait_for_url(re.compile(r"/done/$"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "import-phone-done")
    assert CPA.objects.get(certificate_no="360199000003").firm == world.firms["A"]


def test_export_page(page, live_server, world):
    login_as(page, live_server, world.users["assoc_staff"])
    page.goto(f"{live_server.url}/registry/import/export/")
    page.select_option("select[name=kind]", "firm")
    page.select_option("select[name=format]", "csv")
    screenshot(page, "import-export")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Download|下载")).click()
    assert download_info.value.suggested_filename.startswith("firms-")
