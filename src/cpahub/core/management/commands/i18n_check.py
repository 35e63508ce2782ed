"""Check that every user-facing string is in the Simplified Chinese catalogue and translated.

English is the source language (msgids); `zh_Hans` must translate every msgid, with no fuzzy
entries, and its compiled .mo must match the .po. `--update` refreshes the catalogue in place
(new msgids appear untranslated) and compiles it.
"""

import shutil
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

LOCALE = "zh_Hans"
DOMAINS = ("django",)


def catalogue_path(domain: str = "django", base: Path | None = None) -> Path:
    base = base or Path(settings.LOCALE_PATHS[0])
    return base / LOCALE / "LC_MESSAGES" / f"{domain}.po"


def extract(into: Path) -> None:
    """Run makemessages over the source tree with the catalogue in `into`."""
    source = Path(settings.PACKAGE_DIR)
    with override_settings(LOCALE_PATHS=[str(into)]):
        cwd = Path.cwd()
        try:
            import os

            os.chdir(source)
            call_command(
                "makemessages",
                locale=[LOCALE],
                no_obsolete=True,
                verbosity=0,
                ignore_patterns=["tests/*", "testing/*"],
            )
        finally:
            os.chdir(cwd)


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                found.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


class Command(BaseCommand):
    help = "Check (or with --update refresh) the zh_Hans translation catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true")

    def handle(self, *args, **options):
        committed = catalogue_path()
        if options["update"]:
            extract(Path(settings.LOCALE_PATHS[0]))
            call_command("compilemessages", locale=[LOCALE], verbosity=0)
            todo = problems(polib.pofile(str(committed)))
            self.stdout.write(f"updated {committed}; {len(todo)} entries need translation")
            return
        with tempfile.TemporaryDirectory() as tmp:
            fresh_base = Path(tmp) / "locale"
            if committed.parent.parent.parent.exists():
                shutil.copytree(committed.parent.parent.parent, fresh_base)
            extract(fresh_base)
            fresh = polib.pofile(str(catalogue_path(base=fresh_base)))
        old = polib.pofile(str(committed)) if committed.exists() else polib.POFile()
        missing = {e.msgid for e in fresh if not e.obsolete} - {e.msgid for e in old if not e.obsolete}
        errors = [f"not in catalogue: {m!r}" for m in sorted(missing)]
        errors += problems(fresh)
        mo_path = committed.with_suffix(".mo")
        if not mo_path.exists():
            errors.append(f"{mo_path} is missing; run `cpahub i18n_check --update`")
        else:
            # Keyed by context too: pgettext entries share their msgid with the plain one.
            compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
            stale = [
                e.msgid
                for e in old
                if not e.obsolete
                and not e.msgid_plural
                and e.msgstr
                and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
            ]
            errors += [f"compiled catalogue is stale for {m!r}" for m in stale[:20]]
        if errors:
            shown = "\n".join(errors[:60])
            more = f"\n... and {len(errors) - 60} more" if len(errors) > 60 else ""
            raise CommandError(f"{len(errors)} translation problems:\n{shown}{more}")
        self.stdout.write(f"{LOCALE} catalogue complete ({len(fresh)} entries).")
