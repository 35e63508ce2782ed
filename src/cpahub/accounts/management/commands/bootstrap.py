"""Prepare a fresh production installation: the provincial association and the three administrators.

    cpahub bootstrap --province-name 江西省注册会计师协会 \\
        --security-admin secadmin --system-admin sysadmin --audit-admin auditadmin

三员分立: the three user names must differ. Each new account gets a random password, printed here
once, and must change it at its first login (then set up two-factor authentication). Running the
command again changes nothing that exists and says so. The work is `services.bootstrap`.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cpahub.accounts import services
from cpahub.accounts.choices import Role


class Command(BaseCommand):
    help = (
        "Create the provincial association (if missing) and the system, security and audit "
        "administrator accounts (three different user names)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province-name", required=True, help="name of the provincial association, if it must be created"
        )
        parser.add_argument("--security-admin", required=True, metavar="USER", help="security administrator")
        parser.add_argument("--system-admin", required=True, metavar="USER", help="system administrator")
        parser.add_argument("--audit-admin", required=True, metavar="USER", help="audit administrator")

    def handle(self, *args, province_name, security_admin, system_admin, audit_admin, **options):
        administrators = {
            Role.SECURITY_ADMIN: security_admin,
            Role.SYSTEM_ADMIN: system_admin,
            Role.AUDIT_ADMIN: audit_admin,
        }
        try:
            result = services.bootstrap(province_name.strip(), administrators)
        except ValidationError as exc:
            raise CommandError(" ".join(_messages(exc))) from None
        province = result.province
        if result.province_created:
            self.stdout.write(self.style.SUCCESS(f"Created the provincial association: {province}"))
        else:
            note = "" if province.name == province_name.strip() else " (its name is not changed)"
            self.stdout.write(f"The provincial association exists: {province}{note}")
        created = [a for a in result.accounts if a.password]
        for account in result.accounts:
            label = Role(account.role).label
            if account.password:
                self.stdout.write(self.style.SUCCESS(f"Created {account.username} ({label})"))
            elif account.holds_role:
                self.stdout.write(f"{account.username} exists and is {label}; not changed")
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{account.username} exists but is not {label} at {province}; not changed "
                        "(the security administrator grants roles on the organisation's page)"
                    )
                )
        if created:
            self.stdout.write("")
            self.stdout.write("Initial passwords (shown once; hand them over securely):")
            width = max(len(a.username) for a in created)
            for account in created:
                self.stdout.write(f"  {account.username:<{width}}  {account.password}")
            self.stdout.write(
                "Each must change the password at the first login, then set up two-factor authentication."
            )


def _messages(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]
