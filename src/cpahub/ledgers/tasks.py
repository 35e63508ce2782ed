"""Background tasks of the ledgers app (idempotent: running one twice does no harm)."""

from celery import shared_task


@shared_task(name="cpahub.ledgers.import_snapshot", acks_late=True)
def import_snapshot(snapshot_id: int, upload_name: str) -> str:
    """Import a web upload into its snapshot (made by `services.queue_import`); returns the status.

    A snapshot that is no longer importing was done by an earlier run: the task only removes the
    upload. The upload is removed after the import too (the snapshot keeps its SM3 digest).
    """
    from django.core.files.storage import default_storage

    from cpahub.core.context import acting_as
    from cpahub.ledgers import services
    from cpahub.ledgers.choices import SnapshotStatus
    from cpahub.ledgers.models import LedgerSnapshot

    snapshot = LedgerSnapshot.objects.select_related("created_by").filter(pk=snapshot_id).first()
    if snapshot is None:
        services.delete_upload(upload_name)
        return "missing"
    if snapshot.status != SnapshotStatus.IMPORTING:
        services.delete_upload(upload_name)
        return snapshot.status
    if not default_storage.exists(upload_name):
        services.fail_import(snapshot, "the uploaded file is gone; upload it again")
        return SnapshotStatus.FAILED
    with acting_as(snapshot.created_by), services.local_copy(upload_name) as path:
        snapshot = services.run_import(snapshot, path)
    services.delete_upload(upload_name)
    return snapshot.status
