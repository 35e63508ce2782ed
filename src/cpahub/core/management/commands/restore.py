from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cpahub.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive over the current database and files (stop the site first)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        if not options["yes"]:
            answer = input("This replaces the current database and files. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("restore cancelled")
        try:
            manifest = restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored backup of {manifest['created']} ({len(manifest['members'])} members)")
        self.stdout.write("Now run `cpahub migrate` in case the code is newer than the backup.")
