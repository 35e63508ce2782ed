"""Forms of the ledgers app: the upload of a ledger file (the mapping-profile forms: forms_profiles.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import CHANGE, VIEW
from cpahub.ledgers import formats
from cpahub.ledgers.models import MappingProfile, Workspace


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
    profile = forms.ModelChoiceField(
        label=_("Mapping profile"),
        queryset=MappingProfile.objects.none(),
        required=False,
        help_text=_(
            "CSV or Excel exports only: the profile that reads them. Leave empty to let the built-in "
            "profiles recognise the export."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = format_choices()
        if user is not None:
            self.fields["workspace"].queryset = Workspace.objects.restrict(user, CHANGE).order_by("name")
            self.fields["profile"].queryset = MappingProfile.objects.restrict(user, VIEW).select_related(
                "organisation"
            )
            self.fields["profile"].label_from_instance = profile_label
        self.fields["file"].help_text = _("At most %(limit)s.") % {
            "limit": filesizeformat(settings.CPAHUB_LEDGER_MAX_BYTES)
        }
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name != "file" else "form-control")

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        check_size(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        if data.get("profile") is not None and data.get("format") not in ("", None, "tabular"):
            self.add_error(
                "profile", _("A mapping profile reads CSV or Excel exports: choose that format, or none.")
            )
        return data


def profile_label(profile: MappingProfile) -> str:
    owner = (
        _("built in") if profile.builtin else (profile.organisation.name if profile.organisation_id else "")
    )
    return f"{profile.name} · {profile.get_kind_display()} · {owner}"
