"""Shared pieces of the billing pages: a form page that runs one service call on one object."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from cpahub.core.permissions import CHANGE
from cpahub.core.views import apply_validation_error, get_restricted_object, log_denied


class ActionView(LoginRequiredMixin, View):
    """GET shows the form, POST runs `perform(obj, cleaned_data)`; refusals show on the form."""

    model = None
    form_class = None
    action = CHANGE
    title = ""
    submit = ""
    danger = False
    template_name = "billing/action.html"
    done_message = ""

    def get_object(self):
        return get_restricted_object(
            self.request, self.model.objects.all(), self.action, pk=self.kwargs["pk"]
        )

    def form_kwargs(self, obj) -> dict:
        return {}

    def initial(self, obj) -> dict:
        return {}

    def perform(self, obj, data):
        raise NotImplementedError

    def success_url(self, obj, result):
        return (result if hasattr(result, "get_absolute_url") else obj).get_absolute_url()

    def render_form(self, obj, form, status=200):
        context = {
            "object": obj,
            "form": form,
            "title": self.title,
            "submit": self.submit or _("Save"),
            "danger": self.danger,
            "back": obj.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(obj, self.form_class(initial=self.initial(obj), **self.form_kwargs(obj)))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.form_class(request.POST, **self.form_kwargs(obj))
        if not form.is_valid():
            return self.render_form(obj, form, status=400)
        try:
            result = self.perform(obj, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render_form(obj, form, status=400)
        except PermissionDenied as error:
            log_denied(request, f"{self.model._meta.label}:{obj.pk} {type(self).__name__}")
            form.add_error(None, str(error) or _("You may not do this."))
            return self.render_form(obj, form, status=403)
        if self.done_message:
            messages.success(request, self.done_message)
        return redirect(self.success_url(obj, result))


def run_or_message(request, function, *args, **kwargs):
    """Run a one-click service call; a refusal becomes an error message. True when it ran."""
    try:
        function(request.user, *args, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    except PermissionDenied as error:
        log_denied(request, getattr(function, "__name__", "billing action"))
        messages.error(request, str(error) or _("You may not do this."))
        return False
    return True
