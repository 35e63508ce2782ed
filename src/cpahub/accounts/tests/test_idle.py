import time

import pytest

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.middleware import _LAST_SEEN
from cpahub.accounts.tests.conftest import events
from cpahub.testing import factories as f


@pytest.fixture
def frank(db):
    return f.UserFactory(username="frank")


def idle_for(client, seconds):
    session = client.session
    session[_LAST_SEEN] = time.time() - seconds
    session.save()


def test_activity_keeps_the_session(client, frank):
    client.force_login(frank)
    assert client.get("/accounts/profile/").status_code == 200
    idle_for(client, 29 * 60)
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session[_LAST_SEEN] > time.time() - 5


def test_idle_session_ends_on_the_login_page(client, frank):
    client.force_login(frank)
    client.get("/accounts/profile/")
    idle_for(client, 31 * 60)
    response = client.get("/accounts/profile/", follow=True)
    assert response.redirect_chain == [("/accounts/login/?next=%2Faccounts%2Fprofile%2F", 302)]
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["idle_logout"] is True
    assert 'data-testid="idle-logout"' in response.content.decode()
    [expired] = events(SecurityEventType.SESSION_EXPIRED)
    assert expired.user_id == frank.pk
    assert expired.detail["idle_seconds"] >= 31 * 60
    # the notice shows once
    assert "idle_logout" not in client.get("/accounts/login/").context


def test_idle_api_session_is_dropped(client, frank):
    client.force_login(frank)
    client.get("/accounts/profile/")
    idle_for(client, 3600)
    client.get("/api/schema/")
    assert "_auth_user_id" not in client.session
    assert len(events(SecurityEventType.SESSION_EXPIRED)) == 1
