"""The firm's clients: valid credit codes, GB/T 4754 industries, groups, sizes, contacts, how they pay."""

from __future__ import annotations

import random
import re
from decimal import Decimal

from cpahub.clients import industry as gbt4754
from cpahub.clients.choices import ClientStatus, Exchange, RiskRating
from cpahub.clients.models import Client, ClientContact
from cpahub.clients.names import name_key
from cpahub.demo import data, names
from cpahub.demo.identifiers import CreditCodes
from cpahub.demo.practice.context import ClientInfo, Practice
from cpahub.demo.practice.scale import INDUSTRIES, OWNERSHIP, PAYERS

CONTACT_TITLES = ("财务总监", "财务经理", "会计主管", "董事会秘书", "总经理")
FORM = re.compile(r"(股份有限公司|有限责任公司|集团有限公司|有限公司)$")
LISTED_OWNERSHIP = ("private", "state_local", "state_central", "mixed")


def _stock_code(rng: random.Random) -> tuple[str, str]:
    exchange = rng.choice((Exchange.SSE, Exchange.SSE, Exchange.SZSE, Exchange.SZSE, Exchange.BSE))
    if exchange == Exchange.SSE:
        return exchange, rng.choice(("600", "601", "603", "688")) + f"{rng.randrange(1000):03d}"
    if exchange == Exchange.SZSE:
        return exchange, rng.choice(("000", "002", "300", "301")) + f"{rng.randrange(1000):03d}"
    return exchange, rng.choice(("83", "87", "43")) + f"{rng.randrange(10000):04d}"


def make_clients(practice: Practice) -> None:
    rng = practice.rng("clients")
    firm = practice.firm
    count = max(6, round(practice.scale.staff * practice.scale.clients_per_staff))
    codes = CreditCodes(practice.rng("client-codes"))
    unique = names.UniqueNames(practice.rng("client-names"))
    divisions = [d for d in INDUSTRIES if d in gbt4754.divisions()]
    weights = [INDUSTRIES[d] for d in divisions]
    staff_by_office = [sum(1 for p in practice.people if p.office is o) or 1 for o in practice.offices]
    partners = practice.partners()
    stocks: set[str] = set()
    infos: list[ClientInfo] = []
    for _ in range(count):
        office = rng.choices(practice.offices, staff_by_office)[0]
        home = data.CITY_BY_CODE.get(office.city) or data.CITIES[0]
        city = home if rng.random() < 0.8 else rng.choice(data.CITIES)
        name, short = unique.entity(city)
        region, district = names.district(rng, city, core=False)
        registered = rng.randint(1995, practice.scale.year - 1)
        employees = max(5, int(rng.lognormvariate(4.3, 1.1)))
        revenue = Decimal(employees * rng.randint(40, 250)) * 10000
        ownership = rng.choices(list(OWNERSHIP), list(OWNERSHIP.values()))[0]
        listed = ownership in LISTED_OWNERSHIP and employees > 300 and rng.random() < 0.25
        exchange, stock = "", ""
        while listed and (not stock or stock in stocks):
            exchange, stock = _stock_code(rng)
        stocks.add(stock)
        risk = rng.choices(RiskRating.values, (60, 32, 8))[0]
        status = rng.choices(ClientStatus.values, (5, 90, 5))[0]
        client = Client(
            firm=firm,
            office=office,
            name=name,
            name_key=name_key(name),
            short_name=short,
            credit_code=codes.new(region, registered=registered),
            status=status,
            industry=(code := rng.choices(divisions, weights)[0]),
            industry_section=gbt4754.section_of(code),
            ownership=ownership,
            listed=listed,
            stock_code=stock,
            exchange=exchange,
            registered_capital=Decimal(rng.choice((50, 100, 200, 500, 1000, 2000, 5000))) * 10000,
            revenue=revenue,
            total_assets=(revenue * Decimal(str(round(rng.uniform(0.6, 2.5), 2)))).quantize(Decimal("1")),
            employees=employees,
            city=city.code,
            address=names.address(rng, city, district, office=rng.random() < 0.5),
            legal_representative=names.person_name(rng, rng.choice("MF"), 1970),
            risk_rating=risk,
            created_by=rng.choice(partners).user,
        )
        payer = rng.choices(list(PAYERS), [w for w, _d in PAYERS.values()])[0]
        if risk == RiskRating.HIGH and payer == "prompt":
            payer = "slow"
        infos.append(ClientInfo(client, payer, PAYERS[payer][1], city.code))
    parents = _groups(rng, infos)
    heads = [i.client for i in infos if i.client.name.endswith("集团有限公司")]
    practice.store.add(heads, owner=firm.pk)
    for info in infos:
        info.client.parent = parents.get(id(info.client))
    practice.store.add([i.client for i in infos if i.client.pk is None], owner=firm.pk)
    practice.clients = infos
    _contacts(practice, rng, infos)


def _groups(rng: random.Random, infos: list[ClientInfo]) -> dict[int, Client]:
    """About one client in twelve heads a group of 1-4 subsidiaries named after it: {id(sub): head}."""
    parents = {}
    free = list(infos)
    rng.shuffle(free)
    heads = free[: max(1, len(infos) // 12)]
    rest = free[len(heads) :]
    for head in heads:
        head.client.name = FORM.sub("集团有限公司", head.client.name)
        head.client.name_key = name_key(head.client.name)
        size = rng.randint(1, 4)
        for sub in rest[:size]:
            city = data.CITY_BY_CODE[sub.city]
            word = sub.client.short_name[-2:]
            sub.client.name = f"{head.client.short_name}（{city.short}）{word}有限公司"
            sub.client.name_key = name_key(sub.client.name)
            parents[id(sub.client)] = head.client
            sub.client.risk_rating = head.client.risk_rating
            sub.payer, sub.delay = head.payer, head.delay  # the group pays for its companies
        rest = rest[size:]
    return parents


def _contacts(practice: Practice, rng: random.Random, infos: list[ClientInfo]) -> None:
    contacts = []
    for info in infos:
        for n in range(rng.choice((1, 1, 2, 2, 3))):
            person = names.person_name(rng, rng.choice("MF"), 1980)
            contacts.append(
                ClientContact(
                    client=info.client,
                    name=person,
                    title=CONTACT_TITLES[n] if n else rng.choice(CONTACT_TITLES[:3]),
                    phone=names.mobile(rng),
                    email=f"finance{info.client.credit_code[-6:].lower()}{n}@example.com",
                    primary=n == 0,
                )
            )
    practice.store.add(contacts, owner=practice.firm.pk, keys=False)
