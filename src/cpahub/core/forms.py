from django import forms
from django.forms.boundfield import BoundField


class BootstrapBoundField(BoundField):
    """Adds Bootstrap's `is-invalid` to a field with errors, whenever they were added (clean or view)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if not widget.is_hidden and self.errors:
            css = attrs.get("class", widget.attrs.get("class", "")).split()
            if "is-invalid" not in css:
                attrs["class"] = " ".join([*css, "is-invalid"])
        return attrs


class BootstrapFormMixin:
    """Give every widget its Bootstrap class, and `is-invalid` once it has errors; all cpahub forms use it."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
