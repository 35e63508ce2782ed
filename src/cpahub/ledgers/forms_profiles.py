"""Forms of the mapping-profile pages: the sample upload, and the editor (one select per field).

The editor works on a list of source columns — the headers of a sample export, or of the profile
being changed — and gives each canonical field of the profile's kind a select of those columns.
`columns()` turns the choices back into the profile's `columns` (source header → field): the other
spellings a field may have, the columns known and not used and, with a sample, every sample column
left unmapped (as "ignore", so that the profile recognises the whole export).
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cpahub.core import textio as coretext
from cpahub.core.forms import BootstrapFormMixin
from cpahub.ledgers import profile_fields, profiles
from cpahub.ledgers.choices import ProfileKind

LINES_ONLY = ("amount", "voucher_pattern", "strip_voucher_zeros", "fx_signed")
AUXILIARY = ("aux_style", "aux_value", "aux_labels")
READING = ("encoding", "delimiter", "sheet", "header_row", "header_rows")
DELIMITER_CHOICES = [
    ("auto", _("Detect")),
    (",", _("Comma ,")),
    ("tab", _("Tab")),
    (";", _("Semicolon ;")),
    ("|", _("Vertical bar |")),
]


def sample_limit() -> int:
    return min(settings.CPAHUB_MAX_UPLOAD_BYTES, settings.CPAHUB_LEDGER_MAX_BYTES)


def signature(headers: list[str]) -> str:
    return hashlib.sha256(json.dumps(headers, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def split_names(text: str) -> list[str]:
    names = []
    for part in (text or "").replace("，", ",").replace("\n", ",").split(","):
        part = " ".join(part.split())
        if part and part not in names:
            names.append(part)
    return names


class ProfileSampleForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=ProfileKind.choices)
    file = forms.FileField(label=_("Sample export"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A CSV or Excel (.xlsx) file as the software exports it, in any encoding (UTF-8, GB18030 …); "
            "at most %(limit)s. Only its first rows are kept, for a day."
        ) % {"limit": filesizeformat(sample_limit())}
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.tsv,.xlsx,.xlsm"


class ProfileForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    software = forms.CharField(label=_("Accounting software"), max_length=60, required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Which export this reads (menu, report, version), for your colleagues."),
    )
    organisation = forms.ModelChoiceField(label=_("Firm"), queryset=None, required=False)
    sample = forms.CharField(widget=forms.HiddenInput, required=False)
    headers_seen = forms.CharField(widget=forms.HiddenInput, required=False)
    # how the file is written
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[
            ("auto", _("Detect")),
            ("utf-8", "UTF-8"),
            ("gb18030", "GB18030 (GBK)"),
            ("utf-16", "UTF-16"),
        ],
    )
    delimiter = forms.ChoiceField(label=_("Delimiter"), required=False, choices=DELIMITER_CHOICES)
    sheet = forms.CharField(
        label=_("Worksheet"), required=False, help_text=_("Excel: leave empty to read every sheet.")
    )
    header_row = forms.IntegerField(
        label=_("Header row"),
        required=False,
        min_value=1,
        max_value=20,
        help_text=_("Leave empty to find it."),
    )
    header_rows = forms.ChoiceField(
        label=_("Header rows"),
        required=False,
        choices=[("1", _("One row")), ("2", _("Two rows (merged titles over 借方/贷方)"))],
    )
    date_format = forms.ChoiceField(
        label=_("Date format"),
        required=False,
        choices=[
            ("auto", _("Detect")),
            ("ymd", "yyyy-mm-dd"),
            ("ymd_compact", "yyyymmdd"),
            ("dmy", "dd.mm.yyyy, dd/mm/yyyy"),
            ("mdy", "mm/dd/yyyy"),
            ("excel", _("Excel day number")),
        ],
    )
    decimal = forms.ChoiceField(
        label=_("Decimal separator"),
        required=False,
        choices=[("auto", _("Detect")), (".", _("Point: 1,234.56")), (",", _("Comma: 1.234,56"))],
    )
    amount = forms.ChoiceField(
        label=_("Amounts"),
        required=False,
        choices=[
            ("auto", _("From the columns mapped")),
            ("debit_credit", _("Debit and credit columns")),
            ("signed", _("One signed amount (debit positive)")),
            ("direction", _("One amount and a debit/credit indicator")),
        ],
    )
    voucher_pattern = forms.CharField(
        label=_("Voucher pattern"),
        required=False,
        help_text=_("A regular expression with (?P<type>…) and (?P<number>…); empty: 记-12, 记12, 记 0012 …"),
    )
    strip_voucher_zeros = forms.BooleanField(
        label=_("Voucher 记-0012 is number 12"), required=False, initial=True
    )
    fx_signed = forms.BooleanField(label=_("Foreign amounts carry their sign"), required=False)
    skip_totals = forms.BooleanField(
        label=_("Leave out total rows (合计, 本月合计 …)"), required=False, initial=True
    )
    currency = forms.CharField(
        label=_("Local currency"), required=False, max_length=3, help_text=_("Empty: CNY.")
    )
    chart = forms.ChoiceField(
        label=_("Account classes"),
        required=False,
        choices=[("cas", _("From the enterprise chart's code digits")), ("none", _("Unknown"))],
    )
    aux_style = forms.ChoiceField(
        label=_("Auxiliary accounting"),
        required=False,
        choices=[
            ("", _("As mapped")),
            ("combined", _("In one cell: 客户:001 某公司;部门:01")),
            ("columns", _("One column per kind")),
        ],
    )
    aux_value = forms.ChoiceField(
        label=_("Auxiliary values"),
        required=False,
        choices=[("", _("Code and name")), ("code", _("Code only"))],
    )
    aux_labels = forms.CharField(
        label=_("Other auxiliary kinds"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, label = kind (customer, supplier, department, project, employee, inventory, other)."
        ),
    )
    ignored = forms.CharField(
        label=_("Columns known and not used"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Header names, one per line or separated by commas."),
    )

    def __init__(self, *args, kind: str, headers: list[str], firms=None, has_sample: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.headers = headers
        self.has_sample = has_sample
        self.field_names = profile_fields.fields(kind)
        self.main_fields = set(profile_fields.ORDER[kind][0])
        required = profile_fields.required_fields(kind)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in headers]
        for field in self.field_names:
            self.fields[f"map_{field}"] = forms.ChoiceField(
                label=profile_fields.label(field), required=False, choices=choices
            )
            self.fields[f"map_{field}"].widget.attrs.update({"class": "form-select form-select-sm"})
            self.fields[f"map_{field}"].is_required_field = field in required
            self.fields[f"alt_{field}"] = forms.CharField(
                label=_("Other names of this column"), required=False, max_length=500
            )
            self.fields[f"alt_{field}"].widget.attrs.update(
                {
                    "class": "form-control form-control-sm",
                    "placeholder": _("other header names, comma-separated"),
                }
            )
        if kind != "lines":
            for name in LINES_ONLY:
                del self.fields[name]
        if kind == "accounts":
            for name in AUXILIARY:
                del self.fields[name]
        if firms is None or len(firms) < 2:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = firms
            self.fields["organisation"].required = True
        self.fields["headers_seen"].initial = signature(headers)

    # -- what the template shows --

    def mapping_rows(self):
        for field in self.field_names:
            yield {
                "field": field,
                "main": field in self.main_fields,
                "select": self[f"map_{field}"],
                "other": self[f"alt_{field}"],
                "required": self.fields[f"map_{field}"].is_required_field,
            }

    def option_fields(self):
        skip = {"name", "software", "notes", "organisation", "sample", "headers_seen", "ignored"}
        return [self[n] for n in self.fields if n not in skip and not n.startswith(("map_", "alt_"))]

    # -- cleaning --

    def clean(self):
        data = super().clean()
        mapped, clash = self._mapped(data)
        others = []
        for alternatives, text in profile_fields.unmet(self.kind, set(mapped.values())):
            if len(alternatives) == 1 and len(alternatives[0]) == 1:
                self.add_error(f"map_{next(iter(alternatives[0]))}", _("Required: choose the column."))
            else:
                others.append(str(text))
        if others:
            self.add_error(None, _("Map a column for: %(fields)s.") % {"fields": "; ".join(others)})
        try:
            data["options"] = profiles.clean_options(self.kind, mapped, self.options_from(data))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                target = "aux_labels" if name == "auxiliary" else name
                self.add_error(target if target in self.fields else None, messages)
        data["columns"] = {} if clash else self.columns(data, mapped)
        return data

    def _mapped(self, data) -> tuple[dict[str, str], bool]:
        """Header → field from the selects and the other names, and whether a column came twice."""
        used: dict[str, str] = {}
        mapped: dict[str, str] = {}
        clash = False
        for field in self.field_names:
            names = [data.get(f"map_{field}") or "", *split_names(data.get(f"alt_{field}") or "")]
            for position, header in enumerate(n for n in names if n):
                key = coretext.key(header)
                if key in used:
                    where = f"map_{field}" if position == 0 and data.get(f"map_{field}") else f"alt_{field}"
                    self.add_error(
                        where,
                        _("%(column)s is already mapped to %(field)s.")
                        % {"column": header, "field": profile_fields.label(used[key])},
                    )
                    clash = True
                    continue
                used[key] = field
                mapped[header] = field
        return mapped, clash

    def columns(self, data, mapped: dict[str, str]) -> dict[str, str]:
        result = dict(mapped)
        keys = {coretext.key(h) for h in result}
        unused = split_names(data.get("ignored") or "") + (self.headers if self.has_sample else [])
        for header in unused:
            key = coretext.key(header)
            if key and key not in keys:
                result[header] = "ignore"
                keys.add(key)
        return result

    def options_from(self, data) -> dict:
        options = {name: data.get(name) for name in (*READING, "date_format", "decimal", "currency", "chart")}
        options["delimiter"] = "\t" if data.get("delimiter") == "tab" else data.get("delimiter")
        options["skip_totals"] = bool(data.get("skip_totals"))
        if self.kind == "lines":
            for name in ("amount", "voucher_pattern"):
                options[name] = data.get(name)
            options["strip_voucher_zeros"] = bool(data.get("strip_voucher_zeros"))
            options["fx_signed"] = bool(data.get("fx_signed"))
        if self.kind != "accounts":
            labels = {}
            for line in (data.get("aux_labels") or "").splitlines():
                label, _sep, kind = line.replace("＝", "=").partition("=")
                if label.strip():
                    labels[label.strip()] = kind.strip()
            auxiliary = {"style": data.get("aux_style"), "value": data.get("aux_value"), "labels": labels}
            options["auxiliary"] = auxiliary if any(auxiliary.values()) else None
        return options


def initial_for(
    kind: str, columns: dict, options: dict, headers: list[str], proposal: dict[str, str] | None = None
) -> dict:
    """The editor's initial values for a profile's `columns` and `options`, completed by a proposal
    (field → sample header) when there is a sample."""
    initial: dict = {}
    by_field: dict[str, list[str]] = {}
    ignored = []
    for header, target in (columns or {}).items():
        if target == "ignore":
            ignored.append(header)
        else:
            by_field.setdefault(target, []).append(header)
    for field, names in by_field.items():
        initial[f"map_{field}"] = names[0]
        if names[1:]:
            initial[f"alt_{field}"] = ", ".join(names[1:])
    for field, header in (proposal or {}).items():
        initial.setdefault(f"map_{field}", header)
    initial["ignored"] = (
        "\n".join(h for h in ignored if h not in headers) if proposal is not None else "\n".join(ignored)
    )
    options = dict(options or {})
    for name in (*READING, "date_format", "decimal", "amount", "voucher_pattern", "currency", "chart"):
        if options.get(name) not in (None, ""):
            initial[name] = str(options[name])
    if options.get("delimiter") == "\t":
        initial["delimiter"] = "tab"
    initial["strip_voucher_zeros"] = options.get("strip_voucher_zeros", True) not in (False, "false")
    initial["fx_signed"] = options.get("fx_signed", False) in (True, "true")
    initial["skip_totals"] = options.get("skip_totals", True) not in (False, "false")
    auxiliary = options.get("auxiliary") or {}
    if isinstance(auxiliary, dict):
        initial["aux_style"] = auxiliary.get("style", "")
        initial["aux_value"] = "code" if auxiliary.get("value") == "code" else ""
        initial["aux_labels"] = "\n".join(f"{k} = {v}" for k, v in (auxiliary.get("labels") or {}).items())
    return initial


def as_data(form: forms.Form) -> dict:
    """The form's initial values as submitted data (to read a draft profile from an unbound form)."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value not in (None, ""):
            data[name] = str(value.pk if hasattr(value, "pk") else value)
    return data
