"""Organisations and their people: `services.create_organisation` and the organisation pages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.accounts import services
from cpahub.accounts.choices import OrgKind, OrgStatus, Role, SecurityEventType
from cpahub.accounts.models import Invitation, Membership, Organisation, User
from cpahub.accounts.tests.conftest import events
from cpahub.core.context import acting_as
from cpahub.core.models import ObjectChange
from cpahub.core.navigation import menu_for
from cpahub.testing import factories as f

LIST = "/accounts/organisations/"
CODE = f.credit_code(901)  # valid, not used by the fixtures


def detail(org) -> str:
    return f"{LIST}{org.pk}/"


# --- services.create_organisation ---------------------------------------------------------------


def test_association_staff_create_a_bank_with_a_compacted_credit_code(people):
    spaced = f"{CODE[:6]} {CODE[6:].lower()}"
    with acting_as(people.assoc):
        bank = services.create_organisation(
            people.assoc,
            kind=OrgKind.CONFIRMING_PARTY,
            name=" 某银行九江分行 ",
            credit_code=spaced,
            city="360400",
        )
    bank.refresh_from_db()
    assert (bank.kind, bank.name, bank.credit_code, bank.city, bank.status) == (
        "confirmer",
        "某银行九江分行",
        CODE,
        "360400",
        OrgStatus.ACTIVE,
    )
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(Organisation), object_id=str(bank.pk)
    )
    assert (change.action, change.user_id, change.after["name"]) == (
        "create",
        people.assoc.pk,
        "某银行九江分行",
    )


def test_change_log_names_the_actor_without_a_request_context(people):
    entity = services.create_organisation(people.assoc, kind=OrgKind.AUDITED_ENTITY, name="某公司")
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(Organisation), object_id=str(entity.pk)
    )
    assert (change.user_id, entity.credit_code) == (people.assoc.pk, None)


def test_a_wrong_credit_code_is_refused_with_the_reason(people):
    wrong = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(people.assoc, kind=OrgKind.REGULATOR, name="某局", credit_code=wrong)
    assert caught.value.message_dict == {
        "credit_code": ["The check character of this unified social credit code is wrong."]
    }
    assert not Organisation.objects.filter(name="某局").exists()


def test_a_used_credit_code_is_refused(orgs, people):
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(
            people.assoc, kind=OrgKind.AUDITED_ENTITY, name="重复", credit_code=orgs.entity.credit_code
        )
    assert list(caught.value.message_dict) == ["credit_code"]


def test_firms_are_refused_here(people):
    with pytest.raises(PermissionDenied):
        services.create_organisation(people.assoc, kind=OrgKind.FIRM, name="某所")
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(None, kind=OrgKind.FIRM, name="某所")
    assert caught.value.message_dict == {"kind": ["Firms are registered in the industry registry."]}


def test_the_provincial_association_is_unique(orgs, people):
    with pytest.raises(PermissionDenied):
        services.create_organisation(people.assoc, kind=OrgKind.PROVINCIAL_ASSOCIATION, name="另一个省注协")
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(None, kind=OrgKind.PROVINCIAL_ASSOCIATION, name="另一个省注协")
    assert caught.value.message_dict == {
        "kind": ["There is already a provincial association: 江西省注册会计师协会."]
    }


def test_one_city_association_per_city_and_it_needs_its_city(orgs, people):
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(people.assoc, kind=OrgKind.CITY_ASSOCIATION, name="无城市注协")
    assert caught.value.message_dict == {"city": ["A city association needs its city."]}
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(
            people.assoc, kind=OrgKind.CITY_ASSOCIATION, name="南昌二", city="360100"
        )
    assert caught.value.message_dict == {"city": ["This city already has an association: 南昌市注协."]}
    ganzhou = services.create_organisation(
        people.assoc, kind=OrgKind.CITY_ASSOCIATION, name="赣州市注协", city="360700"
    )
    assert ganzhou.kind == OrgKind.CITY_ASSOCIATION


@pytest.mark.parametrize("name", ["secadmin", "sysadmin", "auditadmin", "leader", "city", "admin_a", "plain"])
def test_only_association_staff_create_organisations(people, name):
    with pytest.raises(PermissionDenied):
        services.create_organisation(getattr(people, name), kind=OrgKind.REGULATOR, name="某局")
    assert not Organisation.objects.filter(name="某局").exists()


def test_unknown_fields_are_a_programming_error(people):
    with pytest.raises(ValueError, match="status"):
        services.create_organisation(people.assoc, kind=OrgKind.REGULATOR, name="某局", status="closed")


# --- List, menu, add ----------------------------------------------------------------------------

ALL_NAMES = sorted(
    [
        *("江西省注册会计师协会", "南昌市注协", "江西省财政厅", "某银行南昌分行", "被审计单位"),
        *("甲会计师事务所", "甲所赣州分所", "乙会计师事务所"),
    ]
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("secadmin", ALL_NAMES),
        ("assoc", ALL_NAMES),
        ("city", sorted(["南昌市注协", "被审计单位", "甲会计师事务所"])),
        ("admin_a", sorted(["甲会计师事务所", "甲所赣州分所"])),
        ("plain", []),
    ],
)
def test_list_shows_what_the_gate_allows(client, people, login_verified, name, expected):
    login_verified(client, getattr(people, name))
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(o.name for o in response.context["page_obj"]) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=regulator", ["江西省财政厅"]),
        ("city=360700", ["乙会计师事务所", "甲所赣州分所"]),
        ("q=甲", ["甲会计师事务所", "甲所赣州分所"]),
        ("status=closed", []),
    ],
)
def test_list_filters(client, people, login_verified, query, expected):
    login_verified(client, people.secadmin)
    response = client.get(f"{LIST}?{query}")
    assert sorted(o.name for o in response.context["page_obj"]) == sorted(expected)


def test_list_search_by_credit_code(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(f"{LIST}?q={orgs.entity.credit_code.lower()}")
    assert [o.name for o in response.context["page_obj"]] == ["被审计单位"]


def test_list_query_count_does_not_grow(client, people, login_verified):
    login_verified(client, people.secadmin)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(10):
        f.FirmFactory(
            organisation__name=f"分所{n}",
            organisation__parent=Organisation.objects.get(name="甲会计师事务所"),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 18
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("secadmin", True),
        ("assoc", True),
        ("city", True),
        ("admin_a", False),
        ("auditadmin", False),
        ("plain", False),
    ],
)
def test_menu_entry(people, name, shown):
    labels = [str(item["label"]) for group in menu_for(getattr(people, name)) for item in group["items"]]
    assert ("Organisations and people" in labels) is shown


def test_add_button_and_page_for_association_staff_only(client, people, login_verified):
    login_verified(client, people.assoc)
    assert 'href="/accounts/organisations/add/"' in client.get(LIST).content.decode()
    response = client.post(
        f"{LIST}add/",
        {
            "kind": "regulator",
            "name": "九江市财政局",
            "credit_code": "",
            "city": "360400",
            "address": "",
            "phone": "",
        },
    )
    created = Organisation.objects.get(name="九江市财政局")
    assert response["Location"] == detail(created)
    assert (created.kind, created.city, created.credit_code) == ("regulator", "360400", None)
    for name in ("secadmin", "city"):
        login_verified(client, getattr(people, name))
        assert 'href="/accounts/organisations/add/"' not in client.get(LIST).content.decode()
        assert client.get(f"{LIST}add/").status_code == 403


def test_add_page_offers_only_the_creatable_kinds_and_shows_refusals(client, people, login_verified):
    login_verified(client, people.assoc)
    form = client.get(f"{LIST}add/").context["form"]
    assert [value for value, _label in form.fields["kind"].choices] == [
        "city",
        "regulator",
        "confirmer",
        "entity",
    ]
    response = client.post(f"{LIST}add/", {"kind": "city", "name": "南昌又一个", "city": "360100"})
    assert response.status_code == 400
    assert response.context["form"].errors["city"] == ["This city already has an association: 南昌市注协."]
    response = client.post(f"{LIST}add/", {"kind": "firm", "name": "某所"})
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors


# --- Detail: people and what the actor may do ---------------------------------------------------


def test_security_admin_sees_the_province_people_and_every_role(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    response = client.get(detail(orgs.province))
    assert response.status_code == 200
    rows = {row["person"].username: row for row in response.context["rows"]}
    assert sorted(rows) == ["assoc", "auditadmin", "leader", "secadmin", "secadmin2", "sysadmin"]
    assert [value for value, _label in response.context["roles"]] == [
        "association_leader",
        "association_staff",
        "system_admin",
        "security_admin",
        "audit_admin",
    ]
    # never their own account
    assert rows["secadmin"]["may_manage"] is False
    assert [revocable for _m, revocable in rows["secadmin"]["memberships"]] == [True]
    assert rows["sysadmin"]["may_manage"] is True


def test_association_staff_manage_province_roles_but_not_the_administrators(
    client, orgs, people, login_verified
):
    login_verified(client, people.assoc)
    response = client.get(detail(orgs.province))
    assert [value for value, _label in response.context["roles"]] == [
        "association_leader",
        "association_staff",
    ]
    rows = {row["person"].username: row for row in response.context["rows"]}
    assert rows["leader"]["may_manage"] is True
    assert rows["sysadmin"]["may_manage"] is False
    assert [revocable for _m, revocable in rows["sysadmin"]["memberships"]] == [False]
    html = response.content.decode()
    sysadmin_membership = Membership.objects.get(user=people.sysadmin)
    assert f"/roles/{sysadmin_membership.pk}/revoke/" not in html
    # a forged request is refused by the service and logged
    response = client.post(f"{detail(orgs.province)}roles/{sysadmin_membership.pk}/revoke/", follow=True)
    assert "You may not manage the role System administrator" in response.content.decode()
    sysadmin_membership.refresh_from_db()
    assert sysadmin_membership.active is True
    assert [e.outcome for e in events(SecurityEventType.ROLE_REVOKED)] == ["failure"]


def test_invite_from_the_organisation_page(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.post(
        detail(orgs.regulator),
        {
            "organisation": orgs.regulator.pk,
            "roles": ["regulator_reader"],
            "display_name": "钱九",
            "email": "",
        },
    )
    assert response.status_code == 200
    link = response.context["new_link"]
    assert link.startswith("http://testserver/accounts/invite/")
    assert link in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.organisation_id, invitation.roles, invitation.invited_by_id) == (
        orgs.regulator.pk,
        ["regulator_reader"],
        people.assoc.pk,
    )
    assert [i.pk for i in response.context["invitations"]] == [invitation.pk]


def test_invite_roles_are_limited_to_the_manageable_ones(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.post(
        detail(orgs.province), {"organisation": orgs.province.pk, "roles": ["security_admin"], "email": ""}
    )
    assert response.context["form"].errors["roles"]
    assert not Invitation.objects.exists()
    # the organisation is the page's, whatever the form says
    response = client.post(
        detail(orgs.regulator), {"organisation": orgs.province.pk, "roles": ["regulator_reader"], "email": ""}
    )
    assert response.context["form"].errors["organisation"]
    assert not Invitation.objects.exists()


def test_grant_a_role_to_an_existing_account(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(f"{detail(orgs.regulator)}?find=PLAIN")
    assert [u.username for u in response.context["candidates"]] == ["plain"]
    response = client.post(
        f"{detail(orgs.regulator)}grant/", {"username": "Plain", "role": "regulator_reader"}, follow=True
    )
    assert response.redirect_chain == [(detail(orgs.regulator), 302)]
    assert "is now Regulator (read only) in 江西省财政厅" in response.content.decode()
    membership = Membership.objects.get(user=people.plain, active=True)
    assert (membership.organisation_id, membership.role) == (orgs.regulator.pk, "regulator_reader")
    [granted] = events(SecurityEventType.ROLE_GRANTED)
    assert (granted.user_id, granted.detail["target"]) == (people.assoc.pk, "plain")


def test_grant_refusals_are_messages(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    response = client.post(
        f"{detail(orgs.province)}grant/", {"username": "sysadmin", "role": "audit_admin"}, follow=True
    )
    assert (
        "may hold only one of the system, security and audit administrator roles" in response.content.decode()
    )
    response = client.post(
        f"{detail(orgs.province)}grant/", {"username": "nobody", "role": "audit_admin"}, follow=True
    )
    assert "No active account nobody was found." in response.content.decode()
    login_verified(client, people.assoc)
    response = client.post(
        f"{detail(orgs.province)}grant/", {"username": "plain", "role": "system_admin"}, follow=True
    )
    assert "Choose an account and one of the roles offered." in response.content.decode()
    assert not Membership.objects.filter(
        user__username__in=["sysadmin", "plain"], role="audit_admin"
    ).exists()
    assert not Membership.objects.filter(user=people.plain).exists()


def test_firm_admin_finds_and_grants_only_accounts_they_may_see(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    response = client.get(f"{detail(orgs.firm_a)}?find=auditor")
    assert [u.username for u in response.context["candidates"]] == ["auditor_a"]
    response = client.post(
        f"{detail(orgs.firm_a)}grant/", {"username": "auditor_b", "role": "cpa"}, follow=True
    )
    assert "No active account auditor_b was found." in response.content.decode()
    assert not Membership.objects.filter(user=people.auditor_b, organisation=orgs.firm_a).exists()


def test_revoke_a_role(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    membership = Membership.objects.get(user=people.leader)
    response = client.post(f"{detail(orgs.province)}roles/{membership.pk}/revoke/", follow=True)
    assert response.redirect_chain == [(detail(orgs.province), 302)]
    membership.refresh_from_db()
    assert membership.active is False
    assert "leader" not in [row["person"].username for row in response.context["rows"]]
    former = client.get(f"{detail(orgs.province)}?former=1").context["rows"]
    assert "leader" in [row["person"].username for row in former]


def test_revoke_needs_the_membership_to_belong_to_the_page(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    membership = Membership.objects.get(user=people.regulator)
    assert client.post(f"{detail(orgs.province)}roles/{membership.pk}/revoke/").status_code == 404
    membership.refresh_from_db()
    assert membership.active is True


def test_deactivate_from_the_organisation_page(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    response = client.post(f"{detail(orgs.regulator)}people/{people.regulator.pk}/deactivate/", follow=True)
    assert response.redirect_chain == [(detail(orgs.regulator), 302)]
    assert User.objects.get(pk=people.regulator.pk).is_active is False
    [deactivated] = events(SecurityEventType.ACCOUNT_DEACTIVATED)
    assert (deactivated.user_id, deactivated.detail["target"]) == (people.secadmin.pk, "regulator")


def test_association_staff_cannot_deactivate_a_firm_administrator(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(detail(orgs.firm_a))
    rows = {row["person"].username: row for row in response.context["rows"]}
    assert rows["admin_a"]["may_manage"] is False
    assert 'data-testid="deactivate-admin_a"' not in response.content.decode()
    response = client.post(f"{detail(orgs.firm_a)}people/{people.admin_a.pk}/deactivate/", follow=True)
    assert "You may not deactivate this account." in response.content.decode()
    assert User.objects.get(pk=people.admin_a.pk).is_active is True


def test_reset_two_factor_from_the_organisation_page(client, orgs, people, login_verified):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cpahub.accounts.tests.conftest import add_totp

    add_totp(people.regulator)
    login_verified(client, people.secadmin)
    client.post(f"{detail(orgs.regulator)}people/{people.regulator.pk}/reset-2fa/")
    assert not TOTPDevice.objects.filter(user=people.regulator).exists()


def test_city_staff_onboard_the_first_administrator_of_a_firm_in_their_city(
    client, orgs, people, login_verified
):
    login_verified(client, people.city)
    # firm_a (Nanchang) has an administrator: nothing to manage
    response = client.get(detail(orgs.firm_a))
    assert response.context["roles"] == []
    assert 'data-testid="invite-form"' not in response.content.decode()
    assert (
        client.post(f"{detail(orgs.firm_a)}grant/", {"username": "plain", "role": "firm_admin"}).status_code
        == 403
    )
    # a new Nanchang firm without one
    new_firm = f.FirmFactory(organisation__name="丙会计师事务所").organisation
    response = client.get(detail(new_firm))
    assert [value for value, _label in response.context["roles"]] == ["firm_admin"]
    assert response.context["onboarding"] is True
    response = client.post(
        detail(new_firm), {"organisation": new_firm.pk, "roles": ["firm_admin"], "email": ""}
    )
    assert response.context["new_link"]
    assert Invitation.objects.get().roles == ["firm_admin"]
    # firms of another city are not found
    assert client.get(detail(orgs.firm_b)).status_code == 404


def test_city_staff_see_their_city_association(client, orgs, people, login_verified):
    login_verified(client, people.city)
    response = client.get(detail(orgs.city))
    assert response.status_code == 200
    assert response.context["roles"] == []
    assert [row["person"].username for row in response.context["rows"]] == ["citystaff"]


def test_withdraw_an_invitation_from_the_organisation_page(client, orgs, people, login_verified):
    services.create_invitation(people.assoc, orgs.regulator, [Role.REGULATOR_READER])
    invitation = Invitation.objects.get()
    url = f"{LIST}invitations/{invitation.pk}/withdraw/"
    login_verified(client, people.admin_a)
    assert client.post(url).status_code == 404
    login_verified(client, people.secadmin)
    assert client.post(url)["Location"] == detail(orgs.regulator)
    invitation.refresh_from_db()
    assert invitation.revoked is True


def test_pages_of_organisations_the_user_may_not_see_are_not_found(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    assert client.get(detail(orgs.firm_b)).status_code == 404
    assert (
        client.post(f"{detail(orgs.firm_b)}grant/", {"username": "plain", "role": "cpa"}).status_code == 404
    )
    denied = events(SecurityEventType.PERMISSION_DENIED)
    assert [e.user_id for e in denied] == [people.admin_a.pk, people.admin_a.pk]


def test_regulator_may_view_but_manages_nobody(client, orgs, people, login_verified):
    login_verified(client, people.regulator)
    response = client.get(detail(orgs.firm_a))
    assert response.status_code == 200
    assert response.context["roles"] == []
    assert (
        client.post(detail(orgs.firm_a), {"organisation": orgs.firm_a.pk, "roles": ["cpa"]}).status_code
        == 403
    )


def test_detail_query_count_does_not_grow_with_people(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    client.get(detail(orgs.regulator))
    with CaptureQueriesContext(connection) as few:
        client.get(detail(orgs.regulator))
    for n in range(10):
        f.user_with_role(Role.REGULATOR_READER, orgs.regulator, username=f"reader{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(detail(orgs.regulator))
    assert len(response.context["rows"]) == 11
    assert len(many.captured_queries) == len(few.captured_queries)


def test_staff_page_still_lists_roles_through_the_shared_helpers(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    html = client.get("/accounts/staff/").content.decode()
    assert "Firm administrator" in html
    assert 'data-testid="invite-form"' in html
    assert Organisation.objects.get(pk=orgs.firm_a.pk).get_absolute_url() == detail(orgs.firm_a)
