import django_filters
from django.utils.translation import gettext_lazy as _

from cpahub.core.filtersets import BootstrapFilterSet, DateInput
from cpahub.timesheets.choices import Status, Task
from cpahub.timesheets.models import TimeEntry, Timesheet


class SheetFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Person"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    since = django_filters.DateFilter(
        label=_("Weeks from"), field_name="week_start", lookup_expr="gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("Weeks to"), field_name="week_start", lookup_expr="lte", widget=DateInput
    )

    class Meta:
        model = Timesheet
        fields = ["q", "status", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(user__display_name__icontains=value) | queryset.filter(user__username=value)


class SheetAPIFilterSet(SheetFilterSet):
    user = django_filters.NumberFilter(label=_("Person"), field_name="user_id")

    class Meta(SheetFilterSet.Meta):
        fields = [*SheetFilterSet.Meta.fields, "user"]


class EntryFilterSet(BootstrapFilterSet):
    since = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput)
    until = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    task = django_filters.ChoiceFilter(label=_("Task"), choices=Task.choices)
    engagement = django_filters.NumberFilter(label=_("Engagement"), field_name="engagement_id")
    user = django_filters.NumberFilter(label=_("Person"), field_name="user_id")
    sheet = django_filters.NumberFilter(label=_("Timesheet"), field_name="sheet_id")

    class Meta:
        model = TimeEntry
        fields = ["since", "until", "status", "task", "engagement", "user", "sheet"]
