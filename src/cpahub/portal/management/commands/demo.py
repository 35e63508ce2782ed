"""`cpahub demo`: build a realistic, deterministic demo province and print the demo logins."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cpahub.core.context import acting_as
from cpahub.demo.builder import DemoBuilder, DemoError, province_exists
from cpahub.demo.logins import DEMO_LOGINS, demo_password, format_table, needs_two_factor
from cpahub.demo.practice import PracticeError


class Command(BaseCommand):
    help = (
        "Build the demo province: the 11 cities of Jiangxi and their associations, firms with branches, "
        "CPAs with history, audited entities, penalties, cases and one user per role. Deterministic for "
        "a given --seed."
    )
    # The data is the same whatever the URLs or templates; `migrate` has run the checks already.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
        parser.add_argument("--firms", type=int, default=300, help="head offices (default 300)")
        parser.add_argument("--cpas", type=int, default=3000, help="CPAs and members (default 3000)")
        parser.add_argument(
            "--entities", type=int, default=None, help="audited entities (default 5 for every 3 firms)"
        )
        parser.add_argument(
            "--practice-staff",
            type=int,
            default=40,
            help="staff of the demo logins' firm, with the year's practice data up to today (0: none)",
        )
        parser.add_argument(
            "--practice-firms",
            type=int,
            default=20,
            help="other firms with a lighter year of practice data (default 20)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when the provincial association already exists",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="empty the whole database first (dev profile or DEBUG only)",
        )

    def handle(self, *args, **options):
        seed = options["seed"]
        if options["flush"]:
            self._flush()
        elif province_exists():
            if options["if_empty"]:
                self.stdout.write("The demo province is already there; nothing was built.")
                self._print_logins(seed)
                return
            raise CommandError(
                "The provincial association already exists. Use --if-empty to skip, or --flush "
                "(dev profile only) to start again."
            )
        self.stdout.write(
            f"Building the demo province (seed {seed}, {options['firms']} firms, {options['cpas']} CPAs)..."
        )
        started = time.perf_counter()
        try:
            builder = DemoBuilder(
                seed=seed,
                firms=options["firms"],
                cpas=options["cpas"],
                entities=options["entities"],
                log=self.stdout.write if options["verbosity"] >= 1 else None,
            )
            with transaction.atomic():
                summary = builder.build()
                practice = self._practice(options, seed, builder.request_id)
        except (DemoError, PracticeError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write("")
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label:<22} {count:>6}")
        self.stdout.write(f"  data fingerprint       {summary.fingerprint}")
        if practice is not None:
            self.stdout.write(
                f"  practice data of {practice.firms} firms up to {practice.as_of} "
                f"({practice.seconds:.1f} s):"
            )
            for label, count in sorted(practice.counts.items()):
                self.stdout.write(f"    {label:<32} {count:>8}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo province built in {time.perf_counter() - started:.1f} s on {connection.vendor}."
            )
        )
        self._print_logins(seed)

    def _practice(self, options, seed: int, request_id: str):
        """The firm system's data (clients, engagements, time, billing) for the demo firms."""
        if not options["practice_staff"] and not options["practice_firms"]:
            return None
        from cpahub.demo.practice import demo

        log = self.stdout.write if options["verbosity"] >= 1 else None
        with acting_as(None, request_id=request_id):
            return demo.build(
                seed,
                timezone.localdate(),
                staff=options["practice_staff"],
                firms=options["practice_firms"],
                log=log,
            )

    def _flush(self) -> None:
        if not (settings.DEBUG or getattr(settings, "PROFILE", "") == "dev"):
            raise CommandError("--flush empties the whole database and is refused outside the dev profile.")
        from cpahub.accounts import dbguard

        # The security log refuses deletes by trigger; a dev reset takes the triggers off and back on.
        dbguard.uninstall(connection)
        try:
            call_command("flush", interactive=False, verbosity=0)
        finally:
            if getattr(settings, "CPAHUB_SECURITY_LOG_TRIGGERS", True):
                dbguard.install(connection)
        self.stdout.write(self.style.WARNING("The database was emptied (--flush)."))

    def _print_logins(self, seed: int) -> None:
        from cpahub.accounts.models import Membership, User

        users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
        organisations = dict(
            Membership.objects.filter(user__in=users.values(), active=True).values_list(
                "user__username", "organisation__name"
            )
        )
        rows = []
        for login in DEMO_LOGINS:
            user = users.get(login.username)
            if user is None:
                continue
            changed = user.password_changed_at != user.date_joined
            password = "(changed since)" if changed else demo_password(seed, login.username)
            role = login.role.label + (" *" if needs_two_factor(login.role) else "")
            rows.append((login.username, str(role), organisations.get(login.username, ""), password))
        if not rows:
            self.stdout.write("No demo users found.")
            return
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"Demo logins for {site}/accounts/login/ (passwords of seed {seed}):")
        self.stdout.write(format_table(("username", "role", "organisation", "password"), rows))
        self.stdout.write(
            "* must set up two-factor authentication (TOTP) at the first login: that is expected."
        )
        self.stdout.write(
            self.style.WARNING(
                "WARNING: these passwords are for demonstration only. Never use the demo data or "
                "these accounts in production."
            )
        )
