"""Client pages: list filters and export, the form's checks, contacts in place, detail, blacklist."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.clients.models import BlacklistEntry, Client
from cpahub.engagements.choices import Status
from cpahub.testing.clients import BlacklistEntryFactory, ContactFactory
from cpahub.testing.factories import credit_code, login_verified
from cpahub.testing.practice import ClientFactory, EngagementFactory, firm_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return firm_world()


def form_data(**changes):
    data = {
        "name": "江西赣江新材料有限公司",
        "credit_code": credit_code(7101),
        "status": "active",
        "industry": "26",
        "ownership": "private",
        "city": "360100",
    }
    data.update(changes)
    return data


def test_list_filters_by_section_division_and_search(client, w):
    ClientFactory(
        firm=w.firm_a,
        name="南昌软件有限公司",
        industry="6511",
        industry_section="I",
        listed=True,
        exchange="sse",
        stock_code="600001",
    )
    login_verified(client, w.manager_a)
    page = client.get("/clients/?section=I").text
    assert "南昌软件有限公司" in page and w.client_a.name not in page
    page = client.get("/clients/?division=65").text
    assert "南昌软件有限公司" in page and w.client_a.name not in page
    assert "南昌软件有限公司" in client.get("/clients/?q=南昌软件（有限责任公司）").text
    assert "南昌软件有限公司" in client.get("/clients/?q=600001").text
    assert "南昌软件有限公司" in client.get(f"/clients/?office={w.firm_a.pk}&listed=true").text
    assert "南昌软件有限公司" not in client.get(f"/clients/?office={w.branch_a.pk}").text
    assert "Nothing found." in client.get(f"/clients/?office={w.firm_b.pk}").text  # not a choice: no rows


def test_list_queries_do_not_grow_with_rows(client, w):
    login_verified(client, w.manager_a)
    client.get("/clients/")
    with CaptureQueriesContext(connection) as few:
        client.get("/clients/")
    for n in range(20):
        ClientFactory(firm=w.firm_a, parent=w.client_a, credit_code=credit_code(7200 + n))
    with CaptureQueriesContext(connection) as many:
        client.get("/clients/")
    assert len(many) == len(few)


def test_export_carries_every_field_under_import_headers(client, w):
    Client.objects.filter(pk=w.client_a.pk).update(registered_capital="1000000.00")
    login_verified(client, w.manager_a)
    response = client.get("/clients/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("客户名称", "简称", "统一社会信用代码")
    names = {row[0]: row for row in rows[1:]}
    assert set(names) == {w.client_a.name, w.branch_client.name}
    assert names[w.client_a.name][10] == "1000000.00"
    csv = b"".join(client.get(f"/clients/?export=csv&office={w.branch_a.pk}").streaming_content).decode(
        "utf-8-sig"
    )
    assert w.branch_client.name in csv and w.client_a.name not in csv


def test_create_a_client(client, w):
    login_verified(client, w.manager_a)
    assert client.get("/clients/add/").status_code == 200
    response = client.post("/clients/add/", form_data(office=w.firm_a.pk))
    assert response.status_code == 302
    created = Client.objects.get(credit_code=credit_code(7101))
    assert response.url == f"/clients/{created.pk}/"
    assert (created.industry_section, created.created_by) == ("C", w.manager_a)


def test_a_duplicate_credit_code_links_to_the_existing_client(client, w):
    login_verified(client, w.manager_a)
    response = client.post("/clients/add/", form_data(office=w.firm_a.pk, credit_code=w.client_a.credit_code))
    assert response.status_code == 400
    assert f'href="/clients/{w.client_a.pk}/"' in response.text
    assert Client.objects.filter(firm=w.firm_a).count() == 2


def test_a_bad_credit_code_says_why(client, w):
    login_verified(client, w.manager_a)
    response = client.post("/clients/add/", form_data(office=w.firm_a.pk, credit_code="9136010012345"))
    assert response.status_code == 400
    assert "A unified social credit code has 18 characters; this one has 13." in response.text


def test_listed_needs_code_and_exchange_on_the_form(client, w):
    login_verified(client, w.manager_a)
    response = client.post(
        "/clients/add/", form_data(office=w.firm_a.pk, listed="on", stock_code="300750", exchange="sse")
    )
    assert response.status_code == 400
    assert "is not a stock code of the Shanghai Stock Exchange" in response.text


def test_a_blacklisted_party_is_refused_with_the_reason(client, w):
    entry = BlacklistEntryFactory(
        firm=w.firm_a, name="江西赣江新材料有限公司", credit_code="", reason="拒绝提供审计资料"
    )
    login_verified(client, w.manager_a)
    response = client.post("/clients/add/", form_data(office=w.firm_a.pk))
    assert response.status_code == 400
    assert "拒绝提供审计资料" in response.text and f"/clients/blacklist/{entry.pk}/" in response.text
    assert not Client.objects.filter(credit_code=credit_code(7101)).exists()


def test_a_similar_name_warns_until_confirmed(client, w):
    ClientFactory(firm=w.firm_a, name="江西洪城水业股份有限公司")
    login_verified(client, w.manager_a)
    warning = client.get("/clients/similar/", {"name": "江西洪城水业（有限责任公司）"})
    assert "江西洪城水业股份有限公司" in warning.text
    assert client.get("/clients/similar/", {"name": "完全不同"}).text.strip() == ""
    assert (
        client.get("/clients/similar/", {"name": "江西洪城水业", "firm": "x", "exclude": "y"}).status_code
        == 200
    )
    data = form_data(office=w.firm_a.pk, name="江西洪城水业有限公司")
    response = client.post("/clients/add/", data)
    assert response.status_code == 400 and "江西洪城水业股份有限公司" in response.text
    assert "confirm_similar" in response.text
    assert client.post("/clients/add/", {**data, "confirm_similar": "on"}).status_code == 302


def test_edit_keeps_a_finer_industry_code_and_logs_the_change(client, w):
    Client.objects.filter(pk=w.client_a.pk).update(industry="1311")
    login_verified(client, w.admin_a)
    page = client.get(f"/clients/{w.client_a.pk}/edit/").text
    assert 'value="1311" selected' in page
    data = form_data(
        name=w.client_a.name,
        credit_code=w.client_a.credit_code,
        office=w.firm_a.pk,
        industry="1311",
        address="南昌市红谷滩区丰和中大道1号",
    )
    assert client.post(f"/clients/{w.client_a.pk}/edit/", data).status_code == 302
    detail = client.get(f"/clients/{w.client_a.pk}/").text
    assert "南昌市红谷滩区丰和中大道1号" in detail
    assert "Processing of Food from Agricultural Products" in detail
    assert w.admin_a.username in detail  # the change log (the firm administrator reads it)


def test_detail_shows_group_and_engagements(client, w):
    child = ClientFactory(firm=w.firm_a, name="子公司甲", parent=w.client_a)
    ClientFactory(firm=w.firm_a, name="孙公司乙", parent=child)
    EngagementFactory(client=child, status=Status.FIELDWORK, code="E-CHILD")
    login_verified(client, w.auditor_a)
    page = client.get(f"/clients/{child.pk}/").text
    group = page[page.index('data-testid="group"') :]
    assert group.index(w.client_a.name) < group.index("子公司甲") < group.index("孙公司乙")
    assert "E-CHILD" in page and "Fieldwork" in page
    assert 'data-testid="edit"' not in page  # staff read only


def test_contacts_in_place_with_htmx(client, w):
    login_verified(client, w.manager_a)
    htmx = {"HTTP_HX_REQUEST": "true"}
    form = client.get(f"/clients/{w.client_a.pk}/contacts/add/", **htmx)
    assert 'data-testid="contact-form"' in form.text and "<html" not in form.text
    bad = client.post(f"/clients/{w.client_a.pk}/contacts/add/", {"name": "王会计", "email": "bad"}, **htmx)
    assert bad.status_code == 200 and "Enter a valid email address." in bad.text
    card = client.post(
        f"/clients/{w.client_a.pk}/contacts/add/",
        {"name": "王会计", "phone": "13800000000", "primary": "on"},
        **htmx,
    )
    assert "王会计" in card.text and 'data-testid="contact-form"' not in card.text
    contact = w.client_a.contacts.get()
    card = client.post(
        f"/clients/contacts/{contact.pk}/edit/", {"name": "王会计", "title": "财务经理"}, **htmx
    )
    assert "财务经理" in card.text
    card = client.post(f"/clients/contacts/{contact.pk}/remove/", **htmx)
    assert "No contacts yet." in card.text
    assert not w.client_a.contacts.exists()


def test_contacts_without_script(client, w):
    contact = ContactFactory(client=w.client_a)
    login_verified(client, w.manager_a)
    assert "<html" in client.get(f"/clients/contacts/{contact.pk}/edit/").text
    response = client.post(f"/clients/contacts/{contact.pk}/edit/", {"name": "新名字"})
    assert response.status_code == 302 and response.url == f"/clients/{w.client_a.pk}/"
    response = client.post(f"/clients/contacts/{contact.pk}/remove/")
    assert response.status_code == 302


def test_staff_cannot_change_contacts(client, w):
    contact = ContactFactory(client=w.client_a)
    login_verified(client, w.auditor_a)
    assert client.post(f"/clients/contacts/{contact.pk}/remove/").status_code == 403
    assert client.post(f"/clients/{w.client_a.pk}/contacts/add/", {"name": "x"}).status_code == 403


def test_blacklist_pages(client, w):
    login_verified(client, w.partner_a)
    response = client.post(
        "/clients/blacklist/add/", {"firm": w.firm_a.pk, "name": w.client_a.name, "reason": "串通舞弊"}
    )
    entry = BlacklistEntry.objects.get()
    assert response.status_code == 302 and response.url == f"/clients/blacklist/{entry.pk}/"
    page = client.get(response.url).text
    assert w.client_a.name in page and 'data-testid="deactivate"' in page
    assert (
        "client blacklist; new engagements will be refused" in client.get(f"/clients/{w.client_a.pk}/").text
    )
    assert client.post(f"/clients/blacklist/{entry.pk}/deactivate/", {"reason": ""}).status_code == 400
    assert client.post(f"/clients/blacklist/{entry.pk}/deactivate/", {"reason": "已解除"}).status_code == 302
    entry.refresh_from_db()
    assert not entry.active and entry.deactivated_by == w.partner_a
    login_verified(client, w.manager_a)
    assert 'data-testid="deactivate"' not in client.get(f"/clients/blacklist/{entry.pk}/").text
    assert client.post(f"/clients/blacklist/{entry.pk}/deactivate/", {"reason": "x"}).status_code == 403


def test_history_shows_the_clients_and_its_contacts_changes_to_the_firm_admin(client, w):
    from cpahub.clients import history, services

    contact = services.save_contact(w.manager_a, w.client_a, name="临时联系人")
    services.remove_contact(w.manager_a, contact)
    services.save_contact(w.manager_a, w.branch_client, name="别的客户的联系人")
    changes = history.changes(w.admin_a, w.client_a)
    assert sorted((c.content_type.model, c.action) for c in changes) == [
        ("client", "create"),
        ("clientcontact", "create"),
        ("clientcontact", "delete"),
    ]
    assert not history.changes(w.partner_b, w.client_a).exists()
