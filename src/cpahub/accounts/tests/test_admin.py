from django.contrib import admin

from cpahub.accounts.models import Membership, Organisation, SecurityEvent, User


def test_admin_registrations():
    assert isinstance(admin.site._registry[User], admin.ModelAdmin)
    assert Organisation in admin.site._registry
    assert Membership in admin.site._registry
    assert SecurityEvent not in admin.site._registry


def test_admin_never_deletes_and_memberships_are_read_only(rf, people):
    request = rf.get("/admin/")
    request.user = people.sysadmin
    user_admin = admin.site._registry[User]
    membership_admin = admin.site._registry[Membership]
    assert user_admin.has_delete_permission(request) is False
    assert user_admin.has_add_permission(request) is False
    assert admin.site._registry[Organisation].has_delete_permission(request) is False
    assert membership_admin.has_add_permission(request) is False
    assert membership_admin.has_change_permission(request) is False
    assert "is_superuser" not in user_admin.fields
    assert "is_active" in user_admin.readonly_fields


def test_admin_site_is_for_the_system_admin_only(client, people, login_verified):
    for name in ("sysadmin", "secadmin", "auditadmin"):
        user = getattr(people, name)
        user.is_staff = True
        user.is_superuser = True
        user.save()
    login_verified(client, people.sysadmin)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/securityevent/").status_code == 404
    login_verified(client, people.auditadmin)
    assert client.get("/admin/accounts/user/").status_code == 302
