"""REST API of clients and contacts: filters, writes through the services, refusals."""

import pytest

from cpahub.clients.models import Client
from cpahub.testing.clients import BlacklistEntryFactory, ContactFactory
from cpahub.testing.factories import credit_code, login_verified
from cpahub.testing.practice import ClientFactory, firm_world

pytestmark = pytest.mark.django_db
URL = "/api/clients/clients/"


@pytest.fixture
def w():
    return firm_world()


@pytest.fixture
def api(client, w):
    login_verified(client, w.manager_a)
    return client


def post(api, url, data):
    return api.post(url, data, content_type="application/json")


def test_list_filters_like_the_page(api, w):
    ClientFactory(
        firm=w.firm_a, name="九江港务有限公司", industry="5531", industry_section="G", risk_rating="high"
    )
    assert api.get(URL, {"section": "G"}).json()["count"] == 1
    assert api.get(URL, {"division": "55"}).json()["results"][0]["name"] == "九江港务有限公司"
    assert api.get(URL, {"risk_rating": "high", "q": "九江港务"}).json()["count"] == 1
    assert api.get(URL, {"office": w.branch_a.pk}).json()["results"][0]["name"] == w.branch_client.name
    assert api.get(URL, {"office": w.firm_b.pk}).status_code == 400


def test_create_read_and_update(api, w):
    response = post(
        api,
        URL,
        {
            "name": "江西新能源科技有限公司",
            "credit_code": credit_code(7301),
            "industry": "C3841",
            "listed": True,
            "exchange": "szse",
            "stock_code": "300001.SZ",
            "parent": w.client_a.pk,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["industry"], body["industry_section"], body["stock_code"]) == ("3841", "C", "300001")
    assert body["firm"] == w.firm_a.pk and body["office"] == w.firm_a.pk
    assert body["industry_name"].startswith("3841 Manufacture of Electrical Machinery")
    pk = body["id"]
    response = api.patch(f"{URL}{pk}/", {"risk_rating": "medium"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["risk_rating"] == "medium"
    assert Client.objects.get(pk=pk).created_by == w.manager_a


def test_refusals_name_their_reason(api, w):
    response = post(api, URL, {"name": "重复公司", "credit_code": w.client_a.credit_code})
    assert response.status_code == 400
    assert response.json()["existing_client"] == [str(w.client_a.pk)]
    entry = BlacklistEntryFactory(firm=w.firm_a, name="黑名单公司", credit_code="", reason="恶意拖欠审计费")
    response = post(api, URL, {"name": "黑名单公司", "credit_code": credit_code(7302)})
    assert response.status_code == 400
    assert "恶意拖欠审计费" in response.json()["non_field_errors"][0]
    assert response.json()["blacklist_entry"] == [str(entry.pk)]
    response = post(api, URL, {"name": "上市公司", "listed": True, "exchange": "sse", "stock_code": "12"})
    assert "is not a stock code" in response.json()["stock_code"][0]
    response = post(api, URL, {"name": "其他所公司", "parent": w.client_b.pk})
    assert response.status_code == 400 and "parent" in response.json()


def test_staff_read_but_cannot_write(client, w):
    login_verified(client, w.auditor_a)
    assert client.get(URL).json()["count"] == 2
    assert post(client, URL, {"name": "x"}).status_code == 403
    assert post(client, "/api/clients/contacts/", {"client": w.client_a.pk, "name": "x"}).status_code == 403


def test_contacts_filtered_by_client_and_written(api, w):
    ContactFactory(client=w.client_a, name="甲")
    ContactFactory(client=w.client_b, name="乙")
    names = [row["name"] for row in api.get("/api/clients/contacts/").json()["results"]]
    assert names == ["甲"]
    response = post(api, "/api/clients/contacts/", {"client": w.client_a.pk, "name": "丙", "primary": True})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api.get("/api/clients/contacts/", {"client": w.client_a.pk}).json()["count"] == 2
    detail = api.get(f"{URL}{w.client_a.pk}/").json()
    assert [c["name"] for c in detail["contacts"]] == ["丙", "甲"]
    assert (
        api.patch(f"/api/clients/contacts/{pk}/", {"title": "CFO"}, content_type="application/json").json()[
            "title"
        ]
        == "CFO"
    )
    assert api.delete(f"/api/clients/contacts/{pk}/").status_code == 204
    response = post(api, "/api/clients/contacts/", {"client": w.client_b.pk, "name": "丁"})
    assert response.status_code == 400  # another firm's client is not a choice


def test_blacklist_is_readable(api, w):
    BlacklistEntryFactory(firm=w.firm_a, name="甲方")
    BlacklistEntryFactory(firm=w.firm_b, name="乙方")
    rows = api.get("/api/clients/blacklist/").json()["results"]
    assert [row["name"] for row in rows] == ["甲方"]
