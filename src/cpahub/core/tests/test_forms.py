"""BootstrapFormMixin: Bootstrap classes on every widget, and `is-invalid` on a field with errors."""

import re

import pytest

from cpahub.clients.forms import ClientForm
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db


def classes(bound_field) -> list[str]:
    return re.search(r'class="([^"]*)"', str(bound_field)).group(1).split()


def test_fields_with_errors_get_is_invalid_and_keep_their_own_class():
    w = firm_world()
    form = ClientForm({"name": "", "status": "nonsense", "short_name": "赣江"}, user=w.manager_a)
    assert not form.is_valid()
    form.add_error("confirm_similar", "Look at the similar names first.")  # as the view does, after is_valid
    assert classes(form["name"]) == ["form-control", "is-invalid"]
    assert classes(form["status"]) == ["form-select", "is-invalid"]
    assert classes(form["confirm_similar"]) == ["form-check-input", "is-invalid"]
    assert classes(form["short_name"]) == ["form-control"]


def test_an_unbound_form_marks_nothing_invalid():
    w = firm_world()
    form = ClientForm(user=w.manager_a)
    assert classes(form["name"]) == ["form-control"]
    assert classes(form["status"]) == ["form-select"]
    assert classes(form["confirm_similar"]) == ["form-check-input"]
