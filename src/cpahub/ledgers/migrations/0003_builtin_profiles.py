"""Load the built-in mapping profiles (用友 U8/T+, 金蝶 K/3/KIS exports) from formats/profiles/*.json.

Built-in profiles have no organisation and `builtin=True`. The loader matches them by (name, kind),
so running it again updates their columns and options instead of adding copies; a later migration
that calls `load_builtin_profiles` picks up edited JSON files. Reversing removes them.
"""

import json
from pathlib import Path

from django.db import migrations

PROFILES_DIR = Path(__file__).resolve().parent.parent / "formats" / "profiles"


def load_builtin_profiles(apps, schema_editor):
    MappingProfile = apps.get_model("ledgers", "MappingProfile")
    for path in sorted(PROFILES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        MappingProfile.objects.update_or_create(
            organisation=None,
            builtin=True,
            name=data["name"],
            kind=data["kind"],
            defaults={
                "software": data.get("software", ""),
                "columns": data["columns"],
                "options": data.get("options", {}),
            },
        )


def remove_builtin_profiles(apps, schema_editor):
    MappingProfile = apps.get_model("ledgers", "MappingProfile")
    MappingProfile.objects.filter(builtin=True, organisation=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0002_snapshot_options_and_check_counts"),
    ]

    operations = [
        migrations.RunPython(load_builtin_profiles, remove_builtin_profiles),
    ]
