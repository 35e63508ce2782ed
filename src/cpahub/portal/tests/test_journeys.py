"""Browser journeys of the public portal in headless Chromium (desktop and a 390px phone)."""

import re

import pytest
from django.conf import settings
from django.test import Client

from cpahub.accounts.choices import Role
from cpahub.portal.tests.conftest import login
from cpahub.portal.tests.test_public import assert_no_private_value
from cpahub.testing.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _visitor_finds_a_firm_and_a_cpa(page, live_server, province, label: str) -> None:
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("[data-chart-drawn] svg")  # the ECharts chart has been drawn
    screenshot(page, f"portal-{label}-1-index")

    # The landing page's box is an ordinary form: it opens the search page.
    page.fill("#search-form input[name=q]", "甲会计")
    page.press("#search-form input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator("a:visible", has_text="甲会计师事务所赣州分所").count() == 1

    # On the search page, typing updates the results in place (HTMX) and the address bar.
    box = page.locator("#search-form input[name=q]")
    box.fill("")
    box.press_sequentially("乙会", delay=50)
    page.locator("#search-results a:visible", has_text="乙会计师事务所").wait_for()
    assert page.locator("#search-results a:visible", has_text="甲会计师事务所").count() == 0
    page.wait_for_url(re.compile(r"q=%E4%B9%99"))
    box.fill("甲会计")
    box.press("Enter")
    page.locator("#search-results a:visible", has_text="甲会计师事务所赣州分所").wait_for()
    screenshot(page, f"portal-{label}-2-search")

    page.locator("#search-results").get_by_text("甲会计师事务所", exact=True).locator("visible=true").click()
    page.wait_for_url(re.compile(rf"/firms/{province.firms['A'].pk}/$"))
    assert page.locator("h1").inner_text() == "甲会计师事务所"
    assert_no_private_value(page.content())
    screenshot(page, f"portal-{label}-3-firm")

    page.locator("[data-testid=firm-cpas] a", has_text="张秘密").click()
    page.wait_for_url(re.compile(rf"/cpas/{province.cpas['secret'].pk}/$"))
    assert page.locator("h1").inner_text() == "张秘密"
    assert province.cpas["secret"].certificate_no in page.content()
    assert_no_private_value(page.content())
    screenshot(page, f"portal-{label}-4-cpa")

    # No page of the journey is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_public_visitor_searches_a_firm_and_sees_no_private_field(page, live_server, province):
    _visitor_finds_a_firm_and_a_cpa(page, live_server, province, "desktop")


def test_public_visitor_on_a_phone(phone_page, live_server, province):
    _visitor_finds_a_firm_and_a_cpa(phone_page, live_server, province, "phone")
    for path, name in (("/penalties/", "penalties"), ("/cases/", "cases"), ("/join/", "apply")):
        phone_page.goto(f"{live_server.url}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(phone_page, f"portal-phone-5-{name}")


def test_search_without_javascript(browser, live_server, province):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/search/")
        page.fill("#search-form input[name=q]", "乙会")
        page.click("#search-form button[type=submit]")
        page.wait_for_url(re.compile(r"/search/\?q="))
        assert page.locator("a:visible", has_text="乙会计师事务所").count() == 1
        assert page.locator("a:visible", has_text="甲会计师事务所").count() == 0
    finally:
        context.close()


def _log_in(page, live_server, user) -> None:
    """Give the browser the session of a user who has passed both login steps."""
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_home_pages_on_desktop_and_phone(page, phone_page, live_server, province, user_in):
    staff = user_in(Role.ASSOCIATION_STAFF, "province")
    admin = user_in(Role.FIRM_ADMIN, "A")
    for current, label in ((page, "desktop"), (phone_page, "phone")):
        _log_in(current, live_server, staff)
        current.goto(f"{live_server.url}/home/")
        current.wait_for_selector("[data-chart-drawn] svg")
        assert current.locator("[data-testid=firms-total]").inner_text() == "4"
        assert current.evaluate("document.documentElement.scrollWidth") <= current.viewport_size["width"]
        screenshot(current, f"portal-{label}-6-home-province")
        current.context.clear_cookies()
        _log_in(current, live_server, admin)
        current.goto(f"{live_server.url}/home/")
        assert current.locator("[data-testid=firm-card] h2").inner_text() == "甲会计师事务所"
        assert "乙会计师事务所" not in current.content()
        assert current.evaluate("document.documentElement.scrollWidth") <= current.viewport_size["width"]
        screenshot(current, f"portal-{label}-7-home-firm")
