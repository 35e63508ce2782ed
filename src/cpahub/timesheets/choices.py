"""Tasks, statuses and the one rule of which time is chargeable."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Task(models.TextChoices):
    FIELDWORK = "fieldwork", _("Fieldwork")
    REVIEW = "review", _("Review")
    TRAVEL = "travel", _("Travel")
    OTHER_CHARGEABLE = "other_chargeable", _("Other chargeable work")
    TRAINING = "training", _("Training")
    ADMIN = "admin", _("Administration")
    LEAVE = "leave", _("Leave")


# Work for a client on an engagement is chargeable; everything else is not. Defined here only:
# the grid, the reports, the dashboard and WIP all use CHARGEABLE_TASKS / CHARGEABLE.
CHARGEABLE_TASKS = frozenset({Task.FIELDWORK, Task.REVIEW, Task.TRAVEL, Task.OTHER_CHARGEABLE})


def chargeable_q(prefix: str = "") -> Q:
    """Chargeable entries (`prefix` reaches them from another model, e.g. "entries__")."""
    return Q(**{f"{prefix}task__in": sorted(CHARGEABLE_TASKS), f"{prefix}engagement__isnull": False})


CHARGEABLE = chargeable_q()

# Chargeable tasks need an engagement; leave never belongs to one.
NEEDS_ENGAGEMENT = CHARGEABLE_TASKS
NO_ENGAGEMENT = frozenset({Task.LEAVE})


def is_chargeable(task: str, engagement_id=None) -> bool:
    return task in CHARGEABLE_TASKS and engagement_id is not None


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("timesheet status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("timesheet status", "Submitted")
    APPROVED = "approved", pgettext_lazy("timesheet status", "Approved")
    REJECTED = "rejected", pgettext_lazy("timesheet status", "Rejected")


# Entries a person may still change (the rest wait for a decision or are locked).
EDITABLE = (Status.DRAFT, Status.REJECTED)
# Time that counts as actual in budget-vs-actual.
COUNTED = (Status.SUBMITTED, Status.APPROVED)


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("timesheet status", "Submitted")
    APPROVED = "approved", pgettext_lazy("timesheet status", "Approved")
    REJECTED = "rejected", pgettext_lazy("timesheet status", "Rejected")
    REOPENED = "reopened", pgettext_lazy("timesheet status", "Reopened")
