"""The public pages: anonymous access, public fields only, published records only, query counts."""

import json
import re

import pytest
from django.db import DatabaseError
from django.urls import reverse

from cpahub.accounts.choices import Role
from cpahub.core.validators import mask_resident_id
from cpahub.portal import public
from cpahub.portal.tests.conftest import (
    CHIEF_PARTNER,
    FIRM_EMAIL,
    FIRM_PHONE,
    SECRET_EMAIL,
    SECRET_ID,
    SECRET_PHONE,
    login,
)
from cpahub.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")

PRIVATE_VALUES = [
    SECRET_ID,
    SECRET_ID.lower(),
    mask_resident_id(SECRET_ID),
    SECRET_ID[:6] + "*" * 8 + SECRET_ID[-4:],
    SECRET_ID[:14],  # region and birth date
    SECRET_ID[6:14],  # birth date as in the ID
    SECRET_ID[-6:],
    "1979-03-14",
    "1979/03/14",
    "1979年3月14日",
    "March 14, 1979",
    SECRET_PHONE,
    SECRET_PHONE[:3] + "****" + SECRET_PHONE[-4:],
    SECRET_PHONE[-8:],
    SECRET_EMAIL,
    SECRET_EMAIL.split("@")[0],
    "private-mail",
    FIRM_EMAIL,
    FIRM_PHONE,
    CHIEF_PARTNER,
]


def assert_no_private_value(html: str) -> None:
    for value in PRIVATE_VALUES:
        assert value not in html, f"private value {value!r} in the page"
    assert not re.search(r"\*{3,}", html), "a masked value in the page"
    for column in ("id_number", "birth_date", "date of birth", "resident ID"):
        assert column.lower() not in html.lower()


def public_urls(p) -> list[str]:
    case = f.IndustryCaseFactory(title="案例甲", penalty=p.penalties["secret_pub"])
    secret = p.cpas["secret"]
    return [
        reverse("portal:index"),
        reverse("portal:firm_search"),
        reverse("portal:firm_search") + "?q=甲",
        reverse("portal:firm_search") + "?kind=cpa",
        reverse("portal:firm_search") + "?kind=cpa&q=张",
        reverse("portal:firm_search") + f"?kind=cpa&q={secret.certificate_no}",
        reverse("portal:firm_detail", args=[p.firms["A"].pk]),
        reverse("portal:firm_detail", args=[p.firms["A1"].pk]),
        reverse("portal:cpa_detail", args=[secret.pk]),
        reverse("portal:penalties"),
        reverse("portal:penalties") + "?q=张秘密",
        reverse("portal:cases"),
        reverse("portal:case_detail", args=[case.pk]),
        reverse("portal:apply"),
    ]


# --- access and privacy ------------------------------------------------------------------------


def test_every_public_page_opens_without_login_and_shows_no_private_value(client, province):
    for url in public_urls(province):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_private_value(response.content.decode())


def test_live_search_fragment_shows_no_private_value(client, province):
    response = client.get(reverse("portal:firm_search") + "?kind=cpa&q=张秘密", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "张秘密" in html
    assert_no_private_value(html)


def test_logged_in_staff_get_the_public_rule_on_public_pages(client, province, user_in):
    login(client, user_in(Role.ASSOCIATION_STAFF, "province"))
    for url in public_urls(province):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_no_private_value(html)
        assert "赣财监〔2024〕99号" not in html
        assert "丙待批事务所" not in html
        assert "周注销" not in html


def test_public_queries_never_read_private_columns(province):
    cpa_sql = str(public.public_cpas().query).lower()
    for column in ("id_number", "birth_date", "phone", "email", "user_id"):
        assert column not in cpa_sql
    firm_sql = str(public.public_firms().query).lower()
    for column in ("email", "phone", "chief_partner", "website"):
        assert column not in firm_sql


def test_cpa_record_holds_exactly_the_public_fields(province):
    record = public.public_cpa(province.cpas["secret"].pk)
    assert [(str(label), str(value)) for label, value in record["fields"]] == [
        ("Certificate number", province.cpas["secret"].certificate_no),
        ("Name", "张秘密"),
        ("Gender", "Male"),
        ("Firm", "甲会计师事务所"),
        ("Status", "Practising"),
        ("Year qualified", "2006"),
    ]
    assert set(record) == {
        "pk",
        "firm_id",
        "status_code",
        "firm_status",
        "firm_public",
        "certificate_no",
        "name",
        "gender",
        "firm_name",
        "status",
        "qualification_year",
        "fields",
    }


def test_firm_record_holds_exactly_the_public_fields(province):
    firm = province.firms["A"]
    record = public.public_firm(firm.pk)
    assert [(str(label), str(value)) for label, value in record["fields"]] == [
        ("Firm number", firm.firm_no),
        ("Name", "甲会计师事务所"),
        ("Unified social credit code", firm.organisation.credit_code),
        ("Practice licence number", firm.licence_no),
        ("Status", "Active"),
        ("Practising CPAs", "2"),
        ("Legal form", "General partnership"),
        ("City", "Nanchang"),
        ("Address", "南昌市红谷滩区赣江中大道1号"),
        ("Securities business qualification", "Yes"),
        ("Head office", ""),
    ]
    branch = public.public_firm(province.firms["A1"].pk)
    assert (branch["head_office"], branch["head_office_id"]) == ("甲会计师事务所", firm.pk)


def test_pending_firm_and_cancelled_cpa_are_not_public(client, province):
    assert client.get(reverse("portal:firm_detail", args=[province.firms["pending"].pk])).status_code == 404
    assert client.get(reverse("portal:cpa_detail", args=[province.cpas["cancelled"].pk])).status_code == 404
    assert "丙待批事务所" not in client.get(reverse("portal:firm_search") + "?q=事务所").content.decode()
    html = client.get(reverse("portal:firm_search") + "?kind=cpa").content.decode()
    assert "周注销" not in html
    assert "孙会员" in html  # non-practising members are public


def test_link_rules_agree_with_the_public_rule(db):
    from cpahub.accounts.choices import OrgStatus
    from cpahub.core.permissions import VIEW
    from cpahub.registry.choices import CPAStatus
    from cpahub.registry.models import CPA, Firm

    for status in CPAStatus.values:
        cpa = f.CPAFactory(status=status, firm=None)
        visible = CPA.objects.restrict(public.PUBLIC, VIEW).filter(pk=cpa.pk).exists()
        assert visible == (status in public.PUBLIC_CPA_STATUSES), status
    for status in OrgStatus.values:
        firm = f.FirmFactory(organisation__status=status)
        visible = Firm.objects.restrict(public.PUBLIC, VIEW).filter(pk=firm.pk).exists()
        assert visible == (status in public.PUBLIC_FIRM_STATUSES), status


def test_missing_pages_are_404(client, db):
    assert client.get(reverse("portal:firm_detail", args=[999999])).status_code == 404
    assert client.get(reverse("portal:cpa_detail", args=[999999])).status_code == 404
    assert client.get(reverse("portal:case_detail", args=[999999])).status_code == 404


# --- search ------------------------------------------------------------------------------------


def _names(response) -> list[str]:
    return [record["name"] for record in response.context["results"]]


def test_search_firms_by_part_of_name_credit_code_and_licence(client, province):
    url = reverse("portal:firm_search")
    assert _names(client.get(url + "?q=甲会计")) == ["甲会计师事务所", "甲会计师事务所赣州分所"]
    b = province.firms["B"]
    assert _names(client.get(url, {"q": b.organisation.credit_code.lower()})) == ["乙会计师事务所"]
    assert _names(client.get(url, {"q": b.licence_no})) == ["乙会计师事务所"]
    assert _names(client.get(url, {"q": "甲", "city": "360700"})) == ["甲会计师事务所赣州分所"]
    assert sorted(_names(client.get(url))) == sorted(
        ["乙会计师事务所", "甲会计师事务所", "甲会计师事务所赣州分所"]
    )


def test_search_cpas_by_name_and_certificate(client, province):
    url = reverse("portal:firm_search")
    assert _names(client.get(url, {"kind": "cpa", "q": "秘密"})) == ["张秘密"]
    cert = province.cpas["B"].certificate_no
    assert _names(client.get(url, {"kind": "cpa", "q": cert})) == ["赵乙"]
    assert sorted(_names(client.get(url, {"kind": "cpa", "city": "360700"}))) == sorted(["王分所", "赵乙"])


def test_search_counts_practising_cpas_by_annotation(client, province):
    f.CPAFactory(firm=province.firms["A"], status="non_practising")
    results = client.get(reverse("portal:firm_search"), {"q": "甲"}).context["results"]
    assert [(r["name"], r["practising_cpas"]) for r in results] == [
        ("甲会计师事务所", 2),
        ("甲会计师事务所赣州分所", 1),
    ]


def test_search_bad_parameters_fall_back_to_defaults(client, province):
    response = client.get(reverse("portal:firm_search"), {"kind": "secret", "city": "999", "per_page": "7"})
    assert response.status_code == 200
    assert response.context["values"] == {"q": "", "kind": "firm", "city": ""}
    assert response.context["paginator"].per_page == 20


def test_search_works_without_javascript_and_as_htmx_fragment(client, province):
    url = reverse("portal:firm_search")
    full = client.get(url, {"q": "乙"})
    html = full.content.decode()
    assert '<form id="search-form" method="get" action="/search/"' in html
    assert 'hx-get="/search/"' in html
    assert 'name="q"' in html and 'value="乙"' in html
    assert "<html" in html
    fragment = client.get(url, {"q": "乙"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "乙会计师事务所" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_search_is_paginated(client, db):
    for n in range(25):
        f.FirmFactory(organisation__name=f"分页事务所{n:02d}")
    url = reverse("portal:firm_search")
    first = client.get(url, {"q": "分页"})
    assert len(first.context["results"]) == 20
    assert first.context["paginator"].count == 25
    second = client.get(url, {"q": "分页", "page": 2})
    assert _names(second) == [f"分页事务所{n:02d}" for n in range(20, 25)]
    assert 'href="?q=%E5%88%86%E9%A1%B5&page=2"' in first.content.decode()


@pytest.mark.parametrize("kind", ["firm", "cpa"])
def test_search_query_count_does_not_grow_with_page_size(client, db, django_assert_num_queries, kind):
    for firm in f.FirmFactory.create_batch(55):
        f.CPAFactory(firm=firm)
    for size in (10, 50):
        with django_assert_num_queries(2):  # count + one page of rows
            response = client.get(reverse("portal:firm_search"), {"kind": kind, "per_page": size})
        assert len(response.context["results"]) == size


def test_detail_query_counts_are_fixed(client, province, django_assert_num_queries):
    for _ in range(5):
        f.CPAFactory(firm=province.firms["A"])
    with django_assert_num_queries(4):  # firm, branches, CPAs, penalties
        client.get(reverse("portal:firm_detail", args=[province.firms["A"].pk]))
    with django_assert_num_queries(2):  # CPA, penalties
        client.get(reverse("portal:cpa_detail", args=[province.cpas["secret"].pk]))


# --- detail pages ------------------------------------------------------------------------------


def test_firm_page_lists_branches_practising_cpas_and_published_penalties(client, province):
    f.CPAFactory(firm=province.firms["A"], name="钱停业", status="non_practising")
    response = client.get(reverse("portal:firm_detail", args=[province.firms["A"].pk]))
    assert [b["name"] for b in response.context["branches"]] == ["甲会计师事务所赣州分所"]
    assert sorted(c["name"] for c in response.context["cpas"]) == sorted(["张秘密", "李甲"])
    assert [p["document_no"] for p in response.context["penalties"]] == ["赣财监〔2024〕11号"]
    html = response.content.decode()
    assert province.cpas["secret"].certificate_no in html
    assert "钱停业" not in html
    assert "赣财监〔2024〕99号" not in html and "尚未公开的处理" not in html


def test_cpa_page_shows_firm_link_and_published_penalties(client, province):
    secret = province.cpas["secret"]
    f.PenaltyFactory(
        subject_kind="cpa", firm=None, cpa=secret, published=False, document_no="内部〔2024〕1号"
    )
    response = client.get(reverse("portal:cpa_detail", args=[secret.pk]))
    html = response.content.decode()
    assert f'href="/firms/{province.firms["A"].pk}/"' in html
    assert [p["document_no"] for p in response.context["penalties"]] == ["赣注协〔2023〕5号"]
    assert "内部〔2024〕1号" not in html


# --- penalties and cases -----------------------------------------------------------------------


def _docs(response) -> list[str]:
    return [p["document_no"] for p in response.context["penalties"]]


def test_penalties_lists_published_only_newest_first(client, province):
    response = client.get(reverse("portal:penalties"))
    assert _docs(response) == ["赣财监〔2024〕11号", "赣注协〔2023〕5号"]
    html = response.content.decode()
    assert "赣财监〔2024〕99号" not in html and "赣财监〔2023〕98号" not in html
    assert "乙所未公开" not in html


def test_penalty_filters(client, province):
    url = reverse("portal:penalties")
    assert _docs(client.get(url, {"year": 2023})) == ["赣注协〔2023〕5号"]
    assert _docs(client.get(url, {"authority": "association"})) == ["赣注协〔2023〕5号"]
    assert _docs(client.get(url, {"kind": "warning"})) == ["赣财监〔2024〕11号"]
    assert _docs(client.get(url, {"q": "甲会计"})) == ["赣财监〔2024〕11号"]
    assert _docs(client.get(url, {"q": province.cpas["secret"].certificate_no})) == ["赣注协〔2023〕5号"]
    assert _docs(client.get(url, {"q": "乙会计"})) == []
    years = client.get(url).context["form"].fields["year"].choices
    assert [value for value, _label in years] == ["", 2024, 2023]


def test_cases_published_only(client, province):
    shown = f.IndustryCaseFactory(title="公开案例", summary="摘要。")
    hidden = f.IndustryCaseFactory(title="内部案例", published=False)
    html = client.get(reverse("portal:cases")).content.decode()
    assert "公开案例" in html and "内部案例" not in html
    assert client.get(reverse("portal:case_detail", args=[shown.pk])).status_code == 200
    assert client.get(reverse("portal:case_detail", args=[hidden.pk])).status_code == 404


def test_case_shows_its_penalty_only_when_published(client, province):
    case = f.IndustryCaseFactory(title="案例乙", penalty=province.penalties["A_hidden"])
    html = client.get(reverse("portal:case_detail", args=[case.pk])).content.decode()
    assert "案例乙" in html
    assert "赣财监〔2024〕99号" not in html
    case.penalty = province.penalties["A_pub"]
    case.save()
    html = client.get(reverse("portal:case_detail", args=[case.pk])).content.decode()
    assert "赣财监〔2024〕11号" in html


# --- landing page and health check -------------------------------------------------------------


def test_index_figures_and_chart(client, province):
    response = client.get(reverse("portal:index"))
    figures = response.context["figures"]
    # active firms: A (Nanchang), A1 and B (Ganzhou); the pending firm is not public
    assert (figures["firms"], figures["cpas"], figures["head_offices"], figures["securities_qualified"]) == (
        3,
        4,
        2,
        1,
    )
    by_city = {c["code"]: (c["firms"], c["cpas"]) for c in figures["cities"] if c["firms"] or c["cpas"]}
    assert by_city == {"360100": (1, 2), "360700": (2, 2)}
    html = response.content.decode()
    chart = json.loads(
        re.search(r'<script id="city-chart-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert chart["categories"][0] == "Nanchang"
    assert [s["name"] for s in chart["series"]] == ["Active firms", "Practising CPAs"]
    assert chart["series"][0]["values"][:7] == [1, 0, 0, 0, 0, 0, 2]
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/core/charts.js" in html
    for link in ("/search/", "/penalties/", "/cases/", "/join/", "/accounts/login/"):
        assert f'href="{link}"' in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_healthz_ok_without_session(client, db):
    response = client.get(reverse("portal:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_database_failure(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("down")

    monkeypatch.setattr("cpahub.portal.views.connection", BrokenConnection())
    response = client.get(reverse("portal:healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}
