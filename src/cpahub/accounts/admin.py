"""Django admin for the system administrator (三员分立): organisations and account records.

Roles are granted and revoked only through `services` (by the security administrator and the
delegated administrators), so memberships are read-only here; accounts are never deleted. The
security log is deliberately not registered: only the audit administrator reads it, in its own page.
"""

from django.contrib import admin

from cpahub.accounts.models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "active", "started", "ended"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "display_name", "email", "is_active", "last_login", "password_changed_at"]
    list_filter = ["is_active", "must_change_password"]
    search_fields = ["username", "display_name", "email", "phone"]
    ordering = ["username"]
    fields = [
        "username",
        "display_name",
        "email",
        "phone",
        "must_change_password",
        "is_active",
        "deactivated_at",
        "last_login",
        "date_joined",
        "password_changed_at",
    ]
    readonly_fields = [
        "username",
        "is_active",
        "deactivated_at",
        "last_login",
        "date_joined",
        "password_changed_at",
    ]
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # accounts are created by invitation

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "credit_code", "status"]
    list_filter = ["kind", "status", "city"]
    search_fields = ["name", "short_name", "credit_code"]
    raw_id_fields = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # organisations are closed, never deleted


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "active", "started", "ended"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["user", "organisation", "role", "active", "started", "ended"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
