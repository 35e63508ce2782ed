from django.utils.translation import gettext_lazy as _

from cpahub.core.filtersets import ObjectChangeFilterSet
from cpahub.core.models import ObjectChange
from cpahub.core.tables import Column, Table
from cpahub.core.views import ObjectDetailView, ObjectListView


class ObjectChangeTable(Table):
    columns = (
        Column("time", _("Time"), accessor=lambda c: c.time.strftime("%Y-%m-%d %H:%M:%S"), link=True),
        Column("user_name", _("User")),
        Column("action", _("Action")),
        Column("content_type", _("Object type"), accessor=lambda c: c.content_type.name),
        Column("object_repr", _("Object")),
        Column("request_id", _("Request id")),
    )


class ChangeListView(ObjectListView):
    model = ObjectChange
    filterset_class = ObjectChangeFilterSet
    table_class = ObjectChangeTable
    title = _("Change log")
    export_name = "changes"

    def get_queryset(self, action="view"):
        return super().get_queryset(action).select_related("content_type")


class ChangeDetailView(ObjectDetailView):
    model = ObjectChange
    template_name = "core/change_detail.html"

    def get(self, request, *args, **kwargs):
        from django.shortcuts import render

        return render(request, self.template_name, {"object": self.get_object()})
