"""The rules of a client row: parse, check against the firm's clients, plan, apply through services.

A row is keyed by its credit code: a code the firm already has updates that client (only the
non-empty cells are compared and changed), a new code creates one. Everything the checks need is
read before the rows are checked (no query per row). A parent company may be a client already or
a row of the same file; rows are applied parents first.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cpahub.clients import industry, services
from cpahub.clients.blacklist import Screen
from cpahub.clients.importing.layout import MONEY_COLUMNS, client_layout
from cpahub.clients.models import Client
from cpahub.clients.names import name_key
from cpahub.core.permissions import CHANGE
from cpahub.core.textio import fold
from cpahub.core.validators import clean_credit_code
from cpahub.registry.importing.base import CREATE, UNCHANGED, UPDATE, Importer, Outcome, ParsedRow, chunked
from cpahub.registry.importing.layouts import Column

FIELDS = (
    "name",
    "short_name",
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
    "risk_rating",
    "notes",
)
MAX_AMOUNT = Decimal("1e16")


def parse_amount(text: str) -> Decimal:
    """An amount in yuan: full-width digits, thousands separators and a trailing 元 are accepted."""
    cleaned = re.sub(r"[\s,，]", "", fold(text)).removesuffix("元")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Not an amount: write it in yuan, e.g. 1250000.00.")) from None
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT:
        raise ValueError(_("The amount must be zero or more and below 10^16 yuan."))
    return value.quantize(Decimal("0.01"))


class ClientImporter(Importer):
    def __init__(self, actor, result, *, firm):
        super().__init__(actor, result)
        self.layout = client_layout()
        self.firm = firm

    def clean_value(self, column: Column, text: str):
        if column.name in ("credit_code", "parent_credit_code"):
            return clean_credit_code(services.compact_credit_code(text))
        if column.name == "industry":
            return industry.clean_industry_code(text)
        if column.name in MONEY_COLUMNS:
            return parse_amount(text)
        return super().clean_value(column, text)

    # --- prepare ---------------------------------------------------------------------------

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.values[n] for r in rows for n in ("credit_code", "parent_credit_code") if n in r.values}
        self.existing: dict[str, Client] = {}
        for batch in chunked(codes):
            for client in Client.objects.filter(firm=self.firm, credit_code__in=batch).select_related(
                "office", "parent"
            ):
                self.existing[client.credit_code] = client
        pks = [client.pk for client in self.existing.values()]
        self.changeable: set[int] = set()
        if self.actor is not None:
            for batch in chunked(pks):
                visible = Client.objects.restrict(self.actor, CHANGE).filter(pk__in=batch)
                self.changeable |= set(visible.values_list("pk", flat=True))
        self.offices = {name_key(o.name): o for o in services.offices_for(None, self.firm)}
        self.allowed_offices = {o.pk for o in services.offices_for(self.actor, self.firm)}
        allowed = [o for o in self.offices.values() if o.pk in self.allowed_offices]
        self.default_office = allowed[0] if allowed else None
        self.screen = Screen.for_firm(self.firm)
        keys = {name_key(r.values["name"]) for r in rows if "name" in r.values}
        self.named: dict[str, Client] = {}
        for batch in chunked(k for k in keys if k):
            for client in Client.objects.filter(firm=self.firm, name_key__in=batch).only("name", "name_key"):
                self.named.setdefault(client.name_key, client)
        self.in_file = {r.values["credit_code"]: r for r in rows if "credit_code" in r.values}
        self.created: dict[str, Client] = {}

    # --- check -----------------------------------------------------------------------------

    def check(self, row: ParsedRow) -> None:
        code = row.values.get("credit_code")
        self.unique_in_file(row, "credit_code", code)
        if code is None:
            return
        client = self.existing.get(code)
        office = self.resolve_office(row, client)
        parent_code = self.check_parent(row, code)
        if row.failed:
            return
        if client is None:
            self.check_new(row, code, office, parent_code)
        else:
            self.check_existing(row, client, office, parent_code)

    def resolve_office(self, row: ParsedRow, client: Client | None):
        text = row.values.get("office")
        if not text:
            return client.office if client else self.default_office
        office = self.offices.get(name_key(text))
        if office is None:
            self.error(row, "office", _("The firm has no office of this name."))
        elif office.pk not in self.allowed_offices and (client is None or office.pk != client.office_id):
            self.error(row, "office", _("You may not keep clients at this office."))
        return office

    def check_parent(self, row: ParsedRow, code: str) -> str | None:
        parent_code = row.values.get("parent_credit_code")
        if not parent_code:
            return None
        if parent_code == code:
            self.error(row, "parent_credit_code", _("A client cannot be its own parent company."))
        elif parent_code not in self.existing and parent_code not in self.in_file:
            self.error(
                row,
                "parent_credit_code",
                _("No client of the firm has this credit code, nor any row of this file."),
            )
        elif self.loops(code, parent_code):
            self.error(row, "parent_credit_code", _("The parent companies in this file form a loop."))
        return parent_code

    def loops(self, code: str, parent_code: str) -> bool:
        """True when following the parents named in the file leads back to `code`."""
        seen = {code}
        current = parent_code
        while current and current in self.in_file and current not in seen:
            seen.add(current)
            current = self.in_file[current].values.get("parent_credit_code")
        return current == code

    def check_new(self, row: ParsedRow, code: str, office, parent_code: str | None) -> None:
        self.check_required_for_new(row)
        if office is None:
            self.error(row, "credit_code", _("You may not add clients to this firm."))
        if row.failed:
            return
        fields = {name: row.values[name] for name in FIELDS if name in row.values}
        entry = self.screen.match(fields["name"], code)
        if entry is not None:
            self.error(
                row,
                "name",
                _("On the firm's client blacklist: %(reason)s") % {"reason": entry.reason},
            )
            return
        similar = self.named.get(name_key(fields["name"]))
        if similar is not None:
            self.warn(
                row,
                "name",
                _("A client with a similar name exists: %(name)s.") % {"name": similar.name},
            )
        candidate = Client(firm=self.firm, office=office, credit_code=code, **fields)
        if not self.validate(row, candidate):
            return
        row.plan = {"office": office, "fields": fields, "parent": parent_code}
        row.outcome = Outcome(row.number, CREATE, code, fields["name"])

    def check_existing(self, row: ParsedRow, client: Client, office, parent_code: str | None) -> None:
        current = {name: getattr(client, name) for name in FIELDS}
        changes = self.diff(row, current)
        if row.values.get("listed") is False:
            # Not listed any more: the stock code and exchange go unless the row gives them.
            changes.update({n: "" for n in ("stock_code", "exchange") if current[n] and n not in row.values})
        described = self.describe(current, changes)
        if office is not None and office.pk != client.office_id:
            changes["office"] = office
            described.append(self.change("office", client.office.name, office.name))
        current_parent = client.parent.credit_code if client.parent_id else ""
        if parent_code and parent_code != current_parent:
            changes["parent"] = parent_code
            described.append(self.change("parent_credit_code", current_parent, parent_code))
        if changes and self.actor is not None and client.pk not in self.changeable:
            self.error(row, "credit_code", _("You may not change this client."))
            return
        if "name" in changes:
            entry = self.screen.match(changes["name"], client.credit_code)
            if entry is not None:
                self.error(
                    row, "name", _("On the firm's client blacklist: %(reason)s") % {"reason": entry.reason}
                )
                return
        candidate = copy.copy(client)
        for name, value in changes.items():
            if name != "parent":
                setattr(candidate, name, value)
        if changes and not self.validate(row, candidate):
            return
        row.plan = {"client": client, "changes": changes}
        action = UPDATE if changes else UNCHANGED
        row.outcome = Outcome(row.number, action, client.credit_code, client.name, described)

    def change(self, name: str, before: str, after: str):
        from cpahub.registry.importing.base import Change

        return Change(self.layout.by_name[name].display, before or "", after or "")

    def validate(self, row: ParsedRow, candidate: Client) -> bool:
        try:
            # Foreign keys are known to exist; leaving them out saves a query per row.
            candidate.full_clean(
                exclude=["firm", "office", "parent", "created_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            self.validation_error(row, error)
            return False
        return True

    # --- apply -----------------------------------------------------------------------------

    def apply_order(self, rows: list[ParsedRow]):
        """Rows whose parent is another row of the file come after that row."""
        pending = [r for r in rows if r.outcome is not None]
        placed: set[str] = set()
        while pending:
            ready = [
                r
                for r in pending
                if not (p := r.plan.get("parent") or r.plan.get("changes", {}).get("parent"))
                or p not in self.in_file
                or p in placed
                or self.in_file[p].outcome is None
            ]
            if not ready:  # a loop the checks missed: apply the rest and let the services refuse it
                ready = pending
            for row in ready:
                placed.add(row.values["credit_code"])
                yield row
            pending = [r for r in pending if r not in ready]

    def parent(self, code: str | None) -> Client | None:
        if not code:
            return None
        return self.created.get(code) or self.existing.get(code)

    def apply(self, row: ParsedRow) -> None:
        plan = row.plan
        if "client" not in plan:
            client = services.create_client(
                self.actor,
                firm=self.firm,
                office=plan["office"],
                credit_code=row.values["credit_code"],
                parent=self.parent(plan["parent"]),
                **plan["fields"],
            )
            self.created[client.credit_code] = client
            return
        changes = dict(plan["changes"])
        if not changes:
            return
        if "parent" in changes:
            changes["parent"] = self.parent(changes["parent"])
        client = Client.objects.get(pk=plan["client"].pk)
        self.created[client.credit_code] = services.update_client(self.actor, client, **changes)
