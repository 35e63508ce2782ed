"""The firm's staff page: who is listed, who edits profiles, what is refused, and what a profile unlocks."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.accounts.choices import Role
from cpahub.core.models import ObjectChange
from cpahub.core.navigation import menu_for
from cpahub.engagements.choices import AcceptanceStatus, RiskLevel
from cpahub.engagements.models import Acceptance
from cpahub.engagements.services.acceptance import ensure_acceptance
from cpahub.practice.models import FirmSettings, StaffProfile
from cpahub.practice.services import save_profile
from cpahub.testing.browser import login_as, screenshot
from cpahub.testing.factories import login_verified, user_with_role
from cpahub.testing.practice import firm_world, staff
from cpahub.timesheets.services.entries import profile_for, sheet_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = firm_world()
    # A new assistant of the branch, with a membership but no profile yet.
    w.newcomer = user_with_role(Role.STAFF_AUDITOR, w.branch_a, display_name="新来的审计员")
    return w


def url(firm, person=None):
    return f"/practice/{firm.pk}/staff/" + (f"{person.pk}/" if person else "")


def listed(response) -> set[int]:
    return {row["person"].pk for row in response.context["rows"]}


def form_data(office, grade=None, **extra):
    data = {
        "office": office.pk,
        "grade": grade.pk if grade else "",
        "employee_no": "",
        "capacity": "1",
        "joined": "",
        "left": "",
    }
    data.update(extra)
    return data


# Listing ------------------------------------------------------------------------------------------


def test_the_head_office_sees_everyone_of_the_firm_and_its_branches(client, w):
    login_verified(client, w.auditor_a)
    assert client.get("/practice/staff/")["Location"] == url(w.firm_a)
    page = client.get(url(w.firm_a))
    assert page.status_code == 200
    firm_a = {
        w.admin_a, w.partner_a, w.quality_a, w.manager_a, w.auditor_a, w.assistant_a, w.finance_a,
        w.branch_manager, w.branch_auditor, w.newcomer,
    }  # fmt: skip
    assert listed(page) == {u.pk for u in firm_a}
    newcomer = next(row for row in page.context["rows"] if row["person"] == w.newcomer)
    assert newcomer["profile"] is None
    assert 'data-testid="no-profile"' in page.text
    assert "新来的审计员" in page.text


def test_a_branch_sees_its_branch_until_the_firm_grants_the_whole_firm(client, w):
    login_verified(client, w.branch_auditor)
    page = client.get(url(w.firm_a))
    assert listed(page) == {w.branch_manager.pk, w.branch_auditor.pk, w.newcomer.pk}
    FirmSettings.objects.update_or_create(firm=w.firm_a, defaults={"branches_see_firm": True})
    assert w.partner_a.pk in listed(client.get(url(w.firm_a)))


def test_other_firms_and_the_association_get_nothing(client, w):
    login_verified(client, w.partner_b)
    assert client.get(url(w.firm_a)).status_code == 404
    assert client.get(url(w.firm_a, w.newcomer)).status_code == 404
    assert w.partner_a.pk not in listed(client.get(url(w.firm_b)))
    client.logout()
    login_verified(client, w.assoc)
    assert client.get(url(w.firm_a)).status_code == 404
    assert client.get(url(w.firm_a, w.auditor_a)).status_code == 404
    assert client.get("/practice/staff/").status_code == 403


def test_filters_by_office_grade_status_and_name(client, w):
    StaffProfile.objects.filter(user=w.assistant_a).update(
        left=datetime.date(2024, 6, 30), employee_no="HX-042"
    )
    login_verified(client, w.partner_a)
    page = url(w.firm_a)
    branch = {w.branch_manager.pk, w.branch_auditor.pk, w.newcomer.pk}
    assert listed(client.get(page, {"office": w.branch_a.pk})) == branch
    assert listed(client.get(page, {"grade": w.grades_a["M"].pk})) == {w.manager_a.pk, w.branch_manager.pk}
    assert listed(client.get(page, {"status": "none"})) == {w.newcomer.pk}
    assert listed(client.get(page, {"status": "left"})) == {w.assistant_a.pk}
    current = listed(client.get(page, {"status": "current"}))
    assert w.partner_a.pk in current and w.assistant_a.pk not in current and w.newcomer.pk not in current
    assert listed(client.get(page, {"q": "新来的"})) == {w.newcomer.pk}
    assert listed(client.get(page, {"q": "hx-042"})) == {w.assistant_a.pk}
    assert listed(client.get(page, {"office": w.firm_b.pk})) == set()  # not a choice: nothing


def test_the_list_is_paginated_by_fifty(client, w):
    for n in range(45):
        user_with_role(Role.STAFF_AUDITOR, w.firm_a, display_name=f"员工{n:02d}")
    login_verified(client, w.partner_a)
    first = client.get(url(w.firm_a))
    assert len(first.context["rows"]) == 50 and first.context["paginator"].count == 55
    assert len(client.get(url(w.firm_a), {"page": 2}).context["rows"]) == 5


def list_queries(client, w, extra: int) -> int:
    for n in range(extra):
        office = w.branch_a if n % 2 else w.firm_a
        if n % 3:
            staff(Role.STAFF_AUDITOR, office, w.grades_a["S"])
        else:
            user_with_role(Role.STAFF_AUDITOR, office)
    login_verified(client, w.partner_a)
    client.get(url(w.firm_a))  # warm the caches (content types, session) of the first request
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(w.firm_a)).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_number_of_queries_for_5_or_30_people(client, w):
    few = list_queries(client, w, 5)
    more = list_queries(client, w, 25)  # 30 added in all
    assert more == few


# Editing ------------------------------------------------------------------------------------------


def test_only_partners_and_the_administrator_edit(client, w):
    for user in (w.auditor_a, w.manager_a, w.finance_a):
        client.logout()
        login_verified(client, user)
        page = client.get(url(w.firm_a))
        assert page.status_code == 200 and "Create profile" not in page.text
        assert not page.context["editable"]
        assert client.get(url(w.firm_a, w.newcomer)).status_code == 403
        assert client.post(url(w.firm_a, w.newcomer), form_data(w.branch_a)).status_code == 403
        with pytest.raises(PermissionDenied):
            save_profile(user, w.firm_a, w.newcomer, office=w.branch_a)
    assert not StaffProfile.objects.filter(user=w.newcomer).exists()
    for user in (w.partner_a, w.admin_a):
        client.logout()
        login_verified(client, user)
        page = client.get(url(w.firm_a))
        assert "Create profile" in page.text and page.context["editable"]
        assert client.get(url(w.firm_a, w.newcomer)).status_code == 200


def test_a_partner_creates_a_profile_and_the_change_is_logged(client, w):
    login_verified(client, w.partner_a)
    form = client.get(url(w.firm_a, w.newcomer)).context["form"]
    assert form.initial["office"] == w.branch_a.pk  # from the membership
    data = form_data(w.branch_a, w.grades_a["A"], employee_no="GZ-007", capacity="0.5", joined="2025-03-01")
    response = client.post(url(w.firm_a, w.newcomer) + "?back=status%3Dnone", data | {"back": "status=none"})
    assert response.status_code == 302 and response["Location"] == url(w.firm_a) + "?status=none"
    profile = StaffProfile.objects.get(firm=w.firm_a, user=w.newcomer)
    assert (profile.office, profile.grade, profile.employee_no) == (w.branch_a, w.grades_a["A"], "GZ-007")
    assert (profile.capacity, profile.joined, profile.left) == (
        Decimal("0.5"),
        datetime.date(2025, 3, 1),
        None,
    )
    data["capacity"] = "0.8"
    assert client.post(url(w.firm_a, w.newcomer), data).status_code == 302
    change = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(StaffProfile),
        object_id=str(profile.pk),
        action="update",
    ).get()
    assert change in client.get(url(w.firm_a, w.newcomer)).context["changes"]  # the history on the page
    assert change.user == w.partner_a and change.owner_id == w.firm_a.pk
    assert (Decimal(change.before["capacity"]), Decimal(change.after["capacity"])) == (
        Decimal("0.5"),
        Decimal("0.8"),
    )


def test_a_branch_partner_edits_the_branch_only(client, w):
    branch_partner = staff(Role.PARTNER, w.branch_a, w.grades_a["P"])
    login_verified(client, branch_partner)
    assert client.get(url(w.firm_a, w.newcomer)).status_code == 200
    assert client.get(url(w.firm_a, w.auditor_a)).status_code == 403
    with pytest.raises(PermissionDenied):  # nor move a branch person to the head office
        save_profile(branch_partner, w.firm_a, w.branch_auditor, office=w.firm_a)
    with pytest.raises(PermissionDenied):
        save_profile(branch_partner, w.firm_a, w.auditor_a, capacity=Decimal("0.5"))
    save_profile(branch_partner, w.firm_a, w.branch_auditor, capacity=Decimal("0.5"))
    assert StaffProfile.objects.get(user=w.branch_auditor).capacity == Decimal("0.5")


def test_people_outside_the_firm_get_no_profile_in_it(client, w):
    login_verified(client, w.partner_a)
    assert client.get(url(w.firm_a, w.manager_b)).status_code == 404
    with pytest.raises(PermissionDenied):
        save_profile(w.partner_a, w.firm_a, w.manager_b, office=w.firm_a)


# Validation ---------------------------------------------------------------------------------------


def test_an_office_of_another_firm_is_refused(client, w):
    login_verified(client, w.partner_a)
    response = client.post(url(w.firm_a, w.newcomer), form_data(w.firm_b))
    assert response.status_code == 400 and response.context["form"].errors["office"]
    with pytest.raises(ValidationError) as error:
        save_profile(w.partner_a, w.firm_a, w.newcomer, office=w.firm_b)
    assert "office" in error.value.error_dict
    assert not StaffProfile.objects.filter(user=w.newcomer).exists()


def test_a_grade_of_another_firm_or_an_inactive_grade_is_refused(client, w):
    login_verified(client, w.partner_a)
    response = client.post(url(w.firm_a, w.newcomer), form_data(w.branch_a, w.grades_b["S"]))
    assert response.status_code == 400 and response.context["form"].errors["grade"]
    with pytest.raises(ValidationError) as error:
        save_profile(w.partner_a, w.firm_a, w.newcomer, office=w.branch_a, grade=w.grades_b["S"])
    assert "grade" in error.value.error_dict
    retired = w.grades_a["A"]
    retired.active = False
    retired.save()
    assert client.post(url(w.firm_a, w.newcomer), form_data(w.branch_a, retired)).status_code == 400
    with pytest.raises(ValidationError):
        save_profile(w.partner_a, w.firm_a, w.newcomer, office=w.branch_a, grade=retired)
    # Someone who already has the retired grade keeps it while other fields change.
    assert (
        client.post(url(w.firm_a, w.assistant_a), form_data(w.firm_a, retired, capacity="0.9")).status_code
        == 302
    )
    assert not StaffProfile.objects.filter(user=w.newcomer).exists()


def test_leaving_before_joining_and_capacity_above_one_are_refused(client, w):
    login_verified(client, w.partner_a)
    bad_dates = form_data(w.branch_a, joined="2025-05-01", left="2025-04-30")
    response = client.post(url(w.firm_a, w.newcomer), bad_dates)
    assert response.status_code == 400 and response.context["form"].errors["left"]
    response = client.post(url(w.firm_a, w.newcomer), form_data(w.branch_a, capacity="1.5"))
    assert response.status_code == 400 and response.context["form"].errors["capacity"]
    with pytest.raises(ValidationError) as error:
        save_profile(
            w.partner_a,
            w.firm_a,
            w.newcomer,
            office=w.branch_a,
            joined=datetime.date(2025, 5, 1),
            left=datetime.date(2025, 4, 30),
            capacity=Decimal("1.5"),
        )
    assert set(error.value.error_dict) == {"left", "capacity"}
    assert not StaffProfile.objects.filter(user=w.newcomer).exists()


# What a profile does ------------------------------------------------------------------------------


def test_the_new_profile_lets_the_person_record_time(client, w):
    with pytest.raises(PermissionDenied):
        profile_for(w.newcomer)
    login_verified(client, w.partner_a)
    client.post(url(w.firm_a, w.newcomer), form_data(w.branch_a, w.grades_a["A"]))
    profile = profile_for(w.newcomer, w.firm_a.pk)
    assert (profile.office, profile.grade) == (w.branch_a, w.grades_a["A"])
    sheet = sheet_for(w.newcomer, datetime.date(2025, 6, 4), create=True)
    assert (sheet.firm, sheet.office, sheet.week_start) == (w.firm_a, w.branch_a, datetime.date(2025, 6, 2))


def test_removing_the_last_quality_partner_is_allowed_with_a_warning(client, w):
    acceptance = ensure_acceptance(w.engagement_a)
    Acceptance.objects.filter(pk=acceptance.pk).update(
        status=AcceptanceStatus.SUBMITTED, risk_level=RiskLevel.HIGH
    )
    login_verified(client, w.partner_a)
    assert 'data-testid="no-quality-partner"' not in client.get(url(w.firm_a)).text
    data = form_data(w.firm_a, w.grades_a["P"])  # the quality partner box left unticked
    response = client.post(url(w.firm_a, w.quality_a), data, follow=True)
    assert response.status_code == 200
    assert not StaffProfile.objects.get(user=w.quality_a).quality_partner
    assert "The firm now has no risk and quality partner." in response.text
    page = client.get(url(w.firm_a))
    assert 'data-testid="no-quality-partner"' in page.text and page.context["pending_high_risk"] == 1
    assert "1 high-risk acceptance is waiting." in page.text
    client.post(url(w.firm_a, w.partner_a), form_data(w.firm_a, w.grades_a["P"], quality_partner="on"))
    assert 'data-testid="no-quality-partner"' not in client.get(url(w.firm_a)).text


def test_the_menu_links_the_page_for_managers_partners_and_the_administrator(w):
    def links(user):
        return {item["url"] for group in menu_for(user) for item in group["items"]}

    for user in (w.admin_a, w.partner_a, w.manager_a, w.branch_manager):
        assert "/practice/staff/" in links(user)
    for user in (w.auditor_a, w.finance_a, w.assoc):
        assert "/practice/staff/" not in links(user)


# In the browser -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_partner_gives_a_newcomer_a_profile_in_the_browser(page, phone_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page.set_default_timeout(60_000)  # shared machines: the first page load can be slow
    w = firm_world()
    newcomer = user_with_role(Role.STAFF_AUDITOR, w.branch_a, display_name="新来的审计员")
    login_as(page, live_server, w.partner_a)
    page.goto(f"{live_server.url}{url(w.firm_a)}?status=none")
    row = page.get_by_test_id("staff-table").get_by_test_id("staff-row")
    assert row.count() == 1 and "新来的审计员" in row.inner_text()
    row.locator("a").click()
    form = page.get_by_test_id("staff-form")
    form.locator("select[name=grade]").select_option(str(w.grades_a["A"].pk))
    form.locator("input[name=employee_no]").fill("GZ-007")
    form.locator("input[name=capacity]").fill("0.5")
    screenshot(page, "practice-staff-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/\?status=none$"))
    assert page.get_by_test_id("staff-row").count() == 0
    profile = StaffProfile.objects.get(user=newcomer)
    assert (profile.office, profile.grade, profile.capacity) == (w.branch_a, w.grades_a["A"], Decimal("0.5"))
    user_with_role(Role.CPA, w.firm_a, display_name="待建档案的注册会计师")
    StaffProfile.objects.filter(user=w.quality_a).update(quality_partner=False)
    page.goto(f"{live_server.url}{url(w.firm_a)}")
    assert page.get_by_test_id("no-quality-partner").is_visible()
    assert page.get_by_test_id("staff-table").get_by_test_id("no-profile").count() == 1
    assert (
        page.get_by_test_id("staff-table").is_visible() and not page.get_by_test_id("staff-list").is_visible()
    )
    screenshot(page, "practice-staff")
    phone_page.set_default_timeout(60_000)
    login_as(phone_page, live_server, w.partner_a)
    phone_page.goto(f"{live_server.url}{url(w.firm_a)}")
    assert phone_page.get_by_test_id("staff-list").is_visible()
    assert not phone_page.get_by_test_id("staff-table").is_visible()
    screenshot(phone_page, "practice-staff-phone")
