import pytest

from cpahub.testing import factories
from cpahub.testing.browser import browser, page, phone_page  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def english(settings):
    """Run in English: tests assert the source (English) texts, not the Chinese catalogue's.

    Tests of the Chinese interface switch explicitly (`translation.override("zh-hans")`).
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def firm(db):
    return factories.FirmFactory()


@pytest.fixture
def other_firm(db):
    return factories.FirmFactory(organisation__city="360700")


@pytest.fixture
def make_user(db):
    return factories.user_with_role


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
