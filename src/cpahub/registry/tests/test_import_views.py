"""The web import and export: upload → preview → check → errors or confirm → apply → summary."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from cpahub.accounts.models import SecurityEvent
from cpahub.registry.importing import uploads
from cpahub.registry.models import CPA, CPAEvent
from cpahub.testing import factories as f

# Until the project's urls.py includes the import pages, these tests mount them themselves.
pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english(settings):
    """The tests compare English texts; the Chinese catalogue would change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


UPLOAD = "/registry/import/"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def csv_file(text: str, name: str = "cpas.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def cpa_csv(world, *rows: str) -> str:
    return "证书编号,姓名,所在事务所,状态\n" + "\n".join(rows) + "\n"


def login(client, world, name="assoc_staff"):
    f.login_verified(client, world.users[name])


def upload(client, kind, file) -> str:
    response = client.post(UPLOAD, {"kind": kind, "file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_upload_page_lists_layouts_and_kinds(client, world):
    login(client, world)
    response = client.get(UPLOAD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "统一社会信用代码" in body and "证书编号" in body and "文号" in body
    assert [value for value, _label in response.context["form"].fields["kind"].choices] == [
        "firm",
        "cpa",
        "penalty",
    ]


def test_city_staff_may_import_firms_and_cpas_but_not_penalties(client, world):
    login(client, world, "city_nc")
    response = client.get(UPLOAD)
    assert [value for value, _label in response.context["form"].fields["kind"].choices] == ["firm", "cpa"]


@pytest.mark.parametrize("name", ["admin_A", "partner_A", "bank", "regulator"])
def test_users_who_cannot_import_get_403(client, world, name):
    login(client, world, name)
    assert client.get(UPLOAD).status_code == 403
    response = client.post(UPLOAD, {"kind": "cpa", "file": csv_file("证书编号,姓名\n1,张\n")})
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(event="permission_denied", username=name).exists()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(UPLOAD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_full_journey_with_an_error_then_a_fixed_file(client, world):
    login(client, world)
    firm = world.firms["A"]
    code = firm.organisation.credit_code
    bad = cpa_csv(world, f"360199000001,钱一,{code},执业", "360199000002,孙二,不存在的事务所,执业")
    preview_url = upload(client, "cpa", csv_file(bad))

    response = client.get(preview_url)
    assert response.status_code == 200
    assert response.context["table"].encoding == "UTF-8 (BOM)"
    assert response.context["table"].delimiter_name == "comma"
    assert [field.initial for field in response.context["form"].fields.values()] == [
        "certificate_no",
        "name",
        "firm",
        "status",
    ]
    assert [row["cells"][1] for row in response.context["preview_rows"]] == ["钱一", "孙二"]

    data = {f"col_{i}": name for i, name in enumerate(["certificate_no", "name", "firm", "status"])}
    response = client.post(preview_url, data)
    assert response.status_code == 302 and response["Location"].endswith("/errors/")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert [(i["row"], i["column"], i["value"], i["reason"]) for i in response.context["issues"]] == [
        (3, "所在事务所", "不存在的事务所", "No firm in the registry has this name or credit code.")
    ]
    assert CPA.objects.filter(certificate_no__startswith="360199").count() == 0

    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    report = client.get(f"{UPLOAD}{token}/errors.csv")
    assert report.status_code == 200
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert (
        text.splitlines()[1]
        == "3,所在事务所,不存在的事务所,No firm in the registry has this name or credit code."
    )
    report = client.get(f"{UPLOAD}{token}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (3, "所在事务所", "不存在的事务所", "No firm in the registry has this name or credit code.")
    ]
    # The apply step refuses a file that has not passed the check.
    response = client.post(f"{UPLOAD}{token}/apply/")
    assert response.status_code == 302 and response["Location"].endswith(f"{token}/")
    assert CPA.objects.filter(certificate_no__startswith="360199").count() == 0

    good = cpa_csv(
        world, f"360199000001,钱一,{code},执业", f"360199000002,孙二,{firm.organisation.name},非执业"
    )
    preview_url = upload(client, "cpa", csv_file(good))
    response = client.post(preview_url, data)
    assert response.status_code == 302 and response["Location"].endswith("/confirm/")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert (response.context["report"]["created"], response.context["report"]["updated"]) == (2, 0)
    assert CPA.objects.filter(certificate_no__startswith="360199").count() == 0  # checked, not applied

    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"{UPLOAD}{token}/apply/")
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    assert sorted(CPA.objects.filter(certificate_no__startswith="360199").values_list("name", "status")) == [
        ("孙二", "non_practising"),
        ("钱一", "practising"),
    ]
    response = client.get(response["Location"])
    assert response.context["summary"]["created"] == 2
    # The stored upload is gone, and the token no longer opens anything.
    assert not default_storage.exists(f"imports/{token}")
    assert client.get(f"{UPLOAD}{token}/").status_code == 404


def test_mapping_step_for_other_headers(client, world):
    login(client, world)
    firm = world.firms["B"]
    text = f"No.,Who,Where\n360199000005,周五,{firm.organisation.credit_code}\n"
    preview_url = upload(client, "cpa", csv_file(text))
    response = client.get(preview_url)
    assert response.context["matched"] == 0
    response = client.post(preview_url, {"col_0": "", "col_1": "name", "col_2": "firm"})
    assert response.status_code == 400
    assert (
        "No column is mapped to the required field Certificate number (证书编号)."
        in response.content.decode()
    )
    response = client.post(preview_url, {"col_0": "name", "col_1": "name", "col_2": "firm"})
    assert response.status_code == 400
    assert "are both mapped to" in response.content.decode()
    response = client.post(preview_url, {"col_0": "certificate_no", "col_1": "name", "col_2": "firm"})
    assert response["Location"].endswith("/confirm/")
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    client.post(f"{UPLOAD}{token}/apply/")
    assert CPA.objects.get(certificate_no="360199000005").firm == firm


def test_gb18030_semicolon_file_is_detected(client, world):
    login(client, world)
    text = f"证书编号;姓名;所在事务所\n360199000007;吴七;{world.firms['A'].organisation.name}\n"
    preview_url = upload(client, "cpa", csv_file(text, encoding="gb18030"))
    response = client.get(preview_url)
    assert response.context["table"].encoding == "GB18030"
    assert response.context["table"].delimiter_name == "semicolon"
    body = response.content.decode()
    assert "GB18030" in body and "吴七" in body


def test_unreadable_files_are_refused_on_the_upload_page(client, world):
    login(client, world)
    response = client.post(UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("x.csv", b"")})
    assert response.status_code == 400
    response = client.post(
        UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\xfa" * 3 + b"abc\x81")}
    )
    assert response.status_code == 400
    response = client.post(UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken")})
    assert response.status_code == 400
    assert "damaged or incomplete" in response.content.decode()
    assert uploads.SESSION_KEY not in client.session


def test_zip_bomb_upload_is_refused(client, world):
    login(client, world)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    response = client.post(
        UPLOAD, {"kind": "cpa", "file": SimpleUploadedFile("bomb.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert "zip bomb" in response.content.decode()


def test_another_session_cannot_open_an_upload(client, world):
    login(client, world)
    preview_url = upload(client, "cpa", csv_file("证书编号,姓名\n360199000008,郑八\n"))
    other = Client()
    login(other, world, "assoc_leader")
    assert other.get(preview_url).status_code == 404
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    assert other.post(f"{UPLOAD}{token}/apply/").status_code == 404
    assert other.get(f"{UPLOAD}{token}/errors.csv").status_code == 404
    assert client.get(f"{UPLOAD}00000000000000000000000000000000/").status_code == 404


def test_forged_kind_is_refused(client, world):
    login(client, world, "city_nc")
    response = client.post(UPLOAD, {"kind": "penalty", "file": csv_file("文号,内容\nX1,内容\n")})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["kind"]
    assert uploads.SESSION_KEY not in client.session


def test_workbook_sheets_can_be_switched(client, world):
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本文件为注册会计师名单"])
    workbook.active.append(["第二页为名单"])
    sheet = workbook.create_sheet("名单")
    sheet.append(["证书编号", "姓名"])
    sheet.append(["360199000011", "褚十一"])
    workbook.save(buffer)
    login(client, world)
    upload_file = SimpleUploadedFile("list.xlsx", buffer.getvalue())
    response = client.post(UPLOAD, {"kind": "cpa", "file": upload_file})
    preview_url = response["Location"]
    response = client.get(preview_url)
    assert response.context["table"].sheet.sheet == "说明"
    assert response.context["table"].sheet.sheets == ["说明", "名单"]
    response = client.get(preview_url, {"sheet": "名单"})
    assert response.context["table"].sheet.sheet == "名单"
    assert response.context["matched"] == 2
    response = client.post(preview_url, {"col_0": "certificate_no", "col_1": "name"})
    assert response["Location"].endswith("/confirm/")
    response = client.get(preview_url, {"sheet": "没有"})
    assert response.status_code == 400
    assert (
        response.context["read_error"] == "The workbook has no sheet named 没有; its sheets are: 说明, 名单."
    )


def test_discard_deletes_the_stored_file(client, world):
    login(client, world)
    preview_url = upload(client, "cpa", csv_file("证书编号,姓名\n360199000009,冯九\n"))
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    name = client.session[uploads.SESSION_KEY][token.replace("-", "")]["name"]
    assert default_storage.exists(name)
    response = client.post(f"{UPLOAD}{token}/discard/")
    assert response.status_code == 302
    assert not default_storage.exists(name)


def test_reimport_moves_a_cpa_and_shows_the_change(client, world):
    login(client, world)
    cpa = world.cpas["A"]
    target = world.firms["B"]
    text = f"证书编号,姓名,所在事务所信用代码\n{cpa.certificate_no},{cpa.name},{target.organisation.credit_code}\n"
    preview_url = upload(client, "cpa", csv_file(text))
    response = client.post(
        preview_url, {"col_0": "certificate_no", "col_1": "name", "col_2": "firm_credit_code"}
    )
    response = client.get(response["Location"])
    assert response.context["report"]["updated"] == 1
    assert response.context["changes"][0]["changes"] == [
        ["Firm (name or credit code) (所在事务所)", "甲会计师事务所", "乙会计师事务所"]
    ]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    client.post(f"{UPLOAD}{token}/apply/")
    cpa.refresh_from_db()
    assert cpa.firm == target
    assert (
        CPAEvent.objects.filter(cpa=cpa, kind="moved", from_firm=world.firms["A"], to_firm=target).count()
        == 1
    )


def test_city_staff_cannot_import_rows_of_another_city(client, world):
    login(client, world, "city_nc")
    text = (
        "统一社会信用代码,事务所名称,所在城市,执业证书编号,组织形式\n"
        f"{f.credit_code(9101, '360700')},丙会计师事务所,赣州市,36079101,普通合伙\n"
    )
    preview_url = upload(client, "firm", csv_file(text, "firms.csv"))
    client.post(
        preview_url,
        {
            "col_0": "credit_code",
            "col_1": "name",
            "col_2": "city",
            "col_3": "licence_no",
            "col_4": "legal_form",
        },
    )
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    response = client.get(f"{UPLOAD}{token}/errors/")
    assert [(i["row"], i["column"], i["reason"]) for i in response.context["issues"]] == [
        (2, "所在城市", "You may not add firms in Ganzhou.")
    ]


def test_cleanup_removes_old_uploads(client, world):
    import datetime

    from django.utils import timezone

    login(client, world)
    preview_url = upload(client, "cpa", csv_file("证书编号,姓名\n360199000010,陈十\n"))
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    name = client.session[uploads.SESSION_KEY][token.replace("-", "")]["name"]
    assert uploads.cleanup_stale_uploads() == 0
    assert default_storage.exists(name)
    later = timezone.now() + datetime.timedelta(hours=25)
    assert uploads.cleanup_stale_uploads(now=later) == 1
    assert not default_storage.exists(name)


def test_export_page_downloads_a_file_and_logs_it(client, world):
    login(client, world, "city_nc")
    response = client.get("/registry/import/export/")
    assert response.status_code == 200
    assert response.context["id_numbers"] is False
    response = client.get(
        "/registry/import/export/",
        {"kind": "cpa", "format": "xlsx", "city": "", "status": "", "language": "zh"},
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "身份证号" not in rows[0]
    assert sorted(r[1] for r in rows[1:]) == ["张三"]  # only CPAs at Nanchang firms
    event = SecurityEvent.objects.get(event="export", username="city_nc")
    assert (event.detail["what"], event.detail["rows"], event.detail["id_numbers"]) == (
        "registry.CPA",
        1,
        False,
    )


def test_export_status_must_fit_the_kind(client, world):
    login(client, world)
    response = client.get(
        "/registry/import/export/",
        {"kind": "firm", "format": "csv", "status": "cpa:practising", "language": "zh"},
    )
    assert response.status_code == 400
    assert not SecurityEvent.objects.filter(event="export").exists()


def test_users_without_registry_rights_export_only_published_penalties(client, world):
    login(client, world, "sysadmin")
    assert client.get("/registry/import/export/").status_code == 200  # published penalties only
    login(client, world, "bank")
    response = client.get("/registry/import/export/")
    assert [k for k, _l in response.context["form"].fields["kind"].choices] == ["penalty"]


def test_template_download(client, world):
    login(client, world)
    response = client.get("/registry/import/template/firm.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = next(sheet.iter_rows(values_only=True))
    assert headers[:3] == ("事务所编号", "事务所名称", "统一社会信用代码")
    assert "注册会计师人数" not in headers


def test_cleanup_task_removes_only_stale_uploads(tmp_path, settings):
    import datetime
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from cpahub.registry.tasks import cleanup_stale_uploads

    settings.MEDIA_ROOT = str(tmp_path)
    old = default_storage.save("imports/old-upload", ContentFile(b"x"))
    fresh = default_storage.save("imports/fresh-upload", ContentFile(b"y"))
    stale_time = (datetime.datetime.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (stale_time, stale_time))
    assert cleanup_stale_uploads.delay().get() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)
