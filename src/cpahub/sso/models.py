from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import ALL, DELETE, EXPORT, NOTHING, VIEW


class SSOIdentity(ChangeLoggedModel):
    """A cpahub account's link to one identity at a single sign-on provider.

    An identity is found by the provider's stable subject (OIDC `sub`, the gateway's user id), never by
    e-mail, phone or name: those change hands. Rows are written only by `cpahub.sso.services`.
    """

    provider = models.CharField(_("provider"), max_length=32)
    subject = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sso_identities",
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)
    claims = models.JSONField(_("claims"), default=dict, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        ordering = ["provider", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique_subject"),
            # One identity per provider and account: a second one needs the first unlinked.
            models.UniqueConstraint(fields=["provider", "user"], name="sso_identity_one_per_user"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.subject}"

    @classmethod
    def restrict_q(cls, scope, action):
        from cpahub.accounts.choices import Role

        if not scope.authenticated:
            return NOTHING
        if action in (VIEW, DELETE, EXPORT) and scope.has_role(Role.SECURITY_ADMIN):
            return ALL
        if action in (VIEW, DELETE):
            # People see their own links and may remove them.
            return Q(user_id=scope.user_id)
        return NOTHING  # links are made by the sign-on flow only
