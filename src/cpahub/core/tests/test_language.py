"""Chinese is the default language; English is one switch away."""

from django.utils import translation


def test_chinese_by_default_and_english_on_request(client, db, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the real default (tests otherwise run in English)
    with translation.override(None):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="").content.decode()
        assert 'lang="zh-hans"' in html
        assert "处理处罚" in html or "行政处罚" in html or "典型案例" in html
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert response.status_code == 302
        html = client.get("/").content.decode()
        assert 'lang="en"' in html and "Penalties" in html
