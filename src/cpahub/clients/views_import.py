"""Client import pages: upload → check (every row, nothing kept) → errors with a downloadable report,
or a confirmation → import (one transaction) → summary.

The uploaded file is kept between the steps by the registry import's `uploads` (default storage,
referenced from the session), with the firm it is for.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cpahub.accounts.models import Organisation
from cpahub.clients.forms import ImportForm
from cpahub.clients.importing.layout import KIND, client_layout
from cpahub.clients.importing.run import load_table, mapping_of, run_import
from cpahub.clients.services import client_firms
from cpahub.core import exports
from cpahub.core.uploads import limited_upload, refusal_message
from cpahub.core.views import log_denied
from cpahub.registry.importing import readers, reports, uploads

SHOWN_ISSUES = 500
DONE_KEY = "client_import_done"


def _firms(request):
    firms = client_firms(request.user)
    if not firms.exists():
        log_denied(request, "client import")
        raise PermissionDenied
    return firms


def _entry(request, token) -> tuple[dict, Organisation]:
    entry = uploads.get_upload(request, token.hex)
    if entry is None or entry.get("kind") != KIND:
        raise Http404
    firm = _firms(request).filter(pk=entry.get("firm")).first()
    if firm is None:
        raise PermissionDenied
    return entry, firm


def _load(entry: dict):
    data = uploads.read_upload(entry)
    if uploads.digest(data) != entry["sha256"]:
        raise readers.ReadError(_("The stored file has changed since it was uploaded; upload it again."))
    return load_table(data)


def _too_large(request, limit):
    """The upload page again, with the refusal on the file field; nothing was read or stored."""
    form = ImportForm(firms=_firms(request))
    form.errors["file"] = form.error_class([refusal_message(limit)])
    return _upload_page(request, form, status=413)


@limited_upload(limit=lambda request: readers.max_upload_bytes(), refused=_too_large)
@require_http_methods(["GET", "POST"])
def upload(request):
    """The upload page. An oversized upload is cut off while it arrives (`core.uploads`)."""
    firms = _firms(request)
    uploads.cleanup_stale_uploads()
    form = ImportForm(request.POST or None, request.FILES or None, firms=firms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            table = load_table(data)
        except readers.ReadError as error:
            form.add_error("file", error.message)
        else:
            firm = form.cleaned_data["firm"]
            token = uploads.save_upload(request, KIND, data, form.cleaned_data["file"].name)
            uploads.update_upload(request, token, firm=firm.pk)
            report = run_import(table, actor=request.user, firm=firm, dry_run=True).as_dict(limit=None)
            uploads.save_report(token, report)
            return redirect("clients:import_check", uuid.UUID(token))
    return _upload_page(request, form, status=400 if form.errors else 200)


def _upload_page(request, form, *, status: int):
    return render(
        request, "clients/import_upload.html", {"form": form, "layout": client_layout()}, status=status
    )


@login_required
@require_GET
def template(request, fmt: str):
    """An empty file with the Chinese headers of the layout."""
    _firms(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    headers = [column.zh for column in client_layout().columns]
    if fmt == "csv":
        return exports.csv_response("clients-template", headers, [])
    return exports.xlsx_response("clients-template", "客户", headers, [])


@login_required
@require_GET
def check(request, token):
    entry, firm = _entry(request, token)
    report = uploads.load_report(token.hex)
    if report is None:
        raise Http404
    try:
        table = _load(entry)
    except (OSError, readers.ReadError):
        messages.error(request, _("The uploaded file is no longer stored; upload it again."))
        return redirect("clients:import_upload")
    failed = bool(report["error_list"] or report["mapping_problems"])
    context = {
        "entry": entry,
        "firm": firm,
        "token": token,
        "table": table,
        "layout": client_layout(),
        "mapping": mapping_of(table),
        "report": report,
        "issues": report["error_list"][:SHOWN_ISSUES],
        "more": max(0, len(report["error_list"]) - SHOWN_ISSUES),
        "warnings": report["warning_list"][:SHOWN_ISSUES],
        "changes": report["outcome_list"][:SHOWN_ISSUES],
        "failed": failed,
    }
    return render(request, "clients/import_check.html", context)


@login_required
@require_GET
def error_report(request, token, fmt: str):
    _entry(request, token)
    report = uploads.load_report(token.hex)
    if report is None or fmt not in ("csv", "xlsx"):
        raise Http404
    return reports.response(report["error_list"], fmt)


@login_required
@require_POST
def apply(request, token):
    entry, firm = _entry(request, token)
    try:
        table = _load(entry)
    except (OSError, readers.ReadError):
        messages.error(request, _("The uploaded file is no longer stored; upload it again."))
        return redirect("clients:import_upload")
    result = run_import(table, actor=request.user, firm=firm)
    if not result.applied:
        # Something changed since the check; nothing was imported.
        uploads.save_report(token.hex, result.as_dict(limit=None))
        return redirect("clients:import_check", token)
    uploads.finish(request, DONE_KEY, token.hex, {**result.as_dict(limit=100), "filename": entry["filename"]})
    return redirect("clients:import_done", token)


@login_required
@require_GET
def done(request, token):
    summary = request.session.get(DONE_KEY, {}).get(token.hex)
    if summary is None:
        raise Http404
    return render(request, "clients/import_done.html", {"summary": summary, "token": token})


@login_required
@require_POST
def discard(request, token):
    _entry(request, token)
    uploads.discard_upload(request, token.hex)
    messages.info(request, _("The uploaded file was deleted; nothing was imported."))
    return redirect("clients:import_upload")
