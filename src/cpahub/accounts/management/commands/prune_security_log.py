"""Delete security-log entries older than the retention period (at least 180 days).

The removal is itself logged FIRST (LOG_PRUNED, with the count, the cutoff and the digest of the
newest removed entry, which is where the remaining chain now starts), then the rows are deleted
with a raw DELETE: the model refuses deletes, and the database triggers refuse them for rows
younger than 180 days.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import router, transaction
from django.utils import timezone

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.accounts.security import log_event

LEGAL_MINIMUM_DAYS = 180


class Command(BaseCommand):
    help = "Delete security-log entries older than --days (default: CPAHUB_SECURITY_LOG_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="keep this many days (>= the retention setting)"
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, days=None, dry_run=False, **options):
        minimum = max(LEGAL_MINIMUM_DAYS, settings.CPAHUB_SECURITY_LOG_RETENTION_DAYS)
        days = minimum if days is None else days
        if days < minimum:
            raise CommandError(f"--days must be at least {minimum} (the retention period); got {days}")
        cutoff = timezone.now() - timedelta(days=days)
        old = SecurityEvent.objects.filter(time__lt=cutoff)
        count = old.count()
        if dry_run:
            self.stdout.write(
                f"{count} entries older than {cutoff:%Y-%m-%d %H:%M} would be deleted (dry run)."
            )
            return
        if count == 0:
            self.stdout.write(f"Nothing older than {cutoff:%Y-%m-%d %H:%M} to delete.")
            return
        newest_removed = old.order_by("-pk").values_list("pk", "digest").first()
        using = router.db_for_write(SecurityEvent)
        with transaction.atomic(using=using):
            log_event(
                SecurityEventType.LOG_PRUNED,
                username="system",
                count=count,
                cutoff=cutoff.isoformat(),
                days=days,
                last_removed_id=newest_removed[0],
                last_removed_digest=newest_removed[1],
            )
            deleted = SecurityEvent.objects.filter(time__lt=cutoff, pk__lte=newest_removed[0])._raw_delete(
                using
            )
        self.stdout.write(f"Deleted {deleted} entries older than {cutoff:%Y-%m-%d %H:%M}.")
