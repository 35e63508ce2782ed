import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.accounts.security import log_event
from cpahub.accounts.tests.conftest import events

LOG = "/accounts/security-log/"


@pytest.fixture
def sample(db):
    log_event(SecurityEventType.LOGIN, username="zhang", method="password")
    log_event(SecurityEventType.LOGIN_FAILED, username="li", outcome=Outcome.FAILURE)
    log_event(SecurityEventType.LOGIN_FAILED, username="lisi", outcome=Outcome.FAILURE)
    return list(SecurityEvent.objects.order_by("pk"))


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "assoc", "admin_a", "plain"])
@pytest.mark.parametrize("path", [LOG, f"{LOG}export/", f"{LOG}verify/"])
def test_only_the_audit_admin_reads_the_log(client, people, login_verified, name, path):
    login_verified(client, getattr(people, name))
    response = client.get(path)
    assert response.status_code == 403
    denied = events(SecurityEventType.PERMISSION_DENIED)
    assert [e.detail["path"] for e in denied] == [path]
    assert not events(SecurityEventType.LOG_EXPORTED)


def test_audit_admin_reads_and_filters(client, people, login_verified, sample):
    login_verified(client, people.auditadmin)
    response = client.get(LOG)
    assert response.status_code == 200
    assert response.context["paginator"].count == SecurityEvent.objects.count()
    response = client.get(LOG, {"username": "li", "event": "login_failed", "outcome": "failure"})
    assert [e.username for e in response.context["events"]] == ["lisi", "li"]
    response = client.get(LOG, {"event": "login"})
    assert [e.username for e in response.context["events"]] == ["auditadmin", "zhang"]  # the test login too
    today = timezone.localdate()
    response = client.get(LOG, {"since": (today + timedelta(days=1)).isoformat()})
    assert list(response.context["events"]) == []
    response = client.get(LOG, {"until": today.isoformat(), "event": "login"})
    assert len(response.context["events"]) == 2


def test_address_filter(client, people, login_verified, db):
    from cpahub.core.context import address_var

    token = address_var.set("192.168.7.9")
    try:
        log_event(SecurityEventType.LOGIN, username="from-lan")
    finally:
        address_var.reset(token)
    login_verified(client, people.auditadmin)
    response = client.get(LOG, {"address": "192.168.7"})
    assert [e.username for e in response.context["events"]] == ["from-lan"]


def test_pagination(client, people, login_verified, db):
    for n in range(60):
        log_event(SecurityEventType.LOGIN_FAILED, username=f"u{n}", outcome=Outcome.FAILURE)
    login_verified(client, people.auditadmin)
    first = client.get(LOG, {"event": "login_failed"})
    assert len(first.context["events"]) == 50
    second = client.get(LOG, {"event": "login_failed", "page": 2})
    assert len(second.context["events"]) == 10
    assert "?event=login_failed&page=2" in first.content.decode()


def test_csv_export_with_bom_is_logged(client, people, login_verified, sample):
    login_verified(client, people.auditadmin)
    response = client.get(f"{LOG}export/", {"username": "li", "event": "login_failed"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Time", "Event", "Outcome", "User name"]
    assert [row[3] for row in rows[1:]] == ["li", "lisi"]
    assert rows[1][1:3] == ["Login failed", "Failure"]
    [exported] = events(SecurityEventType.LOG_EXPORTED)
    assert exported.user_id == people.auditadmin.pk
    assert exported.detail == {"filter": {"username": "li", "event": "login_failed"}, "rows": 2}


def test_chain_verification_page(client, people, login_verified, sample):
    login_verified(client, people.auditadmin)
    response = client.get(f"{LOG}verify/")
    assert response.status_code == 200
    assert response.context["broken_count"] == 0
    assert response.context["checked"] == SecurityEvent.objects.count()
    assert 'data-testid="chain-ok"' in response.content.decode()
    # tamper with a row behind the application's back (the test profile has no triggers)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_securityevent SET username = 'someone' WHERE id = %s", [sample[1].pk])
    response = client.get(f"{LOG}verify/")
    assert response.context["broken"] == [sample[1].pk]
    assert 'data-testid="chain-broken"' in response.content.decode()


def test_model_refuses_changes(sample):
    row = sample[0]
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.update(username="x")


def test_menu_shows_the_log_to_the_audit_admin_only(people):
    from cpahub.core.navigation import menu_for

    def urls(user):
        return [item["url"] for group in menu_for(user) for item in group["items"]]

    assert LOG in urls(people.auditadmin)
    assert LOG not in urls(people.sysadmin)
    assert "/accounts/staff/" in urls(people.admin_a)
    assert "/accounts/staff/" not in urls(people.assoc)
