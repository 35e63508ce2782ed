from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cpahub.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write a verified archive of the database and stored files (not the field-encryption key)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.DATA_DIR) / "backups"))

    def handle(self, *args, **options):
        try:
            archive = create_backup(Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup written: {archive}")
        self.stdout.write(
            "Keep CPAHUB_FIELD_KEY and CPAHUB_SECRET_KEY safe separately: they are not in the archive."
        )
