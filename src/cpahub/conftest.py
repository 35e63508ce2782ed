import pytest

from cpahub.testing import factories


@pytest.fixture
def firm(db):
    return factories.FirmFactory()


@pytest.fixture
def other_firm(db):
    return factories.FirmFactory(organisation__city="360700")


@pytest.fixture
def make_user(db):
    return factories.user_with_role
