"""The firm's client blacklist: parties the firm will not take on (FIRM-1).

`blacklist_match` is what client creation, the client import and engagement acceptance ask. An
entry matches by credit code; else by name key (names.py: width, spaces, brackets and legal-form
suffix ignored), unless both sides carry credit codes that differ (then they are different parties).
Partners and the firm administrator add entries and deactivate them with a reason; nothing is
deleted, so the record of why a party was refused stays.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.clients.models import BlacklistEntry, Client
from cpahub.clients.names import name_key
from cpahub.core.permissions import CHANGE, can, scope_for
from cpahub.core.validators import clean_credit_code
from cpahub.practice.access import PARTNERS, firms_for, head_office


class Blacklisted(ValidationError):
    """The party is on the firm's blacklist; `entry` says who put it there and why."""

    def __init__(self, entry: BlacklistEntry):
        self.entry = entry
        message = _("%(name)s is on the firm's client blacklist: %(reason)s") % {
            "name": entry.name,
            "reason": entry.reason,
        }
        super().__init__(message, code="blacklisted")


def _firm(firm):
    return head_office(getattr(firm, "organisation", firm))


def _code(value: str) -> str:
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", value or "")).upper()


class Screen:
    """Active entries of one firm, indexed for matching many names without a query each."""

    def __init__(self, entries):
        self.by_code: dict[str, BlacklistEntry] = {}
        self.by_key: dict[str, list[BlacklistEntry]] = {}
        for entry in sorted(entries, key=lambda e: e.pk):
            if entry.credit_code:
                self.by_code.setdefault(entry.credit_code, entry)
            if entry.name_key:
                self.by_key.setdefault(entry.name_key, []).append(entry)

    @classmethod
    def for_firm(cls, firm) -> Screen:
        return cls(BlacklistEntry.objects.filter(firm=_firm(firm), active=True))

    def match(self, name: str, credit_code: str) -> BlacklistEntry | None:
        code = _code(credit_code)
        if code and code in self.by_code:
            return self.by_code[code]
        for entry in self.by_key.get(name_key(name), ()):
            if not (code and entry.credit_code and entry.credit_code != code):
                return entry
        return None


def blacklist_match(firm, *, name: str, credit_code: str) -> BlacklistEntry | None:
    """The firm's active blacklist entry for this party, or None (see the module doc)."""
    code = _code(credit_code)
    key = name_key(name)
    match = Q(credit_code=code) if code else Q(pk__in=[])
    if key:
        match |= Q(name_key=key)
    entries = BlacklistEntry.objects.filter(match, firm=_firm(firm), active=True)
    return Screen(entries).match(name, credit_code)


def matching_clients(entry: BlacklistEntry):
    """The firm's clients this entry would refuse (shown on the entry's page)."""
    clients = Client.objects.filter(firm_id=entry.firm_id)
    by_code = clients.filter(credit_code=entry.credit_code) if entry.credit_code else clients.none()
    by_name = clients.filter(name_key=entry.name_key) if entry.name_key else clients.none()
    if entry.credit_code:
        by_name = by_name.filter(credit_code__in=("", entry.credit_code))
    return (by_code | by_name).distinct().order_by("name")


def may_keep_blacklist(actor, firm) -> bool:
    return actor is None or firms_for(scope_for(actor), PARTNERS).filter(pk=_firm(firm).pk).exists()


@transaction.atomic
def add_to_blacklist(actor, *, firm, name: str, credit_code: str = "", reason: str) -> BlacklistEntry:
    firm = _firm(firm)
    if not may_keep_blacklist(actor, firm):
        raise PermissionDenied(_("Only partners and the firm administrator keep the client blacklist."))
    errors = {}
    name = " ".join((name or "").split())
    reason = (reason or "").strip()
    code = _code(credit_code)
    if code:
        try:
            code = clean_credit_code(code)
        except ValidationError as error:
            errors["credit_code"] = error.messages
    if not name:
        errors["name"] = [_("Give the name of the party.")]
    if not reason:
        errors["reason"] = [_("Say why the firm will not take this party on.")]
    if errors:
        raise ValidationError(errors)
    existing = blacklist_match(firm, name=name, credit_code=code)
    if existing is not None:
        raise ValidationError(
            _("%(name)s is already on the blacklist (entry of %(date)s).")
            % {"name": existing.name, "date": f"{timezone.localtime(existing.created):%Y-%m-%d}"}
        )
    entry = BlacklistEntry(firm=firm, name=name, credit_code=code, reason=reason, added_by=actor)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def deactivate_blacklist_entry(actor, entry: BlacklistEntry, *, reason: str) -> BlacklistEntry:
    if actor is not None and not can(actor, CHANGE, entry):
        raise PermissionDenied(_("Only partners and the firm administrator keep the client blacklist."))
    if not entry.active:
        raise ValidationError(_("This entry is already inactive."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the party may be taken on again.")]})
    entry.active = False
    entry.deactivated_reason = reason
    entry.deactivated_by = actor
    entry.deactivated_at = timezone.now()
    entry.save()
    return entry
