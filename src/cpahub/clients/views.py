"""Client pages: list with filters and export, detail (profile, contacts, group, engagements,
history), and the create and edit form with its duplicate, blacklist and similar-name checks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET

from cpahub.clients import filtersets, history, industry, services, tables
from cpahub.clients.forms import ClientForm
from cpahub.clients.models import Client
from cpahub.core.permissions import CHANGE, VIEW, can, can_add
from cpahub.core.views import ObjectDetailView, ObjectListView, get_restricted_object, log_denied

MAX_GROUP_DEPTH = 10
MAX_SIMILAR = 10


class ClientListView(ObjectListView):
    model = Client
    filterset_class = filtersets.ClientFilterSet
    table_class = tables.ClientTable
    template_name = "clients/client_list.html"
    title = gettext_lazy("Clients")
    export_name = "clients"
    add_url = "clients:client_add"

    def get_queryset(self, action=VIEW):
        return Client.objects.restrict(self.request.user, action).select_related("office", "parent")

    def export(self, fmt):
        # The export carries every field under the headers the import reads back.
        self.table_class = tables.ClientExportTable
        return super().export(fmt)

    def extra_context(self):
        return {"can_import": bool(services.client_firms(self.request.user).exists())}


class ClientDetailView(ObjectDetailView):
    model = Client
    template_name = "clients/client_detail.html"

    def get_queryset(self):
        return Client.objects.select_related("firm", "office", "parent", "created_by")

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        context = {
            "object": obj,
            "can_change": can(request.user, CHANGE, obj),
            "changes": history.changes(request.user, obj)[:30],
            **self.extra_context(obj),
        }
        return render(request, self.template_name, context)

    def extra_context(self, client):
        user = self.request.user
        return {
            "industry_label": industry.label(client.industry),
            "section_label": industry.section_label(client.industry_section),
            "contacts": client.contacts.all(),
            "group": group_tree(user, client),
            "engagements": engagements_of(user, client),
            "blacklisted": services.blacklist_match(
                client.firm, name=client.name, credit_code=client.credit_code
            ),
        }


def group_tree(user, client) -> list[tuple[Client, int]]:
    """The client's group as (client, depth) in tree order, from the top parent the user can see."""
    visible = (
        Client.objects.restrict(user, VIEW).filter(firm_id=client.firm_id).only("pk", "name", "parent_id")
    )
    root, seen = client, {client.pk}
    while root.parent_id and root.parent_id not in seen and len(seen) <= MAX_GROUP_DEPTH:
        parent = visible.filter(pk=root.parent_id).first()
        if parent is None:
            break
        seen.add(parent.pk)
        root = parent
    children: dict[int, list[Client]] = {}
    level, placed = [root.pk], {root.pk}
    for _depth in range(MAX_GROUP_DEPTH):
        found = [c for c in visible.filter(parent_id__in=level).order_by("name") if c.pk not in placed]
        if not found:
            break
        for child in found:
            children.setdefault(child.parent_id, []).append(child)
            placed.add(child.pk)
        level = [c.pk for c in found]
    if root.pk == client.pk and not children:
        return []
    ordered: list[tuple[Client, int]] = []

    def walk(node, depth):
        ordered.append((node, depth))
        for child in children.get(node.pk, []):
            walk(child, depth + 1)

    walk(root, 0)
    return ordered


def engagements_of(user, client) -> list[dict]:
    """The client's engagements the user may see, newest period first, with their status."""
    from cpahub.engagements.models import Engagement

    rows = []
    for engagement in (
        Engagement.objects.restrict(user, VIEW).filter(client=client).order_by("-period_end", "-pk")[:50]
    ):
        try:
            url = engagement.get_absolute_url()
        except NoReverseMatch:  # the engagement pages are not installed
            url = None
        rows.append({"object": engagement, "url": url})
    return rows


class ClientFormView(LoginRequiredMixin, View):
    """Create (no pk) or edit a client through the services, with the checks shown in place."""

    template_name = "clients/client_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            if not can_add(self.request.user, Client):
                log_denied(self.request, "add clients.Client")
                raise PermissionDenied
            return None
        return get_restricted_object(self.request, Client.objects.all(), CHANGE, pk=self.kwargs["pk"])

    def render_form(self, form, obj, status=200, **extra):
        title = _("Edit %(name)s") % {"name": obj} if obj else _("New client")
        context = {"form": form, "object": obj, "title": title, "similar": [], **extra}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(ClientForm(user=request.user, instance=obj), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        original_name = obj.name if obj else None
        form = ClientForm(request.POST, user=request.user, instance=obj)
        if not form.is_valid():
            return self.render_form(form, obj, status=400)
        data = form.service_data()
        firm = data.pop("firm")
        similar = list(services.similar_clients(firm, data["name"], exclude=obj.pk if obj else None))
        renamed = original_name is None or " ".join(data["name"].split()) != original_name
        if similar and renamed and not form.cleaned_data["confirm_similar"]:
            return self.render_form(form, obj, status=400, similar=_visible(request.user, similar))
        try:
            if obj is None:
                saved = services.create_client(request.user, firm=firm, **data)
            else:
                saved = services.update_client(request.user, Client.objects.get(pk=obj.pk), **data)
        except services.DuplicateClient as error:
            form.add_error("credit_code", error.messages)
            return self.render_form(form, obj, status=400, duplicate=error)
        except services.Blacklisted as error:
            form.add_error(None, error.messages)
            return self.render_form(form, obj, status=400, blacklisted=error.entry)
        except ValidationError as error:
            _apply(form, error)
            return self.render_form(form, obj, status=400)
        messages.success(request, _("Saved %(name)s.") % {"name": saved})
        return redirect(saved.get_absolute_url())


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _visible(user, clients: list[Client]) -> dict:
    """Similar clients split into those the user may open and a count of the others."""
    pks = set(
        Client.objects.restrict(user, VIEW)
        .filter(pk__in=[c.pk for c in clients])
        .values_list("pk", flat=True)
    )
    shown = [c for c in clients if c.pk in pks][:MAX_SIMILAR]
    return {"clients": shown, "hidden": sum(1 for c in clients if c.pk not in pks)}


def _number(text) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


@login_required
@require_GET
def similar(request):
    """The similar-name warning of the client form, asked for while the name is typed (HTMX)."""
    firms = services.client_firms(request.user)
    if not firms.exists():
        raise PermissionDenied
    firm = firms.filter(pk=_number(request.GET.get("firm"))).first() or firms.first()
    exclude = _number(request.GET.get("exclude")) or None
    name = request.GET.get("name", "")[:200]
    found = list(services.similar_clients(firm, name, exclude=exclude)[:50])
    context = {"similar": _visible(request.user, found) if found else [], "live": True}
    return render(request, "clients/includes/similar.html", context)
