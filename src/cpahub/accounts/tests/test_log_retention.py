"""The prune command and the database triggers that keep the security log append-only."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cpahub.accounts import dbguard
from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.accounts.security import log_event, verify_chain
from cpahub.accounts.tests.conftest import events


def old_event(days, username="old"):
    row = SecurityEvent(
        time=timezone.now() - timedelta(days=days),
        event=SecurityEventType.LOGIN,
        outcome=Outcome.SUCCESS,
        username=username,
    )
    row.save()
    return row


def raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.mark.django_db
def test_triggers_refuse_update_and_early_delete_but_allow_old_delete():
    dbguard.install(connection)  # rolled back with the test transaction
    recent = log_event(SecurityEventType.LOGIN, username="recent")
    ancient = old_event(200)
    with pytest.raises(DatabaseError):
        raw("UPDATE accounts_securityevent SET username = %s WHERE id = %s", ["forged", recent.pk])
    with pytest.raises(DatabaseError):
        raw("UPDATE accounts_securityevent SET username = %s WHERE id = %s", ["forged", ancient.pk])
    with pytest.raises(DatabaseError):
        raw("DELETE FROM accounts_securityevent WHERE id = %s", [recent.pk])
    assert SecurityEvent.objects.get(pk=recent.pk).username == "recent"
    assert raw("DELETE FROM accounts_securityevent WHERE id = %s", [ancient.pk]) == 1
    assert not SecurityEvent.objects.filter(pk=ancient.pk).exists()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            raw("TRUNCATE accounts_securityevent", [])


@pytest.mark.django_db
def test_prune_logs_first_then_deletes_old_rows(capsys):
    dbguard.install(connection)
    gone = [old_event(400, "a"), old_event(190, "b")]
    kept = [old_event(170, "c"), log_event(SecurityEventType.LOGIN, username="d")]
    call_command("prune_security_log")
    assert list(
        SecurityEvent.objects.filter(pk__in=[r.pk for r in gone + kept])
        .values_list("username", flat=True)
        .order_by("pk")
    ) == ["c", "d"]
    [pruned] = events(SecurityEventType.LOG_PRUNED)
    assert pruned.detail["count"] == 2
    assert pruned.detail["days"] == 180
    assert pruned.detail["last_removed_id"] == gone[1].pk
    assert pruned.pk > kept[1].pk
    assert "Deleted 2 entries" in capsys.readouterr().out


@pytest.mark.django_db
def test_prune_dry_run_and_limits(capsys):
    old_event(400)
    call_command("prune_security_log", "--dry-run", "--days", "365")
    assert "1 entries" in capsys.readouterr().out
    assert SecurityEvent.objects.count() == 1
    assert events(SecurityEventType.LOG_PRUNED) == []
    with pytest.raises(CommandError):
        call_command("prune_security_log", "--days", "179")
    call_command("prune_security_log", "--days", "500")
    assert SecurityEvent.objects.filter(event=SecurityEventType.LOGIN).count() == 1


@pytest.mark.django_db
def test_prune_respects_a_longer_retention_setting(settings):
    settings.CPAHUB_SECURITY_LOG_RETENTION_DAYS = 365
    old_event(200)
    with pytest.raises(CommandError):
        call_command("prune_security_log", "--days", "200")
    call_command("prune_security_log")
    assert SecurityEvent.objects.filter(event=SecurityEventType.LOGIN).count() == 1


@pytest.mark.django_db
def test_chain_still_verifies_after_pruning():
    for n in range(3):
        old_event(300 - n, f"o{n}")
    for n in range(3):
        log_event(SecurityEventType.LOGIN, username=f"n{n}")
    # the rows made by old_event() carry no digests; give the chain a clean start for the check
    call_command("prune_security_log")
    assert verify_chain(SecurityEvent.objects.order_by("pk")) == []


@pytest.mark.django_db
def test_every_logged_event_chains_to_the_one_before():
    rows = [log_event(SecurityEventType.LOGIN, username=f"u{n}") for n in range(4)]
    assert [r.previous_digest for r in rows[1:]] == [r.digest for r in rows[:-1]]
    assert verify_chain(SecurityEvent.objects.order_by("pk")) == []
