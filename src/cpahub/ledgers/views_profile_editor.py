"""The mapping-profile editor: make a profile from a sample export, or change one.

Step 1 (`ProfileSampleView`): the user uploads a sample export and says what it holds; its start is
kept for a day (`profile_samples`). Step 2 (`ProfileCreateView`, `ProfileEditView`): the sample's
header row is found and read with the tabular reader's own code, a column is proposed for each
canonical field (`formats.tabular.suggest`), and the user corrects it with one select per field and
sets the options. Each change re-renders the editor (HTMX) with a preview of the first rows as an
import will read them; without JavaScript the Preview button does the same.
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core import textio as coretext
from cpahub.core.permissions import CHANGE, VIEW, can_add
from cpahub.core.uploads import LimitedUploadMixin, refusal_message
from cpahub.core.views import apply_validation_error, get_restricted_object, log_denied
from cpahub.ledgers import profile_fields, profile_samples, profiles
from cpahub.ledgers.choices import ProfileKind, Severity
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.tabular import as_profile, sample, suggest
from cpahub.ledgers.formats.tabular.profiles import Profile
from cpahub.ledgers.forms_profiles import (
    READING,
    ProfileForm,
    ProfileSampleForm,
    as_data,
    initial_for,
    sample_limit,
    signature,
)
from cpahub.ledgers.models import MappingProfile
from cpahub.ledgers.validation import render_error, render_message
from cpahub.ledgers.views import SEVERITY_BADGES


def _check_add(request) -> None:
    if not can_add(request.user, MappingProfile):
        log_denied(request, "add ledgers.MappingProfile")
        raise PermissionDenied


def _changeable(request, pk) -> MappingProfile:
    return get_restricted_object(
        request, MappingProfile.objects.select_related("organisation"), CHANGE, pk=pk
    )


class ProfileSampleView(LimitedUploadMixin, LoginRequiredMixin, View):
    """Step 1: upload a sample export (for a new profile, or to re-map a profile with `?profile=`)."""

    template_name = "ledgers/profile_sample.html"

    def upload_limit(self) -> int:
        return sample_limit()

    def upload_refused(self, request, limit):
        _check_add(request)
        return self.page(request, self.blank_form(request), refused=refusal_message(limit), status=413)

    def target(self, request) -> MappingProfile | None:
        pk = request.GET.get("profile")
        return _changeable(request, pk) if pk and pk.isdigit() else None

    def blank_form(self, request) -> ProfileSampleForm:
        profile = self.target(request)
        kind = profile.kind if profile else request.GET.get("kind")
        return ProfileSampleForm(initial={"kind": kind if kind in ProfileKind.values else ProfileKind.LINES})

    def page(self, request, form, *, refused: str = "", status: int = 200):
        context = {"form": form, "profile": self.target(request), "refused": refused}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        _check_add(request)
        return self.page(request, self.blank_form(request))

    def post(self, request):
        _check_add(request)
        profile = self.target(request)
        form = ProfileSampleForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                token = profile_samples.save_sample(request, form.cleaned_data["file"])
            except FormatError as error:
                form.add_error(
                    "file", _("This file cannot be read: %(error)s") % {"error": render_error(error)}
                )
            else:
                if profile is not None:
                    return redirect(f"{reverse('ledgers:profile_edit', args=[profile.pk])}?sample={token}")
                query = urlencode({"kind": form.cleaned_data["kind"], "sample": token})
                return redirect(f"{reverse('ledgers:profile_create')}?{query}")
        return self.page(request, form, status=400)


def _findings(issues) -> list[dict]:
    return [
        {
            "severity": Severity(issue.severity).label
            if issue.severity in Severity.values
            else issue.severity,
            "badge": SEVERITY_BADGES.get(issue.severity, "text-bg-secondary"),
            "message": render_message(issue),
            "location": issue.location,
        }
        for issue in issues
    ]


def unique_headers(headers: list[str]) -> list[str]:
    """Non-empty header texts, the first of each spelling the reader treats as the same."""
    seen, result = set(), []
    for header in headers:
        key = coretext.key(header)
        if key and key not in seen:
            seen.add(key)
            result.append(" ".join(str(header).split()))
    return result


class EditorMixin(LoginRequiredMixin):
    template_name = "ledgers/profile_edit.html"
    profile: MappingProfile | None = None

    def kind(self) -> str:
        raise NotImplementedError

    def cancel_url(self) -> str:
        raise NotImplementedError

    def reading(self, data) -> dict:
        """The options that decide how the sample's rows are read (encoding, delimiter, sheet, header)."""
        if data is None:
            options = dict(self.profile.options) if self.profile else {}
        else:
            options = {name: data.get(name) for name in READING}
            options["delimiter"] = "\t" if options.get("delimiter") == "tab" else options.get("delimiter")
        return {k: v for k, v in options.items() if k in READING and v not in (None, "", "auto")}

    def read_sample(self, path, kind: str, reading: dict) -> dict:
        """The sample's table, header and proposal: what the editor shows about the sample."""
        others = [
            as_profile(p)
            for p in MappingProfile.objects.restrict(self.request.user, VIEW).filter(builtin=False)
        ]
        tables = sample.sample_tables(path, reading)
        found = [(suggest.guess_header(t.rows, kind, reading, others), t) for t in tables]
        header, table = max(found, key=lambda pair: pair[0].known)
        values = table.column_values(header.index, header.rows)
        proposal = suggest.propose(header.headers, kind, others, samples=values)
        return {
            "table": table.name,
            "encoding": table.encoding,
            "delimiter": {"\t": "tab"}.get(table.delimiter, table.delimiter),
            "header_row": header.index + 1,
            "header_rows": header.rows,
            "headers": unique_headers(header.headers),
            "proposal": {field: " ".join(header.headers[index].split()) for field, index in proposal.items()},
        }

    def editor(self, request, data=None) -> tuple[ProfileForm, dict]:
        kind = self.kind()
        token = (data or request.GET).get("sample")
        entry = profile_samples.get_sample(request, token)
        columns = dict(self.profile.columns) if self.profile else {}
        firms = profiles.editor_firms(request.user) if self.profile is None else None
        info, error, preview = None, "", None
        with contextlib.ExitStack() as stack:
            path = stack.enter_context(profile_samples.sample_path(entry)) if entry else None
            if path is not None:
                try:
                    info = self.read_sample(path, kind, self.reading(data))
                except FormatError as problem:
                    error = render_error(problem)
            sample_headers = info["headers"] if info else []
            headers = unique_headers(sample_headers + list(columns))
            proposal = info["proposal"] if info else {}
            options = {"kind": kind, "headers": headers, "firms": firms, "has_sample": bool(sample_headers)}
            if data is None:
                initial = initial_for(
                    kind,
                    columns,
                    self.profile.options if self.profile else {},
                    headers,
                    proposal if info else None,
                )
                by_key = {coretext.key(h): h for h in headers}  # the spelling the select offers
                for name, value in list(initial.items()):
                    if name.startswith("map_"):
                        initial[name] = by_key.get(coretext.key(value), value)
                initial["sample"] = token if entry else ""
                if info:
                    initial.setdefault("header_rows", str(info["header_rows"]))
                if self.profile is not None:
                    initial.update(
                        name=self.profile.name, software=self.profile.software, notes=self.profile.notes
                    )
                form = ProfileForm(initial=initial, **options)
                draft = ProfileForm(as_data(form), **options)
            else:
                form = draft = ProfileForm(self.adjust(data, kind, headers, proposal), **options)
            if info:
                draft.is_valid()
                cleaned = getattr(draft, "cleaned_data", {})
                profile = Profile(
                    name="draft",
                    kind=kind,
                    columns=cleaned.get("columns") or {},
                    options=cleaned.get("options") or {},
                )
                preview = sample.preview(path, profile)
        context = {
            "form": form,
            "kind": kind,
            "kind_label": profiles.kind_label(kind),
            "object": self.profile,
            "sample": entry,
            "sample_expired": bool(token) and entry is None,
            "sample_info": info,
            "sample_error": error,
            "preview": preview,
            "preview_columns": [profile_fields.column_label(c) for c in preview.columns] if preview else [],
            "preview_findings": _findings(preview.issues) if preview else [],
            "cancel_url": self.cancel_url(),
            "alternatives": [
                text
                for groups, text in profile_fields.unmet(kind, set())
                if len(groups) > 1 or len(groups[0]) > 1
            ],
        }
        return form, context

    def adjust(self, data, kind: str, headers: list[str], proposal: dict[str, str]):
        """When the header row changed (other reading options), re-propose the fields whose column is gone."""
        if data.get("headers_seen") == signature(headers):
            return data
        data = data.copy()
        for name in list(data):
            if name.startswith("map_") and data.get(name) not in headers:
                data[name] = proposal.get(name[4:], "")
        for field, header in proposal.items():
            if not data.get(f"map_{field}"):
                data[f"map_{field}"] = header
        data["headers_seen"] = signature(headers)
        return data

    def get(self, request, *args, **kwargs):
        self.setup_editor(request, *args, **kwargs)
        _form, context = self.editor(request)
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        self.setup_editor(request, *args, **kwargs)
        action = request.POST.get("action", "save")
        if action == "cancel":
            profile_samples.discard_sample(request, request.POST.get("sample"))
            return redirect(self.cancel_url())
        form, context = self.editor(request, request.POST)
        if action == "refresh" and getattr(request, "htmx", False):
            return render(request, "ledgers/includes/profile_editor.html", context)
        if action == "save" and form.is_valid():
            try:
                saved = self.save(form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                profile_samples.discard_sample(request, form.cleaned_data.get("sample"))
                messages.success(request, _("Saved the profile %(name)s.") % {"name": saved.name})
                return redirect(saved.get_absolute_url())
        return render(request, self.template_name, context, status=400 if action == "save" else 200)

    def setup_editor(self, request, *args, **kwargs) -> None:
        raise NotImplementedError

    def save(self, cleaned: dict) -> MappingProfile:
        raise NotImplementedError


class ProfileCreateView(EditorMixin, View):
    """Step 2 for a new profile: needs a sample (`?kind=…&sample=…`)."""

    def setup_editor(self, request, *args, **kwargs) -> None:
        _check_add(request)
        kind = request.GET.get("kind")
        self._kind = kind if kind in ProfileKind.values else ProfileKind.LINES

    def get(self, request, *args, **kwargs):
        self.setup_editor(request)
        if profile_samples.get_sample(request, request.GET.get("sample")) is None:
            messages.info(request, _("Upload a sample export first; the profile is made from its headers."))
            return redirect(f"{reverse('ledgers:profile_sample')}?{urlencode({'kind': self._kind})}")
        return super().get(request, *args, **kwargs)

    def kind(self) -> str:
        return self._kind

    def cancel_url(self) -> str:
        return reverse("ledgers:profile_list")

    def save(self, cleaned: dict) -> MappingProfile:
        return profiles.create_profile(
            self.request.user,
            name=cleaned["name"],
            kind=self._kind,
            columns=cleaned["columns"],
            options=cleaned["options"],
            software=cleaned.get("software", ""),
            notes=cleaned.get("notes", ""),
            organisation=cleaned.get("organisation"),
        )


class ProfileEditView(EditorMixin, View):
    """Change a firm's profile; with `?sample=…` its columns are offered from a new sample too."""

    def setup_editor(self, request, pk, *args, **kwargs) -> None:
        self.profile = _changeable(request, pk)

    def kind(self) -> str:
        return self.profile.kind

    def cancel_url(self) -> str:
        return self.profile.get_absolute_url()

    def save(self, cleaned: dict) -> MappingProfile:
        return profiles.update_profile(
            self.request.user,
            self.profile,
            name=cleaned["name"],
            software=cleaned.get("software", ""),
            notes=cleaned.get("notes", ""),
            columns=cleaned["columns"],
            options=cleaned["options"],
        )
