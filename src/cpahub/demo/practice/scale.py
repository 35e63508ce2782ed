"""How much practice data to make, and the reference tables it is made from (grades, types, industries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from cpahub.accounts.choices import Role
from cpahub.engagements.choices import EngagementType as T


@dataclass
class Scale:
    """One firm's practice data: `staff` people, time from `start` to `as_of` of `year`."""

    staff: int = 40
    year: int = 2026
    as_of: datetime.date | None = None  # the last day with data (default: 31 December of `year`)
    start: datetime.date | None = None  # the first day with time (default: 1 January; a later adoption)
    entries_per_day: float = 2.5  # time entries per person and working day (on average)
    clients_per_staff: float = 3.0
    concurrency: float | None = None  # engagements a person works on at once (default from entries)
    prior_year: bool = True  # last year's unpaid invoices, so that receivables age past 365 days
    changelog: bool = True  # a 'create' change-log row per object (off for the benchmark's volume)

    def __post_init__(self):
        self.as_of = self.as_of or datetime.date(self.year, 12, 31)
        self.start = self.start or datetime.date(self.year, 1, 1)
        if self.as_of.year != self.year or self.start > self.as_of:
            raise ValueError("the period must lie in `year` and start on or before `as_of`")
        if self.staff < 8:
            raise ValueError("a firm needs at least 8 staff: two partners, a manager, a team, finance")
        if self.concurrency is None:
            self.concurrency = max(1.6, self.entries_per_day / 1.7)


@dataclass(frozen=True)
class GradeSpec:
    code: str
    name: str
    rank: int
    charge_rate: Decimal  # CNY per hour
    cost_rate: Decimal
    share: float  # of the chargeable staff
    role: str  # membership role of people of this grade


# A provincial firm's grade ladder; rates within the Jiangxi fee guidance for hourly work.
GRADES = (
    GradeSpec("P", "合伙人", 1, Decimal("1800"), Decimal("700"), 0.08, Role.PARTNER),
    GradeSpec("SM", "高级经理", 2, Decimal("1100"), Decimal("420"), 0.07, Role.MANAGER),
    GradeSpec("M", "经理", 3, Decimal("800"), Decimal("300"), 0.12, Role.MANAGER),
    GradeSpec("SS", "高级审计员", 4, Decimal("550"), Decimal("200"), 0.20, Role.STAFF_AUDITOR),
    GradeSpec("S", "审计员", 5, Decimal("380"), Decimal("140"), 0.27, Role.STAFF_AUDITOR),
    GradeSpec("A", "审计助理", 6, Decimal("220"), Decimal("90"), 0.26, Role.STAFF_AUDITOR),
)
GRADE_BY_CODE = {g.code: g for g in GRADES}
MANAGER_GRADES = ("SM", "M")
SENIOR_GRADES = ("SS",)
JUNIOR_GRADES = ("S", "A")


@dataclass(frozen=True)
class TypeSpec:
    weight: float  # share of the engagements besides the annual audits
    hours: tuple[int, int, int]  # total hours: low, mode, high (triangular)
    titles: tuple[str, ...]  # name after the client's name; {y} is the period's year


TYPES = {
    T.FS_AUDIT: TypeSpec(6, (120, 260, 900), ("{y}年度财务报表审计",)),
    T.CAPITAL_VERIFICATION: TypeSpec(12, (12, 24, 60), ("增资验资", "设立验资", "实收资本验资")),
    T.SPECIAL_AUDIT: TypeSpec(
        22,
        (60, 140, 360),
        ("{y}年度专项资金审计", "离任经济责任审计", "清产核资专项审计", "{y}年度高新技术企业专项审计"),
    ),
    T.REVIEW: TypeSpec(5, (60, 110, 220), ("{y}年半年度财务报表审阅",)),
    T.AUP: TypeSpec(8, (30, 70, 160), ("{y}年度募集资金使用商定程序", "应收账款商定程序")),
    T.TAX: TypeSpec(
        18,
        (40, 80, 200),
        ("{y}年度企业所得税汇算清缴鉴证", "土地增值税清算鉴证", "{y}年度研发费用加计扣除鉴证"),
    ),
    T.OTHER_ASSURANCE: TypeSpec(4, (40, 90, 180), ("{y}年度内部控制鉴证",)),
    T.NON_ASSURANCE: TypeSpec(6, (20, 60, 160), ("财务尽职调查", "内部控制咨询", "{y}年度财务顾问")),
}

# GB/T 4754-2017 divisions a provincial firm's clients are in, with weights.
INDUSTRIES = {
    "01": 1, "03": 1, "10": 1, "13": 4, "14": 2, "15": 1, "17": 2, "18": 2, "19": 1, "20": 1,
    "22": 1, "26": 4, "27": 3, "29": 2, "30": 3, "31": 1, "32": 3, "33": 2, "34": 3, "35": 3,
    "36": 2, "38": 4, "39": 4, "44": 3, "45": 1, "46": 2, "47": 4, "48": 5, "50": 3, "51": 5,
    "52": 4, "54": 3, "59": 1, "61": 1, "63": 1, "64": 2, "65": 4, "70": 7, "71": 1, "72": 5,
    "73": 1, "74": 2, "76": 1, "77": 2, "78": 3, "82": 1, "83": 2, "84": 1, "86": 1, "87": 1,
}  # fmt: skip

OWNERSHIP = {
    "private": 55,
    "state_local": 15,
    "state_central": 3,
    "mixed": 6,
    "foreign": 4,
    "hmt": 3,
    "collective": 2,
    "public_body": 6,
    "non_profit": 4,
    "other": 2,
}

# How a client pays: share of clients, (fewest, most) days from the invoice to the money.
PAYERS = {
    "prompt": (45, (3, 30)),
    "normal": (28, (20, 80)),
    "slow": (15, (60, 200)),
    "late": (8, (150, 420)),
    "never": (4, None),
}
