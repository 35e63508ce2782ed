from django.utils.translation import gettext_lazy as _

from cpahub.core.tables import Column, Table


class OrganisationTable(Table):
    columns = (
        Column("name", _("Name"), link=True),
        Column("kind", _("Kind")),
        Column("city", _("City")),
        Column("credit_code", _("Credit code")),
        Column("status", _("Status")),
        Column("parent", _("Head office"), accessor="parent.name"),
    )
