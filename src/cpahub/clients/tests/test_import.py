"""Client import: encodings, header synonyms, per-row errors, all-or-nothing, re-import by credit code."""

import io

import openpyxl
import pytest

from cpahub.clients.importing.run import load_table, run_import
from cpahub.clients.models import Client
from cpahub.core.models import ObjectChange
from cpahub.testing.clients import BlacklistEntryFactory, client_csv
from cpahub.testing.factories import credit_code, login_verified
from cpahub.testing.practice import ClientFactory, firm_world

pytestmark = pytest.mark.django_db

A, B, C = credit_code(7401), credit_code(7402), credit_code(7403)


@pytest.fixture
def w():
    return firm_world()


def rows_zh(*rows):
    base = {
        "客户名称": "",
        "统一社会信用代码": "",
        "行业代码": "",
        "所有制": "",
        "是否上市": "",
        "股票代码": "",
        "上市地点": "",
    }
    return [{**base, **row} for row in rows]


def run(w, data: bytes, user=None, **kwargs):
    return run_import(load_table(data), actor=user or w.manager_a, firm=w.firm_a, **kwargs)


def test_a_gb18030_file_with_a_bad_row_imports_nothing_and_says_why(w):
    data = client_csv(
        rows_zh(
            {"客户名称": "江西甲公司", "统一社会信用代码": A, "行业代码": "C13", "所有制": "民营"},
            {"客户名称": "江西乙公司", "统一社会信用代码": A[:-1], "行业代码": "98", "所有制": "国营"},
            {
                "客户名称": "江西丙公司",
                "统一社会信用代码": C,
                "是否上市": "是",
                "股票代码": "600519",
                "上市地点": "上交所",
            },
        ),
        encoding="gb18030",
    )
    assert load_table(data).encoding == "GB18030"
    result = run(w, data)
    assert not result.applied and result.error_rows == 1
    reasons = {(issue.row, issue.column): issue.reason for issue in result.errors}
    assert set(reasons) == {(3, "统一社会信用代码"), (3, "行业代码"), (3, "所有制")}  # the file's headers
    assert "18 characters; this one has 17" in reasons[(3, "统一社会信用代码")]
    assert "98 is not a division" in reasons[(3, "行业代码")]
    assert "国营 is not an accepted value" in reasons[(3, "所有制")]
    assert not Client.objects.filter(credit_code__in=[A, C]).exists()


def test_a_good_file_with_english_headers_and_bom_creates_clients(w):
    data = client_csv(
        [
            {
                "Client name": "Jiangxi Alpha Co., Ltd.",
                "Credit Code": A,
                "industry code": "6511",
                "Ownership": "Private",
                "Risk": "High",
            },
            {
                "Client name": "江西乙公司",
                "Credit Code": B,
                "industry code": "",
                "Ownership": "外资",
                "Risk": "低",
            },
        ],
        encoding="utf-8-sig",
    )
    result = run(w, data)
    assert result.applied and result.created == 2, result.errors
    alpha = Client.objects.get(credit_code=A)
    assert (alpha.industry_section, alpha.ownership, alpha.risk_rating) == ("I", "private", "high")
    assert alpha.created_by == w.manager_a and alpha.office == w.firm_a
    assert Client.objects.get(credit_code=B).ownership == "foreign"
    assert ObjectChange.objects.filter(
        object_id=str(alpha.pk), content_type__model="client", user=w.manager_a
    ).exists()


def test_reimport_updates_by_credit_code_and_leaves_empty_cells_alone(w):
    run(
        w,
        client_csv(
            rows_zh({"客户名称": "江西甲公司", "统一社会信用代码": A, "行业代码": "13", "所有制": "民营"})
        ),
    )
    data = client_csv(
        rows_zh({"客户名称": "江西甲股份有限公司", "统一社会信用代码": A, "行业代码": "", "所有制": ""})
    )
    dry = run(w, data, dry_run=True)
    assert dry.updated == 1 and not dry.applied
    assert [(c.column, c.before, c.after) for c in dry.outcomes[0].changes] == [
        ("Name (客户名称)", "江西甲公司", "江西甲股份有限公司")
    ]
    assert Client.objects.get(credit_code=A).name == "江西甲公司"  # the check changed nothing
    assert run(w, data).updated == 1
    client = Client.objects.get(credit_code=A)
    assert (client.name, client.industry, client.ownership) == ("江西甲股份有限公司", "13", "private")
    assert run(w, data).unchanged == 1


def test_not_listed_any_more_clears_the_stock_code(w):
    run(
        w,
        client_csv(
            rows_zh(
                {
                    "客户名称": "江西上市公司",
                    "统一社会信用代码": A,
                    "是否上市": "是",
                    "股票代码": "600519.SH",
                    "上市地点": "上交所",
                }
            )
        ),
    )
    assert Client.objects.get(credit_code=A).stock_code == "600519"
    assert run(w, client_csv(rows_zh({"统一社会信用代码": A, "是否上市": "否"}))).updated == 1
    client = Client.objects.get(credit_code=A)
    assert (client.listed, client.stock_code, client.exchange) == (False, "", "")


def test_parents_may_be_rows_of_the_same_file(w):
    data = client_csv(
        [
            {"客户名称": "子公司", "统一社会信用代码": A, "母公司统一社会信用代码": B},
            {"客户名称": "母公司", "统一社会信用代码": B, "母公司统一社会信用代码": w.client_a.credit_code},
        ]
    )
    assert run(w, data).created == 2
    assert Client.objects.get(credit_code=A).parent.credit_code == B
    assert Client.objects.get(credit_code=B).parent == w.client_a
    loop = client_csv(
        [
            {"客户名称": "甲", "统一社会信用代码": C, "母公司统一社会信用代码": credit_code(7404)},
            {"客户名称": "乙", "统一社会信用代码": credit_code(7404), "母公司统一社会信用代码": C},
        ]
    )
    result = run(w, loop)
    assert {issue.reason for issue in result.errors} == {"The parent companies in this file form a loop."}


def test_blacklisted_rows_and_duplicates_in_the_file_are_errors(w):
    BlacklistEntryFactory(firm=w.firm_a, name="黑名单公司", credit_code="", reason="虚构收入")
    data = client_csv(
        rows_zh(
            {"客户名称": "黑名单（有限公司）", "统一社会信用代码": A},
            {"客户名称": "甲", "统一社会信用代码": B},
            {"客户名称": "乙", "统一社会信用代码": B},
        )
    )
    result = run(w, data)
    reasons = sorted((issue.row, issue.reason) for issue in result.errors)
    assert reasons == [(2, "On the firm's client blacklist: 虚构收入"), (4, "The same value is in row 3.")]


def test_a_similar_name_is_a_warning(w):
    ClientFactory(firm=w.firm_a, name="江西洪城水业股份有限公司")
    result = run(w, client_csv(rows_zh({"客户名称": "江西洪城水业有限公司", "统一社会信用代码": A})))
    assert result.applied and [issue.reason for issue in result.warnings] == [
        "A client with a similar name exists: 江西洪城水业股份有限公司."
    ]


def test_branch_managers_import_into_their_branch_and_change_only_its_clients(w):
    data = client_csv(
        rows_zh(
            {"客户名称": "分所客户", "统一社会信用代码": A},
            {"客户名称": "改名", "统一社会信用代码": w.client_a.credit_code},
        )
    )
    result = run(w, data, user=w.branch_manager)
    assert [(issue.row, issue.reason) for issue in result.errors] == [(3, "You may not change this client.")]
    result = run(
        w, client_csv(rows_zh({"客户名称": "分所客户", "统一社会信用代码": A})), user=w.branch_manager
    )
    assert Client.objects.get(credit_code=A).office == w.branch_a
    result = run(
        w,
        client_csv([{"客户名称": "总所客户", "统一社会信用代码": B, "承办机构": w.firm_a.name}]),
        user=w.branch_manager,
    )
    assert [issue.reason for issue in result.errors] == ["You may not keep clients at this office."]


def test_the_export_imports_back_unchanged(client, w):
    ClientFactory(
        firm=w.firm_a,
        name="上市客户",
        listed=True,
        exchange="szse",
        stock_code="300750",
        parent=w.client_a,
        registered_capital="2400000.50",
        ownership="mixed",
        risk_rating="medium",
        city="360400",
    )
    login_verified(client, w.manager_a)
    exported = client.get("/clients/?export=xlsx").content
    result = run(w, exported)
    assert result.ok and result.unchanged == 3, (result.errors, [o.changes for o in result.outcomes])
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    assert workbook.active.max_row == 4


def test_the_web_import_with_an_error_report_then_a_good_file(client, w):
    login_verified(client, w.manager_a)
    bad = client_csv(rows_zh({"客户名称": "江西甲公司", "统一社会信用代码": "123"}), encoding="gb18030")
    upload = io.BytesIO(bad)
    upload.name = "bad.csv"
    response = client.post("/clients/import/", {"firm": w.firm_a.pk, "file": upload})
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Nothing has been imported." in page.text and "GB18030" in page.text
    report = client.get(response.url + "errors.csv")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "18 characters; this one has 3" in text and "2," in text
    assert client.post(response.url + "apply/").status_code == 302
    assert not Client.objects.filter(name="江西甲公司").exists()

    good = client_csv(rows_zh({"客户名称": "江西甲公司", "统一社会信用代码": A, "行业代码": "C13"}))
    upload = io.BytesIO(good)
    upload.name = "clients.csv"
    response = client.post("/clients/import/", {"firm": w.firm_a.pk, "file": upload})
    check = client.get(response.url)
    assert 'data-testid="check-ok"' in check.text
    done = client.post(response.url + "apply/")
    assert done.status_code == 302 and done.url.endswith("/done/")
    assert "clients.csv" in client.get(done.url).text
    assert Client.objects.get(credit_code=A).industry == "13"


def test_an_unreadable_file_is_refused_on_the_upload_page(client, w):
    login_verified(client, w.manager_a)
    upload = io.BytesIO(b"\x00\x01binary")
    upload.name = "x.csv"
    response = client.post("/clients/import/", {"firm": w.firm_a.pk, "file": upload})
    assert response.status_code == 400 and "This is not a text file" in response.text
    login_verified(client, w.auditor_a)
    assert client.get("/clients/import/").status_code == 403
