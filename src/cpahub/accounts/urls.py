from django.urls import path

from cpahub.accounts.views import auth, organisations, people, profile, security_log, staff, twofactor

app_name = "accounts"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("invite/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("2fa/verify/", twofactor.verify, name="twofactor_verify"),
    path("2fa/setup/", twofactor.setup, name="twofactor_setup"),
    path("2fa/backup-codes/", twofactor.backup_codes, name="twofactor_backup_codes"),
    path("2fa/disable/", twofactor.disable, name="twofactor_disable"),
    path("profile/", profile.profile, name="profile"),
    path("profile/token/", profile.token_create, name="token_create"),
    path("profile/token/delete/", profile.token_delete, name="token_delete"),
    path("profile/sso/<int:pk>/unlink/", profile.sso_unlink, name="sso_unlink"),
    path("staff/", staff.staff, name="staff"),
    path("staff/<int:pk>/", staff.staff_person, name="staff_person"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reset-2fa/", staff.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("staff/<int:pk>/reset-password/", staff.staff_reset_password, name="staff_reset_password"),
    path("staff/invitations/<int:pk>/withdraw/", staff.invitation_revoke, name="invitation_revoke"),
    path("organisations/", organisations.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/add/", organisations.OrganisationCreateView.as_view(), name="organisation_add"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path(
        "organisations/<int:pk>/edit/", organisations.OrganisationEditView.as_view(), name="organisation_edit"
    ),
    path("organisations/<int:pk>/grant/", organisations.organisation_grant, name="organisation_grant"),
    path(
        "organisations/<int:pk>/roles/<int:membership_pk>/revoke/",
        organisations.organisation_revoke,
        name="organisation_revoke",
    ),
    path(
        "organisations/<int:pk>/people/<int:user_pk>/deactivate/",
        organisations.organisation_deactivate,
        name="organisation_deactivate",
    ),
    path(
        "organisations/<int:pk>/people/<int:user_pk>/reset-2fa/",
        organisations.organisation_reset_two_factor,
        name="organisation_reset_two_factor",
    ),
    path(
        "organisations/<int:pk>/people/<int:user_pk>/reset-password/",
        organisations.organisation_reset_password,
        name="organisation_reset_password",
    ),
    path(
        "organisations/invitations/<int:pk>/withdraw/",
        organisations.organisation_invitation_withdraw,
        name="organisation_invitation_withdraw",
    ),
    path("people/", people.PeopleListView.as_view(), name="people"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/reset-password/", people.person_reset_password, name="person_reset_password"),
    path("people/<int:pk>/reset-2fa/", people.person_reset_two_factor, name="person_reset_two_factor"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("security-log/", security_log.security_log, name="security_log"),
    path("security-log/export/", security_log.security_log_export, name="security_log_export"),
    path("security-log/verify/", security_log.security_log_verify, name="security_log_verify"),
]
