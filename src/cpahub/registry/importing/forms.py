"""Forms of the import and export pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.core.forms import BootstrapFormMixin
from cpahub.registry.choices import CPAStatus
from cpahub.registry.importing import readers
from cpahub.registry.importing.exporters import CSV, XLSX
from cpahub.registry.importing.layouts import IGNORE, LAYOUTS, PENALTY, Layout

LANGUAGES = (("zh", _("Chinese headers")), ("en", _("English headers")))


def _kind_choices(kinds):
    return [(kind, LAYOUTS[kind].label) for kind in kinds]


class UploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030/GBK; comma, tab, semicolon or pipe) or Excel .xlsx."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds)
        limit = readers.megabytes(readers.max_upload_bytes())
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GB18030/GBK; comma, tab, semicolon or pipe) or Excel .xlsx; at most %(mb)s MB."
        ) % {"mb": limit}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > readers.max_upload_bytes():
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be imported.")
                % {
                    "size": readers.megabytes(upload.size),
                    "limit": readers.megabytes(readers.max_upload_bytes()),
                }
            )
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: the field it holds, or ignore."""

    def __init__(self, *args, layout: Layout, headers: list[str], mapping: list[str], samples=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout = layout
        self.headers = headers
        choices = [(IGNORE, _("— ignore this column —"))] + [
            (column.name, column.display + (" *" if column.required else "")) for column in layout.columns
        ]
        for index, header in enumerate(headers):
            field = forms.ChoiceField(label=header, choices=choices, required=False, initial=mapping[index])
            field.widget.attrs["class"] = "form-select form-select-sm"
            field.sample = ", ".join(samples[index]) if samples else ""
            field.auto_matched = mapping[index] != IGNORE
            self.fields[f"col_{index}"] = field

    def rows(self):
        for index, header in enumerate(self.headers):
            bound = self[f"col_{index}"]
            yield {"header": header, "field": bound, "sample": bound.field.sample}

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"col_{i}") or IGNORE for i in range(len(self.headers))]

    def clean(self):
        cleaned = super().clean()
        problems = self.layout.check_mapping(self.headers, self.mapping())
        for problem in problems:
            self.add_error(None, problem)
        return cleaned


class ExportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to export"))
    format = forms.ChoiceField(
        label=_("Format"), choices=((XLSX, _("Excel (.xlsx)")), (CSV, _("CSV (UTF-8)")))
    )
    city = forms.ChoiceField(label=_("City"), required=False, choices=[("", _("All cities")), *City.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            (_("Firms"), [(f"firm:{v}", label) for v, label in OrgStatus.choices]),
            (_("CPAs"), [(f"cpa:{v}", label) for v, label in CPAStatus.choices]),
        ],
        help_text=_("Firm statuses apply to firms, CPA statuses to CPAs; penalties have none."),
    )
    language = forms.ChoiceField(label=_("Headers"), choices=LANGUAGES, initial="zh")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status") or ""
        kind = cleaned.get("kind")
        cleaned["status_value"] = ""
        if status and kind:
            prefix, _sep, value = status.partition(":")
            if kind == PENALTY or prefix != kind:
                self.add_error("status", _("This status does not apply to what you export."))
            else:
                cleaned["status_value"] = value
        return cleaned
