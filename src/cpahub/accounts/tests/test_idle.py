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


@pytest.fixture
def session_saves(monkeypatch):
    """Record every save of a database session (the write the idle check must not make each time)."""
    from django.contrib.sessions.backends.db import SessionStore

    saved = []
    original = SessionStore.save

    def save(self, must_create=False):
        saved.append(dict(self._session))
        return original(self, must_create=must_create)

    monkeypatch.setattr(SessionStore, "save", save)
    return saved


def test_two_requests_within_a_minute_save_the_session_once(client, frank, session_saves):
    client.force_login(frank)
    session_saves.clear()
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/profile/").status_code == 200
    assert len(session_saves) == 1
    stamp = session_saves[0][_LAST_SEEN]
    assert client.session[_LAST_SEEN] == stamp


def test_last_seen_is_written_again_after_a_minute(client, frank, session_saves):
    client.force_login(frank)
    client.get("/accounts/profile/")
    idle_for(client, 61)
    session_saves.clear()
    client.get("/accounts/profile/")
    client.get("/accounts/profile/")
    assert len(session_saves) == 1
    assert session_saves[0][_LAST_SEEN] > time.time() - 5


def test_anonymous_requests_write_no_session(client, db, session_saves):
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    assert session_saves == []


def test_the_session_ends_at_a_fixed_time_however_active(client, frank, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.SESSION_COOKIE_AGE = 12 * 3600
    client.force_login(frank)
    before = timezone.now()
    client.get("/accounts/profile/")
    ends = client.session.get_expiry_date()
    assert before + timedelta(hours=12) <= ends <= timezone.now() + timedelta(hours=12)
    # activity a minute later saves the session again, but does not move its end
    idle_for(client, 61)
    client.get("/accounts/profile/")
    assert client.session.get_expiry_date() == ends
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 12 * 3600


def test_an_expired_session_is_logged_out(client, frank):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(frank)
    client.get("/accounts/profile/")
    session = client.session
    session.set_expiry(timezone.now() - timedelta(seconds=1))
    session.save()
    assert client.get("/accounts/profile/")["Location"] == "/accounts/login/?next=/accounts/profile/"
