import pytest

from cpahub.testing.practice import add_to_team, firm_world


@pytest.fixture
def w(db):
    world = firm_world()
    world.engagement_a.status = "fieldwork"
    world.engagement_a.save()
    add_to_team(world.engagement_a, world.auditor_a, grade=world.grades_a["S"])
    add_to_team(world.engagement_a, world.assistant_a, grade=world.grades_a["A"])
    return world
