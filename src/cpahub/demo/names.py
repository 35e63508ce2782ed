"""Chinese names for people, firms and companies, addresses and telephone numbers."""

from __future__ import annotations

import random

from cpahub.demo import data
from cpahub.registry.choices import LegalForm

_SURNAMES = [s for s, _w in data.SURNAMES]
_SURNAME_WEIGHTS = [w for _s, w in data.SURNAMES]

FIRM_SUFFIX = {
    LegalForm.GENERAL_PARTNERSHIP: "会计师事务所（普通合伙）",
    LegalForm.SPECIAL_PARTNERSHIP: "会计师事务所（特殊普通合伙）",
    LegalForm.LIMITED_COMPANY: "会计师事务所有限责任公司",
}


_INDUSTRY_SHORT = {"房地产开发": "地产", "城市建设投资": "城投", "交通投资": "交投", "物联网科技": "物联"}


def person_name(rng: random.Random, gender: str, birth_year: int = 1985) -> str:
    surname = rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]
    pool = data.GIVEN_MALE if gender == "M" else data.GIVEN_FEMALE
    single = 0.35 if birth_year < 1980 else 0.15
    if rng.random() < single:
        return surname + rng.choice(pool)
    first = rng.choice(data.GIVEN_NEUTRAL) if rng.random() < 0.35 else rng.choice(pool)
    second = rng.choice(pool)
    while second == first:
        second = rng.choice(pool)
    return surname + first + second


class UniqueNames:
    """Hands out names not used before (firm and company names are unique in a province)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _take(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of distinct names")

    def firm(self, city: data.CityInfo, legal_form: str) -> tuple[str, str]:
        """A firm name and its short name, e.g. 江西恒信会计师事务所有限责任公司 / 江西恒信."""
        rng = self.rng
        holder: dict[str, str] = {}

        def make():
            first = rng.choice(data.FIRM_TRADE_FIRST)
            second = rng.choice(data.FIRM_TRADE_SECOND)
            while second == first:
                second = rng.choice(data.FIRM_TRADE_SECOND)
            prefix = "江西" if rng.random() < 0.6 else city.short
            trade = first + second + ("联合" if rng.random() < 0.08 else "")
            suffix = FIRM_SUFFIX[legal_form]
            if legal_form == LegalForm.LIMITED_COMPANY and rng.random() < 0.2:
                suffix = "会计师事务所有限公司"
            holder["short"] = prefix + first + second
            return prefix + trade + suffix

        name = self._take(make)
        return name, holder["short"]

    def entity(self, city: data.CityInfo) -> tuple[str, str]:
        """A company name, favouring the city's own industries, and its short name."""
        rng = self.rng
        forms = [f for f, _w in data.ENTITY_FORMS]
        weights = [w for _f, w in data.ENTITY_FORMS]
        holder: dict[str, str] = {}

        def make():
            trade = "".join(rng.sample(data.ENTITY_TRADE, 2))
            prefix = city.short if rng.random() < 0.75 else "江西"
            industry = (
                rng.choice(city.industries) if rng.random() < 0.45 else rng.choice(data.ENTITY_INDUSTRIES)
            )
            form = rng.choices(forms, weights)[0]
            holder["short"] = trade + _INDUSTRY_SHORT.get(industry, industry[:2])
            return prefix + trade + industry + form

        name = self._take(make)
        return name, holder["short"]


def district(rng: random.Random, city: data.CityInfo, *, core: bool) -> tuple[str, str]:
    """A district (code, name): one of the urban core when `core`, else any, the core more often."""
    if core or rng.random() < 0.6:
        return rng.choice(city.districts[: city.core])
    return rng.choice(city.districts)


def address(rng: random.Random, city: data.CityInfo, district_name: str, *, office: bool = True) -> str:
    road = rng.choice(city.roads)
    number = rng.randint(1, 1999) if city.code == "360100" else rng.randint(1, 600)
    text = f"江西省{city.name}{district_name}{road}{number}号"
    if office and rng.random() < 0.7:
        text += f"{rng.choice(data.BUILDINGS)}{rng.randint(2, 32)}楼"
    return text


def landline(rng: random.Random, city: data.CityInfo) -> str:
    digits = city.phone_digits
    first = rng.choice("8868") if digits == 8 else rng.choice("2368")
    return f"{city.area_code}-{first}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"


def mobile(rng: random.Random) -> str:
    prefix = rng.choice(
        ("139", "138", "137", "135", "150", "151", "158", "159", "182", "187", "188", "133", "189")
    )
    return f"{prefix}{rng.randrange(10**8):08d}"
