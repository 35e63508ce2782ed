"""Background tasks of the registry (idempotent)."""

from celery import shared_task


@shared_task(name="cpahub.registry.cleanup_stale_uploads")
def cleanup_stale_uploads() -> int:
    """Delete import uploads older than a day (they may hold ID numbers). Safe to run any time."""
    from cpahub.registry.importing.uploads import cleanup_stale_uploads as cleanup

    return cleanup()
