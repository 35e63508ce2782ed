"""Generic views: every list, detail and edit page gets its rows through `restrict()`.

A domain view subclasses these and names its model, filterset, table, form and service call.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core import exports
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import CHANGE, EXPORT, VIEW, can, can_add

MAX_EXPORT_ROWS = 200_000


def log_denied(request, what: str) -> None:
    from cpahub.accounts.security import log_permission_denied

    log_permission_denied(request, object=what)


def get_restricted_object(request, queryset, action: str = VIEW, **lookup):
    """The object if `request.user` may apply `action` to it; else 404 (a denial is logged)."""
    restricted = queryset.restrict(request.user, action)
    obj = restricted.filter(**lookup).first()
    if obj is None:
        if queryset.model._default_manager.filter(**lookup).exists():
            log_denied(request, f"{queryset.model._meta.label}:{lookup}")
            if action != VIEW and can(request.user, VIEW, queryset.model._default_manager.get(**lookup)):
                raise PermissionDenied
        raise Http404
    return obj


class ObjectListView(LoginRequiredMixin, View):
    model = None
    filterset_class = None
    table_class = None
    template_name = "core/object_list.html"
    paginate_by = 50
    title = ""
    export_name = ""
    add_url = None  # name of the URL that adds an object, shown when the user may add

    def get_queryset(self, action: str = VIEW):
        return self.model.objects.restrict(self.request.user, action)

    def filter(self, queryset):
        if self.filterset_class is None:
            return queryset, None
        filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
        if filterset.is_bound and not filterset.is_valid():
            return queryset.none(), filterset
        return filterset.qs, filterset

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return self.export(export)
        queryset, filterset = self.filter(self.get_queryset(VIEW))
        paginator = Paginator(queryset, self._page_size())
        page = paginator.get_page(request.GET.get("page"))
        table = self.table_class(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": self.title or self.model._meta.verbose_name_plural,
            "table": table,
            "page_obj": page,
            "paginator": paginator,
            "filterset": filterset,
            "query": query.urlencode(),
            "can_add": bool(self.add_url and can_add(request.user, self.model)),
            "add_url": self.add_url,
            "export_allowed": bool(self.export_name),
            **self.extra_context(),
        }
        if getattr(request, "htmx", False) and request.htmx.target == "object-table":
            return render(request, "core/includes/object_table.html", context)
        return render(request, self.template_name, context)

    def extra_context(self) -> dict:
        return {}

    def _page_size(self) -> int:
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            size = self.paginate_by
        return max(10, min(size, 200))

    def export(self, fmt: str):
        from cpahub.accounts.choices import SecurityEventType
        from cpahub.accounts.security import log_event

        if not self.export_name:
            raise Http404
        queryset, _filterset = self.filter(self.get_queryset(EXPORT))
        count = queryset.count()
        if count > MAX_EXPORT_ROWS:
            raise PermissionDenied(
                _("Narrow the search: at most %(n)d rows can be exported.") % {"n": MAX_EXPORT_ROWS}
            )
        columns = self.table_class.columns
        headers = [str(column.label) for column in columns]
        rows = ([column.text(obj) for column in columns] for obj in queryset.iterator(chunk_size=2000))
        log_event(
            SecurityEventType.EXPORT,
            user=self.request.user,
            request=self.request,
            what=self.model._meta.label,
            format=fmt,
            rows=count,
            filter=self.request.GET.urlencode(),
        )
        if fmt == "csv":
            return exports.csv_response(self.export_name, headers, rows)
        return exports.xlsx_response(
            self.export_name, str(self.model._meta.verbose_name_plural), headers, rows
        )


class ObjectDetailView(LoginRequiredMixin, View):
    model = None
    template_name = None
    lookup = "pk"

    def get_queryset(self):
        return self.model.objects.all()

    def get_object(self):
        return get_restricted_object(
            self.request, self.get_queryset(), VIEW, **{self.lookup: self.kwargs[self.lookup]}
        )

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        context = {
            "object": obj,
            "can_change": can(request.user, CHANGE, obj),
            "changes": changes_for(request.user, *self.changelog_objects(obj))[:20],
            **self.extra_context(obj),
        }
        return render(request, self.template_name, context)

    def extra_context(self, obj) -> dict:
        return {}

    def changelog_objects(self, obj) -> list:
        """Objects whose history shows on this page (e.g. a profile and the record it extends)."""
        return [obj]


class ObjectEditView(LoginRequiredMixin, View):
    """Edit an existing object through a service function `save(user, obj, cleaned_data)`."""

    model = None
    form_class = None
    template_name = "core/object_edit.html"
    lookup = "pk"

    def get_queryset(self):
        return self.model.objects.all()

    def get_object(self):
        return get_restricted_object(
            self.request, self.get_queryset(), CHANGE, **{self.lookup: self.kwargs[self.lookup]}
        )

    def save(self, obj, cleaned_data):
        raise NotImplementedError

    def form_kwargs(self, obj) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.form_class(**self.form_kwargs(obj), instance=obj)
        return render(request, self.template_name, {"object": obj, "form": form})

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.form_class(request.POST, **self.form_kwargs(obj), instance=obj)
        if form.is_valid():
            try:
                saved = self.save(obj, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                from django.contrib import messages

                messages.success(request, _("Saved."))
                return redirect(saved.get_absolute_url())
        return render(request, self.template_name, {"object": obj, "form": form}, status=400)


def apply_validation_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def changes_for(user, *objects):
    from django.db.models import Q

    match = Q(pk__in=[])
    for obj in objects:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        match |= Q(content_type=content_type, object_id=str(obj.pk))
    return ObjectChange.objects.restrict(user, VIEW).filter(match)


class ObjectCreateView(LoginRequiredMixin, View):
    """Create an object through a service function `create(cleaned_data)`."""

    model = None
    form_class = None
    template_name = "core/object_create.html"
    title = ""

    def check_permission(self):
        if not can_add(self.request.user, self.model):
            log_denied(self.request, f"add {self.model._meta.label}")
            raise PermissionDenied

    def form_kwargs(self) -> dict:
        return {}

    def create(self, cleaned_data):
        raise NotImplementedError

    def context(self, form) -> dict:
        return {
            "form": form,
            "title": self.title or _("New %(thing)s") % {"thing": self.model._meta.verbose_name},
        }

    def get(self, request, *args, **kwargs):
        self.check_permission()
        return render(request, self.template_name, self.context(self.form_class(**self.form_kwargs())))

    def post(self, request, *args, **kwargs):
        self.check_permission()
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if form.is_valid():
            try:
                created = self.create(form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                from django.contrib import messages

                messages.success(request, _("Created %(thing)s.") % {"thing": created})
                return redirect(created.get_absolute_url())
        return render(request, self.template_name, self.context(form), status=400)
