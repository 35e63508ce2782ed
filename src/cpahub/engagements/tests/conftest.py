import datetime

import pytest

from cpahub.engagements.services import engagements
from cpahub.testing.practice import ClientFactory, firm_world


@pytest.fixture
def w(db):
    return firm_world()


@pytest.fixture
def eng(w):
    """A fresh engagement of firm A made through the service (partner_a and manager_a on the team)."""
    return engagements.create_engagement(
        w.partner_a,
        client=ClientFactory(firm=w.firm_a),
        code="AUD-25-01",
        type="fs_audit",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        partner=w.partner_a,
        manager=w.manager_a,
    )
