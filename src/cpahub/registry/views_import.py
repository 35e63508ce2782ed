"""Web pages for importing and exporting the registry (SUP-1).

Upload → preview and column mapping → check (a dry run: every row validated, nothing kept) →
errors with a downloadable report, or a confirmation → apply (one transaction) → summary.
The uploaded file lives in default storage under `imports/<uuid>`, referenced from the session.
"""

from __future__ import annotations

import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cpahub.core.uploads import limited_upload, refusal_message
from cpahub.core.views import log_denied
from cpahub.registry.importing import engine, exporters, readers, reports, uploads
from cpahub.registry.importing.forms import ExportForm, MappingForm, UploadForm
from cpahub.registry.importing.layouts import LAYOUTS, layout_for
from cpahub.registry.importing.normalise import as_text

PREVIEW_ROWS = 20
SHOWN_ISSUES = 500
DONE_KEY = "registry_import_done"


def _importer_kinds(request) -> list[str]:
    kinds = engine.importable_kinds(request.user)
    if not kinds:
        log_denied(request, "registry import")
        raise PermissionDenied
    return kinds


def _entry(request, token) -> dict:
    entry = uploads.get_upload(request, token.hex)
    if entry is None or entry.get("kind") not in engine.KINDS:  # e.g. a clients upload's token
        raise Http404
    if not engine.may_import(request.user, entry["kind"]):
        log_denied(request, f"registry import {entry['kind']}")
        raise PermissionDenied
    return entry


def _signature(entry: dict, mapping: list[str]) -> str:
    text = "|".join([entry["sha256"], entry.get("sheet") or "", ",".join(mapping)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load(entry: dict) -> readers.Table:
    try:
        data = uploads.read_upload(entry)
    except OSError:
        raise readers.ReadError(_("The uploaded file is no longer stored; upload it again.")) from None
    if uploads.digest(data) != entry["sha256"]:
        raise readers.ReadError(_("The stored file has changed since it was uploaded; upload it again."))
    return engine.load_table(data, entry["kind"], sheet=entry.get("sheet"))


def _layouts_context(kinds):
    return [{"kind": kind, "layout": LAYOUTS[kind]} for kind in kinds]


# --- upload ---------------------------------------------------------------------------------


def _too_large(request, limit):
    return _upload_page(request, refused=refusal_message(limit), status=413)


@limited_upload(limit=lambda request: readers.max_upload_bytes(), refused=_too_large)
@require_http_methods(["GET", "POST"])
def upload(request):
    """The upload page. An oversized upload is cut off while it arrives (`core.uploads`)."""
    kinds = _importer_kinds(request)
    uploads.cleanup_stale_uploads()
    if request.method != "POST":
        return _upload_page(request, UploadForm(kinds=kinds))
    form = UploadForm(request.POST, request.FILES, kinds=kinds)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        data = upload_file.read()
        try:
            engine.load_table(data, kind)
        except readers.ReadError as error:
            form.add_error("file", error.message)
        else:
            token = uploads.save_upload(request, kind, data, upload_file.name)
            return redirect("registry_import:preview", uuid.UUID(token))
    return _upload_page(request, form, status=400)


def _upload_page(request, form=None, *, refused="", status=200):
    kinds = _importer_kinds(request)
    if form is None:
        form = UploadForm(kinds=kinds)
    context = {
        "form": form,
        "too_large": refused,
        "layouts": _layouts_context(kinds),
        "can_export": bool(exporters.exportable_kinds(request.user)),
    }
    return render(request, "registry/import_upload.html", context, status=status)


@login_required
@require_GET
def template(request, kind: str, fmt: str):
    """An empty file with the default layout's headers."""
    if kind not in LAYOUTS or fmt not in exporters.FORMATS:
        raise Http404
    _importer_kinds(request)
    return exporters.response(exporters.template_export(kind, request.GET.get("language", "zh")), fmt)


# --- preview, mapping and check --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, token):
    entry = _entry(request, token)
    layout = layout_for(entry["kind"])
    sheet = request.GET.get("sheet")
    if sheet is not None and sheet != entry.get("sheet"):
        uploads.update_upload(request, token.hex, sheet=sheet or None, mapping=None, checked=None)
        entry = _entry(request, token)
    context = {"entry": entry, "layout": layout, "token": token}
    try:
        table = _load(entry)
    except readers.ReadError as error:
        context["read_error"] = error.message
        return render(request, "registry/import_preview.html", context, status=400)
    mapping = entry.get("mapping") or layout.auto_mapping(table.headers)
    if len(mapping) != len(table.headers):
        mapping = layout.auto_mapping(table.headers)
    samples = [table.column_values(i) for i in range(len(table.headers))]
    form_args = {"layout": layout, "headers": table.headers, "mapping": mapping, "samples": samples}
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, **form_args)
        if form.is_valid():
            mapping = form.mapping()
            result = engine.run_import(entry["kind"], table, mapping, actor=request.user, dry_run=True)
            signature = _signature(entry, mapping)
            report = result.as_dict(limit=None)
            report["signature"] = signature
            uploads.save_report(token.hex, report)
            uploads.update_upload(
                request, token.hex, mapping=mapping, checked=signature if result.ok else None
            )
            if result.ok:
                return redirect("registry_import:confirm", token)
            return redirect("registry_import:errors", token)
        status = 400
    else:
        form = MappingForm(**form_args)
    context.update(
        {
            "table": table,
            "form": form,
            "matched": sum(1 for name in mapping if name),
            "preview_headers": table.headers,
            "preview_rows": [
                {"number": row.number, "cells": [as_text(cell) for cell in row.cells]}
                for row in table.rows[:PREVIEW_ROWS]
            ],
        }
    )
    return render(request, "registry/import_preview.html", context, status=status)


@login_required
@require_GET
def errors(request, token):
    entry = _entry(request, token)
    report = uploads.load_report(token.hex)
    if report is None or (not report["error_list"] and not report["mapping_problems"]):
        return redirect("registry_import:preview", token)
    context = {
        "entry": entry,
        "token": token,
        "layout": layout_for(entry["kind"]),
        "report": report,
        "issues": report["error_list"][:SHOWN_ISSUES],
        "more": max(0, len(report["error_list"]) - SHOWN_ISSUES),
    }
    return render(request, "registry/import_errors.html", context)


@login_required
@require_GET
def error_report(request, token, fmt: str):
    _entry(request, token)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    report = uploads.load_report(token.hex)
    if report is None:
        raise Http404
    return reports.response(report["error_list"], fmt)


@login_required
@require_GET
def confirm(request, token):
    entry = _entry(request, token)
    report = uploads.load_report(token.hex)
    if report is None or not entry.get("checked") or report.get("signature") != entry["checked"]:
        return redirect("registry_import:preview", token)
    context = {
        "entry": entry,
        "token": token,
        "layout": layout_for(entry["kind"]),
        "report": report,
        "changes": report["outcome_list"][:SHOWN_ISSUES],
        "warnings": report["warning_list"][:SHOWN_ISSUES],
    }
    return render(request, "registry/import_confirm.html", context)


@login_required
@require_POST
def apply(request, token):
    entry = _entry(request, token)
    mapping = entry.get("mapping")
    if not mapping or entry.get("checked") != _signature(entry, mapping):
        messages.warning(request, _("Check the file before importing it."))
        return redirect("registry_import:preview", token)
    try:
        table = _load(entry)
    except readers.ReadError as error:
        messages.error(request, error.message)
        return redirect("registry_import:upload")
    result = engine.run_import(entry["kind"], table, mapping, actor=request.user)
    if not result.applied:
        # Something changed in the registry since the check; nothing was imported.
        report = result.as_dict(limit=None)
        report["signature"] = _signature(entry, mapping)
        uploads.save_report(token.hex, report)
        uploads.update_upload(request, token.hex, checked=None)
        return redirect("registry_import:errors", token)
    uploads.finish(request, DONE_KEY, token.hex, {**result.as_dict(limit=100), "filename": entry["filename"]})
    return redirect("registry_import:done", token)


@login_required
@require_GET
def done(request, token):
    summary = request.session.get(DONE_KEY, {}).get(token.hex)
    if summary is None:
        raise Http404
    context = {"summary": summary, "layout": layout_for(summary["kind"]), "token": token}
    return render(request, "registry/import_done.html", context)


@login_required
@require_POST
def discard(request, token):
    _entry(request, token)
    uploads.discard_upload(request, token.hex)
    messages.info(request, _("The uploaded file was deleted; nothing was imported."))
    return redirect("registry_import:upload")


# --- export ---------------------------------------------------------------------------------


@login_required
@require_GET
def export(request):
    kinds = exporters.exportable_kinds(request.user)
    if not kinds:
        log_denied(request, "registry export")
        raise PermissionDenied
    bound = "kind" in request.GET
    form = ExportForm(request.GET if bound else None, kinds=kinds)
    if bound and form.is_valid():
        data = form.cleaned_data
        result = exporters.build(
            data["kind"],
            request.user,
            city=data["city"],
            status=data["status_value"],
            language=data["language"],
        )
        exporters.log_export(
            result,
            request.user,
            data["format"],
            request=request,
            city=data["city"],
            status=data["status_value"],
        )
        return exporters.response(result, data["format"])
    context = {
        "form": form,
        "id_numbers": exporters.may_export_id_numbers(request.user),
        "can_import": bool(engine.importable_kinds(request.user)),
    }
    return render(request, "registry/import_export.html", context, status=400 if bound else 200)
