"""Browser journeys of the registry in headless Chromium."""

import re

import pytest

from cpahub.testing.browser import login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_firm_admin_edits_own_firm_and_cannot_reach_another(page, live_server, world):
    admin = world.users["admin_A"]
    own, other = world.firms["A"], world.firms["B"]
    login_as(page, live_server, admin)

    page.goto(f"{live_server.url}/registry/firms/")
    table = page.get_by_test_id("object-table")
    assert table.get_by_role("link", name="甲会计师事务所", exact=True).is_visible()
    assert table.get_by_text("乙会计师事务所").count() == 0

    table.get_by_role("link", name="甲会计师事务所", exact=True).click()
    page.wait_for_url(re.compile(rf"/registry/firms/{own.pk}/$"))
    page.locator(f"a[href='/registry/firms/{own.pk}/edit/']").click()
    page.fill("input[name=address]", "南昌市红谷滩区会展路999号")
    page.fill("input[name=chief_partner]", "周合伙")
    assert page.locator("input[name=licence_no]").is_disabled()  # association-only field
    screenshot(page, "registry-firm-edit")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/registry/firms/{own.pk}/$"))
    assert page.get_by_text("南昌市红谷滩区会展路999号").is_visible()
    history = page.get_by_test_id("changelog")
    assert history.get_by_text("admin_A").count() == 2  # the firm record and its organisation record
    assert "address" in history.inner_text()
    screenshot(page, "registry-firm-detail")

    response = page.goto(f"{live_server.url}/registry/firms/{other.pk}/")
    assert response.status == 404
    assert "乙会计师事务所" not in page.content()
    response = page.goto(f"{live_server.url}/registry/firms/{other.pk}/edit/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/api/registry/firms/{other.pk}/")
    assert response.status == 404
    assert "乙会计师事务所" not in page.content()
    response = page.goto(f"{live_server.url}/api/registry/firms/{own.pk}/")
    assert response.status == 200 and "会展路999号" in page.content()


def test_registry_list_on_a_phone(phone_page, live_server, world):
    login_as(phone_page, live_server, world.users["assoc_staff"])
    phone_page.goto(f"{live_server.url}/registry/cpas/")
    assert phone_page.get_by_test_id("object-table").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # the table scrolls inside its container, the page does not
    screenshot(phone_page, "registry-cpas-phone")
