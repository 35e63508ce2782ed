"""Mapping profiles get notes (what export they read, what is known of it); the built-in ones take
theirs from the "notes" of formats/profiles/*.json."""

import json
from pathlib import Path

from django.db import migrations, models

PROFILES_DIR = Path(__file__).resolve().parent.parent / "formats" / "profiles"


def load_builtin_notes(apps, schema_editor):
    MappingProfile = apps.get_model("ledgers", "MappingProfile")
    for path in sorted(PROFILES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        MappingProfile.objects.filter(
            organisation=None, builtin=True, name=data["name"], kind=data["kind"]
        ).update(notes=data.get("notes", ""))


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0003_builtin_profiles"),
    ]

    operations = [
        migrations.AddField(
            model_name="mappingprofile",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.RunPython(load_builtin_notes, migrations.RunPython.noop),
    ]
