"""The rules of creating and changing clients, contacts and blacklist entries."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.clients import blacklist, services
from cpahub.clients.choices import Exchange
from cpahub.clients.models import Client
from cpahub.core.models import ObjectChange
from cpahub.practice.models import FirmSettings
from cpahub.testing.clients import BlacklistEntryFactory, ContactFactory
from cpahub.testing.factories import credit_code
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return firm_world()


def create(w, user=None, **data):
    data.setdefault("name", "江西赣江新材料有限公司")
    data.setdefault("credit_code", credit_code(7001))
    return services.create_client(user or w.manager_a, firm=data.pop("firm", w.firm_a), **data)


def messages_of(raised) -> dict:
    return raised.value.message_dict


def test_a_manager_creates_a_client_with_derived_fields_and_a_change_log(w):
    client = create(
        w,
        name="江西 赣江新材料（集团）有限公司",
        credit_code=" 9136-0100" + credit_code(7001)[8:],
        industry="C2614",
    )
    assert client.firm == w.firm_a and client.office == w.firm_a
    assert client.created_by == w.manager_a
    assert client.name == "江西 赣江新材料（集团）有限公司"
    assert client.credit_code == credit_code(7001)
    assert (client.industry, client.industry_section) == ("2614", "C")
    assert client.name_key == "江西赣江新材料集团"
    change = ObjectChange.objects.get(object_id=str(client.pk), content_type__model="client")
    assert change.action == "create" and change.owner_id == w.firm_a.pk


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91360100123", "A unified social credit code has 18 characters; this one has 11."),
        (credit_code(7001)[:-1] + ("0" if credit_code(7001)[-1] != "0" else "1"), "The check character"),
        ("91360100MA35ABCDEI", "uses only digits and the letters"),
    ],
)
def test_a_bad_credit_code_is_refused_with_the_reason(w, code, reason):
    with pytest.raises(ValidationError) as raised:
        create(w, credit_code=code)
    assert reason in messages_of(raised)["credit_code"][0]
    assert not Client.objects.filter(name="江西赣江新材料有限公司").exists()


def test_a_credit_code_the_firm_has_is_refused_with_the_client(w):
    with pytest.raises(services.DuplicateClient) as raised:
        create(w, credit_code=w.client_a.credit_code.lower())
    assert raised.value.existing == w.client_a and raised.value.visible
    assert w.client_a.name in messages_of(raised)["credit_code"][0]


def test_a_duplicate_kept_by_an_office_out_of_sight_is_refused_without_naming_it(w):
    with pytest.raises(services.DuplicateClient) as raised:
        create(w, user=w.branch_manager, office=w.branch_a, credit_code=w.client_a.credit_code)
    assert not raised.value.visible
    assert w.client_a.name not in messages_of(raised)["credit_code"][0]


def test_another_firm_may_have_the_same_client(w):
    client = create(w, user=w.manager_b, firm=w.firm_b, credit_code=w.client_a.credit_code)
    assert client.firm == w.firm_b


def test_a_blacklisted_party_is_refused_with_the_reason(w):
    BlacklistEntryFactory(
        firm=w.firm_a, name="江西失信实业有限公司", credit_code="", reason="出具不实报告风险"
    )
    with pytest.raises(blacklist.Blacklisted) as raised:
        create(w, name="江西失信实业（有限责任公司）")
    assert "出具不实报告风险" in raised.value.messages[0]


@pytest.mark.parametrize(
    ("exchange", "written", "stored"),
    [
        (Exchange.SSE, "600519", "600519"),
        (Exchange.SSE, "688981.SH", "688981"),
        (Exchange.SZSE, "300750", "300750"),
        (Exchange.SZSE, "０００００１", "000001"),
        (Exchange.BSE, "920002", "920002"),
        (Exchange.NEEQ, "830799", "830799"),
        (Exchange.HKEX, "700", "00700"),
        (Exchange.HKEX, "0700.HK", "00700"),
        (Exchange.OTHER, "baba", "BABA"),
    ],
)
def test_stock_codes_are_checked_per_exchange(w, exchange, written, stored):
    client = create(w, listed=True, exchange=exchange, stock_code=written)
    assert client.stock_code == stored


@pytest.mark.parametrize(
    ("exchange", "written", "field", "reason"),
    [
        (Exchange.SSE, "000001", "stock_code", "is not a stock code of the Shanghai Stock Exchange"),
        (Exchange.SZSE, "600519", "stock_code", "is not a stock code of the Shenzhen Stock Exchange"),
        (Exchange.SSE, "600519.SZ", "stock_code", "does not belong to the Shanghai Stock Exchange"),
        (Exchange.SSE, "", "stock_code", "needs its stock code"),
        ("", "600519", "exchange", "needs its exchange"),
    ],
)
def test_a_listed_client_needs_a_valid_stock_code_and_exchange(w, exchange, written, field, reason):
    with pytest.raises(ValidationError) as raised:
        create(w, listed=True, exchange=exchange, stock_code=written)
    assert reason in messages_of(raised)[field][0]


def test_a_stock_code_without_listed_is_refused(w):
    with pytest.raises(ValidationError) as raised:
        create(w, listed=False, exchange=Exchange.SSE, stock_code="600519")
    assert "only kept for a listed client" in messages_of(raised)["listed"][0]


def test_an_unknown_industry_is_refused(w):
    with pytest.raises(ValidationError) as raised:
        create(w, industry="99")
    assert "99 is not a division" in messages_of(raised)["industry"][0]


def test_the_parent_must_be_a_client_of_the_same_firm(w):
    with pytest.raises(ValidationError) as raised:
        create(w, parent=w.client_b)
    assert "Choose a parent company among the clients you can see." in messages_of(raised)["parent"]
    with pytest.raises(ValidationError) as raised:
        services.create_client(None, firm=w.firm_a, name="孤儿公司", parent=w.client_b)
    assert "must be a client of the same firm" in messages_of(raised)["parent"][0]


def test_a_group_cannot_become_a_loop(w):
    top = w.client_a
    middle = create(w, name="中间公司", parent=top)
    bottom = create(w, name="底层公司", credit_code=credit_code(7002), parent=middle)
    with pytest.raises(ValidationError) as raised:
        services.update_client(w.manager_a, Client.objects.get(pk=top.pk), parent=bottom)
    assert "the group would be a loop" in messages_of(raised)["parent"][0]
    with pytest.raises(ValidationError) as raised:
        services.update_client(w.manager_a, Client.objects.get(pk=top.pk), parent=top)
    assert "cannot be its own parent" in messages_of(raised)["parent"][0]
    assert Client.objects.get(pk=top.pk).parent_id is None


def test_branch_managers_keep_clients_at_their_branch_only(w):
    with pytest.raises(PermissionDenied):
        create(w, user=w.branch_manager)
    client = create(w, user=w.branch_manager, office=w.branch_a)
    assert client.office == w.branch_a and client.firm == w.firm_a
    settings = FirmSettings.for_firm(w.firm_a)
    settings.branches_see_firm = True
    settings.save()
    w.branch_manager = type(w.branch_manager).objects.get(pk=w.branch_manager.pk)
    assert set(services.offices_for(w.branch_manager, w.firm_a)) == {w.firm_a, w.branch_a}


@pytest.mark.parametrize("who", ["auditor_a", "finance_a", "manager_b", "assoc"])
def test_people_who_are_not_managers_of_the_firm_cannot_create_or_change(w, who):
    user = getattr(w, who)
    with pytest.raises(PermissionDenied):
        create(w, user=user)
    with pytest.raises(PermissionDenied):
        services.update_client(user, w.client_a, notes="x")


def test_an_office_of_another_firm_is_refused(w):
    with pytest.raises(PermissionDenied):
        create(w, office=w.firm_b)


def test_an_update_rescreens_a_new_name_but_not_an_unchanged_one(w):
    BlacklistEntryFactory(firm=w.firm_a, name=w.client_a.name, credit_code="")
    client = services.update_client(w.manager_a, Client.objects.get(pk=w.client_a.pk), notes="仍在服务")
    assert client.notes == "仍在服务"
    BlacklistEntryFactory(firm=w.firm_a, name="黑名单新名称有限公司", credit_code="")
    with pytest.raises(blacklist.Blacklisted):
        services.update_client(w.manager_a, Client.objects.get(pk=w.client_a.pk), name="黑名单新名称有限公司")


def test_similar_names_are_found_across_ways_of_writing(w):
    base = create(w, name="江西洪城水业股份有限公司")
    create(w, name="江西洪城水业有限公司南昌分公司", credit_code=credit_code(7002))
    found = set(
        services.similar_clients(w.firm_a, "江西 洪城水业（有限责任公司）").values_list("name", flat=True)
    )
    assert found == {"江西洪城水业股份有限公司", "江西洪城水业有限公司南昌分公司"}
    assert base in services.similar_clients(w.firm_a, "洪城水业")  # contained in the name
    assert not services.similar_clients(w.firm_a, "洪城").exists()  # too short to be contained
    assert not services.similar_clients(w.firm_b, "江西洪城水业有限公司").exists()
    assert not services.similar_clients(w.firm_a, "有限公司").exists()


def test_one_main_contact_per_client(w):
    first = services.save_contact(w.manager_a, w.client_a, name="王会计", primary=True)
    second = services.save_contact(w.manager_a, w.client_a, name="李总", primary=True, email="li@example.cn")
    first.refresh_from_db()
    assert second.primary and not first.primary
    with pytest.raises(ValidationError):
        services.save_contact(w.manager_a, w.client_a, second, email="not-an-email")
    with pytest.raises(PermissionDenied):
        services.save_contact(w.auditor_a, w.client_a, name="张三")
    services.remove_contact(w.manager_a, first)
    assert list(w.client_a.contacts.all()) == [second]


def test_contacts_of_another_firm_cannot_be_removed(w):
    contact = ContactFactory(client=w.client_b)
    with pytest.raises(PermissionDenied):
        services.remove_contact(w.manager_a, contact)
