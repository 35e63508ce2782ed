"""Pages of mapping profiles: the list, a profile, clone, share, delete and the JSON download.

The editor (made from a sample file, or changing a profile) is in `views_profile_editor.py`.
Every page reads profiles through the permission gate: built-in and shared profiles are seen by
everyone signed in, a firm's own only by its people; only they change them (see
`MappingProfile.restrict_q`).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.accounts.models import Organisation
from cpahub.core.permissions import CHANGE, DELETE, VIEW, can, can_add
from cpahub.core.views import ObjectDetailView, ObjectListView, get_restricted_object, log_denied
from cpahub.ledgers import profile_fields, profiles
from cpahub.ledgers.filtersets import ProfileFilterSet
from cpahub.ledgers.models import MappingProfile
from cpahub.ledgers.tables import ProfileTable


def visible_profiles(user, action: str = VIEW):
    return MappingProfile.objects.restrict(user, action).select_related("organisation")


class ProfileListView(ObjectListView):
    model = MappingProfile
    filterset_class = ProfileFilterSet
    table_class = ProfileTable
    template_name = "ledgers/profile_list.html"

    def get_queryset(self, action: str = VIEW):
        return visible_profiles(self.request.user, action)

    def extra_context(self) -> dict:
        return {"title": _("Mapping profiles"), "can_make": can_add(self.request.user, MappingProfile)}


def mapping_rows(profile: MappingProfile) -> tuple[list[dict], list[str]]:
    """(field, label, headers) in display order, and the headers known and not used."""
    by_field: dict[str, list[str]] = {}
    ignored = []
    for header, target in (profile.columns or {}).items():
        if target == "ignore":
            ignored.append(header)
        else:
            by_field.setdefault(target, []).append(header)
    order = profile_fields.fields(profile.kind) if profile.kind in profile_fields.ORDER else []
    rows = [
        {"field": f, "label": profile_fields.label(f), "headers": by_field.pop(f)}
        for f in order
        if f in by_field
    ]
    rows += [{"field": f, "label": f, "headers": h} for f, h in by_field.items()]  # unknown to this version
    return rows, ignored


def option_rows(profile: MappingProfile) -> list[tuple[str, str]]:
    rows = []
    for name, value in (profile.options or {}).items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
        rows.append((name, "tab" if value == "\t" else shown))
    return rows


class ProfileDetailView(ObjectDetailView):
    model = MappingProfile
    template_name = "ledgers/profile_detail.html"

    def get_queryset(self):
        return MappingProfile.objects.select_related("organisation")

    def extra_context(self, obj) -> dict:
        user = self.request.user
        mapping, ignored = mapping_rows(obj)
        firms = list(profiles.editor_firms(user))
        return {
            "mapping": mapping,
            "ignored": ignored,
            "options": option_rows(obj),
            "can_delete": can(user, DELETE, obj),
            "can_share": not obj.builtin
            and can(user, CHANGE, obj)
            and profiles.may_share(user, obj.organisation_id),
            "clone_firms": firms,
            "owner": _("Built in") if obj.builtin else (obj.organisation.name if obj.organisation_id else ""),
        }


class ProfileCloneView(LoginRequiredMixin, View):
    """Copy any visible profile into the firm's own (the usual way to adapt a built-in one)."""

    def post(self, request, pk):
        source = get_restricted_object(request, MappingProfile.objects.all(), VIEW, pk=pk)
        if not can_add(request.user, MappingProfile):
            log_denied(request, f"clone ledgers.MappingProfile:{pk}")
            raise PermissionDenied
        firm = None
        if request.POST.get("organisation"):
            firm = Organisation.objects.filter(pk=request.POST["organisation"]).first()
            if firm is None:
                raise PermissionDenied
        try:
            copy = profiles.clone_profile(request.user, source, organisation=firm)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(source.get_absolute_url())
        messages.success(request, _("Copied as %(name)s: adjust it to your exports.") % {"name": copy.name})
        return redirect("ledgers:profile_edit", pk=copy.pk)


class ProfileShareView(LoginRequiredMixin, View):
    def post(self, request, pk):
        profile = get_restricted_object(request, MappingProfile.objects.all(), CHANGE, pk=pk)
        shared = request.POST.get("shared") == "1"
        try:
            profiles.set_shared(request.user, profile, shared)
        except PermissionDenied:
            log_denied(request, f"share ledgers.MappingProfile:{pk}")
            raise
        messages.success(
            request,
            _("The profile is now offered to every firm, read-only.")
            if shared
            else _("The profile is no longer shared."),
        )
        return redirect(profile.get_absolute_url())


class ProfileDeleteView(LoginRequiredMixin, View):
    template_name = "ledgers/profile_delete.html"

    def get(self, request, pk):
        profile = get_restricted_object(request, MappingProfile.objects.all(), DELETE, pk=pk)
        return render(request, self.template_name, {"object": profile})

    def post(self, request, pk):
        profile = get_restricted_object(request, MappingProfile.objects.all(), DELETE, pk=pk)
        name = profile.name
        profiles.delete_profile(request.user, profile)
        messages.success(request, _("Deleted the profile %(name)s.") % {"name": name})
        return redirect(reverse("ledgers:profile_list"))


class ProfileJSONView(LoginRequiredMixin, View):
    """The profile as a JSON file in the form of the built-in ones (to share it beyond the platform)."""

    def get(self, request, pk):
        profile = get_restricted_object(request, MappingProfile.objects.all(), VIEW, pk=pk)
        body = json.dumps(profiles.as_json(profile), ensure_ascii=False, indent=2) + "\n"
        response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mapping-profile-{profile.pk}.json"'
        return response
