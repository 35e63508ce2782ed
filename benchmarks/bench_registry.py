"""Registry lists with the demo province loaded: firm and CPA list pages and their API endpoints.

For page sizes 10, 50 and 200: the number of SQL queries of one request (it must not grow with the
page size) and the median / p95 latency over --requests requests, as association staff (who sees the
whole province). The baseline is /healthz/ timed the same way with the same client, in the same run.
The last line of the output is one JSON object with every figure.
"""

from __future__ import annotations

import sys

import _common

PAGE_SIZES = (10, 50, 200)
USER = "assoc_staff"

# (key, label, url, page-size parameter, pattern of one row's link in HTML)
TARGETS = (
    ("firm_page", "firm list page", "/registry/firms/", "per_page", r'href="/registry/firms/(\d+)/"'),
    ("cpa_page", "CPA list page", "/registry/cpas/", "per_page", r'href="/registry/cpas/(\d+)/"'),
    ("firm_api", "firm list API", "/api/registry/firms/", "page_size", None),
    ("cpa_api", "CPA list API", "/api/registry/cpas/", "page_size", None),
)


def main(argv: list[str] | None = None) -> None:
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    _common.require_demo()
    from cpahub.registry.models import CPA, Firm

    totals = {"firm": Firm.objects.count(), "cpa": CPA.objects.count()}
    client = _common.verified_client(USER)
    problems: list[str] = []

    baseline = _common.measure(client, "/healthz/", args.requests)
    print(_common.describe("baseline /healthz/", baseline))
    if "error" in baseline:
        problems.append(f"/healthz/ answered {baseline['status']}: {baseline['error']}")
    base_median = baseline.get("median_ms")

    endpoints: dict[str, dict] = {}
    for key, label, url, param, row_pattern in TARGETS:
        figures: dict = {"url": url}
        for size in PAGE_SIZES:
            result = _common.measure(client, f"{url}?{param}={size}", args.requests, row_pattern=row_pattern)
            if base_median and "median_ms" in result:
                result["ratio_to_baseline"] = round(result["median_ms"] / base_median, 1)
            figures[str(size)] = result
            print(_common.describe(f"{label} ({param}={size})", result))
            if "error" in result:
                problems.append(f"{label}: {result['url']} answered {result['status']} ({result['error']})")
                break
            expected = min(size, totals[key.split("_")[0]])
            if result["rows"] is not None and result["rows"] != expected:
                problems.append(f"{label}: {param}={size} gave {result['rows']} rows, expected {expected}")
        counts = [figures[str(s)]["queries"] for s in PAGE_SIZES if "queries" in figures.get(str(s), {})]
        if len(counts) == len(PAGE_SIZES):
            figures["queries_constant"] = len(set(counts)) == 1
            if counts[-1] > counts[0]:
                problems.append(
                    f"{label}: queries grow with the page size {dict(zip(PAGE_SIZES, counts, strict=True))}"
                )
        endpoints[key] = figures

    from django.db import connection

    _common.report(
        {
            "benchmark": "registry_lists",
            "database": connection.vendor,
            "user": USER,
            "requests": args.requests,
            "firms": totals["firm"],
            "cpas": totals["cpa"],
            "baseline": baseline,
            "endpoints": endpoints,
        },
        args.strict,
        problems,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
