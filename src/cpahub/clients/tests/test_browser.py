"""Browser journeys of the clients part in headless Chromium."""

import re

import pytest

from cpahub.clients.models import Client
from cpahub.testing.browser import login_as, screenshot
from cpahub.testing.factories import credit_code
from cpahub.testing.practice import ClientFactory, firm_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_client(page, live_server):
    w = firm_world()
    ClientFactory(firm=w.firm_a, name="江西洪城水业股份有限公司")
    login_as(page, live_server, w.manager_a)
    page.goto(f"{live_server.url}/clients/")
    page.get_by_test_id("add-client").click()
    page.wait_for_url(re.compile(r"/clients/add/$"))

    page.fill("input[name=name]", "江西洪城水业（有限责任公司）")
    warning = page.get_by_test_id("similar-names")
    warning.wait_for()  # the similar-name warning arrives while typing (HTMX)
    assert "江西洪城水业股份有限公司" in warning.inner_text()
    page.fill("input[name=name]", "江西赣江新材料有限公司")
    page.wait_for_function("!document.querySelector('[data-testid=similar-names]')")

    page.fill("input[name=credit_code]", w.client_a.credit_code)  # a duplicate first
    page.select_option("select[name=industry]", "26")
    page.select_option("select[name=ownership]", "private")
    page.check("input[name=listed]")
    page.select_option("select[name=exchange]", "sse")
    page.fill("input[name=stock_code]", "688001.SH")
    page.fill("input[name=registered_capital]", "50000000")
    page.select_option("select[name=city]", "360100")
    page.select_option("select[name=parent]", label=w.client_a.name)
    page.get_by_test_id("save").click()
    duplicate = page.get_by_test_id("duplicate")
    assert w.client_a.name in duplicate.inner_text()
    screenshot(page, "clients-duplicate")

    page.fill("input[name=credit_code]", credit_code(7501))
    page.get_by_test_id("save").click()
    created = Client.objects.get(credit_code=credit_code(7501))
    page.wait_for_url(re.compile(rf"/clients/{created.pk}/$"))
    assert (created.stock_code, created.industry_section, created.parent) == ("688001", "C", w.client_a)
    profile = page.get_by_test_id("profile").inner_text()
    assert "26 化学原料和化学制品制造业" in profile and "C 制造业" in profile  # the browser asks for Chinese

    page.get_by_test_id("add-contact").click()
    form = page.get_by_test_id("contact-form")
    form.locator("input[name=name]").fill("王会计")
    form.locator("input[name=phone]").fill("13800000000")
    form.locator("input[name=primary]").check()
    form.get_by_test_id("save-contact").click()
    page.get_by_test_id("contact").first.wait_for()
    assert "王会计" in page.get_by_test_id("contacts").inner_text()
    assert w.client_a.name in page.get_by_test_id("group").inner_text()
    screenshot(page, "clients-detail")


def test_clients_on_a_phone(phone_page, live_server):
    w = firm_world()
    ClientFactory(firm=w.firm_a, name="南昌软件有限公司", industry="6511", parent=w.client_a)
    login_as(phone_page, live_server, w.manager_a)
    phone_page.goto(f"{live_server.url}/clients/?section=I")
    assert phone_page.get_by_test_id("object-table").get_by_text("南昌软件有限公司").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "clients-list-phone")
    phone_page.goto(f"{live_server.url}/clients/add/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "clients-form-phone")
    phone_page.goto(f"{live_server.url}/clients/{w.client_a.pk}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "clients-detail-phone")


def test_a_user_of_another_firm_sees_nothing(page, live_server):
    w = firm_world()
    login_as(page, live_server, w.partner_b)
    page.goto(f"{live_server.url}/clients/")
    assert w.client_a.name not in page.content()
    response = page.goto(f"{live_server.url}/clients/{w.client_a.pk}/")
    assert response.status == 404 and w.client_a.name not in page.content()
