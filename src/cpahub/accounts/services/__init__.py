"""Write operations on accounts: passwords, roles (三员分立), deactivation, invitations, 2FA, tokens,
organisations and the bootstrap of a fresh installation.

Every function here checks who may do it, changes the rows inside `transaction.atomic()`, and
writes a security event. Views, admin actions and commands call these; none re-implements them.
Refusals raise `PermissionDenied` (the actor may not) or `ValidationError` (the change is not
allowed for anyone) and are logged with outcome "failure".

One module per topic; this package re-exports the public functions, so callers write
`from cpahub.accounts import services` and `services.grant_role(...)`:

- `roles`: the grant matrix (`may_manage_role`, `manageable_roles`, `may_manage_user`),
  `grant_role`, `revoke_role`, `set_roles`;
- `people`: `create_user`, `deactivate_user`;
- `passwords`: `change_password`, `reset_password` (by an administrator), `random_password`;
- `invitations`: `create_invitation`, `accept_invitation`, `revoke_invitation`, links;
- `two_factor`: confirming an authenticator, backup codes, turning it off, `reset_two_factor`;
- `tokens`: API tokens;
- `organisations`: `create_organisation`, `update_organisation`;
- `bootstrap`: the provincial association and the three administrators of a new installation;
- `base`: what they share (refusal logging, row locks, ending sessions and tokens).

(To replace a function in a test, patch it in the module that calls it, e.g.
`cpahub.accounts.services.bootstrap.random_password`: a patch on the package changes only this
re-export.)

Who may grant or revoke a role (see docs/security.md):

- a security administrator: any role, including the three administrator roles, never on
  their own account;
- association staff: province, city, regulator and confirming-party roles, not the three
  administrator roles;
- a firm administrator: firm roles in the firms (and branches) they administer; they may not
  give up their own firm-administrator role when nobody else holds it there;
- onboarding: association staff, and city staff for firms in their city, may appoint the
  administrator of a firm that has none (approving a firm's application invites its administrator).

No account may hold two of the system, security and audit administrator roles; the check runs
with the user's row locked, so two grants racing each other cannot both pass.

Whoever may revoke every role a person holds (the security administrator for a person without
roles) may deactivate the account, reset its password or reset its second factor — never their own.
"""

from cpahub.accounts.security import log_event
from cpahub.accounts.services.bootstrap import (
    BOOTSTRAP_ROLES,
    SYSTEM_ADMIN_GROUP,
    BootstrapAccount,
    BootstrapResult,
    bootstrap,
    system_admin_group,
)
from cpahub.accounts.services.invitations import (
    INVITATION_DAYS,
    accept_invitation,
    create_invitation,
    find_invitation,
    invitation_path,
    invitation_url,
    revoke_invitation,
    token_digest,
)
from cpahub.accounts.services.organisations import (
    CREATABLE_KINDS,
    EDITABLE_FIELDS,
    EDITABLE_STATUSES,
    ORGANISATION_FIELDS,
    create_organisation,
    may_change_organisation,
    may_create_organisation,
    update_organisation,
)
from cpahub.accounts.services.passwords import (
    TEMPORARY_PASSWORD_LENGTH,
    change_password,
    random_password,
    reset_password,
)
from cpahub.accounts.services.people import create_user, deactivate_user
from cpahub.accounts.services.roles import (
    ASSOCIATION_GRANTABLE_ROLES,
    grant_role,
    manageable_roles,
    may_manage_role,
    may_manage_user,
    revoke_role,
    set_roles,
)
from cpahub.accounts.services.tokens import create_api_token, delete_api_token
from cpahub.accounts.services.two_factor import (
    confirm_two_factor,
    disable_two_factor,
    regenerate_backup_codes,
    reset_two_factor,
)

__all__ = [
    "ASSOCIATION_GRANTABLE_ROLES",
    "BOOTSTRAP_ROLES",
    "CREATABLE_KINDS",
    "EDITABLE_FIELDS",
    "EDITABLE_STATUSES",
    "INVITATION_DAYS",
    "ORGANISATION_FIELDS",
    "SYSTEM_ADMIN_GROUP",
    "TEMPORARY_PASSWORD_LENGTH",
    "BootstrapAccount",
    "BootstrapResult",
    "accept_invitation",
    "bootstrap",
    "change_password",
    "confirm_two_factor",
    "create_api_token",
    "create_invitation",
    "create_organisation",
    "create_user",
    "deactivate_user",
    "delete_api_token",
    "disable_two_factor",
    "find_invitation",
    "grant_role",
    "invitation_path",
    "invitation_url",
    "log_event",
    "manageable_roles",
    "may_change_organisation",
    "may_create_organisation",
    "may_manage_role",
    "may_manage_user",
    "random_password",
    "regenerate_backup_codes",
    "reset_password",
    "reset_two_factor",
    "revoke_invitation",
    "revoke_role",
    "set_roles",
    "system_admin_group",
    "token_digest",
    "update_organisation",
]
