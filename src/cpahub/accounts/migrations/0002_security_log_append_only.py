from django.conf import settings
from django.db import migrations

from cpahub.accounts import dbguard


def install(apps, schema_editor):
    if getattr(settings, "CPAHUB_SECURITY_LOG_TRIGGERS", True):
        dbguard.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    dbguard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
