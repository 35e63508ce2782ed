"""The national industry classification GB/T 4754-2017 (国民经济行业分类): 20 sections (门类, A–T) and
97 divisions (大类, 01–97), with Chinese and English names, from `data/gbt4754_2017.json`.

A client's industry is a division code or a finer one: a group (中类, 3 digits) or a class (小类,
4 digits) whose first two digits are a division. Finer codes are accepted as written once their
division is known; the section letter is derived from the division. People also write the section
letter in front ("C13", "C1311") or use full-width digits; `clean_industry_code` folds all of these.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

DATA = Path(__file__).with_name("data") / "gbt4754_2017.json"
CODE = re.compile(r"^([A-Z]?)(\d{2,4})$")


@dataclass(frozen=True)
class Entry:
    code: str
    zh: str
    en: str
    section: str = ""  # for divisions: the section letter

    @property
    def name(self) -> str:
        """The name in the active language (Chinese for zh-*, English otherwise)."""
        return self.zh if (get_language() or "").startswith("zh") else self.en


@functools.cache
def _load() -> tuple[dict[str, Entry], dict[str, Entry]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    sections: dict[str, Entry] = {}
    divisions: dict[str, Entry] = {}
    for section in raw["sections"]:
        sections[section["code"]] = Entry(section["code"], section["zh"], section["en"])
        for division in section["divisions"]:
            divisions[division["code"]] = Entry(
                division["code"], division["zh"], division["en"], section["code"]
            )
    return sections, divisions


def sections() -> dict[str, Entry]:
    return _load()[0]


def divisions() -> dict[str, Entry]:
    return _load()[1]


def section_of(code: str) -> str:
    """The section letter of a stored code, or "" when the code is empty or unknown."""
    division = divisions().get((code or "")[:2])
    return division.section if division else ""


def clean_industry_code(value: str) -> str:
    """The code as stored (digits only), or ValidationError saying what is wrong with it."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()
    if not text:
        return ""
    match = CODE.match(text)
    if not match:
        raise ValidationError(
            _(
                "Write the industry as a GB/T 4754 code: a two-digit division (e.g. 13), or a group or "
                "class of three or four digits (e.g. 1311), optionally after the section letter (C13)."
            ),
            code="format",
        )
    letter, code = match.groups()
    division = divisions().get(code[:2])
    if division is None:
        raise ValidationError(
            _("%(code)s is not a division of GB/T 4754-2017 (the divisions are 01 to 97).")
            % {"code": code[:2]},
            code="division",
        )
    if letter and letter != division.section:
        raise ValidationError(
            _("Division %(code)s belongs to section %(section)s, not %(letter)s.")
            % {"code": division.code, "section": division.section, "letter": letter},
            code="section",
        )
    return code


def validate_industry_code(value: str) -> None:
    clean_industry_code(value)


def label(code: str) -> str:
    """ "1311 Processing of Food ..." for a stored code ("" when empty)."""
    if not code:
        return ""
    division = divisions().get(code[:2])
    return f"{code} {division.name}" if division else code


def section_label(letter: str) -> str:
    section = sections().get(letter or "")
    return f"{letter} {section.name}" if section else (letter or "")


def section_choices() -> list[tuple[str, str]]:
    return [(letter, f"{letter} {entry.name}") for letter, entry in sections().items()]


def grouped_division_choices(extra: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """Divisions grouped by section, for a select. `extra` (a stored finer code) is kept as an option."""
    groups: dict[str, list[tuple[str, str]]] = {letter: [] for letter in sections()}
    for code, division in divisions().items():
        groups[division.section].append((code, f"{code} {division.name}"))
    if extra and extra not in divisions() and section_of(extra):
        options = groups[section_of(extra)]
        options.append((extra, label(extra)))
        options.sort()
    return [(section_label(letter), options) for letter, options in groups.items()]
