from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cpahub.core.tables import Column, Table
from cpahub.practice.models import FirmSettings


def archive_deadline(engagement):
    """Report date + the firm's archive days; the list annotates `archive_days` to avoid a query a row."""
    if not engagement.report_date:
        return None
    if not hasattr(engagement, "archive_days"):
        return engagement.archive_deadline
    default = FirmSettings._meta.get_field("archive_days").default  # the firm has no settings row yet
    return engagement.report_date + timedelta(days=engagement.archive_days or default)


class EngagementTable(Table):
    columns = (
        Column("code", _("Engagement code"), link=True),
        Column("name", _("Name")),
        Column("client", _("Client"), accessor="client.name"),
        Column("type", _("Engagement type")),
        Column("status", _("Status")),
        Column("period_end", _("Period end")),
        Column("office", _("Office"), accessor="office.name"),
        Column("partner", _("Engagement partner"), accessor=lambda e: str(e.partner or "")),
        Column("manager", _("Manager"), accessor=lambda e: str(e.manager or "")),
        Column("report_due", _("Report due")),
        Column("report_number", _("Report number")),
        Column("report_date", _("Report date")),
        Column("archive_deadline", _("Archive deadline"), accessor=archive_deadline),
        Column("contracted_fee", _("Contracted fee")),
    )


class ReportNumberTable(Table):
    columns = (
        Column("number", _("Report number")),
        Column("engagement", _("Engagement"), accessor=lambda n: str(n.engagement), link=False),
        Column("report_date", _("Report date")),
        Column("issued_by", pgettext_lazy("report", "Issued by"), accessor=lambda n: str(n.issued_by or "")),
        Column("void", _("Void")),
        Column("void_reason", _("Reason for voiding")),
    )
