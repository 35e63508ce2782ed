"""`cpahub usage close [--month YYYY-MM]` fixes a past month's usage figures; `show` prints them."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cpahub.metering import usage


class Command(BaseCommand):
    help = "Close a past month's usage figures per firm (default: last month), or show a month's figures."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["close", "show"])
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args, action, month=None, **options):
        if month:
            try:
                when = usage.parse_month(month)
            except ValueError as error:
                raise CommandError(str(error)) from None
        else:
            when = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
        if action == "close":
            try:
                n = usage.close_month(when)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"closed {when:%Y-%m} for {n} firms")
            return
        for u in usage.figures_for(when, usage.head_offices().order_by("name")):
            values = " ".join(f"{name}={getattr(u, name)}" for name in usage.FIGURES)
            self.stdout.write(f"{u.firm.name}\t{values}")
