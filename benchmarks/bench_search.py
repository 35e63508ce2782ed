"""Public firm search (/search/?q=...) with the demo province loaded, as an anonymous visitor.

Searches for a full firm name, a short name, a word every firm has and a name that matches nothing:
SQL queries of one request and median / p95 latency over --requests requests each, against /healthz/
timed the same way in the same run. The last line of the output is one JSON object with every figure.
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode

import _common

ROW_PATTERN = r'href="/firms/(\d+)/"'


def main(argv: list[str] | None = None) -> None:
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    _common.require_demo()
    from django.db import connection
    from django.test import Client

    from cpahub.accounts.choices import OrgStatus
    from cpahub.registry.models import Firm

    firm = (
        Firm.objects.filter(organisation__status=OrgStatus.ACTIVE, organisation__parent__isnull=True)
        .select_related("organisation")
        .order_by("licence_no")
        .first()
    )
    terms = {
        "full_name": firm.organisation.name,
        "short_name": firm.organisation.short_name or firm.organisation.name[:4],
        "every_firm": "会计师事务所",
        "no_match": "不存在的事务所",
    }
    client = Client()  # anonymous, like the public
    problems: list[str] = []

    baseline = _common.measure(client, "/healthz/", args.requests)
    print(_common.describe("baseline /healthz/", baseline))
    if "error" in baseline:
        problems.append(f"/healthz/ answered {baseline['status']}: {baseline['error']}")
    base_median = baseline.get("median_ms")

    searches: dict[str, dict] = {}
    for key, term in terms.items():
        url = "/search/?" + urlencode({"q": term})
        result = _common.measure(client, url, args.requests, row_pattern=ROW_PATTERN)
        result["q"] = term
        if base_median and "median_ms" in result:
            result["ratio_to_baseline"] = round(result["median_ms"] / base_median, 1)
        searches[key] = result
        print(_common.describe(f"search {key}", result))
        if "error" in result:
            problems.append(f"search {key}: {url} answered {result['status']} ({result['error']})")
            if result["status"] == 404:
                break  # the page is not there: the other terms would say the same
    if "rows" in searches.get("full_name", {}) and searches["full_name"]["rows"] < 1:
        problems.append("searching a firm's full name found nothing")

    _common.report(
        {
            "benchmark": "public_search",
            "database": connection.vendor,
            "requests": args.requests,
            "baseline": baseline,
            "searches": searches,
        },
        args.strict,
        problems,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
