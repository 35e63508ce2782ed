"""Shared machinery of the benchmarks: settings, a logged-in client, timed requests, JSON output.

The benchmarks run Django in-process with its test `Client` (no network, no web server), against the
demo province that `benchmarks/run` builds. They only read, except that the benchmark user gets a
confirmed TOTP device and a fresh password date so that the security middleware lets it through.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--db", default="", help="PostgreSQL URL (default: the SQLite file in benchmarks/out/)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measurement (200)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a URL is missing or the query count grows"
    )
    args = parser.parse_args(argv)
    configure(args.db)
    return args


def configure(db_url: str = "") -> None:
    """Point Django at the benchmark database, then set it up."""
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    kind = "pg" if os.environ.get("DATABASE_URL") else "sqlite"
    os.environ.setdefault("CPAHUB_DATA_DIR", str(OUT / kind))
    os.environ.setdefault("CPAHUB_PROFILE", "dev")
    os.environ.setdefault("CPAHUB_DEBUG", "false")  # DEBUG would keep every query in memory
    os.environ.setdefault("CPAHUB_LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpahub.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def require_demo() -> None:
    from cpahub.demo.builder import province_exists

    if not province_exists():
        sys.exit("The demo province is not in this database: run benchmarks/run (or `cpahub demo`) first.")


def verified_client(username: str):
    """A test client logged in as `username`, past the password-age and two-factor checks."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    get_user_model().objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    user.refresh_from_db()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _rows(response, row_pattern: str | None) -> int | None:
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            return len(body["results"])
        return len(body) if isinstance(body, list) else None
    if row_pattern:
        return len(set(re.findall(row_pattern, response.content.decode("utf-8", "replace"))))
    return None


def measure(client, url: str, requests: int, *, row_pattern: str | None = None, time_it: bool = True) -> dict:
    """Query count of one request (after a warm-up) and latency over `requests` requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        response = client.get(url)  # warm-up: caches, templates, the session row
        if response.status_code != 200:
            note = "not found (not built yet?)" if response.status_code == 404 else "unexpected status"
            if response.status_code in (301, 302):
                note = f"redirected to {response.get('Location')}"
            return {"url": url, "status": response.status_code, "error": note}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        result = {
            "url": url,
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "rows": _rows(response, row_pattern),
            "bytes": len(response.content),
        }
        if time_it:
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    return {**result, "status": response.status_code, "error": "failed while timing"}
            result |= latency(times)
        return result
    except Exception as error:  # a view that crashes is reported, not fatal to the other figures
        return {"url": url, "status": 500, "error": f"{type(error).__name__}: {error}"[:300]}


def latency(times_ms: list[float]) -> dict:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "requests": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def database_label() -> str:
    from django.db import connection

    return connection.vendor


def report(result: dict, strict: bool, problems: list[str]) -> None:
    """Print the problems to stderr and the figures as one JSON object on the last line."""
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    result["problems"] = problems
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False, sort_keys=False))
    if strict and problems:
        sys.exit(1)


def describe(label: str, figures: dict) -> str:
    if "error" in figures:
        return f"{label:<34} {figures['status']}  {figures['error']}"
    text = f"{label:<34} {figures['status']}  {figures['queries']:>3} queries"
    if figures.get("rows") is not None:
        text += f"  {figures['rows']:>4} rows"
    if "median_ms" in figures:
        text += f"  median {figures['median_ms']:8.2f} ms  p95 {figures['p95_ms']:8.2f} ms"
    return text
