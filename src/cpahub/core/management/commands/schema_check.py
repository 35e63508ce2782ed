"""Generate the OpenAPI schema, validate it, and compare it with the committed docs/api/openapi.yaml."""

import difflib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def generate_schema() -> str:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    with translation.override("en"):  # the reference is in English whatever the default language
        schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    if GENERATOR_STATS:
        GENERATOR_STATS.emit_summary()
        raise CommandError("schema generation produced warnings or errors (see above)")
    return OpenApiYamlRenderer().render(schema, renderer_context={}).decode("utf-8")


class Command(BaseCommand):
    help = "Check that the committed OpenAPI schema matches the code (use --write to update it)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="write the generated schema to the file")

    def handle(self, *args, **options):
        generated = generate_schema()
        if options["write"]:
            SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
            SCHEMA_PATH.write_text(generated, encoding="utf-8")
            self.stdout.write(f"wrote {SCHEMA_PATH}")
            return
        committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if generated != committed:
            diff = "".join(
                list(
                    difflib.unified_diff(
                        committed.splitlines(True), generated.splitlines(True), "committed", "generated", n=2
                    )
                )[:80]
            )
            raise CommandError(
                f"docs/api/openapi.yaml is out of date; run `cpahub schema_check --write`.\n{diff}"
            )
        self.stdout.write("OpenAPI schema is valid and up to date.")
