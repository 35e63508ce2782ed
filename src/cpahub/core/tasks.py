"""Background tasks of the core. Tasks are idempotent: running one twice does no harm."""

from celery import shared_task


@shared_task(name="cpahub.core.verify_security_log")
def verify_security_log(limit: int = 100_000) -> dict:
    """Recompute the security log's hash chain over the newest `limit` rows; report broken links."""
    from cpahub.accounts.models import SecurityEvent
    from cpahub.accounts.security import verify_chain

    rows = list(SecurityEvent.objects.order_by("-pk")[:limit])
    rows.reverse()
    broken = verify_chain(rows)
    return {"checked": len(rows), "broken": broken}
