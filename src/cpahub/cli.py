"""The `cpahub` console command: a thin wrapper around Django's manage.py."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpahub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cpahub", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
