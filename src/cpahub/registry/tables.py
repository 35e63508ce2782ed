from django.utils.translation import gettext_lazy as _

from cpahub.core.tables import Column, Table


class FirmTable(Table):
    columns = (
        Column("firm_no", _("Firm number")),
        Column("name", _("Name"), accessor="organisation.name", link=True),
        Column("credit_code", _("Credit code"), accessor="organisation.credit_code"),
        Column("status", _("Status"), accessor="organisation.status"),
        Column("cpa_count", _("CPAs")),
        Column("legal_form", _("Legal form")),
        Column("city", _("City"), accessor="organisation.city"),
        Column("head_office", _("Head office"), accessor="organisation.parent.name"),
        Column("securities_qualified", _("Securities")),
    )


class CPATable(Table):
    columns = (
        Column("certificate_no", _("Certificate number"), link=True),
        Column("name", _("Name")),
        Column("gender", _("Gender")),
        Column("firm", _("Firm"), accessor="firm.organisation.name"),
        Column("city", _("City"), accessor="firm.organisation.city"),
        Column("status", _("Status")),
        Column("is_partner", _("Partner")),
        Column("qualified_on", _("Qualification date")),
    )


class PenaltyTable(Table):
    columns = (
        Column("document_no", _("Document number"), link=True),
        Column("decided_on", _("Decision date")),
        Column("subject", _("Subject"), accessor=lambda p: str(p.subject)),
        Column("authority", _("Authority")),
        Column("kind", _("Type")),
        Column("published", _("Published")),
    )


class IndustryCaseTable(Table):
    columns = (
        Column("title", _("Title"), link=True),
        Column("category", _("Category")),
        Column("published_on", _("Publication date")),
        Column("published", _("Published")),
    )


class FirmApplicationTable(Table):
    columns = (
        Column("created", _("Received"), accessor=lambda a: a.created.strftime("%Y-%m-%d %H:%M"), link=True),
        Column("name", _("Firm name")),
        Column("credit_code", _("Credit code")),
        Column("licence_no", _("Licence number")),
        Column("city", _("City")),
        Column("status", _("Status")),
    )
