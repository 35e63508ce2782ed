"""Conflict check: the firm's other engagements and services for the client and its group.

The group is the client's top parent and everything below it (via `Client.parent`). The check is a
firm-wide control, so it lists every engagement of the firm for the group; one the user may not open
shows without a link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import VIEW
from cpahub.engagements.choices import CLOSED, EngagementType
from cpahub.engagements.models import Engagement

MAX_DEPTH = 20  # a group deeper than this is a data error (or a loop); stop walking
ASSURANCE = {t for t in EngagementType.values if t != EngagementType.NON_ASSURANCE}


@dataclass
class Row:
    engagement: Engagement
    relation: str
    visible: bool
    self_review: bool


def group_of(client) -> dict[int, str]:
    """{client id: relation to `client`} for the client's whole group, itself included."""
    from cpahub.clients.models import Client

    ancestors, node, seen = [], client, {client.pk}
    while node.parent_id and node.parent_id not in seen and len(ancestors) < MAX_DEPTH:
        node = Client.objects.only("pk", "parent_id").get(pk=node.parent_id)
        seen.add(node.pk)
        ancestors.append(node.pk)
    root = ancestors[-1] if ancestors else client.pk
    members, frontier = {root}, [root]
    for _depth in range(MAX_DEPTH):
        frontier = list(
            Client.objects.filter(parent_id__in=frontier, firm_id=client.firm_id)
            .exclude(pk__in=members)
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        members.update(frontier)
    descendants = _descendants(client.pk, members)
    relations = {}
    for pk in members | set(ancestors):
        if pk == client.pk:
            relations[pk] = _("Same client")
        elif pk in ancestors:
            relations[pk] = _("Parent company")
        elif pk in descendants:
            relations[pk] = _("Subsidiary")
        else:
            relations[pk] = _("Group company")
    return relations


def _descendants(pk, members) -> set[int]:
    from cpahub.clients.models import Client

    found, frontier = set(), [pk]
    for _depth in range(MAX_DEPTH):
        frontier = list(
            Client.objects.filter(parent_id__in=frontier, pk__in=members)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        found.update(frontier)
    return found


def check(user, engagement) -> list[Row]:
    relations = group_of(engagement.client)
    others = (
        Engagement.objects.filter(firm_id=engagement.firm_id, client_id__in=relations)
        .exclude(pk=engagement.pk)
        .select_related("client", "partner", "office")
        .order_by("-period_end", "client__name")
    )
    visible = set(Engagement.objects.restrict(user, VIEW).filter(pk__in=others).values_list("pk", flat=True))
    assurance = engagement.type in ASSURANCE
    rows = []
    for other in others:
        # Other services beside assurance for the same group: a possible self-review threat.
        self_review = other.status not in CLOSED and assurance != (other.type in ASSURANCE)
        rows.append(Row(other, relations[other.client_id], other.pk in visible, self_review))
    return rows
