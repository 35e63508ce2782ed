"""Browser journey: the security administrator and association staff run organisations and people."""

import re

import pytest

from cpahub.accounts.choices import OrgKind, Role
from cpahub.accounts.models import Invitation, Membership, Organisation
from cpahub.testing import factories as f
from cpahub.testing.browser import login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_menu_item(page, href: str) -> None:
    page.locator(f".nav-item.dropdown:has(a[href='{href}']) > a.dropdown-toggle").click()
    page.locator(f"a.dropdown-item[href='{href}']").click()


def test_security_admin_and_association_staff_manage_organisations(page, phone_page, live_server):
    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None, name="江西省注协")
    regulator = f.OrganisationFactory(kind=OrgKind.REGULATOR, credit_code=None, name="江西省财政厅")
    f.OrganisationFactory(kind=OrgKind.CONFIRMING_PARTY, credit_code=None, name="某银行南昌分行")
    secadmin = f.user_with_role(Role.SECURITY_ADMIN, province, username="secadmin", display_name="安管员")
    assoc = f.user_with_role(Role.ASSOCIATION_STAFF, province, username="assoc", display_name="协会员")
    wu = f.UserFactory(username="wu", display_name="吴读者")
    page.on("dialog", lambda dialog: dialog.accept())

    # The security administrator finds the regulator through the menu and the kind filter.
    login_as(page, live_server, secadmin)
    page.goto(f"{live_server.url}/accounts/profile/")
    open_menu_item(page, "/accounts/organisations/")
    page.wait_for_url(re.compile(r"/accounts/organisations/$"))
    assert page.get_by_test_id("object-table").locator("tbody tr").count() == 3
    page.select_option("select[name=kind]", "regulator")
    page.wait_for_function("document.querySelectorAll('[data-testid=object-table] tbody tr').length === 1")
    page.get_by_test_id("object-table").get_by_role("link", name="江西省财政厅").click()
    page.wait_for_url(re.compile(rf"/accounts/organisations/{regulator.pk}/$"))

    # Invite a new person by link.
    page.fill("[data-testid=invite-form] input[name=display_name]", "郑新人")
    page.check("[data-testid=invite-form] input[value=regulator_reader]")
    page.click("[data-testid=invite-form] button[type=submit]")
    link = page.get_by_test_id("invitation-link").locator("input").input_value()
    assert "/accounts/invite/" in link
    assert page.get_by_test_id("open-invitations").locator("li").count() == 1
    assert Invitation.objects.get().roles == ["regulator_reader"]

    # Give an existing account the reader role, found by user name.
    page.fill("[data-testid=grant-card] input[name=find]", "wu")
    page.click("[data-testid=grant-card] form[role=search] button")
    page.get_by_test_id("candidates").locator("button[type=submit]").click()
    row = page.locator("[data-testid=people-table] tr[data-username=wu]")
    row.wait_for()
    assert "吴读者" in row.inner_text()
    membership = Membership.objects.get(user=wu, active=True)
    assert (membership.organisation_id, membership.role) == (regulator.pk, "regulator_reader")
    screenshot(page, "accounts-organisation-detail")

    # End the role again (the confirmation dialog is accepted).
    page.get_by_test_id(f"revoke-{membership.pk}").click()
    page.wait_for_selector("[data-testid=people-table] tr[data-username=wu]", state="detached")
    membership.refresh_from_db()
    assert membership.active is False

    # Association staff add a city association.
    page.context.clear_cookies()
    login_as(page, live_server, assoc)
    page.goto(f"{live_server.url}/accounts/organisations/")
    page.click("a[href='/accounts/organisations/add/']")
    page.select_option("select[name=kind]", "city")
    page.fill("input[name=name]", "九江市注册会计师协会")
    page.select_option("select[name=city]", "360400")
    screenshot(page, "accounts-organisation-add")
    page.click("main form button[type=submit]")
    created = Organisation.objects.get(name="九江市注册会计师协会")
    page.wait_for_url(re.compile(rf"/accounts/organisations/{created.pk}/$"))
    assert page.locator("h1").inner_text() == "九江市注册会计师协会"
    assert (created.kind, created.city) == (OrgKind.CITY_ASSOCIATION, "360400")

    # The page fits a phone.
    login_as(phone_page, live_server, secadmin)
    phone_page.goto(f"{live_server.url}/accounts/organisations/{regulator.pk}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "accounts-organisation-detail-phone")
