"""Settings for the test suite: the normal settings under the `test` profile, plus speed-ups."""

import os
import tempfile

os.environ.setdefault("CPAHUB_PROFILE", "test")
os.environ.setdefault("CPAHUB_DATA_DIR", os.path.join(tempfile.gettempdir(), "cpahub-test"))

from cpahub.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: backup/restore and multi-connection tests need a real database file.
    # One file per process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
