"""The mapping-profile editor: a profile made from a sample export (UTF-8, GB18030, Excel), its
errors, the HTMX refresh, changing a profile, and importing a file with the profile made."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
import xlsxwriter
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cpahub.accounts.choices import Role
from cpahub.core.models import ObjectChange
from cpahub.ledgers import profile_samples
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile
from cpahub.ledgers.tests.ledgerdata import storage  # noqa: F401 - fixture
from cpahub.ledgers.tests.profiledata import JOURNAL, JOURNAL_COLUMNS, firm_profile, journal_upload
from cpahub.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


@pytest.fixture
def auditor(client, firm, make_user):
    user = make_user(Role.STAFF_AUDITOR, firm.organisation)
    factories.login_verified(client, user)
    return user


def upload_sample(client, upload, kind="lines"):
    response = client.post(reverse("ledgers:profile_sample"), {"kind": kind, "file": upload})
    assert response.status_code == 302, response.context["form"].errors
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["kind"] == [kind]
    return response["Location"], query["sample"][0]


def form_data(page_context) -> dict:
    """What the browser would post back: the editor's initial values."""
    from cpahub.ledgers.forms_profiles import as_data

    return as_data(page_context["form"])


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-8-sig"])
def test_profile_from_a_sample_proposes_the_mapping_and_previews(client, auditor, encoding):
    url, token = upload_sample(client, journal_upload(encoding))
    page = client.get(url)
    assert page.status_code == 200
    info = page.context["sample_info"]
    assert info["header_row"] == 2
    assert info["encoding"] == {"utf-8": "UTF-8", "gb18030": "GB18030", "utf-8-sig": "UTF-8 (BOM)"}[encoding]
    preview = page.context["preview"]
    assert preview.ok, (preview.error, preview.missing)
    assert [row[0] for row in preview.rows] == ["3", "4", "5", "6"]
    table = page.content.decode().split('data-testid="preview-table"')[1].split("</table>")[0]
    assert "收到货款" in table and "1000.00" in table and "应付职工薪酬" not in table  # names are not lines

    data = form_data(page.context) | {"name": "某软件 序时账", "software": "某软件 V5", "action": "save"}
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["form"].errors
    profile = MappingProfile.objects.get(name="某软件 序时账")
    assert saved["Location"] == profile.get_absolute_url()
    assert profile.columns == JOURNAL_COLUMNS
    assert profile.options == {}
    assert profile.organisation == auditor.memberships.get().organisation
    assert not profile.shared and not profile.builtin and profile.created_by == auditor
    assert profile_samples.get_sample(client, token) is None  # the sample is gone with the save
    assert not default_storage.listdir(profile_samples.PREFIX)[1]
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(profile), object_id=str(profile.pk), action="create"
    )
    assert change.user == auditor and change.owner_id == profile.organisation_id


def test_proposal_is_a_field_per_sample_column(client, auditor):
    url, _token = upload_sample(client, journal_upload())
    initial = client.get(url).context["form"].initial
    assert {k[4:]: v for k, v in initial.items() if k.startswith("map_")} == {
        f: h for h, f in JOURNAL_COLUMNS.items() if f != "ignore"
    }


def test_excel_sample(client, auditor, tmp_path):
    path = tmp_path / "余额表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("科目余额表")
    rows = [
        ["科目余额表"],
        ["科目编码", "科目名称", "期初余额", None, "本期发生", None, "期末余额", None],
        [None, None, "借方", "贷方", "借方", "贷方", "借方", "贷方"],
        ["1002", "银行存款", 100.5, None, 50, 20, 130.5, None],
        ["2202", "应付账款", None, 40, None, 30, None, 70],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    url, _token = upload_sample(client, upload, kind="balances")
    page = client.get(url)
    info = page.context["sample_info"]
    assert (info["header_row"], info["header_rows"], info["encoding"]) == (2, 2, "")
    initial = page.context["form"].initial
    assert initial["map_opening_debit"] == "期初余额借方"
    assert initial["map_closing_credit"] == "期末余额贷方"
    assert initial["header_rows"] == "2"
    data = form_data(page.context) | {"name": "Excel TB", "action": "save"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    profile = MappingProfile.objects.get(name="Excel TB")
    assert profile.options == {"header_rows": 2}
    assert profile.columns["期初余额借方"] == "opening_debit"


def test_missing_required_columns_and_a_column_used_twice_are_form_errors(client, auditor):
    url, _token = upload_sample(client, journal_upload())
    data = form_data(client.get(url).context) | {"name": "Broken", "action": "save"}
    data["map_account_code"] = ""
    data["map_debit"] = "借方本币"
    data["map_credit"] = "借方本币"
    response = client.post(url, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["map_account_code"] == ["Required: choose the column."]
    assert form.errors["map_credit"] == ["借方本币 is already mapped to Debit."]
    assert not MappingProfile.objects.filter(name="Broken").exists()

    data = form_data(client.get(url).context) | {"name": "Broken", "action": "save"}
    data["map_debit"] = data["map_credit"] = ""
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Map a column for: Debit and Credit, or Amount (one column)."
    ]
    assert "Map a column for: Debit and Credit, or Amount (one column)." in response.content.decode()


def test_name_is_unique_in_the_firm(client, auditor, firm):
    firm_profile(
        firm.organisation,
        "某软件 序时账",
        kind="balances",
        columns={"科目": "account_code", "期末": "closing"},
    )
    url, _token = upload_sample(client, journal_upload())
    data = form_data(client.get(url).context) | {"name": "某软件 序时账", "action": "save"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Your firm already has a profile called 某软件 序时账."
    ]


def test_a_wrong_option_is_shown_at_the_option(client, auditor):
    url, _token = upload_sample(client, journal_upload())
    data = form_data(client.get(url).context) | {"name": "P", "action": "save"}
    data["amount"] = "direction"  # needs an amount and a direction column
    data["voucher_pattern"] = "^(?P<type>\\D+)"
    response = client.post(url, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["amount"] == [
        "This way of writing amounts needs the columns Amount (one column) and Debit/credit indicator."
    ]
    assert errors["voucher_pattern"] == ["The expression needs the groups (?P<type>…) and (?P<number>…)."]


def test_htmx_refresh_reproposes_after_the_header_row_changes(client, auditor):
    url, _token = upload_sample(client, journal_upload())
    data = form_data(client.get(url).context) | {"action": "refresh", "header_row": "1"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.templates[0].name == "ledgers/includes/profile_editor.html"
    assert response.context["sample_info"]["header_row"] == 1
    # the title row has no known header: every mapped column is gone, and the preview says so
    assert response.context["form"]["map_account_code"].value() == ""
    assert "Map the required columns to see the preview." in response.content.decode()

    data["header_row"] = ""
    data["map_description"] = "备注"  # a change of a select: kept, and the preview follows it
    response = client.post(
        url, data | {"headers_seen": response.context["form"]["headers_seen"].value()}, HTTP_HX_REQUEST="true"
    )
    assert response.context["form"]["map_description"].value() == "备注"
    preview = response.context["preview"]
    assert preview.ok
    column = preview.columns.index("description") + 1
    assert [row[column] for row in preview.rows] == ["", "", "月末", ""]


def test_preview_shows_why_the_file_cannot_be_read(client, auditor):
    url, _token = upload_sample(client, journal_upload())
    data = form_data(client.get(url).context) | {"action": "preview", "map_voucher_date": "摘要"}
    data["map_description"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    assert "not a date in the column" in response.context["preview"].error
    assert 'data-testid="preview-error"' in response.content.decode()


def test_sample_that_is_not_a_table_is_refused(client, auditor):
    upload = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    response = client.post(reverse("ledgers:profile_sample"), {"kind": "lines", "file": upload})
    assert response.status_code == 400
    assert "This file cannot be read: " in response.context["form"].errors["file"][0]
    assert (
        not default_storage.exists(profile_samples.PREFIX)
        or not default_storage.listdir(profile_samples.PREFIX)[1]
    )


def test_create_without_a_sample_goes_to_the_sample_page(client, auditor):
    response = client.get(reverse("ledgers:profile_create"), {"kind": "balances"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:profile_sample") + "?kind=balances"


def test_another_sessions_sample_is_not_found(client, auditor, firm, make_user):
    url, _token = upload_sample(client, journal_upload())
    other = make_user(Role.STAFF_AUDITOR, firm.organisation)
    client.logout()
    factories.login_verified(client, other)
    assert client.get(url).status_code == 302  # no such sample for this session: back to step 1


def test_cancel_discards_the_sample(client, auditor):
    url, token = upload_sample(client, journal_upload())
    response = client.post(url, {"action": "cancel", "sample": token})
    assert response.status_code == 302
    assert not default_storage.listdir(profile_samples.PREFIX)[1]


def test_stale_samples_are_cleaned_up(client, auditor):
    upload_sample(client, journal_upload())
    assert profile_samples.cleanup_stale_samples() == 0
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    assert profile_samples.cleanup_stale_samples(now=later) == 1


def test_edit_keeps_other_spellings_and_maps_a_new_sample(client, auditor, firm):
    profile = firm_profile(firm.organisation, columns=JOURNAL_COLUMNS | {"制单日期": "voucher_date"})
    url = reverse("ledgers:profile_edit", args=[profile.pk])
    page = client.get(url)
    assert page.context["form"].initial["alt_voucher_date"] == "制单日期"
    assert page.context["preview"] is None
    data = form_data(page.context) | {"action": "save", "skip_totals": ""}
    assert client.post(url, data).status_code == 302
    profile.refresh_from_db()
    assert profile.columns == JOURNAL_COLUMNS | {"制单日期": "voucher_date"}
    assert profile.options == {"skip_totals": False}

    other = JOURNAL.replace("备注", "附件数").replace("月末", "2")
    response = client.post(
        reverse("ledgers:profile_sample") + f"?profile={profile.pk}",
        {"kind": "lines", "file": SimpleUploadedFile("v6.csv", other.encode("gb18030"))},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(url + "?sample=")
    page = client.get(response["Location"])
    assert page.context["form"].initial["map_attachments"] == "附件数"
    assert page.context["preview"].ok


def test_profile_made_from_a_sample_imports_the_export(client, auditor, django_capture_on_commit_callbacks):
    url, _token = upload_sample(client, journal_upload("gb18030"))
    data = form_data(client.get(url).context) | {"name": "某软件 序时账", "action": "save"}
    assert client.post(url, data).status_code == 302
    profile = MappingProfile.objects.get(name="某软件 序时账")
    upload_page = client.get(reverse("ledgers:upload"), {"profile": profile.pk})
    assert upload_page.context["form"]["profile"].value() == str(profile.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ledgers:upload"),
            {"file": journal_upload("gb18030", "2024年1月序时账.csv"), "format": "", "profile": profile.pk},
        )
    assert response.status_code == 302
    snapshot = LedgerSnapshot.objects.get()
    assert snapshot.status in (SnapshotStatus.ACCEPTED, SnapshotStatus.ACCEPTED_WITH_WARNINGS), (
        snapshot.message
    )
    assert snapshot.source_format == "tabular"
    assert snapshot.line_count == 4
    assert str(snapshot.total_debit) == "1500.00"
    assert snapshot.options["profile"] == str(profile.pk)
    assert snapshot.options["profiles"][0]["columns"] == JOURNAL_COLUMNS
    # the profile can go: the snapshot keeps its copy
    client.post(reverse("ledgers:profile_delete", args=[profile.pk]))
    assert not MappingProfile.objects.filter(pk=profile.pk).exists()
    snapshot.refresh_from_db()
    assert snapshot.options["profiles"][0]["name"] == "某软件 序时账"


def test_a_profile_only_reads_tabular_files(client, auditor, firm):
    profile = firm_profile(firm.organisation)
    response = client.post(
        reverse("ledgers:upload"), {"file": journal_upload(), "format": "saft", "profile": profile.pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["profile"] == [
        "A mapping profile reads CSV or Excel exports: choose that format, or none."
    ]
    assert LedgerSnapshot.objects.count() == 0


def test_the_editor_in_chinese(client, auditor, settings):
    url, _token = upload_sample(client, journal_upload("gb18030"))
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override(None):
        text = client.get(url, HTTP_ACCEPT_LANGUAGE="").content.decode()
        assert 'lang="zh-hans"' in text
        assert "预览：导入时读取的前几行" in text
        assert "— 文件中没有 —" in text
        assert "借贷方向" in text  # a field's label
        listing = client.get(reverse("ledgers:profile_list"), HTTP_ACCEPT_LANGUAGE="").content.decode()
        assert "用样例文件制作映射方案" in listing


def test_a_sample_spelling_a_header_differently_keeps_the_mapping(client, auditor, firm):
    columns = {("科目（编号）" if h == "科目编号" else h): f for h, f in JOURNAL_COLUMNS.items()}
    profile = firm_profile(firm.organisation, columns=columns)
    response = client.post(
        reverse("ledgers:profile_sample") + f"?profile={profile.pk}",
        {"kind": "lines", "file": journal_upload()},
    )
    page = client.get(response["Location"])
    assert page.context["form"].initial["map_account_code"] == "科目编号"  # the same key: (, ) do not count
    data = form_data(page.context) | {"action": "save"}
    assert client.post(response["Location"], data).status_code == 302
    profile.refresh_from_db()
    assert profile.columns == JOURNAL_COLUMNS
