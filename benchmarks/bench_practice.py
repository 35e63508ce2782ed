"""The firm system at scale: a firm of 300 staff with one year (2025) of time entries (~600,000),
its engagements, fees, invoices and receipts; the utilisation report, the WIP report and the
receivables ageing, as functions and as pages.

The firm is generated once per database (`cpahub.demo.practice`, seed 2025) and recognised by its
credit code; the generation time is printed when it happens. Each report function is timed over
`--runs` runs after a warm-up (median, p95) with its SQL query count (CaptureQueriesContext, one run);
each report page is requested as a partner of the firm with `_common.measure`. The baseline, timed in
the same run, is the bare aggregation a utilisation report cannot beat: `SELECT user_id, SUM(hours)
FROM timesheets_timeentry WHERE firm_id = ? AND date BETWEEN ? AND ? GROUP BY user_id`; every figure
is also given as a ratio to it. The last line of the output is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

import _common

YEAR = 2025
START, AS_OF = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
STAFF = int(os.environ.get("CPAHUB_BENCH_PRACTICE_STAFF", "300"))
ENTRIES_PER_DAY = float(os.environ.get("CPAHUB_BENCH_PRACTICE_ENTRIES", "10"))
NAME = "江西基准会计师事务所（特殊普通合伙）"
PARTNER = "bench_partner"
BRANCHES = (("360700", "赣州"), ("360400", "九江"), ("361100", "上饶"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default="", help="PostgreSQL URL (default: the SQLite file in benchmarks/out/)"
    )
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page (10)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per report function (15)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page is missing or fails")
    parser.add_argument("--staff", type=int, default=STAFF, help=f"staff of the generated firm ({STAFF})")
    parser.add_argument(
        "--entries-per-day",
        type=float,
        default=ENTRIES_PER_DAY,
        help=f"per person and day ({ENTRIES_PER_DAY})",
    )
    args = parser.parse_args(argv)
    _common.configure(args.db)
    return args


def marker_code() -> str:
    from cpahub.demo.identifiers import make_credit_code

    return make_credit_code("91", "360100", "MA35BNCH")


def ensure_firm(staff: int, entries_per_day: float) -> tuple[object, float | None, dict]:
    """The benchmark firm: found by its credit code, or generated now (returns the seconds it took)."""
    from django.db import transaction

    from cpahub.accounts.models import Organisation
    from cpahub.core.context import acting_as
    from cpahub.demo.practice import Named, Scale, generate

    found = Organisation.objects.filter(credit_code=marker_code()).first()
    if found is not None:
        return found, None, {}
    print(
        f"Generating the benchmark firm: {staff} staff, {YEAR}, {entries_per_day} entries per person-day ..."
    )
    started = time.perf_counter()
    with transaction.atomic(), acting_as(None):
        firm, partner = _create_firm()
        scale = Scale(staff=staff, year=YEAR, entries_per_day=entries_per_day, changelog=False)
        result = generate(
            firm, scale, seed=YEAR, named=[Named(partner, "P", quality=True)], username_prefix="bench-",
            log=print,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    print(f"Generated in {seconds:.1f} s.")
    return firm, seconds, result.counts


def _create_firm():
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from cpahub.accounts.choices import OrgKind, OrgStatus, Role
    from cpahub.accounts.models import Membership, Organisation, User
    from cpahub.demo.identifiers import make_credit_code
    from cpahub.registry.choices import LegalForm
    from cpahub.registry.models import Firm

    firm = Organisation.objects.create(
        kind=OrgKind.FIRM,
        name=NAME,
        short_name="江西基准",
        credit_code=marker_code(),
        city="360100",
        address="江西省南昌市红谷滩区会展路999号基准大厦18楼",
        phone="0791-86999999",
        status=OrgStatus.ACTIVE,
    )
    Firm.objects.create(
        organisation=firm, licence_no="36019999", firm_no="JX9999", legal_form=LegalForm.SPECIAL_PARTNERSHIP,
        founded=datetime.date(2001, 3, 1), chief_partner="基准",
    )  # fmt: skip
    for n, (city, short) in enumerate(BRANCHES, 1):
        branch = Organisation.objects.create(
            kind=OrgKind.FIRM,
            name=f"{NAME}{short}分所",
            short_name=f"江西基准{short}分所",
            credit_code=make_credit_code("91", city, f"MA35BNC{n}"),
            city=city,
            parent=firm,
            status=OrgStatus.ACTIVE,
        )
        Firm.objects.create(
            organisation=branch, licence_no=f"{city[:4]}9999", firm_no=f"JX999{n}",
            legal_form=LegalForm.SPECIAL_PARTNERSHIP, founded=datetime.date(2010, 1, 1),
        )  # fmt: skip
    now = timezone.now()
    partner = User.objects.create(
        username=PARTNER, display_name="基准合伙人", password=make_password(None),
        date_joined=now, password_changed_at=now,
    )  # fmt: skip
    Membership.objects.create(
        user=partner, organisation=firm, role=Role.PARTNER, started=datetime.date(2001, 3, 1)
    )
    return firm, partner


def timed(function, runs: int) -> dict:
    """Median and p95 of `runs` calls after a warm-up, and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    with CaptureQueriesContext(connection) as queries:
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"queries": len(queries.captured_queries), **_common.latency(times)}


def baseline(firm):
    from django.db import connection

    sql = (
        "SELECT user_id, SUM(hours) FROM timesheets_timeentry "
        "WHERE firm_id = %s AND date BETWEEN %s AND %s GROUP BY user_id"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, [firm.pk, START, AS_OF])
            return cursor.fetchall()

    return run


def functions(firm) -> dict:
    from cpahub.billing import reports as billing
    from cpahub.timesheets import reports as time_reports

    return {
        "utilisation_by_person": lambda: time_reports.utilisation(firm, START, AS_OF, by="person"),
        "utilisation_by_office": lambda: time_reports.utilisation(firm, START, AS_OF, by="office"),
        "wip_by_engagement": lambda: billing.wip(firm, AS_OF, by="engagement"),
        "wip_by_partner": lambda: billing.wip(firm, AS_OF, by="partner"),
        "ageing": lambda: billing.ageing(firm, AS_OF),
    }


def pages() -> dict:
    """The report pages, found by name in the timesheets and billing URLs (None: not built yet)."""
    from django.urls import NoReverseMatch, reverse

    wanted = {
        "utilisation_by_person": ("timesheets:utilisation", "?period=year&year=2025&by=person"),
        "utilisation_by_office": ("timesheets:utilisation", "?period=year&year=2025&by=office"),
        "wip": ("billing:wip", "?as_of=2025-12-31"),
        "ageing": ("billing:ageing", "?as_of=2025-12-31"),
    }
    found = {}
    for label, (name, query) in wanted.items():
        try:
            found[label] = reverse(name) + query
        except NoReverseMatch:
            found[label] = None
    return found


def describe(label: str, figures: dict, base: float) -> str:
    ratio = figures["median_ms"] / base if base else 0
    return (
        f"{label:<26} {figures['queries']:>4} queries  median {figures['median_ms']:9.2f} ms  "
        f"p95 {figures['p95_ms']:9.2f} ms  × {ratio:7.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from cpahub.timesheets.models import TimeEntry

    problems: list[str] = []
    firm, generated, counts = ensure_firm(args.staff, args.entries_per_day)
    entries = TimeEntry.objects.filter(firm=firm).count()
    print(f"== {firm.name} on {_common.database_label()}: {entries:,} time entries in {YEAR}")
    base = timed(baseline(firm), args.runs)
    print(describe("baseline SQL (SUM by user)", base, base["median_ms"]))
    results = {}
    for label, function in functions(firm).items():
        results[label] = timed(function, args.runs)
        results[label]["ratio_to_baseline"] = round(results[label]["median_ms"] / base["median_ms"], 1)
        print(describe(label, results[label], base["median_ms"]))
    client = _common.verified_client(PARTNER)
    http = {}
    for label, url in pages().items():
        if url is None:
            http[label] = {"url": None, "error": "no URL with this name yet"}
            problems.append(f"page {label}: no URL yet")
            print(f"{'page ' + label:<26} not built yet")
            continue
        figures = _common.measure(client, url, args.requests)
        if "median_ms" in figures:
            figures["ratio_to_baseline"] = round(figures["median_ms"] / base["median_ms"], 1)
        else:
            problems.append(f"page {label}: {figures.get('status')} {figures.get('error')}")
        http[label] = figures
        print(_common.describe("page " + label, figures))
    result = {
        "benchmark": "practice",
        "database": _common.database_label(),
        "staff": args.staff,
        "time_entries": entries,
        "generated_seconds": round(generated, 1) if generated is not None else None,
        "generated_rows": counts,
        "runs": args.runs,
        "baseline": base,
        "functions": results,
        "pages": http,
    }
    _common.report(result, args.strict, problems)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
