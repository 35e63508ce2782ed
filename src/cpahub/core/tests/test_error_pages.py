"""The 404 page: the site's look, Chinese by default, a way home, and nothing about what exists."""

import re

import pytest
from django.utils import translation

from cpahub.testing.factories import login_verified
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db


def card(html: str) -> str:
    return html[html.index('data-testid="not-found"') :]


def test_a_missing_page_is_the_sites_404_in_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the real default (tests otherwise run in English)
    assert settings.DEBUG is False  # Django shows its own debug page otherwise
    with translation.override(None):
        response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.text
    assert 'lang="zh-hans"' in html and 'data-testid="not-found"' in html
    assert "找不到" in html and "Not Found" not in html
    assert 'href="/"' in card(html)  # the public home page


def test_another_firms_engagement_looks_like_a_missing_one(client):
    w = firm_world()
    login_verified(client, w.manager_b)
    other = client.get(f"/engagements/{w.engagement_a.pk}/")
    missing = client.get("/engagements/999999/")
    assert other.status_code == missing.status_code == 404
    assert "404.html" in [t.name for t in other.templates]
    assert 'href="/home/"' in card(other.text)  # the signed-in user's home page

    def body(response):  # the page less its per-request parts (CSRF tokens, the current path)
        html = re.sub(r"[A-Za-z0-9]{64}", "", response.text)
        return html.replace(response.wsgi_request.path, "")

    assert body(other) == body(missing)
    assert w.engagement_a.code not in other.text and w.engagement_a.name not in other.text


def test_api_404_stays_json(client):
    w = firm_world()
    client.force_login(w.manager_b)
    response = client.get(f"/api/engagements/engagements/{w.engagement_a.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
