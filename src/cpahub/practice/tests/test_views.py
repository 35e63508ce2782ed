"""The firm's practice settings and grades pages: partners edit, the rest of the firm reads."""

import pytest

from cpahub.practice.models import FirmSettings, Grade
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return firm_world()


SETTINGS = {
    "report_prefix": "赣华信",
    "report_number_pattern": "{prefix}{word}字〔{year}〕第{seq:04d}号",
    "archive_days": "45",
    "hours_per_day": "7.5",
    "letterhead_name": "江西华信会计师事务所",
}


def test_a_partner_sets_the_report_number_pattern(client, w):
    login_verified(client, w.partner_a)
    assert client.get("/practice/settings/")["Location"] == f"/practice/{w.firm_a.pk}/settings/"
    response = client.post(f"/practice/{w.firm_a.pk}/settings/", SETTINGS)
    assert response.status_code == 302
    settings = FirmSettings.objects.get(firm=w.firm_a)
    assert (settings.report_prefix, settings.archive_days) == ("赣华信", 45)
    assert "赣华信审字〔" in client.get(f"/practice/{w.firm_a.pk}/settings/").text


def test_a_pattern_without_a_sequence_is_refused_with_the_reason(client, w):
    login_verified(client, w.partner_a)
    response = client.post(
        f"/practice/{w.firm_a.pk}/settings/", {**SETTINGS, "report_number_pattern": "{prefix}审字"}
    )
    assert response.status_code == 400 and "placeholders" in response.text
    assert FirmSettings.for_firm(w.firm_a).report_number_pattern == "{prefix}{word}字〔{year}〕第{seq:04d}号"


def test_others_read_settings_but_cannot_change_them(client, w):
    login_verified(client, w.manager_a)
    page = client.get(f"/practice/{w.firm_a.pk}/settings/")
    assert page.status_code == 200 and 'name="report_prefix"' not in page.text
    assert client.post(f"/practice/{w.firm_a.pk}/settings/", SETTINGS).status_code == 403
    assert FirmSettings.for_firm(w.firm_a).report_prefix == ""
    client.logout()
    login_verified(client, w.partner_b)
    assert client.get(f"/practice/{w.firm_a.pk}/settings/").status_code == 404
    client.logout()
    login_verified(client, w.assoc)
    assert client.get("/practice/settings/").status_code == 403


def test_grades_are_added_and_changed(client, w):
    login_verified(client, w.partner_a)
    assert "高级审计员" in client.get(f"/practice/{w.firm_a.pk}/grades/").text
    added = client.post(
        f"/practice/{w.firm_a.pk}/grades/",
        {
            "new-code": "SM",
            "new-name": "高级经理",
            "new-rank": "2",
            "new-charge_rate": "1000",
            "new-cost_rate": "400",
            "new-active": "on",
        },
    )
    assert added.status_code == 302
    grade = Grade.objects.get(firm=w.firm_a, code="SM")
    changed = client.post(
        f"/practice/{w.firm_a.pk}/grades/",
        {
            "grade": grade.pk,
            f"g{grade.pk}-code": "SM",
            f"g{grade.pk}-name": "高级经理",
            f"g{grade.pk}-rank": "2",
            f"g{grade.pk}-charge_rate": "1100",
            f"g{grade.pk}-cost_rate": "400",
        },
    )
    assert changed.status_code == 302
    grade.refresh_from_db()
    assert grade.charge_rate == 1100 and grade.active is False
    duplicate = client.post(
        f"/practice/{w.firm_a.pk}/grades/",
        {"new-code": "SM", "new-name": "重复", "new-rank": "3", "new-charge_rate": "1", "new-cost_rate": "1"},
    )
    assert duplicate.status_code == 400
    assert Grade.objects.filter(firm=w.firm_a, code="SM").count() == 1


def test_managers_cannot_change_grades(client, w):
    login_verified(client, w.manager_a)
    response = client.post(
        f"/practice/{w.firm_a.pk}/grades/",
        {"new-code": "X", "new-name": "X", "new-rank": "9", "new-charge_rate": "1", "new-cost_rate": "1"},
    )
    assert response.status_code == 403
    assert not Grade.objects.filter(code="X").exists()
    other = w.grades_b["S"]
    assert client.post(f"/practice/{w.firm_a.pk}/grades/", {"grade": other.pk}).status_code == 404
