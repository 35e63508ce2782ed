"""Mapping-profile pages: who sees and changes what (own firm, other firm, association, anonymous),
clone, share, delete, the list's filters and the menu."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cpahub.accounts.choices import Role
from cpahub.core.models import ObjectChange
from cpahub.core.navigation import menu_for
from cpahub.ledgers.models import MappingProfile
from cpahub.ledgers.tests.profiledata import JOURNAL_COLUMNS, firm_profile
from cpahub.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(firm):
    return firm_profile(firm.organisation, "Ours")


@pytest.fixture
def theirs(other_firm):
    return firm_profile(other_firm.organisation, "Theirs")


@pytest.fixture
def theirs_shared(other_firm):
    return firm_profile(other_firm.organisation, "Theirs shared", shared=True)


@pytest.fixture
def builtin():
    return MappingProfile.objects.filter(builtin=True).order_by("pk").first()


def login(client, user):
    factories.login_verified(client, user)
    return user


def urls(profile) -> dict[str, str]:
    return {
        name: reverse(f"ledgers:profile_{name}", args=[profile.pk])
        for name in ("detail", "edit", "delete", "json", "clone", "share")
    }


def test_anonymous_is_sent_to_the_login(client, ours):
    for url in [reverse("ledgers:profile_list"), reverse("ledgers:profile_sample"), *urls(ours).values()]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(reverse("ledgers:profile_sample"), {}, CONTENT_LENGTH=str(2 * 1024**3))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "where", "sees"),
    [
        (Role.STAFF_AUDITOR, "firm", {"Ours", "Theirs shared"}),
        (Role.FIRM_FINANCE, "firm", {"Ours", "Theirs shared"}),
        (Role.STAFF_AUDITOR, "other_firm", {"Theirs", "Theirs shared"}),
        (Role.ASSOCIATION_STAFF, None, {"Theirs shared"}),
    ],
)
def test_who_sees_which_profiles(
    client, make_user, request, ours, theirs, theirs_shared, builtin, role, where, sees
):
    organisation = request.getfixturevalue(where).organisation if where else None
    login(client, make_user(role, organisation))
    listing = client.get(reverse("ledgers:profile_list"), {"per_page": 200})
    assert listing.status_code == 200
    names = {p.name for p in listing.context["table"].rows}
    assert names - {p.name for p in MappingProfile.objects.filter(builtin=True)} == sees
    assert builtin.name in names  # built-in profiles are everyone's
    for profile in (ours, theirs, theirs_shared):
        detail = client.get(profile.get_absolute_url())
        assert detail.status_code == (200 if profile.name in sees else 404), (profile.name, role)


def test_own_firm_changes_its_profile_others_may_not(
    client, make_user, firm, other_firm, ours, theirs_shared, builtin
):
    login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    assert client.get(urls(ours)["edit"]).status_code == 200
    assert client.get(urls(ours)["delete"]).status_code == 200
    # visible but not theirs to change: refused; invisible: not found
    for profile in (theirs_shared, builtin):
        assert client.get(urls(profile)["edit"]).status_code == 403
        assert client.get(urls(profile)["delete"]).status_code == 403
        assert client.post(urls(profile)["delete"]).status_code == 403
    client.logout()
    login(client, make_user(Role.STAFF_AUDITOR, other_firm.organisation))
    for name in ("detail", "edit", "delete", "json"):
        assert client.get(urls(ours)[name]).status_code == 404
    assert client.post(urls(ours)["delete"]).status_code == 404
    assert client.post(urls(ours)["clone"]).status_code == 404
    assert MappingProfile.objects.filter(pk=ours.pk).exists()


def test_finance_staff_and_association_may_not_make_profiles(client, make_user, firm, builtin):
    login(client, make_user(Role.FIRM_FINANCE, firm.organisation))
    assert client.get(reverse("ledgers:profile_sample")).status_code == 403
    assert client.post(urls(builtin)["clone"]).status_code == 403
    client.logout()
    login(client, make_user(Role.ASSOCIATION_STAFF))
    assert client.get(reverse("ledgers:profile_sample")).status_code == 403
    page = client.get(builtin.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="clone"' not in page.content.decode()


def test_detail_shows_mapping_options_owner_and_history(client, make_user, firm, ours):
    ours.options = {"delimiter": "\t", "header_rows": 2}
    ours.columns = JOURNAL_COLUMNS | {"制单日期": "voucher_date"}
    ours.save()
    login(client, make_user(Role.FIRM_ADMIN, firm.organisation))
    page = client.get(ours.get_absolute_url())
    text = page.content.decode()
    assert page.context["owner"] == firm.organisation.name
    rows = {row["field"]: row["headers"] for row in page.context["mapping"]}
    assert rows["voucher_date"] == ["凭证日期", "制单日期"]
    assert page.context["ignored"] == ["备注"]
    assert ("delimiter", "tab") in page.context["options"]
    assert 'data-testid="share"' in text and 'data-testid="edit"' in text
    assert page.context["changes"]  # the firm admin reads the change log


def test_clone_a_builtin_into_the_firm(client, make_user, firm, builtin):
    user = login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    response = client.post(urls(builtin)["clone"])
    copy = MappingProfile.objects.get(organisation=firm.organisation)
    assert response.status_code == 302
    assert response["Location"] == reverse("ledgers:profile_edit", args=[copy.pk])
    assert copy.name == f"{builtin.name} (copy)"
    assert (copy.kind, copy.columns, copy.options) == (builtin.kind, builtin.columns, builtin.options)
    assert not copy.builtin and not copy.shared and copy.created_by == user
    client.post(urls(builtin)["clone"])
    assert MappingProfile.objects.filter(
        organisation=firm.organisation, name=f"{builtin.name} (copy) 2"
    ).exists()
    builtin.refresh_from_db()
    assert builtin.organisation is None  # the original is untouched


def test_only_admin_partner_or_manager_share(client, make_user, firm, other_firm, ours):
    login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    assert 'data-testid="share"' not in client.get(ours.get_absolute_url()).content.decode()
    assert client.post(urls(ours)["share"], {"shared": "1"}).status_code == 403
    ours.refresh_from_db()
    assert not ours.shared
    client.logout()
    login(client, make_user(Role.MANAGER, firm.organisation))
    assert client.post(urls(ours)["share"], {"shared": "1"}).status_code == 302
    ours.refresh_from_db()
    assert ours.shared
    change = ObjectChange.objects.filter(object_id=str(ours.pk), action="update").latest("pk")
    assert change.diff == [("shared", False, True)]
    # now every firm reads it, with the owner's name, and cannot change it
    client.logout()
    login(client, make_user(Role.STAFF_AUDITOR, other_firm.organisation))
    page = client.get(ours.get_absolute_url())
    assert page.status_code == 200
    assert page.context["owner"] == firm.organisation.name
    assert 'data-testid="edit"' not in page.content.decode()
    assert client.post(urls(ours)["share"], {"shared": "0"}).status_code == 403


def test_a_shared_profile_is_changed_only_by_those_who_share(client, make_user, firm, ours):
    ours.shared = True
    ours.save()
    login(client, make_user(Role.CPA, firm.organisation))
    assert client.get(urls(ours)["edit"]).status_code == 403
    assert client.post(urls(ours)["delete"]).status_code == 403
    client.logout()
    login(client, make_user(Role.PARTNER, firm.organisation))
    assert client.get(urls(ours)["edit"]).status_code == 200


def test_delete(client, make_user, firm, ours):
    login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    response = client.post(urls(ours)["delete"])
    assert response.status_code == 302 and response["Location"] == reverse("ledgers:profile_list")
    assert not MappingProfile.objects.filter(pk=ours.pk).exists()
    assert ObjectChange.objects.filter(object_id=str(ours.pk), action="delete").exists()


def test_json_download_has_the_builtin_shape(client, make_user, firm, ours):
    login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    response = client.get(urls(ours)["json"])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content.decode("utf-8"))
    assert data == {
        "name": "Ours",
        "kind": "lines",
        "software": "某软件 V5",
        "notes": "",
        "columns": JOURNAL_COLUMNS,
        "options": {},
    }


def test_list_filters(client, make_user, firm, ours, theirs_shared):
    firm_profile(
        firm.organisation,
        "Our balances",
        kind="balances",
        software="用友 U8",
        columns={"科目编码": "account_code", "期末余额": "closing"},
    )
    login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))

    def names(**query):
        return {
            p.name
            for p in client.get(reverse("ledgers:profile_list"), query | {"per_page": 200})
            .context["table"]
            .rows
        }

    assert names(origin="own") == {"Ours", "Our balances"}
    assert names(origin="shared") == {"Theirs shared"}
    assert names(origin="builtin") == set(
        MappingProfile.objects.filter(builtin=True).values_list("name", flat=True)
    )
    assert names(origin="own", kind="balances") == {"Our balances"}
    assert "Our balances" in names(software="用友 U8")
    assert names(software="某软件 V5") == {"Ours", "Theirs shared"}
    assert names(q="shared") == {"Theirs shared"}
    page = client.get(
        reverse("ledgers:profile_list"),
        {"kind": "lines"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="object-table",
    )
    assert page.templates[0].name == "core/includes/object_table.html"


def test_menu_and_upload_page_link(client, make_user, firm):
    user = login(client, make_user(Role.STAFF_AUDITOR, firm.organisation))
    items = [item["url"] for group in menu_for(user) for item in group["items"]]
    assert reverse("ledgers:profile_list") in items
    text = client.get(reverse("ledgers:upload")).content.decode()
    assert f'href="{reverse("ledgers:profile_sample")}" data-testid="make-profile-link"' in text
