"""Browser journey: an auditor makes a mapping profile from a sample export (GB18030 CSV), corrects a
column, saves it, imports the export with it and sees the snapshot accepted; the editor on a phone."""

import re

import pytest

from cpahub.accounts.choices import Role
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile
from cpahub.ledgers.tests.profiledata import JOURNAL, JOURNAL_COLUMNS
from cpahub.testing.browser import login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def csv_file(name: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": JOURNAL.encode("gb18030")}


def preview_text(page) -> str:
    return page.get_by_test_id("preview-table").inner_text()


def test_make_a_profile_from_a_sample_and_import_with_it(page, live_server, firm, make_user):
    auditor = make_user(Role.STAFF_AUDITOR, firm.organisation)
    login_as(page, live_server, auditor)
    page.set_default_timeout(45000)  # the first page loads every format module; CI machines are busy

    page.goto(f"{live_server.url}/ledgers/upload/")
    page.get_by_test_id("make-profile-link").click()
    page.wait_for_url(re.compile(r"/ledgers/profiles/sample/$"))
    page.select_option("select[name=kind]", "lines")
    page.set_input_files("input[name=file]", csv_file("某软件序时账.csv"))
    page.get_by_test_id("upload-sample").click()

    page.wait_for_url(re.compile(r"/ledgers/profiles/new/\?"))
    assert page.get_by_test_id("sample-encoding").inner_text() == "GB18030"
    assert page.locator("select[name=map_account_code]").input_value() == "科目编号"
    assert "收到货款" in preview_text(page)
    # A wrong choice shows at once in the preview (HTMX), and is put right.
    page.select_option("select[name=map_description]", "备注")
    page.wait_for_function("document.querySelector('[data-testid=preview-table]').innerText.includes('月末')")
    assert "收到货款" not in preview_text(page)
    page.select_option("select[name=map_description]", "摘要")
    page.wait_for_function(
        "document.querySelector('[data-testid=preview-table]').innerText.includes('收到货款')"
    )
    page.fill("input[name=name]", "某软件 序时账")
    page.fill("input[name=software]", "某软件 V5")
    screenshot(page, "ledgers-profile-1-editor")
    page.get_by_test_id("save").click()

    page.wait_for_url(re.compile(r"/ledgers/profiles/\d+/$"))
    profile = MappingProfile.objects.get(name="某软件 序时账")
    assert profile.columns == JOURNAL_COLUMNS
    assert page.get_by_test_id("owner").inner_text() == firm.organisation.name
    screenshot(page, "ledgers-profile-2-detail")

    page.locator(f"a[href='/ledgers/upload/?profile={profile.pk}']").click()
    page.wait_for_url(re.compile(r"/ledgers/upload/\?profile="))
    assert page.locator("select[name=profile]").input_value() == str(profile.pk)
    page.set_input_files("input[name=file]", csv_file("2024年1月序时账.csv"))
    page.locator("form button[type=submit]").last.click()

    page.wait_for_url(re.compile(r"/ledgers/\d+/$"))
    snapshot = LedgerSnapshot.objects.get()
    page.wait_for_function("!document.querySelector('[hx-trigger=\"every 2s\"]')")
    snapshot.refresh_from_db()
    assert snapshot.status in (SnapshotStatus.ACCEPTED, SnapshotStatus.ACCEPTED_WITH_WARNINGS), (
        snapshot.message
    )
    assert page.get_by_test_id("line-count").inner_text() == "4"
    assert "1500.00" in page.get_by_test_id("total-debit").inner_text()
    screenshot(page, "ledgers-profile-3-snapshot")


def test_the_editor_fits_a_phone(phone_page, live_server, firm, make_user):
    auditor = make_user(Role.STAFF_AUDITOR, firm.organisation)
    login_as(phone_page, live_server, auditor)
    phone_page.goto(f"{live_server.url}/ledgers/profiles/sample/")
    phone_page.set_input_files("input[name=file]", csv_file("序时账.csv"))
    phone_page.get_by_test_id("upload-sample").click()
    phone_page.wait_for_url(re.compile(r"/ledgers/profiles/new/\?"))
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert phone_page.get_by_test_id("preview-table").is_visible()
    screenshot(phone_page, "ledgers-profile-phone-editor")
