"""The browser title names the page and then the platform."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_page_title_comes_before_the_platform_name(client):
    with translation.override("en"):
        html = client.get("/accounts/login/").content.decode()
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == "Log in · cpahub"


def test_without_a_page_title_the_platform_name_stands_alone():
    template = Template("{% load pagetitle %}{{ empty|with_site }}|{{ spaced|with_site }}")
    with translation.override("en"):
        rendered = template.render(Context({"empty": "", "spaced": " Usage\n "}))
    assert rendered == "cpahub|Usage · cpahub"
