"""Export firms, CPAs and penalties in the default layouts (CSV UTF-8 with BOM, or .xlsx).

What is exported is exactly what the importer reads back, so export → import changes nothing.
Rows come through `restrict(user, "export")`; CPA resident ID numbers are exported to association
staff only (the column is left out for everyone else, and a file without it leaves stored numbers
alone on import). Every export is written to the security log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q

from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.core import exports
from cpahub.core.permissions import EXPORT, NOTHING, scope_for
from cpahub.registry.choices import SubjectKind
from cpahub.registry.importing.layouts import CPA, FIRM, KINDS, PENALTY, Column, layout_for, model_for
from cpahub.registry.importing.normalise import format_bool, format_date

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)


def may_export(user, kind: str) -> bool:
    model = model_for(kind)
    return model.restrict_q(scope_for(user), EXPORT) is not NOTHING


def exportable_kinds(user) -> list[str]:
    return [kind for kind in KINDS if may_export(user, kind)]


def may_export_id_numbers(user) -> bool:
    return user is not None and scope_for(user).has_role(Role.ASSOCIATION_STAFF)


@dataclass
class Export:
    kind: str
    columns: list[Column]
    headers: list[str]
    queryset: object
    count: int
    filename: str
    sheet: str

    def rows(self):
        render = _RENDERERS[self.kind]
        names = [column.name for column in self.columns]
        for obj in self.queryset.iterator(chunk_size=1000):
            values = render(obj)
            yield [values.get(name, "") for name in names]


def queryset(kind: str, user, *, city: str = "", status: str = ""):
    """The rows `user` may export (all rows when `user` is None: the system, from the command line)."""
    model = model_for(kind)
    qs = model.objects.all() if user is None else model.objects.restrict(user, EXPORT)
    if kind == FIRM:
        from cpahub.registry.queries import practising_cpa_count

        qs = qs.select_related("organisation", "organisation__parent").annotate(
            cpa_count=practising_cpa_count()
        )
        if city:
            qs = qs.filter(organisation__city=city)
        if status:
            qs = qs.filter(organisation__status=status)
        return qs.order_by("organisation__name", "pk")
    if kind == CPA:
        qs = qs.select_related("firm__organisation")
        if city:
            qs = qs.filter(firm__organisation__city=city)
        if status:
            qs = qs.filter(status=status)
        return qs.order_by("certificate_no")
    qs = qs.select_related("firm__organisation", "cpa")
    if city:
        qs = qs.filter(Q(firm__organisation__city=city) | Q(cpa__firm__organisation__city=city))
    return qs.order_by("-decided_on", "document_no")


def build(kind: str, user, *, city: str = "", status: str = "", language: str = "zh") -> Export:
    layout = layout_for(kind)
    columns = [c for c in layout.columns if c.name != "id_number" or may_export_id_numbers(user)]
    qs = queryset(kind, user, city=city, status=status)
    return Export(
        kind=kind,
        columns=columns,
        headers=[column.header(language) for column in columns],
        queryset=qs,
        count=qs.count(),
        filename=layout.filename,
        sheet=layout.sheet,
    )


def log_export(export: Export, user, fmt: str, *, request=None, username: str = "", **filters) -> None:
    from cpahub.accounts.security import log_event

    log_event(
        SecurityEventType.EXPORT,
        user=user,
        username=username,
        request=request,
        what=model_for(export.kind)._meta.label,
        format=fmt,
        rows=export.count,
        id_numbers=any(column.name == "id_number" for column in export.columns),
        filter={k: v for k, v in filters.items() if v},
    )


def response(export: Export, fmt: str):
    if fmt == CSV:
        return exports.csv_response(export.filename, export.headers, export.rows())
    return exports.xlsx_response(export.filename, export.sheet, export.headers, export.rows())


def write(export: Export, path: Path, fmt: str) -> None:
    """Write the export to a local file (used by `cpahub registry_export`)."""
    if fmt == CSV:
        with path.open("wb") as out:
            for chunk in exports.csv_response(
                export.filename, export.headers, export.rows()
            ).streaming_content:
                out.write(chunk)
    else:
        path.write_bytes(exports.xlsx_bytes(export.sheet, export.headers, export.rows()))


def template_export(kind: str, language: str = "zh") -> Export:
    """An empty file with the layout's headers, to fill in."""
    layout = layout_for(kind)
    columns = [c for c in layout.columns if not c.read_only]
    return Export(
        kind=kind,
        columns=columns,
        headers=[column.header(language) for column in columns],
        queryset=model_for(kind).objects.none(),
        count=0,
        filename=f"{layout.filename}-template",
        sheet=layout.sheet,
    )


# --- one object → {column name: cell} --------------------------------------------------------


def _label(kind: str, name: str, value) -> str:
    return layout_for(kind).column(name).export_label(value) if value else ""


def _firm(firm) -> dict:
    org = firm.organisation
    return {
        "firm_no": firm.firm_no or "",
        "name": org.name,
        "credit_code": org.credit_code or "",
        "status": _label(FIRM, "status", org.status),
        "cpa_count": getattr(firm, "cpa_count", ""),
        "legal_form": _label(FIRM, "legal_form", firm.legal_form),
        "city": _label(FIRM, "city", org.city),
        "licence_no": firm.licence_no,
        "founded": format_date(firm.founded),
        "address": org.address,
        "securities_qualified": format_bool(firm.securities_qualified),
        "parent_credit_code": (org.parent.credit_code or "") if org.parent_id else "",
        "short_name": org.short_name,
        "chief_partner": firm.chief_partner,
        "phone": org.phone,
        "email": firm.email,
        "website": firm.website,
    }


def _cpa(cpa) -> dict:
    firm = cpa.firm
    return {
        "certificate_no": cpa.certificate_no,
        "name": cpa.name,
        "firm": firm.organisation.name if firm else "",
        "firm_credit_code": (firm.organisation.credit_code or "") if firm else "",
        "province": "江西省",
        "status": _label(CPA, "status", cpa.status),
        "gender": _label(CPA, "gender", cpa.gender),
        "birth_date": format_date(cpa.birth_date),
        "id_number": cpa.id_number or "",
        "qualified_on": format_date(cpa.qualified_on),
        "is_partner": format_bool(cpa.is_partner),
    }


def _penalty(penalty) -> dict:
    if penalty.subject_kind == SubjectKind.FIRM:
        subject = penalty.firm.organisation.credit_code or "" if penalty.firm_id else ""
        name = penalty.firm.organisation.name if penalty.firm_id else ""
    else:
        subject = penalty.cpa.certificate_no if penalty.cpa_id else ""
        name = penalty.cpa.name if penalty.cpa_id else ""
    return {
        "document_no": penalty.document_no,
        "subject_kind": _label(PENALTY, "subject_kind", penalty.subject_kind),
        "subject": subject,
        "subject_name": name,
        "authority": _label(PENALTY, "authority", penalty.authority),
        "decided_on": format_date(penalty.decided_on),
        "kind": _label(PENALTY, "kind", penalty.kind),
        "text": penalty.text,
        "published": format_bool(penalty.published),
    }


_RENDERERS = {FIRM: _firm, CPA: _cpa, PENALTY: _penalty}
