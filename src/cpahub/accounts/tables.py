from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import OrgStatus
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


def _roles_text(user) -> str:
    """The person's active roles (`current_memberships`, prefetched), with where they hold them;
    a role in an organisation that is not active reaches nothing and says so."""
    parts = []
    for membership in user.current_memberships:
        text = f"{membership.get_role_display()} · {membership.organisation}"
        if membership.organisation.status != OrgStatus.ACTIVE:
            text += f" ({membership.organisation.get_status_display()})"
        parts.append(text)
    return "; ".join(parts)


class PeopleTable(Table):
    columns = (
        Column("name", _("Name"), accessor=str),
        Column("username", _("User name")),
        Column("is_active", _("Active")),
        Column("last_login", _("Last login")),
        Column("roles", _("Roles"), accessor=_roles_text),
    )

    def body(self):
        for row in super().body():
            row["cells"][0]["url"] = reverse("accounts:person_detail", args=[row["object"].pk])
            yield row
