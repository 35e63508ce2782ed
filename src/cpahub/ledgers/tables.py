from django.utils.translation import gettext_lazy as _

from cpahub.core.tables import Column, Table


class SnapshotTable(Table):
    columns = (
        Column("entity_name", _("Entity"), accessor=lambda s: s.entity_name or s.source_name, link=True),
        Column("fiscal_year", _("Fiscal year")),
        Column("source_format", _("Format")),
        Column("status", _("Status")),
        Column("line_count", _("Voucher lines")),
        Column("total_debit", _("Total debit")),
        Column("total_credit", _("Total credit")),
        Column("started_at", _("Started"), accessor=lambda s: s.started_at.strftime("%Y-%m-%d %H:%M")),
    )


def _owner(profile) -> str:
    if profile.builtin:
        return str(_("Built in"))
    return profile.organisation.name if profile.organisation_id else ""


class ProfileTable(Table):
    columns = (
        Column("name", _("Name"), link=True),
        Column("kind", _("Content")),
        Column("software", _("Accounting software")),
        Column("organisation", _("Made by"), accessor=_owner),
        Column("shared", _("Shared")),
        Column("updated", _("Updated"), accessor=lambda p: p.updated.strftime("%Y-%m-%d")),
    )
