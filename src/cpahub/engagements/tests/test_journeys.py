"""Browser journey: accept a high-risk engagement through manager → partner → quality partner, then
assign its team and budget in place (headless Chromium, Chinese interface)."""

import re

import pytest

from cpahub.engagements.choices import Status
from cpahub.engagements.models import Engagement
from cpahub.testing.browser import login_as, screenshot
from cpahub.testing.practice import ClientFactory, firm_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Audit questionnaire order: integrity, independence, going concern, predecessor, competence, fee,
# public interest, litigation, scope, report use, ... Taking the top answer of fee (5), public
# interest (4), litigation (5) and scope (6) scores 20: high risk from 20.
HIGH_ANSWERS = (5, 6, 7, 8)


def as_user(page, live_server, user):
    page.context.clear_cookies()
    login_as(page, live_server, user)


def decide(page, live_server, engagement, user, comment):
    as_user(page, live_server, user)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/acceptance/")
    declaration = page.get_by_test_id("declaration-form")
    if declaration.count():
        declaration.locator("input[name=independent][value='1']").check()
        declaration.locator("button[type=submit]").click()
        page.wait_for_load_state()
    form = page.get_by_test_id("decision-form")
    form.locator("input[name=decision][value=approved]").check()
    form.locator("textarea[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_accept_a_high_risk_engagement_through_three_approvals_and_staff_it(page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the firm's questionnaire is seeded in the site's language
    page.set_default_timeout(60000)  # shared test machines can be slow; nothing here waits on purpose
    w = firm_world()
    client = ClientFactory(firm=w.firm_a, name="江西赣江新材料股份有限公司", listed=True)

    # The manager opens the engagement.
    as_user(page, live_server, w.manager_a)
    page.goto(f"{live_server.url}/engagements/add/")
    page.select_option("select[name=client]", str(client.pk))
    page.select_option("select[name=type]", "fs_audit")
    page.fill("input[name=period_start]", "2025-01-01")
    page.fill("input[name=period_end]", "2025-12-31")
    page.select_option("select[name=partner]", str(w.partner_a.pk))
    page.select_option("select[name=manager]", str(w.manager_a.pk))
    page.fill("input[name=report_due]", "2026-04-30")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/engagements/\d+/$"))
    engagement = Engagement.objects.get(client=client)
    assert page.get_by_test_id("status").inner_text() == "待承接评价"

    # The manager answers the questionnaire, declares independence and submits.
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/acceptance/")
    questions = page.get_by_test_id("questionnaire").locator("fieldset")
    for index in range(questions.count()):
        radios = questions.nth(index).locator("input[type=radio]")
        (radios.last if index in HIGH_ANSWERS else radios.first).check()
    page.fill("textarea[name=conclusion]", "上市公司，收费偏低，存在重大诉讼，需质量合伙人审批。")
    page.get_by_test_id("submit-acceptance").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("risk").inner_text() == "高风险"
    assert page.get_by_test_id("score").inner_text() == "20"
    screenshot(page, "engagement-acceptance-submitted")

    # Nobody approves until the whole team has declared: the partner declares first.
    as_user(page, live_server, w.partner_a)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/acceptance/")
    assert page.get_by_test_id("decision-form").count() == 0  # the manager's level comes first
    page.get_by_test_id("declaration-form").locator("input[name=independent][value='1']").check()
    page.get_by_test_id("declaration-form").locator("button[type=submit]").click()
    page.wait_for_load_state()

    decide(page, live_server, engagement, w.manager_a, "同意承接，已与前任沟通。")
    decide(page, live_server, engagement, w.partner_a, "同意，收费须在业务约定书中说明。")
    engagement.refresh_from_db()
    assert engagement.status == Status.PROPOSED  # high risk: the quality partner is still to decide
    approvals = page.get_by_test_id("approvals")
    assert "待审批" in approvals.inner_text()

    # The quality partner finds it in their to-do list and approves.
    as_user(page, live_server, w.quality_a)
    page.goto(f"{live_server.url}/engagements/todo/")
    page.get_by_test_id("todo-approvals").get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/engagements/{engagement.pk}/acceptance/$"))
    decide(page, live_server, engagement, w.quality_a, "风险可控，同意承接。")
    assert page.get_by_test_id("acceptance-status").inner_text() == "已通过"
    assert page.get_by_test_id("status").inner_text() == "已承接"
    assert page.get_by_test_id("approvals").inner_text().count("已通过") == 3
    screenshot(page, "engagement-acceptance-approved")

    # The manager assigns the team and the budget in place.
    as_user(page, live_server, w.manager_a)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/team/")
    add_row = page.get_by_test_id("team-form-row")
    add_row.locator("select[name=new-user]").select_option(str(w.auditor_a.pk))
    add_row.locator("select[name=new-role]").select_option("senior")
    page.get_by_test_id("team-add").click()
    expect_rows(page, "team-table", 3)
    add_row = page.get_by_test_id("team-form-row")
    add_row.locator("select[name=new-user]").select_option(str(w.assistant_a.pk))
    add_row.locator("select[name=new-role]").select_option("staff")
    page.get_by_test_id("team-add").click()
    expect_rows(page, "team-table", 4)
    for grade, hours in (("M", "80"), ("S", "160"), ("A", "200")):
        row = page.get_by_test_id("budget-form-row")
        row.locator("select[name=new-grade]").select_option(str(w.grades_a[grade].pk))
        row.locator("input[name=new-hours]").fill(hours)
        page.get_by_test_id("budget-add").click()
        page.wait_for_function(
            f"document.querySelector('[data-testid=budget-total]').innerText.trim().startsWith('{hours_total(grade)}')"
        )
    assert engagement.team.count() == 4 and engagement.budget.count() == 3
    screenshot(page, "engagement-team-and-budget")

    # The new members owe their declarations; the auditor sees it in their to-do list.
    as_user(page, live_server, w.auditor_a)
    page.goto(f"{live_server.url}/engagements/todo/")
    assert page.get_by_test_id("todo-declarations").get_by_text(engagement.code).count() == 1


def hours_total(grade):
    return {"M": "80", "S": "240", "A": "440"}[grade]


def expect_rows(page, table, count):
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid={table}] tbody tr[id^=team-]:not([id$=new])').length === {count}"
    )


def test_engagement_pages_fit_a_phone(phone_page, live_server):
    w = firm_world()
    login_as(phone_page, live_server, w.manager_a)
    for path in ("", "acceptance/", "team/"):
        phone_page.goto(f"{live_server.url}/engagements/{w.engagement_a.pk}/{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "engagement-team-phone")
    phone_page.goto(f"{live_server.url}/engagements/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "engagement-list-phone")
