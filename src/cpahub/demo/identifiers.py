"""Valid, unique Chinese identifiers for the demo: credit codes, resident ID numbers, certificates."""

from __future__ import annotations

import datetime
import random
from functools import cache

from stdnum.cn import ric, uscc

from cpahub.demo.data import CITY_BY_CODE

# Characters allowed in the organisation-code part of a credit code (GB 32100: no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check(body: str) -> str:
    """Check character of a GB 11714 organisation code (8 characters of body)."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(authority_type: str, region: str, org_body: str) -> str:
    """Assemble an 18-character unified social credit code and its check character."""
    body = authority_type + region + org_body + organisation_code_check(org_body)
    return body + uscc.calc_check_digit(body + "0")


class CreditCodes:
    """Generates unique, valid credit codes. Codes issued since 2015 mostly look like ...MA35XXXX."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self, region: str, *, authority_type: str = "91", registered: int = 2010) -> str:
        rng = self.rng
        while True:
            if registered >= 2015 and rng.random() < 0.85:
                tail = "".join(rng.choice(USCC_ALPHABET) for _ in range(4))
                org_body = "MA3" + rng.choice("58") + tail
            else:
                org_body = rng.choice("1577") + "".join(rng.choice("0123456789") for _ in range(7))
            code = make_credit_code(authority_type, region, org_body)
            if code not in self.used:
                self.used.add(code)
                return code


@cache
def region_valid_in(code: str, year: int) -> bool:
    """Whether stdnum accepts `code` as the region of an ID number of someone born in `year`."""
    sample = f"{code}{year}0101001"
    return ric.is_valid(sample + ric.calc_check_digit(sample + "0"))


@cache
def id_regions(city: str, year: int) -> tuple[str, ...]:
    """Region codes of `city` that were in use in `year`."""
    regions = tuple(c for c in CITY_BY_CODE[city].id_codes if region_valid_in(c, year))
    if not regions:
        raise ValueError(f"no region code of {city} is valid for {year}")
    return regions


class ResidentIds:
    """Generates unique resident ID numbers consistent with birth date and gender."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self, city: str, birth: datetime.date, gender: str) -> str:
        rng = self.rng
        regions = id_regions(city, birth.year)
        while True:
            order = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)  # odd for men, even for women
            body = f"{rng.choice(regions)}{birth:%Y%m%d}{order:03d}"
            number = body + ric.calc_check_digit(body + "0")  # the last character is ignored
            if number not in self.used:
                self.used.add(number)
                return number


class CertificateNumbers:
    """CPA certificate numbers: 36, the city's two digits, the qualification year, six digits."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def new(self, city: str, qualified: datetime.date) -> str:
        while True:
            number = f"36{city[2:4]}{qualified.year % 100:02d}{self.rng.randrange(1_000_000):06d}"
            if number not in self.used:
                self.used.add(number)
                return number
