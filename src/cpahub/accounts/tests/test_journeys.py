"""Browser journeys of logging in, lockout and two-factor set-up, in headless Chromium."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts.choices import OrgKind, Role, SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.accounts.tests.conftest import PASSWORD, add_totp, code_for
from cpahub.testing import factories as f
from cpahub.testing.browser import login, login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sixth_attempt_after_five_wrong_passwords_is_locked_out(page, live_server):
    f.UserFactory(username="wang")
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "accounts-login")
    for _ in range(5):
        login(page, live_server, "wang", "not-the-password")
    login(page, live_server, "wang", PASSWORD)
    locked = page.get_by_test_id("locked-out")
    assert locked.is_visible()
    assert "wang" in locked.inner_text()
    assert "15" in locked.inner_text()
    assert "/accounts/login/" in page.url
    screenshot(page, "accounts-locked-out")
    assert SecurityEvent.objects.filter(event=SecurityEventType.LOCKED_OUT, username="wang").count() == 1
    assert not SecurityEvent.objects.filter(event=SecurityEventType.LOGIN).exists()


def test_login_with_password_then_totp_code_reaches_home(page, live_server):
    user = f.UserFactory(username="li")
    device = add_totp(user)
    login(page, live_server, "li", PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/verify/"))
    screenshot(page, "accounts-2fa-verify")
    page.fill("input[name=code]", code_for(device))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/home/$"))
    assert page.get_by_test_id("user-menu").is_visible() or page.locator(".navbar-toggler").is_visible()
    assert SecurityEvent.objects.filter(event=SecurityEventType.TWO_FACTOR_VERIFIED, user=user).count() == 1


def test_association_staff_without_device_must_set_up_two_factor(page, live_server):
    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None)
    user = f.user_with_role(Role.ASSOCIATION_STAFF, province, username="zhao")
    login(page, live_server, "zhao", PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    assert page.get_by_test_id("twofactor-required").is_visible()
    assert page.get_by_test_id("qr-code").locator("svg").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    screenshot(page, "accounts-2fa-setup")
    # any other page sends the user back here
    page.goto(f"{live_server.url}/accounts/profile/")
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.fill("input[name=code]", code_for(device))
    page.click("main form button[type=submit]")
    codes = page.get_by_test_id("backup-codes")
    assert codes.locator("li").count() == 10
    screenshot(page, "accounts-backup-codes")
    page.get_by_role("link", name=re.compile(".")).filter(
        has_text=re.compile("continue|继续", re.I)
    ).first.click()
    page.wait_for_url(re.compile(r"/accounts/profile/$"))
    assert page.get_by_test_id("twofactor-card").is_visible()
    screenshot(page, "accounts-profile")


def test_pages_on_a_phone(phone_page, live_server):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "accounts-login-phone")
    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None)
    user = f.user_with_role(Role.ASSOCIATION_STAFF, province, username="qian")
    login(page, live_server, "qian", PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "accounts-2fa-setup-phone")
    page.context.clear_cookies()
    device = add_totp(user)
    login(page, live_server, "qian", PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/verify/"))
    screenshot(page, "accounts-2fa-verify-phone")
    page.fill("input[name=code]", code_for(device))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/home/$"))
    page.goto(f"{live_server.url}/accounts/profile/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "accounts-profile-phone")


def test_staff_and_security_log_pages(page, live_server):
    firm = f.FirmFactory(organisation__name="测试会计师事务所").organisation
    admin = f.user_with_role(Role.FIRM_ADMIN, firm, username="firmadmin", display_name="周管理")
    f.user_with_role(Role.CPA, firm, username="cpa1", display_name="吴会计")
    login_as(page, live_server, admin)
    page.goto(f"{live_server.url}/accounts/staff/")
    page.fill("input[name=display_name]", "郑新人")
    page.check("input[value=manager]")
    page.click("[data-testid=invite-form] button[type=submit]")
    link = page.get_by_test_id("invitation-link").locator("input").input_value()
    assert "/accounts/invite/" in link
    screenshot(page, "accounts-staff")
    page.context.clear_cookies()
    page.goto(link)
    screenshot(page, "accounts-invitation")

    province = f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, credit_code=None)
    auditor = f.user_with_role(Role.AUDIT_ADMIN, province, username="auditadmin")
    login_as(page, live_server, auditor)
    page.goto(f"{live_server.url}/accounts/security-log/")
    assert page.get_by_test_id("security-log").locator("tbody tr").count() >= 2
    screenshot(page, "accounts-security-log")
    page.goto(f"{live_server.url}/accounts/security-log/verify/")
    assert page.get_by_test_id("chain-ok").is_visible()

    sysadmin = f.user_with_role(Role.SYSTEM_ADMIN, province, username="sysadmin")
    page.context.clear_cookies()
    login_as(page, live_server, sysadmin)
    response = page.goto(f"{live_server.url}/accounts/security-log/")
    assert response.status == 403
    assert page.get_by_test_id("forbidden").is_visible()
    screenshot(page, "accounts-forbidden")
