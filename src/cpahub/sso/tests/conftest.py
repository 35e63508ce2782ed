"""Fixtures: a real OpenID Connect provider in a subprocess, and a browser-like walk through it."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

import cpahub
from cpahub.sso.tests.oidc_provider.serve import PEOPLE

CLIENT_ID = "cpahub-test-client"
CLIENT_SECRET = "cpahub-test-secret-0123456789abcdef"
# The test client's host, and live_server's (any port, see the provider's ALLOW_LOCALHOST_LOOPBACK).
REDIRECT_URIS = "http://testserver/sso/callback/oidc/ http://localhost/sso/callback/oidc/"
START_TIMEOUT = 60


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    subjects: dict[str, str]

    def password(self, username: str) -> str:
        return PEOPLE[username][0]


@pytest.fixture(scope="session")
def oidc_provider():
    """django-oauth-toolkit with OIDC, started once per test session on a free loopback port."""
    workdir = Path(tempfile.mkdtemp(prefix="cpahub-test-op-"))
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cpahub.sso.tests.oidc_provider.settings",
        CPAHUB_TEST_OP_DIR=str(workdir),
        CPAHUB_TEST_OP_CLIENT_ID=CLIENT_ID,
        CPAHUB_TEST_OP_CLIENT_SECRET=CLIENT_SECRET,
        CPAHUB_TEST_OP_REDIRECT_URIS=REDIRECT_URIS,
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(Path(cpahub.__file__).resolve().parent.parent), env.get("PYTHONPATH")])
        ),
    )
    stderr = (workdir / "stderr.txt").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cpahub.sso.tests.oidc_provider.serve"],
        env=env,
        stdin=subprocess.PIPE,  # the provider exits when this closes
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    try:
        ready = _wait_ready(process, workdir)
        yield RunningProvider(issuer=ready["issuer"], subjects=ready["subjects"])
    finally:
        process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stderr.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(process, workdir: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        readable, _, _ = select.select([process.stdout], [], [], 0.2)
        if readable:
            line = process.stdout.readline()
            if line:
                ready = json.loads(line)
                # The port is bound before the line is printed; check the provider answers.
                requests.get(
                    ready["issuer"] + "/.well-known/openid-configuration", timeout=10
                ).raise_for_status()
                return ready
    errors = (workdir / "stderr.txt").read_text(errors="replace")[-3000:]
    raise RuntimeError(f"test OpenID provider did not start (exit {process.poll()}):\n{errors}")


@pytest.fixture
def oidc(settings, oidc_provider):
    """cpahub configured as a relying party of the test provider (and the gateway switched off)."""
    settings.SITE_URL = "http://testserver"
    settings.CPAHUB_OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid profile email phone"
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    return oidc_provider


def sign_in_at_provider(authorize_url: str, username: str, password: str) -> str:
    """Do what a person does at the provider: open the URL, log in. Returns the redirect back to us."""
    browser = requests.Session()
    browser.trust_env = False
    page = browser.get(authorize_url, timeout=10)  # the provider sends us to its login form
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    posted = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": next_url},
        allow_redirects=False,
        timeout=10,
    )
    assert posted.status_code == 302, posted.text[:500]
    back = browser.get(urljoin(page.url, posted.headers["Location"]), allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:500]
    return back.headers["Location"]
