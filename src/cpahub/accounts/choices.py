from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    PROVINCIAL_ASSOCIATION = "province", _("Provincial CPA association")
    CITY_ASSOCIATION = "city", _("City CPA association")
    FIRM = "firm", _("Accounting firm")
    REGULATOR = "regulator", _("Regulator")
    CONFIRMING_PARTY = "confirmer", _("Bank or confirming party")
    AUDITED_ENTITY = "entity", _("Audited entity")


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class City(models.TextChoices):
    """The 11 prefecture-level cities of Jiangxi, keyed by administrative division code."""

    NANCHANG = "360100", _("Nanchang")
    JINGDEZHEN = "360200", _("Jingdezhen")
    PINGXIANG = "360300", _("Pingxiang")
    JIUJIANG = "360400", _("Jiujiang")
    XINYU = "360500", _("Xinyu")
    YINGTAN = "360600", _("Yingtan")
    GANZHOU = "360700", _("Ganzhou")
    JIAN = "360800", _("Ji'an")
    YICHUN = "360900", _("Yichun")
    FUZHOU = "361000", _("Fuzhou")
    SHANGRAO = "361100", _("Shangrao")


class Role(models.TextChoices):
    ASSOCIATION_LEADER = "association_leader", _("Association leader")
    ASSOCIATION_STAFF = "association_staff", _("Association staff")
    CITY_STAFF = "city_staff", _("City association staff")
    FIRM_ADMIN = "firm_admin", _("Firm administrator")
    PARTNER = "partner", _("Partner")
    MANAGER = "manager", _("Manager")
    STAFF_AUDITOR = "staff_auditor", _("Staff auditor")
    CPA = "cpa", _("CPA")
    FIRM_FINANCE = "firm_finance", _("Firm finance staff")
    REGULATOR_READER = "regulator_reader", _("Regulator (read only)")
    CONFIRMER_STAFF = "confirmer_staff", _("Confirming-party staff")
    ENTITY_STAFF = "entity_staff", _("Audited-entity staff")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 三员分立: no account may hold two of these.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

PROVINCE_ROLES = frozenset({Role.ASSOCIATION_LEADER, Role.ASSOCIATION_STAFF})
FIRM_ROLES = frozenset(
    {Role.FIRM_ADMIN, Role.PARTNER, Role.MANAGER, Role.STAFF_AUDITOR, Role.CPA, Role.FIRM_FINANCE}
)

# Which roles an organisation of each kind can grant.
ROLES_BY_KIND = {
    OrgKind.PROVINCIAL_ASSOCIATION: PROVINCE_ROLES | SEPARATED_ADMIN_ROLES,
    OrgKind.CITY_ASSOCIATION: frozenset({Role.CITY_STAFF}),
    OrgKind.FIRM: FIRM_ROLES,
    OrgKind.REGULATOR: frozenset({Role.REGULATOR_READER}),
    OrgKind.CONFIRMING_PARTY: frozenset({Role.CONFIRMER_STAFF}),
    OrgKind.AUDITED_ENTITY: frozenset({Role.ENTITY_STAFF}),
}

# Kinds of organisation association staff create (`services.create_organisation`). Firms are
# registered in the industry registry; the provincial association is made by `cpahub bootstrap`.
CREATABLE_KINDS = (
    OrgKind.CITY_ASSOCIATION,
    OrgKind.REGULATOR,
    OrgKind.CONFIRMING_PARTY,
    OrgKind.AUDITED_ENTITY,
)

# Roles that must log in with a second factor.
TWO_FACTOR_ROLES = SEPARATED_ADMIN_ROLES | PROVINCE_ROLES | {Role.CITY_STAFF, Role.FIRM_ADMIN}


class SecurityEventType(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Logout")
    SESSION_EXPIRED = "session_expired", _("Session expired")
    TWO_FACTOR_ENABLED = "2fa_enabled", _("Two-factor enabled")
    TWO_FACTOR_DISABLED = "2fa_disabled", _("Two-factor disabled")
    TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor code rejected")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor code accepted")
    BACKUP_CODES_CREATED = "backup_codes", _("Backup codes generated")
    BACKUP_CODE_USED = "backup_code_used", _("Backup code used")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset by an administrator")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_DELETED = "api_token_deleted", _("API token deleted")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    MEMBERSHIP_CHANGED = "membership_changed", _("Membership changed")
    ORG_STATUS_CHANGED = "org_status_changed", _("Organisation status changed")
    ACCOUNT_CREATED = "account_created", _("Account created")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation withdrawn")
    SSO_LOGIN = "sso_login", _("Single sign-on login")
    SSO_REFUSED = "sso_refused", _("Single sign-on refused")
    SSO_LINKED = "sso_linked", _("Single sign-on account linked")
    SSO_UNLINKED = "sso_unlinked", _("Single sign-on account unlinked")
    EXPORT = "export", _("Data export")
    LOG_PRUNED = "log_pruned", _("Security log pruned")
    LOG_EXPORTED = "log_exported", _("Security log exported")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
