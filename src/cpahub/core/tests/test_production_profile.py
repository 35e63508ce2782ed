"""The production profile refuses to start without secrets and passes `check --deploy`."""

import os
import subprocess
import sys

from django.conf import settings


def _run(args, **env):
    skip = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CPAHUB_") and k not in skip}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cpahub", *args],
        env=base,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _run(["check"], CPAHUB_PROFILE="production", CPAHUB_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "CPAHUB_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = _run(
        ["check"],
        CPAHUB_PROFILE="production",
        CPAHUB_DATA_DIR=str(tmp_path),
        CPAHUB_SECRET_KEY="short",
        CPAHUB_FIELD_KEY="k" * 40,
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_passes_check_deploy(tmp_path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        CPAHUB_PROFILE="production",
        CPAHUB_DATA_DIR=str(tmp_path),
        CPAHUB_SECRET_KEY="Xq8#vN2$rT5@wL9!zK4%mP7&hJ3*dF6^sB1(yG0)cV8-eR2+uI5",
        CPAHUB_FIELD_KEY="f" * 48,
        CPAHUB_ALLOWED_HOSTS="cpahub.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
