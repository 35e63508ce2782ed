"""Browser journeys: an administrator resets a forgotten password and the person changes it at the
next login; the security administrator finds an account without a role and gives it one;
association staff edit and suspend an organisation."""

import re

import pytest

from cpahub.accounts.choices import OrgKind, OrgStatus, Role, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, SecurityEvent, User
from cpahub.testing import factories as f
from cpahub.testing.browser import login, login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Spring-Rain-2025"


def test_admin_resets_a_password_and_the_person_must_change_it(page, live_server):
    firm = f.FirmFactory(organisation__name="丙会计师事务所").organisation
    admin = f.user_with_role(Role.FIRM_ADMIN, firm, username="admin_c", display_name="管理员丙")
    f.user_with_role(Role.STAFF_AUDITOR, firm, username="li_auditor", display_name="李审计")
    page.on("dialog", lambda dialog: dialog.accept())

    # The firm administrator resets the password on the person's staff page.
    login_as(page, live_server, admin)
    page.goto(f"{live_server.url}/accounts/staff/")
    page.get_by_test_id("staff-table").get_by_role("link", name="李审计").click()
    page.get_by_test_id("reset-password").click()
    shown = page.get_by_test_id("temporary-password")
    shown.wait_for()
    temporary = shown.locator("input").input_value()
    assert len(temporary) == 14
    assert "li_auditor" in shown.inner_text()
    screenshot(page, "accounts-password-reset")
    user = User.objects.get(username="li_auditor")
    assert (user.must_change_password, user.check_password(temporary)) == (True, True)
    assert SecurityEvent.objects.filter(event=SecurityEventType.PASSWORD_RESET, user=admin).count() == 1

    # The person logs in with it, is sent to change it, and then reaches home.
    page.context.clear_cookies()
    login(page, live_server, "li_auditor", temporary)
    page.wait_for_url(re.compile(r"/accounts/password/"))
    assert page.get_by_test_id("password-forced").is_visible()
    page.goto(f"{live_server.url}/registry/firms/")  # nothing else opens first
    page.wait_for_url(re.compile(r"/accounts/password/"))
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/registry/firms/$"))
    page.goto(f"{live_server.url}/home/")
    page.wait_for_url(re.compile(r"/home/$"))
    user.refresh_from_db()
    assert (user.must_change_password, user.check_password(NEW_PASSWORD)) == (False, True)


def test_security_admin_gives_a_role_to_an_account_without_one(page, phone_page, live_server):
    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None, name="江西省注协")
    regulator = f.OrganisationFactory(kind=OrgKind.REGULATOR, credit_code=None, name="江西省财政厅")
    secadmin = f.user_with_role(Role.SECURITY_ADMIN, province, username="secadmin", display_name="安管员")
    assoc = f.user_with_role(Role.ASSOCIATION_STAFF, province, username="assoc", display_name="协会员")
    zhou = f.UserFactory(username="zhou", display_name="周无岗")
    page.on("dialog", lambda dialog: dialog.accept())

    # From the organisation list to the accounts without a role.
    login_as(page, live_server, secadmin)
    page.goto(f"{live_server.url}/accounts/organisations/")
    page.get_by_test_id("people-without-role").click()
    page.wait_for_url(re.compile(r"/accounts/people/\?roles=none"))
    table = page.get_by_test_id("object-table")
    assert table.locator("tbody tr").count() == 1
    screenshot(page, "accounts-people-without-role")
    table.get_by_role("link", name="周无岗").click()
    page.wait_for_url(re.compile(rf"/accounts/people/{zhou.pk}/$"))
    assert page.get_by_test_id("no-role").is_visible()

    # Find the regulator and give the reader role; the page comes back with the role.
    page.fill("[data-testid=give-role] input[name=org]", "财政")
    page.click("[data-testid=give-role] form[role=search] button")
    places = page.get_by_test_id("places")
    places.wait_for()
    places.locator("select[name=role]").select_option("regulator_reader")
    places.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/accounts/people/{zhou.pk}/$"))
    assert "江西省财政厅" in page.get_by_test_id("person-roles").inner_text()
    membership = Membership.objects.get(user=zhou, active=True)
    assert (membership.organisation_id, membership.role) == (regulator.pk, Role.REGULATOR_READER)
    screenshot(page, "accounts-person")

    # On the regulator's page, the key button resets the password; the page shows it once.
    page.goto(f"{live_server.url}/accounts/organisations/{regulator.pk}/")
    page.get_by_test_id("reset-password-zhou").click()
    temporary = page.get_by_test_id("temporary-password").locator("input").input_value()
    zhou.refresh_from_db()
    assert zhou.check_password(temporary) is True

    # Association staff edit the regulator and suspend it: zhou's role then reaches nothing.
    page.context.clear_cookies()
    login_as(page, live_server, assoc)
    page.goto(f"{live_server.url}/accounts/organisations/{regulator.pk}/")
    page.get_by_test_id("organisation-edit").click()
    page.wait_for_url(re.compile(rf"/accounts/organisations/{regulator.pk}/edit/$"))
    page.fill("input[name=phone]", "0791-86000000")
    page.select_option("select[name=status]", "suspended")
    screenshot(page, "accounts-organisation-edit")
    page.click("[data-testid=organisation-edit-form] button[type=submit]")
    page.wait_for_url(re.compile(rf"/accounts/organisations/{regulator.pk}/$"))
    assert page.get_by_test_id("organisation-inactive").is_visible()
    regulator.refresh_from_db()
    assert (regulator.phone, regulator.status) == ("0791-86000000", OrgStatus.SUSPENDED)
    assert Organisation.objects.restrict(User.objects.get(pk=zhou.pk), "view").count() == 0

    # The people list and a person's page fit a phone.
    login_as(phone_page, live_server, secadmin)
    for path in ("/accounts/people/", f"/accounts/people/{zhou.pk}/"):
        phone_page.goto(f"{live_server.url}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "accounts-person-phone")
