"""`cpahub.accounts.services` is a package of topic modules; its callers use the package."""

import importlib

from cpahub.accounts import services

TOPICS = (
    "base",
    "bootstrap",
    "invitations",
    "organisations",
    "passwords",
    "people",
    "roles",
    "tokens",
    "two_factor",
)


def test_every_public_name_is_re_exported_from_a_topic_module():
    modules = [importlib.import_module(f"cpahub.accounts.services.{topic}") for topic in TOPICS]
    assert len(services.__all__) == 42
    for name in services.__all__:
        value = getattr(services, name)
        assert [m for m in modules if name in vars(m) and vars(m)[name] is value], name


def test_the_functions_other_apps_call_are_there():
    # cpahub.registry.services (approving a firm's application) and the views call these.
    for name in (
        "create_invitation",
        "invitation_url",
        "grant_role",
        "revoke_role",
        "set_roles",
        "deactivate_user",
        "reset_password",
        "reset_two_factor",
        "create_organisation",
        "update_organisation",
        "bootstrap",
        "random_password",
    ):
        assert callable(getattr(services, name)), name
    assert services.grant_role.__module__ == "cpahub.accounts.services.roles"
    assert services.reset_password.__module__ == "cpahub.accounts.services.passwords"
