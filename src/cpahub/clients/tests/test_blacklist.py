"""The firm's client blacklist: matching, keeping it, and what it blocks."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.clients import blacklist, services
from cpahub.clients.models import BlacklistEntry
from cpahub.testing.clients import BlacklistEntryFactory
from cpahub.testing.factories import credit_code
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db

CODE = credit_code(8801)
OTHER_CODE = credit_code(8802)


@pytest.fixture
def w():
    return firm_world()


@pytest.fixture
def entry(w):
    return BlacklistEntryFactory(
        firm=w.firm_a, name="江西虚假账目有限公司", credit_code=CODE, reason="财务造假"
    )


def test_the_signature_the_acceptance_part_calls():
    import inspect

    signature = inspect.signature(services.blacklist_match)
    assert list(signature.parameters) == ["firm", "name", "credit_code"]
    assert signature.parameters["name"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["credit_code"].kind is inspect.Parameter.KEYWORD_ONLY


def test_a_match_by_credit_code_whatever_the_name(w, entry):
    assert services.blacklist_match(w.firm_a, name="完全不同的名称", credit_code=CODE.lower()) == entry


def test_a_match_by_name_written_another_way(w, entry):
    assert services.blacklist_match(w.firm_a, name="江西 虚假账目（有限责任公司）", credit_code="") == entry


def test_a_branch_finds_the_firms_entries(w, entry):
    assert services.blacklist_match(w.branch_a, name="", credit_code=CODE) == entry


def test_the_same_name_with_another_credit_code_is_another_party(w, entry):
    assert services.blacklist_match(w.firm_a, name="江西虚假账目有限公司", credit_code=OTHER_CODE) is None


def test_no_match_in_another_firm_or_when_inactive(w, entry):
    assert services.blacklist_match(w.firm_b, name=entry.name, credit_code=CODE) is None
    blacklist.deactivate_blacklist_entry(w.partner_a, entry, reason="已整改并经合伙人会议同意")
    assert services.blacklist_match(w.firm_a, name=entry.name, credit_code=CODE) is None


def test_empty_name_and_code_match_nothing(w, entry):
    assert services.blacklist_match(w.firm_a, name="", credit_code="") is None


def test_partners_and_the_firm_admin_keep_the_blacklist(w):
    added = blacklist.add_to_blacklist(
        w.partner_a, firm=w.firm_a, name="某公司", credit_code=CODE, reason="涉嫌洗钱"
    )
    assert added.added_by == w.partner_a and added.active and added.name_key == "某"
    blacklist.add_to_blacklist(w.admin_a, firm=w.firm_a, name="另一公司", reason="拒付审计费用")
    for user in (w.manager_a, w.auditor_a, w.branch_manager, w.partner_b, w.assoc):
        with pytest.raises(PermissionDenied):
            blacklist.add_to_blacklist(user, firm=w.firm_a, name="第三公司", reason="x")
        with pytest.raises(PermissionDenied):
            blacklist.deactivate_blacklist_entry(user, added, reason="x")


def test_an_entry_needs_a_reason_and_a_valid_code_and_is_not_doubled(w, entry):
    with pytest.raises(ValidationError) as raised:
        blacklist.add_to_blacklist(w.partner_a, firm=w.firm_a, name="某公司", credit_code="123", reason=" ")
    assert set(raised.value.message_dict) == {"credit_code", "reason"}
    with pytest.raises(ValidationError) as raised:
        blacklist.add_to_blacklist(w.partner_a, firm=w.firm_a, name="江西虚假账目有限公司", reason="再次")
    assert "already on the blacklist" in raised.value.messages[0]


def test_deactivation_keeps_the_entry_and_the_reason(w, entry):
    with pytest.raises(ValidationError):
        blacklist.deactivate_blacklist_entry(w.partner_a, entry, reason="")
    blacklist.deactivate_blacklist_entry(w.partner_a, entry, reason="已整改")
    entry.refresh_from_db()
    assert not entry.active and entry.deactivated_reason == "已整改" and entry.deactivated_by == w.partner_a
    with pytest.raises(ValidationError):
        blacklist.deactivate_blacklist_entry(w.partner_a, entry, reason="again")
    assert BlacklistEntry.objects.filter(pk=entry.pk).exists()


def test_matching_clients_shows_the_firms_clients_the_entry_would_refuse(w):
    entry = BlacklistEntryFactory(firm=w.firm_a, name=w.client_a.name, credit_code="")
    assert list(blacklist.matching_clients(entry)) == [w.client_a]
    by_code = BlacklistEntryFactory(firm=w.firm_a, name="别名", credit_code=w.branch_client.credit_code)
    assert list(blacklist.matching_clients(by_code)) == [w.branch_client]


def test_the_screen_matches_like_blacklist_match(w, entry):
    screen = blacklist.Screen.for_firm(w.firm_a)
    for name, code in [
        ("江西虚假账目有限公司", ""),
        ("x", CODE),
        ("江西虚假账目有限公司", OTHER_CODE),
        ("y", ""),
    ]:
        assert screen.match(name, code) == services.blacklist_match(w.firm_a, name=name, credit_code=code)
