import pytest

from cpahub.testing.practice import firm_world


@pytest.fixture
def w(db):
    return firm_world()
