"""A client's contacts: added, changed and removed in place on the client's page (HTMX), or on a
page of their own when the browser runs no script."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cpahub.clients import services
from cpahub.clients.forms import ContactForm
from cpahub.clients.models import Client, ClientContact
from cpahub.core.permissions import CHANGE
from cpahub.core.views import apply_validation_error, get_restricted_object


def _card(request, client, form=None, editing=None, status=200):
    context = {
        "object": client,
        "contacts": client.contacts.all(),
        "can_change": True,
        "contact_form": form,
        "editing": editing,
    }
    return render(request, "clients/includes/contacts.html", context, status=status)


def _respond(request, client, form, contact, saved: bool):
    """HTMX: the contacts card again (with the form while it has errors); else a page or a redirect."""
    if request.htmx:
        if saved:
            return _card(request, client)
        return _card(request, client, form, editing=contact.pk if contact else "new")
    if saved:
        messages.success(request, _("Saved."))
        return redirect(client.get_absolute_url())
    context = {"object": client, "form": form, "contact": contact}
    return render(
        request, "clients/contact_form.html", context, status=400 if request.method == "POST" else 200
    )


def _save(request, client, contact):
    form = ContactForm(request.POST, instance=contact)
    saved = False
    if form.is_valid():
        try:
            services.save_contact(request.user, client, contact, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            apply_validation_error(form, error)
    return _respond(request, client, form, contact, saved)


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    client = get_restricted_object(request, Client.objects.all(), CHANGE, pk=pk)
    if request.method == "POST":
        return _save(request, client, None)
    return _respond(request, client, ContactForm(), None, saved=False)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = get_restricted_object(request, ClientContact.objects.select_related("client"), CHANGE, pk=pk)
    # Bind to a fresh copy: a form with errors must not change the contact shown beside it.
    if request.method == "POST":
        return _save(request, contact.client, ClientContact.objects.get(pk=contact.pk))
    return _respond(request, contact.client, ContactForm(instance=contact), contact, saved=False)


@login_required
@require_POST
def contact_remove(request, pk):
    contact = get_restricted_object(request, ClientContact.objects.select_related("client"), CHANGE, pk=pk)
    client = contact.client
    services.remove_contact(request.user, contact)
    if request.htmx:
        return _card(request, client)
    messages.success(request, _("Removed %(name)s.") % {"name": contact.name})
    return redirect(client.get_absolute_url())
