"""The change history of a firm's practice data: its administrator and partners read it, the
association does not (the data is confidential to the firm)."""

import pytest

from cpahub.core.models import ObjectChange
from cpahub.core.permissions import forget_scope

pytestmark = pytest.mark.django_db


def client_changes(user):
    forget_scope(user)
    return ObjectChange.objects.restrict(user).filter(content_type__app_label="clients")


def test_partners_read_their_firms_practice_history_and_the_association_does_not():
    from cpahub.testing.practice import firm_world

    w = firm_world()
    w.client_a.notes = "changed"
    w.client_a.save()
    assert ObjectChange.objects.filter(
        content_type__app_label="clients", object_id=str(w.client_a.pk)
    ).exists()
    assert client_changes(w.partner_a).filter(object_id=str(w.client_a.pk)).exists()
    assert client_changes(w.admin_a).filter(object_id=str(w.client_a.pk)).exists()
    assert not client_changes(w.partner_b).filter(object_id=str(w.client_a.pk)).exists()
    assert not client_changes(w.auditor_a).exists()
    assert not client_changes(w.assoc).exists()
    # the association still reads the registry's history
    w.firm_a.firm.website = "https://example.cn"
    w.firm_a.firm.save()
    forget_scope(w.assoc)
    assert ObjectChange.objects.restrict(w.assoc).filter(content_type__app_label="registry").exists()
