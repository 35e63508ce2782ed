"""What the public may see: one place for the public rule of firms, CPAs, penalties and cases.

Every public page gets its rows here. Rows come through the permission gate with the anonymous
user's scope (`restrict(PUBLIC, "view")`), whoever is logged in: a public page shows the same to
everybody, and a logged-in firm user's narrower reach must not make the public register look smaller.

Rows are read with `.values()` over the columns named below, so private fields (resident ID number,
birth date, phone, email) are never loaded from the database, let alone passed to a template.
Templates receive plain dicts (`PublicRecord`) holding only public values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.core.permissions import VIEW
from cpahub.registry.choices import Authority, CPAStatus, Gender, LegalForm, PenaltyKind, SubjectKind
from cpahub.registry.models import CPA, PUBLIC_FIRM_STATUSES, Firm, IndustryCase, Penalty
from cpahub.registry.queries import practising_cpa_count

PUBLIC = AnonymousUser()  # public pages always use the public rule the models define


def _choice(choices) -> Callable:
    labels = dict(choices.choices)
    return lambda value: labels.get(value, value or "")


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


def _year(value) -> str:
    return str(value.year) if value else ""


@dataclass(frozen=True)
class Column:
    key: str  # key in the public record and in templates
    label: str
    source: str  # ORM lookup read with .values()
    display: Callable | None = None  # raw value -> shown value


FIRM_COLUMNS = (
    Column("firm_no", _("Firm number"), "firm_no"),
    Column("name", _("Name"), "organisation__name"),
    Column("credit_code", _("Unified social credit code"), "organisation__credit_code"),
    Column("licence_no", _("Practice licence number"), "licence_no"),
    Column("status", _("Status"), "organisation__status", _choice(OrgStatus)),
    Column("practising_cpas", _("Practising CPAs"), "practising_cpas"),
    Column("legal_form", _("Legal form"), "legal_form", _choice(LegalForm)),
    Column("city", _("City"), "organisation__city", _choice(City)),
    Column("address", _("Address"), "organisation__address"),
    Column("securities_qualified", _("Securities business qualification"), "securities_qualified", _yes_no),
    Column("head_office", _("Head office"), "organisation__parent__name"),
)
# Read for links and styling, never shown as a field of their own.
FIRM_KEYS = {"pk": "pk", "head_office_id": "organisation__parent_id", "status_code": "organisation__status"}

CPA_COLUMNS = (
    Column("certificate_no", _("Certificate number"), "certificate_no"),
    Column("name", _("Name"), "name"),
    Column("gender", _("Gender"), "gender", _choice(Gender)),
    Column("firm_name", _("Firm"), "firm__organisation__name"),
    Column("status", _("Status"), "status", _choice(CPAStatus)),
    Column("qualification_year", _("Year qualified"), "qualified_on", _year),
)
CPA_KEYS = {
    "pk": "pk",
    "firm_id": "firm_id",
    "status_code": "status",
    "firm_status": "firm__organisation__status",
}

PENALTY_COLUMNS = (
    Column("document_no", _("Document number"), "document_no"),
    Column("decided_on", _("Decision date"), "decided_on"),
    Column("authority", _("Authority"), "authority", _choice(Authority)),
    Column("kind", _("Type"), "kind", _choice(PenaltyKind)),
    Column("subject_kind", _("Subject"), "subject_kind", _choice(SubjectKind)),
    Column("firm_name", _("Firm"), "firm__organisation__name"),
    Column("cpa_name", _("CPA"), "cpa__name"),
    Column("cpa_certificate_no", _("Certificate number"), "cpa__certificate_no"),
    Column("text", _("Text"), "text"),
)
PENALTY_KEYS = {
    "pk": "pk",
    "firm_id": "firm_id",
    "cpa_id": "cpa_id",
    "firm_status": "firm__organisation__status",
    "cpa_status": "cpa__status",
    "subject_code": "subject_kind",
}

CASE_COLUMNS = (
    Column("title", _("Title"), "title"),
    Column("category", _("Category"), "category"),
    Column("published_on", _("Publication date"), "published_on"),
    Column("summary", _("Summary"), "summary"),
    Column("body", _("Text"), "body"),
)
CASE_KEYS = {"pk": "pk", "penalty_id": "penalty_id"}

# Mirrors the anonymous branch of CPA.restrict_q, to link a penalty's subject without a query
# per row; a test keeps the two in step.
PUBLIC_CPA_STATUSES = frozenset((CPAStatus.PRACTISING, CPAStatus.NON_PRACTISING))


class PublicRecord(dict):
    """A row of public values, keyed by column key; `fields` lists (label, value) for display."""

    def __init__(self, row: dict, columns, keys):
        super().__init__()
        for name in keys:
            self[name] = row[name]
        for column in columns:
            raw = row[column.key]
            self[column.key] = column.display(raw) if column.display else ("" if raw is None else raw)
        self["fields"] = [(column.label, self[column.key]) for column in columns]


def _values(queryset: QuerySet, columns, keys) -> QuerySet:
    """`.values()` of exactly the public columns and keys; nothing else leaves the database."""
    sources = {column.key: column.source for column in columns} | dict(keys)
    plain = [key for key, source in sources.items() if key == source]
    aliased = {key: F(source) for key, source in sources.items() if key != source}
    return queryset.values(*plain, **aliased)


def records(rows, columns, keys) -> list[PublicRecord]:
    return [PublicRecord(row, columns, keys) for row in rows]


# --- firms -------------------------------------------------------------------------------------


def public_firms() -> QuerySet:
    """Firms the public may see, as `.values()` rows of the public columns (one query)."""
    queryset = Firm.objects.restrict(PUBLIC, VIEW).annotate(practising_cpas=practising_cpa_count())
    return _values(queryset, FIRM_COLUMNS, FIRM_KEYS).order_by("name", "pk")


def firm_records(rows) -> list[PublicRecord]:
    return records(rows, FIRM_COLUMNS, FIRM_KEYS)


def search_firms(q: str = "", city: str = "") -> QuerySet:
    rows = public_firms()
    q = (q or "").strip()
    if q:
        rows = rows.filter(
            Q(organisation__name__icontains=q)
            | Q(organisation__short_name__icontains=q)
            | Q(organisation__credit_code=q.upper())
            | Q(licence_no=q)
            | Q(firm_no=q)
        )
    if city:
        rows = rows.filter(organisation__city=city)
    return rows


def public_firm(pk) -> PublicRecord | None:
    row = public_firms().filter(pk=pk).first()
    return PublicRecord(row, FIRM_COLUMNS, FIRM_KEYS) if row else None


def firm_branches(pk) -> list[PublicRecord]:
    return firm_records(public_firms().filter(organisation__parent_id=pk))


# --- CPAs --------------------------------------------------------------------------------------


def public_cpas() -> QuerySet:
    """CPAs the public may see, as `.values()` rows of the public columns (one query)."""
    queryset = CPA.objects.restrict(PUBLIC, VIEW)
    return _values(queryset, CPA_COLUMNS, CPA_KEYS).order_by("certificate_no")


def cpa_records(rows) -> list[PublicRecord]:
    result = records(rows, CPA_COLUMNS, CPA_KEYS)
    for record in result:
        record["firm_public"] = bool(record["firm_id"]) and record["firm_status"] in PUBLIC_FIRM_STATUSES
    return result


def search_cpas(q: str = "", city: str = "") -> QuerySet:
    rows = public_cpas()
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(certificate_no=q))
    if city:
        rows = rows.filter(firm__organisation__city=city)
    return rows


def public_cpa(pk) -> PublicRecord | None:
    found = cpa_records(public_cpas().filter(pk=pk)[:1])
    return found[0] if found else None


def firm_practising_cpas(firm_pk) -> list[PublicRecord]:
    rows = public_cpas().filter(firm_id=firm_pk, status=CPAStatus.PRACTISING).order_by("name", "pk")
    return cpa_records(rows)


# --- penalties ---------------------------------------------------------------------------------


def public_penalties() -> QuerySet:
    """Published penalties only, whoever asks."""
    queryset = Penalty.objects.restrict(PUBLIC, VIEW)
    return _values(queryset, PENALTY_COLUMNS, PENALTY_KEYS).order_by("-decided_on", "-pk")


def penalty_records(rows) -> list[PublicRecord]:
    result = records(rows, PENALTY_COLUMNS, PENALTY_KEYS)
    for record in result:
        # Link a subject only when its own page is public.
        record["firm_public"] = bool(record["firm_id"]) and record["firm_status"] in PUBLIC_FIRM_STATUSES
        record["cpa_public"] = bool(record["cpa_id"]) and record["cpa_status"] in PUBLIC_CPA_STATUSES
    return result


def search_penalties(q: str = "", year=None, authority: str = "", kind: str = "") -> QuerySet:
    rows = public_penalties()
    q = (q or "").strip()
    if q:
        rows = rows.filter(
            Q(firm__organisation__name__icontains=q)
            | Q(cpa__name__icontains=q)
            | Q(cpa__certificate_no=q)
            | Q(document_no__icontains=q)
        )
    if year:
        rows = rows.filter(decided_on__year=year)
    if authority:
        rows = rows.filter(authority=authority)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def firm_penalties(firm_pk) -> list[PublicRecord]:
    return penalty_records(public_penalties().filter(firm_id=firm_pk))


def cpa_penalties(cpa_pk) -> list[PublicRecord]:
    return penalty_records(public_penalties().filter(cpa_id=cpa_pk))


def penalty_years() -> list[int]:
    dates = Penalty.objects.restrict(PUBLIC, VIEW).dates("decided_on", "year", order="DESC")
    return [d.year for d in dates]


# --- cases -------------------------------------------------------------------------------------


def public_cases() -> QuerySet:
    queryset = IndustryCase.objects.restrict(PUBLIC, VIEW)
    return _values(queryset, CASE_COLUMNS, CASE_KEYS).order_by("-published_on", "-pk")


def case_records(rows) -> list[PublicRecord]:
    return records(rows, CASE_COLUMNS, CASE_KEYS)


def public_case(pk) -> PublicRecord | None:
    row = public_cases().filter(pk=pk).first()
    return PublicRecord(row, CASE_COLUMNS, CASE_KEYS) if row else None


def _count_by(queryset: QuerySet, field: str) -> dict:
    return dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


# --- industry figures --------------------------------------------------------------------------


def industry_figures() -> dict:
    """Active firms and practising CPAs, in total and by city (public rule, a few queries)."""
    firms = Firm.objects.restrict(PUBLIC, VIEW).filter(organisation__status=OrgStatus.ACTIVE)
    cpas = CPA.objects.restrict(PUBLIC, VIEW).filter(
        status=CPAStatus.PRACTISING, firm__organisation__status=OrgStatus.ACTIVE
    )
    firms_by_city = _count_by(firms, "organisation__city")
    cpas_by_city = _count_by(cpas, "firm__organisation__city")
    cities = [
        {
            "code": code,
            "name": str(label),
            "firms": firms_by_city.get(code, 0),
            "cpas": cpas_by_city.get(code, 0),
        }
        for code, label in City.choices
    ]
    return {
        "firms": sum(firms_by_city.values()),
        "cpas": sum(cpas_by_city.values()),
        "head_offices": firms.filter(organisation__parent__isnull=True).count(),
        "securities_qualified": firms.filter(securities_qualified=True).count(),
        "cities": cities,
    }
