"""The three importers. Each prefetches what it needs into dicts (no query per row while checking),
checks every row, plans create / update / unchanged, and applies through `registry.services`."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.utils.translation import gettext as _

from cpahub.accounts.choices import PROVINCE_ROLES, City, OrgStatus, Role
from cpahub.accounts.models import Organisation
from cpahub.core.permissions import CHANGE
from cpahub.core.validators import clean_credit_code, clean_resident_id
from cpahub.registry import services
from cpahub.registry.choices import CPAStatus, SubjectKind
from cpahub.registry.importing import normalise
from cpahub.registry.importing.base import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Importer,
    Outcome,
    ParsedRow,
    chunked,
)
from cpahub.registry.importing.layouts import CITY_NAMES, CPA_LAYOUT, FIRM_LAYOUT, PENALTY_LAYOUT, Column
from cpahub.registry.models import CPA, Firm, Penalty

FIRM_STATUS_LABELS = dict(OrgStatus.choices)
JIANGXI = frozenset({"江西", "江西省", "jiangxi", "jiangxiprovince", "36", "360000"})


def _firm_name_key(name: str) -> str:
    return normalise.key(name)


class FirmImporter(Importer):
    layout = FIRM_LAYOUT

    ORG = ("name", "status", "city", "address", "short_name", "phone")
    FIRM = (
        "firm_no",
        "licence_no",
        "legal_form",
        "founded",
        "securities_qualified",
        "chief_partner",
        "email",
        "website",
    )

    def clean_value(self, column: Column, text: str):
        if column.name in ("credit_code", "parent_credit_code"):
            return clean_credit_code(text)
        return super().clean_value(column, text)

    def prepare(self, rows):
        codes = {r.values[n] for r in rows for n in ("credit_code", "parent_credit_code") if n in r.values}
        self.orgs: dict[str, Organisation] = {}
        self.firms: dict[str, Firm] = {}
        for batch in chunked(codes):
            for org in Organisation.objects.filter(credit_code__in=batch):
                self.orgs[org.credit_code] = org
            for firm in Firm.objects.select_related("organisation__parent").filter(
                organisation__credit_code__in=batch
            ):
                self.firms[firm.organisation.credit_code] = firm
        self.owners: dict[tuple[str, str], str] = {}
        for name in ("licence_no", "firm_no"):
            values = {r.values[name] for r in rows if name in r.values}
            for batch in chunked(values):
                lookup = {f"{name}__in": batch}
                for value, code in Firm.objects.filter(**lookup).values_list(
                    name, "organisation__credit_code"
                ):
                    self.owners[(name, value)] = code
        pks = [firm.pk for firm in self.firms.values()]
        self.cpa_counts = dict(
            CPA.objects.filter(firm_id__in=pks, status=CPAStatus.PRACTISING)
            .values("firm_id")
            .annotate(n=Count("pk"))
            .values_list("firm_id", "n")
        )
        self.changeable: set[int] = set()
        if self.actor is not None:
            for batch in chunked(pks):
                self.changeable |= set(
                    Firm.objects.restrict(self.actor, CHANGE)
                    .filter(pk__in=batch)
                    .values_list("pk", flat=True)
                )
        self.in_file = {r.values["credit_code"]: r for r in rows if "credit_code" in r.values}
        self.created: dict[str, Firm] = {}

    def current(self, firm: Firm) -> dict:
        org = firm.organisation
        data = {name: getattr(org, name) for name in self.ORG}
        data.update({name: getattr(firm, name) for name in self.FIRM})
        return data

    def may_work_in(self, city: str) -> bool:
        if self.actor is None or self.scope.has_role(*PROVINCE_ROLES):
            return True
        return city in self.scope.city_codes

    def check(self, row: ParsedRow) -> None:
        code = row.values.get("credit_code")
        for name in ("credit_code", "licence_no", "firm_no"):
            self.unique_in_file(row, name, row.values.get(name))
        if code is None:
            return
        org = self.orgs.get(code)
        firm = self.firms.get(code)
        if org is not None and firm is None:
            self.error(
                row,
                "credit_code",
                _("This credit code belongs to %(name)s, which is not registered as a firm.")
                % {"name": org.name},
            )
            return
        for name in ("licence_no", "firm_no"):
            owner = self.owners.get((name, row.values.get(name)))
            if owner is not None and owner != code:
                other = self.firms.get(owner)
                self.error(
                    row,
                    name,
                    _("Another firm (%(other)s) already has this number.") % {"other": other or owner},
                )
        parent_code = row.values.get("parent_credit_code")
        if parent_code:
            self.check_parent(row, code, parent_code, firm)
        if firm is None:
            self.check_new(row)
        else:
            self.check_existing(row, firm)

    def check_parent(self, row, code, parent_code, firm) -> None:
        if parent_code == code:
            self.error(row, "parent_credit_code", _("A firm cannot be its own head office."))
            return
        if firm is not None:
            current = firm.organisation.parent.credit_code if firm.organisation.parent_id else None
            if current != parent_code:
                self.error(
                    row,
                    "parent_credit_code",
                    _("The head office of a registered firm cannot be changed by import."),
                )
            return
        parent = self.firms.get(parent_code)
        parent_row = self.in_file.get(parent_code)
        if parent is None and parent_row is None:
            self.error(
                row,
                "parent_credit_code",
                _("No firm has this credit code, in the registry or in this file."),
            )
        elif (parent is not None and parent.organisation.parent_id) or (
            parent is None and parent_row.values.get("parent_credit_code")
        ):
            self.error(row, "parent_credit_code", _("The head office is itself a branch."))

    def check_new(self, row: ParsedRow) -> None:
        self.check_required_for_new(row)
        city = row.values.get("city")
        if city and not self.may_work_in(city):
            self.error(
                row,
                "city",
                _("You may not add firms in %(city)s.") % {"city": City(city).label},
            )
        if row.failed:
            return
        row.plan = {"action": CREATE}
        row.outcome = Outcome(row.number, CREATE, row.values["credit_code"], row.values.get("name", ""))

    def check_existing(self, row: ParsedRow, firm: Firm) -> None:
        if "cpa_count" in row.values:
            registered = self.cpa_counts.get(firm.pk, 0)
            if registered != row.values["cpa_count"]:
                self.warn(
                    row,
                    "cpa_count",
                    _("The registry has %(n)d practising CPAs at this firm; the file says %(file)d.")
                    % {"n": registered, "file": row.values["cpa_count"]},
                )
        current = self.current(firm)
        changes = self.diff(row, current)
        if changes and self.actor is not None:
            if firm.pk not in self.changeable:
                self.error(row, "credit_code", _("You may not change this firm."))
                return
            if "city" in changes and not self.may_work_in(changes["city"]):
                self.error(
                    row,
                    "city",
                    _("You may not move a firm to %(city)s.") % {"city": CITY_NAMES.get(changes["city"])},
                )
                return
        if row.failed:
            return
        action = UPDATE if changes else UNCHANGED
        row.plan = {"action": action, "firm": firm, "changes": changes}
        row.outcome = Outcome(
            row.number,
            action,
            firm.organisation.credit_code,
            firm.organisation.name,
            self.describe(current, changes),
        )

    def apply_order(self, rows):
        # Head offices before the branches that name them.
        first = [r for r in rows if not (r.plan["action"] == CREATE and r.values.get("parent_credit_code"))]
        return first + [r for r in rows if r not in first]

    def apply(self, row: ParsedRow) -> None:
        action = row.plan["action"]
        if action == UNCHANGED:
            return
        if action == UPDATE:
            services.update_firm(self.actor, row.plan["firm"], **row.plan["changes"])
            return
        data = {n: row.values[n] for n in (*self.ORG, *self.FIRM) if n in row.values}
        data["credit_code"] = row.values["credit_code"]
        parent = None
        parent_code = row.values.get("parent_credit_code")
        if parent_code:
            parent = self.created.get(parent_code) or self.firms.get(parent_code)
        self.created[data["credit_code"]] = services.register_firm(self.actor, parent=parent, **data)


class CPAImporter(Importer):
    layout = CPA_LAYOUT

    PERSONAL = ("name", "gender", "birth_date", "id_number", "qualified_on", "is_partner")

    def clean_value(self, column: Column, text: str):
        if column.name == "id_number":
            return clean_resident_id(text)
        if column.name == "firm_credit_code":
            return clean_credit_code(text)
        if column.name == "province" and normalise.key(text) not in JIANGXI:
            raise ValueError(
                _("Only CPAs registered in Jiangxi can be imported; this row is for %(province)s.")
                % {"province": text}
            )
        return super().clean_value(column, text)

    def prepare(self, rows):
        from cpahub.core.crypto import blind_index

        numbers = {r.values["certificate_no"] for r in rows if "certificate_no" in r.values}
        self.existing: dict[str, CPA] = {}
        for batch in chunked(numbers):
            for cpa in CPA.objects.select_related("firm__organisation").filter(certificate_no__in=batch):
                self.existing[cpa.certificate_no] = cpa
        self.firms_by_code: dict[str, Firm] = {}
        self.firms_by_name: dict[str, list[Firm]] = {}
        for firm in Firm.objects.select_related("organisation"):
            if firm.organisation.credit_code:
                self.firms_by_code[firm.organisation.credit_code] = firm
            self.firms_by_name.setdefault(_firm_name_key(firm.organisation.name), []).append(firm)
        self.id_index = {
            r.number: blind_index(r.values["id_number"]) for r in rows if "id_number" in r.values
        }
        self.id_owner: dict[str, str] = {}
        for batch in chunked(set(self.id_index.values())):
            self.id_owner.update(
                CPA.objects.filter(id_number_index__in=batch).values_list("id_number_index", "certificate_no")
            )
        self.changeable_cpas: set[int] = set()
        self.changeable_firms: set[int] = set()
        if self.actor is not None:
            pks = [cpa.pk for cpa in self.existing.values()]
            for batch in chunked(pks):
                self.changeable_cpas |= set(
                    CPA.objects.restrict(self.actor, CHANGE).filter(pk__in=batch).values_list("pk", flat=True)
                )
            self.changeable_firms = set(
                Firm.objects.restrict(self.actor, CHANGE).values_list("pk", flat=True)
            )

    def resolve_firm(self, row: ParsedRow) -> tuple[bool, Firm | None]:
        """(given, firm): whether the row names a firm, and which. Errors are recorded."""
        code = row.values.get("firm_credit_code")
        text = row.values.get("firm")
        if code:
            firm = self.firms_by_code.get(code)
            if firm is None:
                self.error(row, "firm_credit_code", _("No firm in the registry has this credit code."))
                return True, None
            if (
                text
                and normalise.clean_code(text) != code
                and _firm_name_key(text) != _firm_name_key(firm.organisation.name)
            ):
                self.warn(
                    row,
                    "firm",
                    _("The credit code belongs to %(name)s; the firm name in the file differs.")
                    % {"name": firm.organisation.name},
                )
            return True, firm
        if not text:
            return False, None
        firm = self.firms_by_code.get(normalise.clean_code(text))
        if firm is not None:
            return True, firm
        found = self.firms_by_name.get(_firm_name_key(text), [])
        if len(found) == 1:
            return True, found[0]
        if found:
            self.error(row, "firm", _("Several firms have this name; give the firm's credit code instead."))
        else:
            self.error(row, "firm", _("No firm in the registry has this name or credit code."))
        return True, None

    def may_add(self, firm: Firm | None) -> bool:
        if self.actor is None or self.scope.has_role(*PROVINCE_ROLES):
            return True
        if firm is None:
            return bool(self.scope.city_codes)
        return firm.pk in self.scope.admin_firm_ids or firm.organisation.city in self.scope.city_codes

    def may_change_status(self, cpa: CPA) -> bool:
        if self.actor is None or self.scope.has_role(Role.ASSOCIATION_STAFF):
            return True
        return bool(self.scope.city_codes) and cpa.pk in self.changeable_cpas

    def check_identity(self, row: ParsedRow) -> None:
        number = row.values.get("id_number")
        if not number:
            return
        birth = row.values.get("birth_date")
        try:
            from_id = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            from_id = None
        if birth and from_id and birth != from_id:
            self.warn(
                row,
                "birth_date",
                _("The date of birth differs from the one in the ID number (%(date)s).")
                % {"date": from_id.isoformat()},
            )
        gender = row.values.get("gender")
        id_gender = "M" if int(number[16]) % 2 else "F"
        if gender and gender != id_gender:
            self.warn(row, "gender", _("The gender differs from the one in the ID number."))

    def check(self, row: ParsedRow) -> None:
        number = row.values.get("certificate_no")
        self.unique_in_file(row, "certificate_no", number)
        if "id_number" in row.values and self.unique_in_file(row, "id_number", row.values["id_number"]):
            owner = self.id_owner.get(self.id_index[row.number])
            if owner is not None and owner != number:
                self.error(
                    row,
                    "id_number",
                    _("Another CPA (%(number)s) has this resident ID number.") % {"number": owner},
                )
        given, firm = self.resolve_firm(row)
        if number is None:
            return
        cpa = self.existing.get(number)
        identity = ("gender", "birth_date", "id_number")
        if cpa is None or any(row.values.get(n, getattr(cpa, n)) != getattr(cpa, n) for n in identity):
            # Only new or changed details are checked against the ID number, not the stored ones.
            self.check_identity(row)
        status = row.values.get("status")
        if status == CPAStatus.CANCELLED and firm is not None:
            self.error(row, "firm", _("A cancelled CPA cannot belong to a firm; leave the firm empty."))
        if status == CPAStatus.CANCELLED and row.values.get("is_partner"):
            self.error(row, "is_partner", _("A cancelled CPA cannot be a partner."))
        if cpa is None:
            self.check_new(row, firm)
        else:
            self.check_existing(row, cpa, given, firm)

    def check_new(self, row: ParsedRow, firm: Firm | None) -> None:
        if not self.may_add(firm):
            self.error(
                row,
                "firm" if firm else "certificate_no",
                _("You may not add CPAs to %(firm)s.") % {"firm": firm}
                if firm
                else _("You may not add CPAs."),
            )
        if firm is not None and firm.organisation.status != OrgStatus.ACTIVE:
            self.warn(
                row,
                "firm",
                _("The firm is %(status)s.") % {"status": FIRM_STATUS_LABELS[firm.organisation.status]},
            )
        if row.failed:
            return
        row.plan = {"action": CREATE, "firm": firm}
        row.outcome = Outcome(row.number, CREATE, row.values["certificate_no"], row.values.get("name", ""))

    def check_existing(self, row: ParsedRow, cpa: CPA, given: bool, firm: Firm | None) -> None:
        current = {name: getattr(cpa, name) for name in self.PERSONAL}
        personal = self.diff(row, current)
        status = row.values.get("status")
        new_status = status if status and status != cpa.status else None
        move = given and firm is not None and firm.pk != cpa.firm_id
        if move and firm.organisation.status != OrgStatus.ACTIVE:
            self.error(
                row,
                "firm",
                _("A CPA can only join an active firm; %(firm)s is %(status)s.")
                % {"firm": firm, "status": FIRM_STATUS_LABELS[firm.organisation.status]},
            )
        if self.actor is not None:
            if personal and cpa.pk not in self.changeable_cpas:
                self.error(row, "certificate_no", _("You may not change this CPA."))
            if new_status and not self.may_change_status(cpa):
                self.error(row, "status", _("You may not change this CPA's status."))
            if move and cpa.pk not in self.changeable_cpas and firm.pk not in self.changeable_firms:
                self.error(row, "firm", _("You may not move this CPA to %(firm)s.") % {"firm": firm})
        if row.failed:
            return
        changes = self.describe(current, personal)
        if new_status:
            changes.append(self._change("status", cpa.status, new_status))
        if move:
            changes.append(self._change_text("firm", str(cpa.firm or ""), str(firm)))
        action = UPDATE if (personal or new_status or move) else UNCHANGED
        row.plan = {
            "action": action,
            "cpa": cpa,
            "personal": personal,
            "status": new_status,
            "firm": firm if move else None,
        }
        row.outcome = Outcome(
            row.number,
            action,
            cpa.certificate_no,
            cpa.name,
            changes,
            moved=bool(move),
            status_changed=bool(new_status),
        )

    def _change(self, name, before, after):
        return Change(
            self.layout.by_name[name].display, self.display(name, before), self.display(name, after)
        )

    def _change_text(self, name, before, after):
        return Change(self.layout.by_name[name].display, before, after)

    def apply(self, row: ParsedRow) -> None:
        plan = row.plan
        if plan["action"] == UNCHANGED:
            return
        if plan["action"] == CREATE:
            data = {n: row.values[n] for n in self.PERSONAL if n in row.values}
            services.register_cpa(
                self.actor,
                certificate_no=row.values["certificate_no"],
                firm=plan["firm"],
                status=row.values.get("status", CPAStatus.PRACTISING),
                **data,
            )
            return
        cpa = plan["cpa"]
        if plan["personal"]:
            services.update_cpa(self.actor, cpa, **plan["personal"])
        if plan["status"]:
            services.change_cpa_status(self.actor, cpa, plan["status"], self.today, note=self.note)
        if plan["firm"] is not None:
            services.move_cpa(
                self.actor, CPA.objects.get(pk=cpa.pk), plan["firm"], self.today, note=self.note
            )


class PenaltyImporter(Importer):
    layout = PENALTY_LAYOUT

    FIELDS = ("subject_kind", "authority", "decided_on", "kind", "text", "published")

    def prepare(self, rows):
        numbers = {r.values["document_no"] for r in rows if "document_no" in r.values}
        self.existing: dict[str, Penalty] = {}
        for batch in chunked(numbers):
            for penalty in Penalty.objects.select_related("firm__organisation", "cpa").filter(
                document_no__in=batch
            ):
                self.existing[penalty.document_no] = penalty
        subjects = {
            (r.values.get("subject_kind"), r.values["subject"]) for r in rows if "subject" in r.values
        }
        firm_codes = [code for kind, code in subjects if kind == SubjectKind.FIRM]
        cpa_numbers = [code for kind, code in subjects if kind == SubjectKind.CPA]
        self.firms: dict[str, Firm] = {}
        for batch in chunked(firm_codes):
            for firm in Firm.objects.select_related("organisation").filter(
                organisation__credit_code__in=batch
            ):
                self.firms[firm.organisation.credit_code] = firm
        self.cpas: dict[str, CPA] = {}
        for batch in chunked(cpa_numbers):
            for cpa in CPA.objects.filter(certificate_no__in=batch):
                self.cpas[cpa.certificate_no] = cpa
        self.changeable: set[int] = set()
        if self.actor is not None:
            pks = [p.pk for p in self.existing.values()]
            for batch in chunked(pks):
                self.changeable |= set(
                    Penalty.objects.restrict(self.actor, CHANGE)
                    .filter(pk__in=batch)
                    .values_list("pk", flat=True)
                )

    def subject(self, row: ParsedRow):
        """(given, subject): whether the row names a subject, and which. Errors are recorded."""
        kind = row.values.get("subject_kind")
        code = row.values.get("subject")
        if not kind and not code:
            return False, None
        if not kind or not code:
            missing = "subject" if kind else "subject_kind"
            self.error(row, missing, _("Give both the subject type and the subject."), "")
            return True, None
        if kind == SubjectKind.FIRM:
            found = self.firms.get(code)
            if found is None:
                self.error(row, "subject", _("No firm in the registry has this credit code."))
            return True, found
        found = self.cpas.get(code)
        if found is None:
            self.error(row, "subject", _("No CPA in the registry has this certificate number."))
        return True, found

    def check(self, row: ParsedRow) -> None:
        number = row.values.get("document_no")
        self.unique_in_file(row, "document_no", number)
        given, subject = self.subject(row)
        if subject is not None and row.values.get("subject_name"):
            name = subject.organisation.name if isinstance(subject, Firm) else subject.name
            if _firm_name_key(name) != _firm_name_key(row.values["subject_name"]):
                self.warn(
                    row,
                    "subject_name",
                    _("The registry's name for this subject is %(name)s.") % {"name": name},
                )
        if number is None:
            return
        penalty = self.existing.get(number)
        if penalty is None:
            self.check_required_for_new(row)
        if row.failed:
            return
        wanted = {}
        if subject is not None:
            wanted = {
                "firm": subject if isinstance(subject, Firm) else None,
                "cpa": subject if isinstance(subject, CPA) else None,
            }
        if penalty is None:
            row.plan = {"action": CREATE, **wanted}
            row.outcome = Outcome(row.number, CREATE, number, str(subject))
            return
        current = {name: getattr(penalty, name) for name in self.FIELDS}
        changes = self.diff(row, current)
        described = self.describe(current, changes)
        if given:
            stored = penalty.firm_id if row.values["subject_kind"] == SubjectKind.FIRM else penalty.cpa_id
            if stored != subject.pk or penalty.subject_kind != row.values["subject_kind"]:
                changes.update(wanted)
                described.append(
                    Change(self.layout.by_name["subject"].display, str(penalty.subject or ""), str(subject))
                )
        if changes and self.actor is not None and penalty.pk not in self.changeable:
            self.error(row, "document_no", _("You may not change this penalty."))
            return
        action = UPDATE if changes else UNCHANGED
        row.plan = {"action": action, "penalty": penalty, "changes": changes}
        row.outcome = Outcome(row.number, action, number, str(penalty.subject or ""), described)

    def apply(self, row: ParsedRow) -> None:
        plan = row.plan
        if plan["action"] == UNCHANGED:
            return
        if plan["action"] == UPDATE:
            services.update_penalty(self.actor, plan["penalty"], **plan["changes"])
            return
        data = {n: row.values[n] for n in self.FIELDS if n in row.values}
        services.record_penalty(
            self.actor, document_no=row.values["document_no"], firm=plan["firm"], cpa=plan["cpa"], **data
        )


IMPORTERS = {"firm": FirmImporter, "cpa": CPAImporter, "penalty": PenaltyImporter}
