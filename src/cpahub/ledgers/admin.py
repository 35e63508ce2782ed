"""Django admin for the system administrator: imported ledgers, read only, operational fields only.

Client ledgers are confidential to the firm (ADR 0009), so the admin shows what operating the
platform needs — which snapshots exist, their status, size, storage place and digests — and not
their amounts, accounts or findings. Nothing can be added, changed or deleted here: imports go
through `ledgers.services`, and snapshots are immutable.
"""

from django.contrib import admin

from cpahub.core.admin_site import ReadOnlyAdmin
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile, Workspace


@admin.register(Workspace)
class WorkspaceAdmin(ReadOnlyAdmin):
    list_display = ["pk", "name", "organisation", "engagement_ref", "created"]
    list_select_related = ["organisation"]
    search_fields = ["name", "organisation__name", "engagement_ref"]
    fields = ["name", "organisation", "engagement_ref", "created_by", "created"]
    readonly_fields = fields


@admin.register(LedgerSnapshot)
class LedgerSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "workspace",
        "status",
        "source_format",
        "source_size",
        "line_count",
        "progress",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "source_format"]
    list_select_related = ["workspace"]
    search_fields = ["=pk", "content_sm3", "source_sm3", "storage_prefix"]
    fields = [
        "workspace",
        "status",
        "message",
        "canonical_version",
        "source_format",
        "source_name",
        "source_size",
        "source_sm3",
        "content_sm3",
        "storage_prefix",
        "line_count",
        "progress",
        "replaces",
        "created_by",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(MappingProfile)
class MappingProfileAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "software", "organisation", "shared", "builtin"]
    list_filter = ["kind", "builtin", "shared"]
    search_fields = ["name", "software"]
    fields = ["name", "kind", "software", "organisation", "shared", "builtin", "columns", "options"]
    readonly_fields = fields
