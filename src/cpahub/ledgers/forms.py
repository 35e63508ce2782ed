"""Forms of the ledgers app: the upload of a ledger file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import CHANGE
from cpahub.ledgers import formats
from cpahub.ledgers.models import Workspace


def format_choices() -> list[tuple[str, str]]:
    choices = [("", _("Detect automatically"))]
    for name in formats.MODULES:
        try:
            label = formats.get(name).LABEL
        except Exception:
            label = name
        choices.append((name, label))
    return choices


def check_size(uploaded) -> None:
    limit = settings.CPAHUB_LEDGER_MAX_BYTES
    if uploaded is not None and uploaded.size > limit:
        raise forms.ValidationError(
            _("The file has %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=_("Ledger file"))
    format = forms.ChoiceField(label=_("Format"), required=False)
    workspace = forms.ModelChoiceField(
        label=_("Workspace"),
        queryset=Workspace.objects.none(),
        required=False,
        help_text=_("Leave empty to put the ledger in a standalone workspace of your firm."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = format_choices()
        if user is not None:
            self.fields["workspace"].queryset = Workspace.objects.restrict(user, CHANGE).order_by("name")
        self.fields["file"].help_text = _("At most %(limit)s.") % {
            "limit": filesizeformat(settings.CPAHUB_LEDGER_MAX_BYTES)
        }
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name != "file" else "form-control")

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        check_size(uploaded)
        return uploaded
