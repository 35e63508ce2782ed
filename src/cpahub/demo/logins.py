"""The demo's user accounts: one per role, with deterministic demo-only passwords."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from cpahub.accounts.choices import TWO_FACTOR_ROLES, Role


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str  # key resolved by the builder: province, city, firm_a, firm_b, regulator, bank, entity
    cpa: str = ""  # "partner" or "member": link the user to a CPA record of firm_a
    is_staff: bool = False


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("assoc_leader", Role.ASSOCIATION_LEADER, "province"),
    DemoLogin("assoc_staff", Role.ASSOCIATION_STAFF, "province"),
    DemoLogin("city_staff", Role.CITY_STAFF, "city"),
    DemoLogin("firm_admin", Role.FIRM_ADMIN, "firm_a"),
    DemoLogin("partner", Role.PARTNER, "firm_a", cpa="partner"),
    DemoLogin("manager", Role.MANAGER, "firm_a"),
    DemoLogin("auditor", Role.STAFF_AUDITOR, "firm_a"),
    DemoLogin("cpa", Role.CPA, "firm_a", cpa="member"),
    DemoLogin("firm_admin2", Role.FIRM_ADMIN, "firm_b"),
    DemoLogin("regulator", Role.REGULATOR_READER, "regulator"),
    DemoLogin("bank", Role.CONFIRMER_STAFF, "bank"),
    DemoLogin("entity", Role.ENTITY_STAFF, "entity"),
    DemoLogin("sysadmin", Role.SYSTEM_ADMIN, "province", is_staff=True),
    DemoLogin("secadmin", Role.SECURITY_ADMIN, "province"),
    DemoLogin("auditadmin", Role.AUDIT_ADMIN, "province"),
)

_WORDS = ("Ganjiang", "Lushan", "Poyang", "Tengwang", "Jinggang", "Sanqing", "Longhu", "Wuyuan", "Honggu")


def demo_password(seed: int, username: str) -> str:
    """A deterministic password with upper, lower, digits and a symbol (demo use only)."""
    rng = random.Random(f"cpahub-demo:{seed}:{username}")  # noqa: S311 - printed demo passwords
    return f"{rng.choice(_WORDS)}-{rng.randrange(1000, 10000)}{rng.choice('!#%*+')}"


def needs_two_factor(role: str) -> bool:
    return role in TWO_FACTOR_ROLES


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain text table that lines up Chinese (double-width) characters too."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(str(h), w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)
