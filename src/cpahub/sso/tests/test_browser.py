"""The first sign-on journey in headless Chromium: provider login, link page, logged in."""

import pytest
from playwright.sync_api import expect

from cpahub.sso.models import SSOIdentity
from cpahub.testing.browser import screenshot
from cpahub.testing.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def site_url(settings, live_server, oidc):
    settings.SITE_URL = live_server.url  # after `oidc`, which points it at the test client


def sign_on_at_provider(page, live_server, oidc):
    page.goto(f"{live_server.url}/sso/login/oidc/?next=/home/")
    page.fill("#op-username", "alice")
    page.fill("#op-password", oidc.password("alice"))
    page.click("#op-submit")
    page.wait_for_url(f"{live_server.url}/sso/link/")


def test_first_sign_on_links_the_account(page, live_server, oidc, transactional_db):
    user = UserFactory(username="zhangli")

    sign_on_at_provider(page, live_server, oidc)
    expect(page.get_by_test_id("sso-claims")).to_contain_text("张丽")
    screenshot(page, "sso-link")
    page.fill("input[name=username]", "zhangli")
    page.fill("input[name=password]", "Passw0rd!2024")
    page.click("button[name=link]")

    page.wait_for_url(f"{live_server.url}/home/")
    identity = SSOIdentity.objects.get()
    assert (identity.subject, identity.user_id) == (oidc.subjects["alice"], user.pk)


def test_cancel_on_a_phone_refuses(phone_page, live_server, oidc, transactional_db):
    sign_on_at_provider(phone_page, live_server, oidc)
    phone_page.click("button[name=cancel]")

    refused = phone_page.get_by_test_id("sso-refused")
    expect(refused).to_have_attribute("data-reason", "cancelled")
    screenshot(phone_page, "sso-cancelled-phone")
    assert SSOIdentity.objects.count() == 0
