"""Django admin is a system administrator's tool only (三员分立: not security, not audit, not staff)."""

from django.contrib import admin

from cpahub.core.permissions import scope_for


def restrict_admin_to_system_administrators(site):
    from cpahub.accounts.choices import Role

    def has_permission(request):
        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and user.is_staff
            and scope_for(user).has_role(Role.SYSTEM_ADMIN)
        )

    site.has_permission = has_permission


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin of rows that are written only through the app's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
