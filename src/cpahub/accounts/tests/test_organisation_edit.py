"""Editing an organisation: `services.update_organisation`, its status rules and the edit page."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.accounts import services
from cpahub.accounts.choices import OrgKind, OrgStatus, SecurityEventType
from cpahub.accounts.models import Organisation, User
from cpahub.accounts.tests.conftest import events
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import VIEW
from cpahub.testing import factories as f

LIST = "/accounts/organisations/"
CODE = f.credit_code(902)  # valid, not used by the fixtures


def edit_url(org) -> str:
    return f"{LIST}{org.pk}/edit/"


def org_updates(org):
    return list(
        ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Organisation),
            object_id=str(org.pk),
            action="update",
        ).order_by("pk")
    )


# --- services.update_organisation ---------------------------------------------------------------


def test_association_staff_edit_the_details_of_a_regulator(orgs, people):
    spaced = f"{CODE[:6]} {CODE[6:].lower()}"
    saved = services.update_organisation(
        people.assoc,
        orgs.regulator,
        name=" 江西省财政厅（监督局） ",
        short_name="财政厅",
        credit_code=spaced,
        address="南昌市红谷滩区",
        phone="0791-88888888",
    )
    orgs.regulator.refresh_from_db()
    assert (
        orgs.regulator.name,
        orgs.regulator.short_name,
        orgs.regulator.credit_code,
        orgs.regulator.address,
        orgs.regulator.phone,
        orgs.regulator.status,
    ) == ("江西省财政厅（监督局）", "财政厅", CODE, "南昌市红谷滩区", "0791-88888888", OrgStatus.ACTIVE)
    assert saved.pk == orgs.regulator.pk
    [change] = org_updates(orgs.regulator)
    assert (change.action, change.user_id, change.before["name"], change.after["name"]) == (
        "update",
        people.assoc.pk,
        "江西省财政厅",
        "江西省财政厅（监督局）",
    )
    assert events(SecurityEventType.ORG_STATUS_CHANGED) == []  # no status change, no event


def test_credit_code_can_be_cleared_and_a_wrong_one_is_refused(orgs, people):
    wrong = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.entity, credit_code=wrong)
    assert caught.value.message_dict == {
        "credit_code": ["The check character of this unified social credit code is wrong."]
    }
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.bank, credit_code=orgs.entity.credit_code)
    assert list(caught.value.message_dict) == ["credit_code"]
    services.update_organisation(people.assoc, orgs.entity, credit_code="")
    orgs.entity.refresh_from_db()
    assert orgs.entity.credit_code is None


def test_a_name_is_required(orgs, people):
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.bank, name="  ")
    assert list(caught.value.message_dict) == ["name"]


def test_firms_are_edited_in_the_registry(orgs, people):
    with pytest.raises(ValidationError, match="Firms are edited in the industry registry"):
        services.update_organisation(people.assoc, orgs.firm_a, name="改名")
    assert services.may_change_organisation(people.assoc, orgs.firm_a) is False


def test_city_staff_edit_the_audited_entities_of_their_city_only(orgs, people):
    services.update_organisation(people.city, orgs.entity, phone="0791-1")
    ganzhou = f.OrganisationFactory(kind=OrgKind.AUDITED_ENTITY, city="360700", name="赣州某公司")
    for other in (ganzhou, orgs.city, orgs.regulator):
        assert services.may_change_organisation(people.city, other) is False
        with pytest.raises(PermissionDenied):
            services.update_organisation(people.city, other, phone="0791-2")
    assert services.may_change_organisation(people.city, orgs.entity) is True


@pytest.mark.parametrize("name", ["secadmin", "sysadmin", "auditadmin", "regulator", "admin_a", "plain"])
def test_others_may_not_edit(orgs, people, name):
    actor = getattr(people, name)
    assert services.may_change_organisation(actor, orgs.bank) is False
    with pytest.raises(PermissionDenied, match="You may not change 某银行南昌分行"):
        services.update_organisation(actor, orgs.bank, name="改名", status=OrgStatus.SUSPENDED)
    orgs.bank.refresh_from_db()
    assert (orgs.bank.name, orgs.bank.status) == ("某银行南昌分行", OrgStatus.ACTIVE)
    [refused] = events(SecurityEventType.ORG_STATUS_CHANGED)
    assert (refused.outcome, refused.user_id, refused.detail) == (
        "failure",
        actor.pk,
        {
            "organisation_id": orgs.bank.pk,
            "status": "suspended",
            "reason": "You may not change 某银行南昌分行.",
        },
    )


def test_suspending_a_regulator_ends_its_members_access_at_once(client, orgs, people, login_verified):
    reader = people.regulator
    login_verified(client, reader)
    assert Organisation.objects.restrict(reader, VIEW).count() == 8
    assert client.get(f"{LIST}{orgs.bank.pk}/").status_code == 200

    services.update_organisation(people.assoc, orgs.regulator, status=OrgStatus.SUSPENDED)

    [event] = events(SecurityEventType.ORG_STATUS_CHANGED)
    assert (event.outcome, event.user_id) == ("success", people.assoc.pk)
    assert event.detail == {
        "organisation_id": orgs.regulator.pk,
        "organisation": "江西省财政厅",
        "previous": "active",
        "status": "suspended",
        "members": 1,
    }
    reader = User.objects.get(pk=reader.pk)  # a fresh object, as the next request has
    assert Organisation.objects.restrict(reader, VIEW).count() == 0
    assert client.get(f"{LIST}{orgs.bank.pk}/").status_code == 404  # the same session, next request
    assert reader.memberships.get().active is True  # the role stays on record

    services.update_organisation(people.assoc, orgs.regulator, status=OrgStatus.ACTIVE)
    assert client.get(f"{LIST}{orgs.bank.pk}/").status_code == 200
    assert [e.detail["status"] for e in events(SecurityEventType.ORG_STATUS_CHANGED)] == [
        "suspended",
        "active",
    ]


def test_closing_a_city_association_ends_city_staff_access(orgs, people):
    assert Organisation.objects.restrict(people.city, VIEW).count() == 3
    services.update_organisation(people.assoc, orgs.city, status=OrgStatus.CLOSED)
    assert Organisation.objects.restrict(User.objects.get(pk=people.city.pk), VIEW).count() == 0
    with pytest.raises(ValidationError, match="The organisation is not active"):
        services.grant_role(people.secadmin, people.plain, orgs.city, "city_staff")


def test_reopening_a_city_association_when_its_city_has_a_new_one_is_refused(orgs, people):
    services.update_organisation(people.assoc, orgs.city, status=OrgStatus.CLOSED)
    services.create_organisation(
        people.assoc, kind=OrgKind.CITY_ASSOCIATION, name="南昌新注协", city="360100"
    )
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.city, status=OrgStatus.ACTIVE)
    assert caught.value.message_dict == {"city": ["This city already has an association: 南昌新注协."]}
    orgs.city.refresh_from_db()
    assert orgs.city.status == OrgStatus.CLOSED
    assert events(SecurityEventType.ORG_STATUS_CHANGED)[-1].outcome == "failure"


def test_the_provincial_association_is_never_suspended(orgs, people):
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.province, status=OrgStatus.CLOSED)
    assert caught.value.message_dict == {
        "status": ["The provincial association cannot be suspended or closed."]
    }
    services.update_organisation(people.assoc, orgs.province, short_name="省注协")
    orgs.province.refresh_from_db()
    assert (orgs.province.short_name, orgs.province.status) == ("省注协", OrgStatus.ACTIVE)


def test_only_active_suspended_and_closed(orgs, people):
    with pytest.raises(ValidationError) as caught:
        services.update_organisation(people.assoc, orgs.bank, status=OrgStatus.PENDING)
    assert caught.value.message_dict == {"status": ["Choose active, suspended or closed."]}


def test_unknown_fields_are_a_programming_error(orgs, people):
    with pytest.raises(ValueError, match="kind"):
        services.update_organisation(people.assoc, orgs.bank, kind=OrgKind.REGULATOR)


# --- The edit page ------------------------------------------------------------------------------


def test_edit_page_saves_and_returns_to_the_organisation(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    detail = client.get(f"{LIST}{orgs.bank.pk}/").content.decode()
    assert f'href="{edit_url(orgs.bank)}"' in detail
    page = client.get(edit_url(orgs.bank))
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields) == ["name", "short_name", "credit_code", "address", "phone", "status"]
    assert [value for value, _label in form.fields["status"].choices] == ["active", "suspended", "closed"]
    assert form.initial["name"] == "某银行南昌分行"
    response = client.post(
        edit_url(orgs.bank),
        {
            "name": "某银行南昌分行营业部",
            "short_name": "",
            "credit_code": "",
            "address": "",
            "phone": "",
            "status": "suspended",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{orgs.bank.pk}/"
    orgs.bank.refresh_from_db()
    assert (orgs.bank.name, orgs.bank.status) == ("某银行南昌分行营业部", OrgStatus.SUSPENDED)
    assert events(SecurityEventType.ORG_STATUS_CHANGED)[0].detail["previous"] == "active"
    detail = client.get(f"{LIST}{orgs.bank.pk}/")
    assert 'data-testid="organisation-inactive"' in detail.content.decode()


def test_edit_page_shows_refusals_on_the_form(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.post(
        edit_url(orgs.bank),
        {"name": "某银行", "credit_code": "123", "status": "active"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "A unified social credit code has 18 characters; this one has 3."
    ]


def test_province_form_has_no_status(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    assert "status" not in client.get(edit_url(orgs.province)).context["form"].fields


def test_firm_edit_goes_to_the_registry(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(edit_url(orgs.firm_a))
    assert (response.status_code, response["Location"]) == (302, f"/registry/firms/{orgs.firm_a.pk}/edit/")
    detail = client.get(f"{LIST}{orgs.firm_a.pk}/").content.decode()
    assert f'href="/registry/firms/{orgs.firm_a.pk}/edit/"' in detail
    assert f'href="{edit_url(orgs.firm_a)}"' not in detail


@pytest.mark.parametrize(
    ("name", "status", "link"),
    [
        ("assoc", 200, True),
        ("leader", 200, True),
        ("secadmin", 403, False),  # sees it, may not change it
        ("regulator", 403, False),
        ("city", 404, False),  # does not see it
        ("admin_a", 404, False),
    ],
)
def test_who_opens_the_edit_page(client, orgs, people, login_verified, name, status, link):
    login_verified(client, getattr(people, name))
    assert client.get(edit_url(orgs.bank)).status_code == status
    if status != 404:
        assert (
            f'href="{edit_url(orgs.bank)}"' in client.get(f"{LIST}{orgs.bank.pk}/").content.decode()
        ) is link
