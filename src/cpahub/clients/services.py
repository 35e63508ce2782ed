"""Write operations on a firm's clients and their contacts, and the checks they share (FIRM-1).

Views, the API and the import call these. Each checks the actor's permission, validates, and saves
in one transaction; the models write the change log. `actor` None runs as the system.

A client is refused when another client of the firm has its credit code (`DuplicateClient`, with
the existing client) or when it matches the firm's blacklist (`Blacklisted`, with the entry and its
reason). A similar name is only a warning (`similar_clients`).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from cpahub.accounts.models import Organisation
from cpahub.clients import industry
from cpahub.clients.blacklist import Blacklisted, blacklist_match
from cpahub.clients.models import Client, ClientContact
from cpahub.clients.names import MIN_CONTAINED, name_key
from cpahub.core.permissions import CHANGE, VIEW, can, scope_for
from cpahub.core.validators import clean_credit_code
from cpahub.practice.access import EVERYONE, MANAGERS, firms_for, head_office, held_orgs

__all__ = [
    "CLIENT_FIELDS",
    "Blacklisted",
    "DuplicateClient",
    "blacklist_match",
    "create_client",
    "find_duplicate",
    "offices_for",
    "remove_contact",
    "save_contact",
    "similar_clients",
    "update_client",
    "visible_offices",
]

CLIENT_FIELDS = (
    "office",
    "name",
    "short_name",
    "credit_code",
    "status",
    "industry",
    "ownership",
    "listed",
    "stock_code",
    "exchange",
    "registered_capital",
    "revenue",
    "total_assets",
    "employees",
    "city",
    "address",
    "legal_representative",
    "parent",
    "risk_rating",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "phone", "email", "primary")


class DuplicateClient(ValidationError):
    """Another client of the firm has this credit code; `existing` is that client."""

    def __init__(self, existing: Client, visible: bool):
        self.existing = existing
        self.visible = visible
        if visible:
            message = _("%(name)s, a client of the firm, already has this credit code.") % {
                "name": existing.name
            }
        else:
            message = _("A client kept by another office of the firm already has this credit code.")
        super().__init__({"credit_code": [ValidationError(message, code="duplicate")]})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _as_organisation(firm) -> Organisation:
    """A head office from an Organisation (head office or branch) or a registry Firm."""
    organisation = getattr(firm, "organisation", firm)
    return head_office(organisation)


# --- who may keep clients where ----------------------------------------------------------------


def client_firms(actor):
    """Head offices where `actor` may add clients."""
    return firms_for(scope_for(actor), MANAGERS)


def offices_for(actor, firm):
    """The offices of `firm` (head office first, then branches) where `actor` may keep clients."""
    firm = _as_organisation(firm)
    offices = Organisation.objects.filter(Q(pk=firm.pk) | Q(parent_id=firm.pk)).order_by(
        F("parent_id").asc(nulls_first=True), "name"
    )
    if actor is None:
        return offices
    held = held_orgs(scope_for(actor), MANAGERS)
    granted = offices.filter(pk__in=held, parent__practice_settings__branches_see_firm=True).exists()
    if firm.pk in held or granted:
        return offices
    return offices.filter(pk__in=held)


def visible_offices(user):
    """Offices whose clients `user` may see a filter for: the head offices and branches of their firms."""
    firms = firms_for(scope_for(user), EVERYONE)
    return Organisation.objects.filter(Q(pk__in=firms) | Q(parent__in=firms)).order_by(
        F("parent_id").asc(nulls_first=True), "name"
    )


# --- checks ------------------------------------------------------------------------------------


def compact_credit_code(value: str) -> str:
    """Full-width folded, without spaces or dashes, upper case; not validated."""
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", value or "")).upper()


def find_duplicate(firm, credit_code: str, *, exclude=None) -> Client | None:
    code = compact_credit_code(credit_code)
    if not code:
        return None
    found = Client.objects.filter(firm=_as_organisation(firm), credit_code=code)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.first()


def similar_clients(firm, name: str, *, exclude=None):
    """Clients of the firm whose name key equals this name's, or contains it, or is contained in it."""
    key = name_key(name)
    if not key:
        return Client.objects.none()
    match = Q(name_key=key)
    if len(key) >= MIN_CONTAINED:
        match |= Q(name_key__contains=key)
    match |= Q(given__contains=F("name_key"), key_length__gte=MIN_CONTAINED)
    found = (
        Client.objects.filter(firm=_as_organisation(firm))
        .alias(given=Value(key), key_length=Length("name_key"))
        .filter(match)
    )
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("name")


def _check(actor, client: Client, *, screen: bool) -> None:
    """Validate the client; refuse a duplicate credit code and (when `screen`) a blacklisted party."""
    errors: dict[str, list] = {}
    if client.credit_code:
        try:
            client.credit_code = clean_credit_code(compact_credit_code(client.credit_code))
        except ValidationError as error:
            errors["credit_code"] = error.messages
    try:
        client.industry = industry.clean_industry_code(client.industry)
    except ValidationError as error:
        errors["industry"] = error.messages
    parent_visible = Client.objects.restrict(actor, VIEW).filter(pk=client.parent_id)
    if actor is not None and client.parent_id is not None and not parent_visible.exists():
        errors["parent"] = [_("Choose a parent company among the clients you can see.")]
    try:
        client.full_clean(
            exclude=list(errors),
            validate_unique=False,
            validate_constraints=False,  # the duplicate credit code is refused below, with the client
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    existing = find_duplicate(client.firm, client.credit_code, exclude=client.pk)
    if existing is not None:
        raise DuplicateClient(existing, actor is None or can(actor, VIEW, existing))
    if screen:
        entry = blacklist_match(client.firm, name=client.name, credit_code=client.credit_code)
        if entry is not None:
            raise Blacklisted(entry)


# --- clients -----------------------------------------------------------------------------------


def _unknown(data: dict) -> None:
    unknown = set(data) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown client fields: {sorted(unknown)}")


@transaction.atomic
def create_client(actor, *, firm, office=None, **data) -> Client:
    """A new client of `firm` kept by `office` (the head office when not given)."""
    _unknown(data)
    firm = _as_organisation(firm)
    office = office or firm
    _require(offices_for(actor, firm).filter(pk=office.pk).exists())
    client = Client(firm=firm, office=office, created_by=actor, **data)
    _check(actor, client, screen=True)
    client.save()
    return client


@transaction.atomic
def update_client(actor, client: Client, **data) -> Client:
    _unknown(data)
    _require(actor is None or can(actor, CHANGE, client))
    office = data.get("office")
    if office is not None and office.pk != client.office_id:
        _require(offices_for(actor, client.firm).filter(pk=office.pk).exists())
    before = (client.name, client.credit_code)
    for field, value in data.items():
        setattr(client, field, value)
    # A party already kept as a client stays editable; a new name or code is screened again.
    renamed = (client.name, compact_credit_code(client.credit_code)) != before
    _check(actor, client, screen=renamed)
    client.save()
    return client


# --- contacts ----------------------------------------------------------------------------------


@transaction.atomic
def save_contact(actor, client: Client, contact: ClientContact | None = None, **data) -> ClientContact:
    """Add a contact to `client`, or change `contact`; one main contact per client."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown contact fields: {sorted(unknown)}")
    _require(actor is None or can(actor, CHANGE, client))
    if contact is None:
        contact = ClientContact(client=client)
    elif contact.client_id != client.pk:
        raise ValueError("the contact belongs to another client")
    for field, value in data.items():
        setattr(contact, field, value.strip() if isinstance(value, str) else value)
    contact.full_clean()
    contact.save()
    if contact.primary:
        for other in client.contacts.filter(primary=True).exclude(pk=contact.pk):
            other.primary = False
            other.save(update_fields=["primary", "updated"])
    return contact


@transaction.atomic
def remove_contact(actor, contact: ClientContact) -> None:
    _require(actor is None or can(actor, CHANGE, contact.client))
    contact.delete()
