"""Mapping profiles: what they hold, the built-in ones, and choosing one for a table by its headers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cpahub.core import textio as coretext
from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import make_issue

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
KINDS = ("lines", "balances", "accounts")
HEADER_SEARCH_ROWS = 20
MIN_SCORE = 0.5
TIE = 1e-9
LINE_FIELDS = set(canonical.LINES) - {"source_location"} | {
    "voucher",
    "period_label",
    "account_name",
    "amount",
    "direction",
    "fx_debit",
    "fx_credit",
    "auxiliary",
    "ignore",
}
BALANCE_FIELDS = {
    "account_code",
    "account_name",
    "currency",
    "opening",
    "opening_debit",
    "opening_credit",
    "opening_direction",
    "debit",
    "credit",
    "closing",
    "closing_debit",
    "closing_credit",
    "closing_direction",
    "opening_fx",
    "closing_fx",
    "opening_quantity",
    "closing_quantity",
    "dimension_type",
    "dimension_code",
    "auxiliary",
    "ignore",
}
ACCOUNT_FIELDS = {
    "account_code",
    "account_name",
    "level",
    "parent_code",
    "account_type",
    "normal_balance",
    "dimension_types",
    "currency",
    "ignore",
}
FIELDS = {"lines": LINE_FIELDS, "balances": BALANCE_FIELDS, "accounts": ACCOUNT_FIELDS}
# Each entry: one of these sets of fields must be mapped.
# Each entry: one of these sets of fields must be mapped.
REQUIRED = {
    "lines": [
        [{"account_code"}],
        [{"voucher"}, {"voucher_number"}],
        [{"debit", "credit"}, {"amount"}],
        [{"voucher_date"}, {"period"}, {"period_label"}],
    ],
    "balances": [
        [{"account_code"}],
        [
            {"opening"},
            {"opening_debit", "opening_credit"},
            {"closing"},
            {"closing_debit", "closing_credit"},
            {"debit", "credit"},
        ],
    ],
    "accounts": [[{"account_code"}], [{"account_name"}]],
}
OPTIONS = {
    "profile": "id, name or built-in slug of the profile to use (no auto-selection)",
    "encoding": "auto | utf-8 | gb18030 | utf-16",
    "delimiter": "auto | , | \\t | ; | |",
    "sheet": "the only worksheet to read (xlsx)",
    "header_row": "auto | the 1-based row of the header",
    "header_rows": "1 | 2 (a second header row under merged cells, e.g. 期初余额 over 借方/贷方)",
    "date_format": "auto | ymd | ymd_compact | dmy | mdy | excel",
    "decimal": "auto | . | ,",
    "amount": "auto | debit_credit | signed | direction",
    "auxiliary": "{style: combined | columns, value: code | code_name, labels: {label: dimension type}}",
    "voucher_pattern": "auto | a regular expression with the groups (?P<type>...) and (?P<number>...)",
    "strip_voucher_zeros": "true | false: 记-0012 → number 12",
    "fx_signed": "false: foreign amounts are unsigned and take the side of the local amount",
    "currency": "the local currency (CNY)",
    "chart": "cas | none: guess account types from the enterprise chart's code digits",
    "skip_totals": "true | false: drop 合计 / 本月合计 / 本年累计 / 承前页 ... rows",
    "fiscal_year": "the fiscal year, for tables with periods but no dates or years",
    "entity_name": "the entity's name",
    "credit_code": "the entity's unified social credit code",
}
FLAG_OPTIONS = ("strip_voucher_zeros", "fx_signed", "skip_totals")
INTERNAL_OPTIONS = {"max_uncompressed_bytes", "max_compression_ratio"}


# --- profiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    columns: dict
    options: dict = field(default_factory=dict)
    software: str = ""
    id: int | None = None
    slug: str = ""
    builtin: bool = False

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    def lookup(self) -> dict[str, str]:
        return {coretext.key(header): target for header, target in self.columns.items()}


def check_profile(kind: str, columns: dict, options: dict | None = None) -> list[str]:
    """What is wrong with a profile (empty when nothing): unknown fields or options, missing ones."""
    problems = []
    if kind not in KINDS:
        return [f"unknown kind {kind!r}; known: {', '.join(KINDS)}"]
    for header, target in columns.items():
        if target not in FIELDS[kind]:
            problems.append(f"{header}: {target!r} is not a field of {kind}")
    for option in options or {}:
        if option not in OPTIONS:
            problems.append(f"unknown option {option!r}")
    targets = set(columns.values())
    for alternatives in REQUIRED[kind]:
        if not any(group <= targets for group in alternatives):
            problems.append("missing: " + " or ".join("+".join(sorted(g)) for g in alternatives))
    return problems


@cache
def builtin_profiles() -> tuple[Profile, ...]:
    """The built-in profiles from profiles/*.json (also loaded into the database by a migration)."""
    found = []
    for path in sorted(PROFILES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            Profile(
                name=data["name"],
                kind=data["kind"],
                columns=data["columns"],
                options=data.get("options", {}),
                software=data.get("software", ""),
                slug=path.stem,
                builtin=True,
            )
        )
    return tuple(found)


def as_profile(value) -> Profile:
    """A Profile from a MappingProfile, a dict or a Profile."""
    if isinstance(value, Profile):
        return value
    if isinstance(value, dict):
        return Profile(
            name=value.get("name", "profile"),
            kind=value.get("kind", "lines"),
            columns=dict(value.get("columns") or {}),
            options=dict(value.get("options") or {}),
            software=value.get("software", ""),
            id=value.get("id"),
            slug=value.get("slug", ""),
        )
    slugs = {p.name: p.slug for p in builtin_profiles()}
    return Profile(
        name=value.name,
        kind=value.kind,
        columns=dict(value.columns or {}),
        options=dict(value.options or {}),
        software=value.software,
        id=value.pk,
        slug=slugs.get(value.name, "") if value.builtin else "",
        builtin=value.builtin,
    )


def available_profiles(user) -> list[Profile]:
    """The profiles `user` may use: built-in, shared, and their firms' own (the permission gate)."""
    from cpahub.core.permissions import VIEW
    from cpahub.ledgers.models import MappingProfile

    stored = [as_profile(p) for p in MappingProfile.objects.restrict(user, VIEW)]
    names = {(p.name, p.kind) for p in stored if p.builtin}
    return stored + [p for p in builtin_profiles() if (p.name, p.kind) not in names]


def resolve_profile(reference, candidates: Iterable[Profile]) -> Profile:
    """The profile named by an id, a name or a built-in slug among `candidates`."""
    if not isinstance(reference, str | int):
        return as_profile(reference)
    candidates = list(candidates)
    text_ref = str(reference).strip()
    for profile in candidates:
        if (profile.id is not None and text_ref == str(profile.id)) or text_ref in (
            profile.name,
            profile.slug,
        ):
            return profile
    wanted = coretext.key(text_ref)
    matches = [p for p in candidates if coretext.key(p.name) == wanted]
    if len(matches) == 1:
        return matches[0]
    raise FormatError.of(
        "no_such_profile", profile=text_ref, available=", ".join(p.slug or p.name for p in candidates)
    )


# --- header matching ------------------------------------------------------------------------------


@dataclass
class Match:
    profile: Profile
    score: float  # precision: the share of the table's headers the profile knows
    coverage: float  # the share of the profile's fields the table has
    header_index: int  # index of the (first) header row in the rows searched
    header_rows: int
    headers: list[str]  # the (combined) header texts, one per column
    mapping: dict[str, int]  # field -> column index
    missing: list[str]

    @property
    def rank(self) -> tuple:
        return (not self.missing, self.score, self.coverage)

    def describe(self) -> str:
        return f"{self.score:.2f} of the columns known, {self.coverage:.2f} of the profile's fields found"


def combined_headers(rows: list[list[str]], start: int, count: int) -> list[str]:
    """The header texts of `count` rows from `start`; a second row is appended to the first, whose
    merged cells (empty to the right of a title) are filled forward: 期初余额 | (empty) over
    借方 | 贷方 gives 期初余额借方 | 期初余额贷方."""
    top = list(rows[start]) if start < len(rows) else []
    if count == 1:
        return [str(c or "").strip() for c in top]
    bottom = list(rows[start + 1]) if start + 1 < len(rows) else []
    width = max(len(top), len(bottom))
    top += [""] * (width - len(top))
    bottom += [""] * (width - len(bottom))
    headers, last = [], ""
    for upper, lower in zip(top, bottom, strict=True):
        upper, lower = str(upper or "").strip(), str(lower or "").strip()
        if upper:
            last = upper
        headers.append(((upper or last) + lower) if lower else upper)
    return headers


def score(profile: Profile, headers: list[str]) -> tuple[float, float, dict[str, int], list[str]]:
    """(precision, coverage, field → column, missing requirements) of a profile on a header row.

    Precision is the share of the table's (non-empty) headers that the profile knows; coverage the
    share of the profile's fields that the table has. Profiles are ranked by precision, then
    coverage: an export without the optional columns (no foreign currency, say) still fits its
    profile fully, and of two profiles that know every header the one that expects fewer columns it
    does not see wins. Equal on both counts is a tie, and ties are refused.
    """
    lookup = profile.lookup()
    mapping: dict[str, int] = {}
    found_fields: set[str] = set()
    known = unknown = 0
    for index, header in enumerate(headers):
        header_key = coretext.key(header)
        if not header_key:
            continue
        target = lookup.get(header_key)
        if target is None:
            unknown += 1
            continue
        known += 1
        found_fields.add(target)
        if target != "ignore" and target not in mapping:
            mapping[target] = index
    missing = []
    for alternatives in REQUIRED.get(profile.kind, []):
        if not any(group <= set(mapping) for group in alternatives):
            missing.append(" or ".join("+".join(sorted(g)) for g in alternatives))
    precision = known / (known + unknown) if known + unknown else 0.0
    coverage = len(found_fields) / len(profile.fields) if profile.fields else 0.0
    return precision, coverage, mapping, missing


def best_match(profile: Profile, rows: list[list[str]], options: dict) -> Match | None:
    """The best header position of a profile in the first rows of a table."""
    header_rows = int(options.get("header_rows") or profile.options.get("header_rows") or 1)
    given = options.get("header_row") or profile.options.get("header_row")
    starts = (
        [int(given) - 1]
        if given not in (None, "", "auto")
        else range(min(HEADER_SEARCH_ROWS, max(len(rows) - header_rows + 1, 0)))
    )
    best = None
    for start in starts:
        if start < 0 or start >= len(rows):
            continue
        headers = combined_headers(rows, start, header_rows)
        precision, coverage, mapping, missing = score(profile, headers)
        candidate = Match(profile, precision, coverage, start, header_rows, headers, mapping, missing)
        if best is None or candidate.rank > best.rank:
            best = candidate
    return best


def choose(rows: list[list[str]], candidates: list[Profile], options: dict, name: str, sink) -> Match:
    """The profile for a table: the one named by the option `profile`, or the best-scoring one.
    Two profiles fitting equally well are refused (never guessed)."""
    if options.get("profile") not in (None, ""):
        profile = resolve_profile(options["profile"], candidates)
        match = best_match(profile, rows, options)
        if match is None or match.missing:
            if match is None:
                raise FormatError.of("profile_no_header", name, profile=profile.name)
            raise FormatError.of(
                "profile_misfit", name, profile=profile.name, missing="; ".join(match.missing)
            )
        sink.report(make_issue("info", "profile_used", name, name=name, profile=profile.name))
        return match
    matches = [m for m in (best_match(p, rows, options) for p in candidates) if m is not None]
    fitting = sorted((m for m in matches if not m.missing), key=lambda m: m.rank, reverse=True)
    if not fitting or fitting[0].score < MIN_SCORE:
        ranked = sorted(matches, key=lambda m: m.rank, reverse=True)[:3]
        described = "; ".join(
            f"{m.profile.name} {m.score:.2f}" + (f" (missing {', '.join(m.missing)})" if m.missing else "")
            for m in ranked
        )
        raise FormatError.of("no_profile_fits", name, closest=described)
    best = fitting[0]
    tied = [
        m
        for m in fitting[1:]
        if abs(m.score - best.score) <= TIE
        and abs(m.coverage - best.coverage) <= TIE
        and m.profile != best.profile
    ]
    if tied:
        names = ", ".join(repr(m.profile.name) for m in [best, *tied])
        raise FormatError.of("profiles_tied", name, profiles=names, score=best.score, coverage=best.coverage)
    runner = fitting[1] if len(fitting) > 1 else None
    sink.report(
        make_issue(
            "info",
            "profile_selected",
            name,
            variant="runner_up" if runner else None,
            name=name,
            profile=best.profile.name,
            profile_id=best.profile.id,
            score=round(best.score, 4),
            coverage=round(best.coverage, 4),
            runner_up=runner.profile.name if runner else None,
            runner_up_score=round(runner.score, 4) if runner else None,
            runner_up_coverage=round(runner.coverage, 4) if runner else None,
            header_row=best.header_index + 1,
        )
    )
    return best
