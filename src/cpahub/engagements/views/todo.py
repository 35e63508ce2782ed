"""My to-do: approvals, sign-offs, declarations and deadlines waiting for the user."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import View

from cpahub.engagements.services import todo


class TodoView(LoginRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "engagements/todo.html",
            {"todo": todo.for_user(request.user), "near_days": todo.NEAR_DAYS, "today": timezone.localdate()},
        )
