"""SSOIdentity: who sees which links, the services that write them, the backend, checks, buttons."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.checks import run_checks
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.test import RequestFactory

from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import ACTIONS, ADD, CHANGE, DELETE, EXPORT, VIEW
from cpahub.sso import services
from cpahub.sso.backends import SSOBackend
from cpahub.sso.models import SSOIdentity
from cpahub.sso.providers import Claims
from cpahub.testing.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

CLAIMS = Claims(
    subject="sub-1",
    username_hint="alice",
    name="张丽",
    email="a@idp.example",
    phone="138",
    raw={"iss": "https://idp.example", "id_card": "360102198501010011"},
)


@pytest.fixture
def people():
    owner = UserFactory(username="owner")
    return {
        "owner": owner,
        "other": UserFactory(username="other"),
        "security_admin": user_with_role(Role.SECURITY_ADMIN, username="secadmin"),
        "system_admin": user_with_role(Role.SYSTEM_ADMIN, username="sysadmin"),
        "association": user_with_role(Role.ASSOCIATION_STAFF, username="staff"),
        "identity": SSOIdentity.objects.create(provider="oidc", subject="sub-1", user=owner),
    }


EXPECTED = {
    # user: actions that reach the owner's identity
    "owner": {VIEW, DELETE},
    "other": set(),
    "security_admin": {VIEW, DELETE, EXPORT},
    "system_admin": set(),
    "association": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_who_reaches_an_identity(people, who):
    identity = people["identity"]
    reached = {
        action
        for action in ACTIONS
        if SSOIdentity.objects.restrict(people[who], action).filter(pk=identity.pk).exists()
    }
    assert reached == EXPECTED[who]


def test_anonymous_sees_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    assert SSOIdentity.objects.restrict(AnonymousUser(), VIEW).count() == 0


def test_nobody_adds_or_changes_links_by_hand(people):
    for who in EXPECTED:
        for action in (ADD, CHANGE):
            assert SSOIdentity.objects.restrict(people[who], action).count() == 0


def test_link_identity_creates_the_link_keeps_little_and_is_change_logged():
    user = UserFactory(username="zhangli")

    identity = services.link_identity(user=user, provider="oidc", claims=CLAIMS)

    assert (identity.provider, identity.subject, identity.user_id) == ("oidc", "sub-1", user.pk)
    assert identity.claims == {
        "subject": "sub-1",
        "username": "alice",
        "name": "张丽",
        "email": "a@idp.example",
        "phone": "138",
        "iss": "https://idp.example",
    }
    assert identity.last_login_at == identity.linked_at
    change = ObjectChange.objects.get(content_type=ContentType.objects.get_for_model(SSOIdentity))
    assert (change.action, change.object_id) == ("create", str(identity.pk))
    assert [e.event for e in SecurityEvent.objects.order_by("pk")] == [
        SecurityEventType.SSO_LINKED,
        SecurityEventType.SSO_LOGIN,
    ]


def test_link_identity_refuses_inactive_users_and_taken_subjects():
    inactive = UserFactory(username="gone", is_active=False)
    with pytest.raises(services.LinkRefused, match="deactivated"):
        services.link_identity(user=inactive, provider="oidc", claims=CLAIMS)
    first = UserFactory(username="first")
    services.link_identity(user=first, provider="oidc", claims=CLAIMS)
    with pytest.raises(services.LinkRefused, match="linked_to_another_user"):
        services.link_identity(user=UserFactory(username="second"), provider="oidc", claims=CLAIMS)
    assert SSOIdentity.objects.get().user_id == first.pk


def test_same_subject_at_another_provider_is_another_identity():
    user = UserFactory(username="zhangli")
    services.link_identity(user=user, provider="oidc", claims=CLAIMS)
    services.link_identity(user=user, provider="gateway", claims=CLAIMS)
    assert sorted(SSOIdentity.objects.values_list("provider", "subject")) == [
        ("gateway", "sub-1"),
        ("oidc", "sub-1"),
    ]


def test_unlink_by_owner_or_security_admin_only(people):
    identity = people["identity"]
    pk = identity.pk
    with pytest.raises(PermissionDenied):
        services.unlink_identity(actor=people["other"], identity=identity)
    with pytest.raises(PermissionDenied):
        services.unlink_identity(actor=people["system_admin"], identity=identity)
    services.unlink_identity(actor=people["security_admin"], identity=identity)
    assert SSOIdentity.objects.count() == 0
    assert ObjectChange.objects.filter(action="delete", object_id=str(pk)).count() == 1


def test_backend_answers_only_for_linked_active_users(people):
    backend = SSOBackend()
    owner = people["owner"]
    assert backend.authenticate(None, sso_provider="oidc", sso_claims=CLAIMS) == owner
    assert backend.authenticate(None, sso_provider="gateway", sso_claims=CLAIMS) is None
    assert backend.authenticate(None, username="owner", password="Passw0rd!2024") is None
    assert backend.get_user(owner.pk) == owner
    owner.is_active = False
    owner.save()
    assert backend.authenticate(None, sso_provider="oidc", sso_claims=CLAIMS) is None
    assert backend.get_user(owner.pk) is None


def render_buttons(path="/accounts/login/?next=/registry/"):
    request = RequestFactory().get(path)
    return Template("{% load sso %}{% sso_buttons %}").render(Context({"request": request})).strip()


def test_buttons_for_enabled_providers(settings):
    settings.CPAHUB_OIDC_ENABLED = True
    settings.CPAHUB_OIDC_LABEL = "Provincial identity"
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": True, "name": "赣政通"}
    html = render_buttons()
    assert 'href="/sso/login/gateway/?next=%2Fregistry%2F"' in html
    assert 'href="/sso/login/oidc/?next=%2Fregistry%2F"' in html
    assert html.index("赣政通") < html.index("Provincial identity")


def test_no_buttons_when_nothing_is_enabled(settings):
    settings.CPAHUB_OIDC_ENABLED = False
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    assert render_buttons() == ""


def sso_check_ids():
    return sorted(m.id for m in run_checks() if m.id.startswith("cpahub_sso"))


def test_checks_catch_incomplete_configuration(settings):
    settings.CPAHUB_OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = ""
    settings.OIDC_RP_CLIENT_ID = "cpahub"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_RP_SIGN_ALGO = "none"
    settings.CPAHUB_GATEWAY_SSO = {
        **settings.CPAHUB_GATEWAY_SSO,
        "enabled": True,
        "authorize_url": "https://gw.example/authorize",
        "token_url": "https://gw.example/token",
        "userinfo_url": "https://gw.example/userinfo",
        "app_id": "app",
        "app_secret": "",
        "fields": ["userid"],
    }
    assert sso_check_ids() == ["cpahub_sso.E001", "cpahub_sso.E002", "cpahub_sso.E003", "cpahub_sso.E005"]


def test_checks_quiet_when_disabled(settings):
    settings.CPAHUB_OIDC_ENABLED = False
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    assert sso_check_ids() == []
