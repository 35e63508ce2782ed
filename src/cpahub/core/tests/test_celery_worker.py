"""A real Celery worker on a real Redis runs a task against the real (PostgreSQL) test database.

Runs in CI's service step (`pytest -m services` with REDIS_URL and DATABASE_URL set).
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (run through scripts/check)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can share: run with DATABASE_URL=postgresql://...")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpahub.test_settings",
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cpahub",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=settings.BASE_DIR,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_task_runs_on_a_real_worker(worker, settings):
    from cpahub.accounts.security import log_event
    from cpahub.core.tasks import verify_security_log

    settings.CELERY_TASK_ALWAYS_EAGER = False
    from cpahub.celery import app

    app.conf.task_always_eager = False
    for n in range(3):
        log_event("login", username=f"u{n}")
    started = time.monotonic()
    result = verify_security_log.delay()
    outcome = result.get(timeout=60)
    assert outcome == {"checked": 3, "broken": []}
    assert result.status == "SUCCESS"
    assert time.monotonic() - started < 60
    app.conf.task_always_eager = True
