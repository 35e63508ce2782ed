"""Proposing a mapping for a new profile from a sample export's headers.

The header names that exports use for each field come from the built-in profiles, from the profiles
the user can see (their firm's and the shared ones) and from a short list of common spellings
below. Headers are compared as keys (`core.textio.key`: width, case, spaces and punctuation do not
matter); a header that holds a known name (`借方金额（本币）` holds `借方金额`) is matched after the
exact ones. A header that stands for different fields in different exports (用友 U8's 凭证号 is a
combined 凭证字号 such as 记-0001, 金蝶 K/3's only the number) is settled by the sample's values.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cpahub.core import textio as coretext
from cpahub.ledgers.formats.tabular.profiles import (
    FIELDS,
    HEADER_SEARCH_ROWS,
    Profile,
    best_match,
    builtin_profiles,
    combined_headers,
)

# Spellings seen in exports besides those of the built-in profiles.
COMMON_NAMES = {
    "lines": {
        "voucher_date": ["日期", "凭证日期", "记账日期", "制单日期", "业务日期", "date", "voucher date"],
        "period_label": ["会计期间", "期间", "会计月份", "月份", "period"],
        "fiscal_year": ["会计年度", "年度", "fiscal year", "year"],
        "voucher": ["凭证字号", "凭证号", "凭证编号", "voucher"],
        "voucher_type": ["凭证字", "凭证类别", "凭证类型", "voucher type"],
        "voucher_number": ["凭证号码", "voucher number"],
        "line_number": ["分录号", "分录序号", "行号", "序号", "line"],
        "description": ["摘要", "说明", "description"],
        "account_code": ["科目编码", "科目代码", "科目编号", "会计科目编码", "account code"],
        "account_name": ["科目名称", "科目全名", "会计科目", "account name"],
        "debit": ["借方金额", "借方", "借方发生额", "借方本币", "debit"],
        "credit": ["贷方金额", "贷方", "贷方发生额", "贷方本币", "credit"],
        "amount": ["金额", "本币金额", "发生额", "amount"],
        "direction": ["方向", "借贷方向", "借贷", "direction"],
        "currency": ["币种", "币别", "currency"],
        "fx_rate": ["汇率", "exchange rate"],
        "fx_amount": ["原币金额", "外币金额"],
        "fx_debit": ["外币借方", "原币借方"],
        "fx_credit": ["外币贷方", "原币贷方"],
        "quantity": ["数量", "quantity"],
        "customer": ["客户"],
        "supplier": ["供应商"],
        "department": ["部门"],
        "employee": ["个人", "职员", "员工"],
        "project": ["项目"],
        "inventory": ["存货"],
        "auxiliary": ["辅助项", "辅助核算", "核算项目"],
        "cash_flow_item": ["现金流量项目"],
        "preparer": ["制单人", "制单"],
        "reviewer": ["审核人", "审核"],
        "poster": ["记账人", "过账人", "记账", "过账"],
        "attachments": ["附单据数", "附件数", "附件"],
        "void": ["作废", "是否作废"],
    },
    "balances": {
        "account_code": ["科目编码", "科目代码", "科目编号", "account code"],
        "account_name": ["科目名称", "科目全名", "account name"],
        "currency": ["币种", "币别"],
        "opening": ["期初余额", "年初余额", "opening balance"],
        "opening_direction": ["期初方向", "期初余额方向"],
        "opening_debit": ["期初借方", "期初借方余额", "期初余额借方", "年初借方余额"],
        "opening_credit": ["期初贷方", "期初贷方余额", "期初余额贷方", "年初贷方余额"],
        "debit": ["本期借方", "本期借方发生额", "本期发生借方", "借方发生额", "debit"],
        "credit": ["本期贷方", "本期贷方发生额", "本期发生贷方", "贷方发生额", "credit"],
        "closing": ["期末余额", "closing balance"],
        "closing_direction": ["期末方向", "期末余额方向"],
        "closing_debit": ["期末借方", "期末借方余额", "期末余额借方"],
        "closing_credit": ["期末贷方", "期末贷方余额", "期末余额贷方"],
        "dimension_type": ["辅助类型", "核算类别"],
        "dimension_code": ["辅助编码", "核算项目编码"],
        "auxiliary": ["辅助项", "核算项目"],
    },
    "accounts": {
        "account_code": ["科目编码", "科目代码", "科目编号", "account code"],
        "account_name": ["科目名称", "account name"],
        "level": ["科目级次", "级次", "级别", "level"],
        "parent_code": ["上级科目", "上级科目编码", "上级科目代码"],
        "account_type": ["科目类型", "科目类别", "类别"],
        "normal_balance": ["余额方向", "方向"],
        "dimension_types": ["辅助核算", "核算项目"],
        "currency": ["外币币种", "外币核算", "币种"],
    },
}
# A known name must be this long (in key characters) to be looked for inside a longer header.
MIN_CONTAINED = 2
COMBINED_VOUCHER = re.compile(r"^\s*[^\d\s\-－—_]+\s*[\-－—_ ]?\s*\d+\s*$")


def synonyms(kind: str, profiles: Iterable[Profile] = ()) -> dict[str, str]:
    """Header key → field for `kind`: the most common reading among the common spellings, the
    built-in profiles and `profiles` (ties go to the common spellings, then the built-ins)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    order: dict[str, list[str]] = defaultdict(list)

    def vote(header: str, target: str) -> None:
        key = coretext.key(header)
        if not key or target not in FIELDS[kind] or target == "ignore":
            return
        votes[key][target] += 1
        if target not in order[key]:
            order[key].append(target)

    for target, names in COMMON_NAMES.get(kind, {}).items():
        for name in names:
            vote(name, target)
    for profile in (*builtin_profiles(), *profiles):
        if profile.kind == kind:
            for header, target in profile.columns.items():
                vote(header, target)
    result = {}
    for key, counter in votes.items():
        best = max(counter.values())
        result[key] = next(t for t in order[key] if counter[t] == best)
    return result


def ambiguous(kind: str, profiles: Iterable[Profile] = ()) -> dict[str, set[str]]:
    """Header keys that stand for more than one field in the known profiles (e.g. 凭证号)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for profile in (*builtin_profiles(), *profiles):
        if profile.kind == kind:
            for header, target in profile.columns.items():
                if target != "ignore":
                    seen[coretext.key(header)].add(target)
    return {key: targets for key, targets in seen.items() if len(targets) > 1}


@dataclass
class Header:
    index: int  # the header row's index in the rows searched (0-based)
    rows: int  # 1, or 2 for a second header row under merged cells
    headers: list[str]
    known: int  # how many headers are known names


def guess_header(rows: list[list[str]], kind: str, options: dict, profiles: Iterable[Profile] = ()) -> Header:
    """Where the header of a sample is: the given `header_row`/`header_rows`, else the row (or pair of
    rows) whose cells are most often known names; with no known name, the widest of the first rows."""
    known = synonyms(kind, profiles)
    probe = Profile(name="known names", kind=kind, columns=known)
    given_rows = options.get("header_rows")
    candidates = []
    for count in [int(given_rows)] if given_rows not in (None, "", "auto") else [1, 2]:
        match = best_match(probe, rows, {**options, "header_rows": count})
        if match is not None:
            hits = sum(1 for h in match.headers if coretext.key(h) in known)
            candidates.append((match.score, hits, -count, match))
    if candidates:
        _score, hits, _count, match = max(candidates, key=lambda c: c[:3])
        if hits:
            return Header(match.header_index, match.header_rows, match.headers, hits)
    given = options.get("header_row")
    if given not in (None, "", "auto"):
        index = int(given) - 1
    else:
        searched = rows[:HEADER_SEARCH_ROWS]
        widths = [sum(1 for c in row if str(c or "").strip()) for row in searched]
        index = widths.index(max(widths)) if widths else 0
    count = int(given_rows) if given_rows not in (None, "", "auto") else 1
    return Header(index, count, combined_headers(rows, index, count) if rows else [], 0)


def propose(
    headers: list[str],
    kind: str,
    profiles: Iterable[Profile] = (),
    samples: dict[int, list[str]] | None = None,
) -> dict[str, int]:
    """Field → column index for the headers of a sample: exact names first, then headers that
    hold a known name (the longest one); each column and each field used once, left to right.
    `samples` (column index → some of its values) settles headers that mean different fields."""
    profiles = list(profiles)
    known = synonyms(kind, profiles)
    doubtful = ambiguous(kind, profiles)
    keys = [coretext.key(h) for h in headers]
    proposal: dict[str, int] = {}
    used: set[int] = set()

    def take(target: str | None, index: int) -> None:
        if target and target not in proposal and index not in used:
            proposal[target] = index
            used.add(index)

    for index, key in enumerate(keys):
        if key in known:
            target = known[key]
            if key in doubtful and samples is not None:
                target = _settle(doubtful[key], samples.get(index, []), target)
            take(target, index)
    by_length = sorted(known, key=len, reverse=True)
    for index, key in enumerate(keys):
        if not key or index in used or key in known:
            continue
        inside = [name for name in by_length if len(name) >= MIN_CONTAINED and name in key]
        if inside:
            take(known[inside[0]], index)
    return proposal


def _settle(targets: set[str], values: list[str], default: str) -> str:
    """Pick the reading of a doubtful header from its values (combined 凭证字号 or a number)."""
    if {"voucher", "voucher_number"} <= targets:
        filled = [v for v in values if str(v or "").strip()]
        if filled:
            combined = all(COMBINED_VOUCHER.match(coretext.fold(str(v))) for v in filled)
            return "voucher" if combined else "voucher_number"
    return default
