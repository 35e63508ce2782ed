"""The firm's client blacklist: everyone in the firm reads it; partners and the firm administrator
add entries and deactivate them with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpahub.clients import blacklist, filtersets, tables
from cpahub.clients.forms import BlacklistForm, DeactivateForm
from cpahub.clients.models import BlacklistEntry, Client
from cpahub.core.permissions import CHANGE, VIEW, can, scope_for
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectListView,
    apply_validation_error,
    get_restricted_object,
)
from cpahub.practice.access import PARTNERS, firms_for


class BlacklistListView(ObjectListView):
    model = BlacklistEntry
    filterset_class = filtersets.BlacklistFilterSet
    table_class = tables.BlacklistTable
    title = gettext_lazy("Client blacklist")
    export_name = "client-blacklist"
    add_url = "clients:blacklist_add"

    def get_queryset(self, action=VIEW):
        return BlacklistEntry.objects.restrict(self.request.user, action).select_related("added_by")


class BlacklistCreateView(ObjectCreateView):
    model = BlacklistEntry
    form_class = BlacklistForm
    title = gettext_lazy("Add to the client blacklist")

    def form_kwargs(self):
        return {"firms": firms_for(scope_for(self.request.user), PARTNERS)}

    def create(self, data):
        return blacklist.add_to_blacklist(self.request.user, **data)


class BlacklistDetailView(ObjectDetailView):
    model = BlacklistEntry
    template_name = "clients/blacklist_detail.html"

    def get_queryset(self):
        return BlacklistEntry.objects.select_related("added_by", "deactivated_by")

    def extra_context(self, entry):
        user = self.request.user
        visible = Client.objects.restrict(user, VIEW)
        return {
            "clients": blacklist.matching_clients(entry).filter(pk__in=visible.values("pk"))[:50],
            "form": DeactivateForm() if entry.active and can(user, CHANGE, entry) else None,
        }


@login_required
@require_POST
def deactivate(request, pk):
    entry = get_restricted_object(request, BlacklistEntry.objects.all(), CHANGE, pk=pk)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            blacklist.deactivate_blacklist_entry(request.user, entry, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The entry is no longer active."))
            return redirect(entry.get_absolute_url())
    view = BlacklistDetailView()
    view.setup(request, pk=pk)
    context = {"object": entry, "can_change": True, "changes": [], **view.extra_context(entry), "form": form}
    return render(request, "clients/blacklist_detail.html", context, status=400)
