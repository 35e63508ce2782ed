"""Web pages of the ledgers app: the firm's snapshots, the upload, a snapshot with its findings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core.permissions import VIEW, can_add
from cpahub.core.uploads import LimitedUploadMixin, refusal_message
from cpahub.core.views import ObjectDetailView, ObjectListView, get_restricted_object, log_denied
from cpahub.ledgers import profiles, services
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.filtersets import SnapshotFilterSet
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.forms import LedgerUploadForm
from cpahub.ledgers.models import LedgerSnapshot, Workspace
from cpahub.ledgers.tables import SnapshotTable
from cpahub.ledgers.validation import render_error, render_message

STATUS_BADGES = {
    SnapshotStatus.IMPORTING: "text-bg-info",
    SnapshotStatus.ACCEPTED: "text-bg-success",
    SnapshotStatus.ACCEPTED_WITH_WARNINGS: "text-bg-warning",
    SnapshotStatus.REFUSED: "text-bg-danger",
    SnapshotStatus.FAILED: "text-bg-danger",
    SnapshotStatus.SUPERSEDED: "text-bg-secondary",
}
SEVERITY_BADGES = {"error": "text-bg-danger", "warning": "text-bg-warning", "info": "text-bg-info"}
ACCOUNTS_PER_PAGE = 100
FINDINGS_PER_PAGE = 100


def snapshots(user, action: str = VIEW):
    return LedgerSnapshot.objects.restrict(user, action).select_related("workspace")


class SnapshotListView(ObjectListView):
    model = LedgerSnapshot
    filterset_class = SnapshotFilterSet
    table_class = SnapshotTable
    template_name = "ledgers/snapshot_list.html"

    def get_queryset(self, action: str = VIEW):
        return snapshots(self.request.user, action)

    def get(self, request, *args, **kwargs):
        queryset, filterset = self.filter(self.get_queryset(VIEW))
        paginator = Paginator(queryset, self._page_size())
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": _("Imported ledgers"),
            "table": self.table_class(page.object_list),
            "rows": [(s, STATUS_BADGES.get(s.status, "text-bg-secondary")) for s in page.object_list],
            "page_obj": page,
            "paginator": paginator,
            "filterset": filterset,
            "query": query.urlencode(),
            "can_import": can_add(request.user, Workspace),
        }
        if getattr(request, "htmx", False) and request.htmx.target == "object-table":
            return render(request, "ledgers/includes/snapshot_table.html", context)
        return render(request, self.template_name, context)


class UploadView(LimitedUploadMixin, LoginRequiredMixin, View):
    """The upload of a ledger file; an oversized one is refused while it arrives (`core.uploads`)."""

    template_name = "ledgers/upload.html"

    def check_permission(self):
        if not can_add(self.request.user, Workspace):
            log_denied(self.request, "ledger import")
            raise PermissionDenied

    def upload_limit(self) -> int:
        return services.max_bytes()

    def upload_refused(self, request, limit):
        self.check_permission()
        form = LedgerUploadForm(user=request.user)
        return render(
            request, self.template_name, {"form": form, "refused": refusal_message(limit)}, status=413
        )

    def get(self, request):
        self.check_permission()
        profile = request.GET.get("profile")
        initial = {"profile": profile, "format": "tabular"} if profile and profile.isdigit() else {}
        return render(
            request, self.template_name, {"form": LedgerUploadForm(user=request.user, initial=initial)}
        )

    def post(self, request):
        self.check_permission()
        form = LedgerUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            profile = form.cleaned_data["profile"]
            try:
                snapshot = services.queue_import(
                    request.user,
                    form.cleaned_data["file"],
                    format="tabular" if profile else form.cleaned_data["format"] or None,
                    workspace=form.cleaned_data["workspace"],
                    options=profiles.import_options(profile) if profile else None,
                )
            except PermissionDenied:
                raise
            except (services.LedgerImportError, FormatError) as error:
                form.add_error(None, render_error(error))
            else:
                messages.success(request, _("The ledger is being imported."))
                return redirect(snapshot.get_absolute_url())
        return render(request, self.template_name, {"form": form}, status=400)


def status_message(snapshot) -> str:
    """Why the snapshot has its status, in the user's language (the stored text is English)."""
    template = services.OUTCOME_MESSAGES.get(snapshot.status)
    if snapshot.status == SnapshotStatus.REFUSED and "error:unreadable" in (snapshot.check_counts or {}):
        unreadable = snapshot.issues.filter(code="unreadable").first()
        return render_message(unreadable) if unreadable is not None else snapshot.message
    if template is None:
        return snapshot.message
    errors = {
        key.partition(":")[2]: n
        for key, n in (snapshot.check_counts or {}).items()
        if key.startswith("error:")
    }
    checks = ", ".join(f"{code} {n}" for code, n in errors.items())
    return _(template).format(errors=snapshot.error_count, warnings=snapshot.warning_count, checks=checks)


def _findings(snapshot):
    rows = []
    for issue in snapshot.issues.order_by("pk")[:FINDINGS_PER_PAGE]:
        rows.append(
            {
                "severity": issue.get_severity_display(),
                "badge": SEVERITY_BADGES.get(issue.severity, "text-bg-secondary"),
                "title": services.check_title(issue.code),
                "message": render_message(issue),
                "location": issue.location,
            }
        )
    return rows


class SnapshotDetailView(ObjectDetailView):
    model = LedgerSnapshot
    template_name = "ledgers/snapshot_detail.html"

    def get_queryset(self):
        return LedgerSnapshot.objects.select_related("workspace", "workspace__organisation")

    def extra_context(self, obj) -> dict:
        accounts = Paginator(obj.accounts.order_by("code"), ACCOUNTS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        return {
            "badge": STATUS_BADGES.get(obj.status, "text-bg-secondary"),
            "status_message": status_message(obj),
            "importing": obj.status == SnapshotStatus.IMPORTING,
            "findings": _findings(obj),
            "findings_total": obj.error_count + obj.warning_count,
            "accounts": accounts,
        }


class SnapshotProgressView(LoginRequiredMixin, View):
    """The progress partial polled by the detail page while the import runs."""

    def get(self, request, pk):
        obj = get_restricted_object(request, LedgerSnapshot.objects.all(), VIEW, pk=pk)
        importing = obj.status == SnapshotStatus.IMPORTING
        response = render(
            request,
            "ledgers/includes/progress.html",
            {
                "object": obj,
                "importing": importing,
                "badge": STATUS_BADGES.get(obj.status),
                "status_message": status_message(obj),
            },
        )
        if not importing and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"  # show the finished page (findings, accounts)
        return response
