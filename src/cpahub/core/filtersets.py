import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.core.models import ObjectChange


class BootstrapFilterSet(django_filters.FilterSet):
    """FilterSet whose widgets carry Bootstrap classes; every app's filtersets derive from it."""

    def __init__(self, *args, request=None, **kwargs):
        # django-filter keeps the request itself; callable choice querysets (per user) need it.
        super().__init__(*args, request=request, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select" if getattr(field.widget, "input_type", "select") == "select" else "form-control"
            )
            if getattr(field.widget, "input_type", "") == "checkbox":
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


class DateInput(django_filters.widgets.forms.DateInput):
    input_type = "date"


class ObjectChangeFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ObjectChange.Action.choices)
    content_type = django_filters.ModelChoiceFilter(
        label=_("Object type"),
        queryset=ContentType.objects.filter(app_label__in=["accounts", "registry", "sso"]).order_by(
            "app_label", "model"
        ),
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="time", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="time", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = ObjectChange
        fields = ["q", "action", "content_type", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(object_repr__icontains=value)
            | Q(user_name__iexact=value)
            | Q(request_id=value)
            | Q(object_id=value)
        )
