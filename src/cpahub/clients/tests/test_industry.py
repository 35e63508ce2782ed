"""GB/T 4754-2017 as data, and the validation of a client's industry code."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cpahub.clients import industry

DIVISIONS = sorted(industry.divisions())


def test_the_classification_has_20_sections_and_97_divisions():
    sections = industry.sections()
    assert list(sections) == list("ABCDEFGHIJKLMNOPQRST")
    assert [f"{n:02d}" for n in range(1, 98)] == DIVISIONS
    per_section = {}
    for division in industry.divisions().values():
        per_section[division.section] = per_section.get(division.section, 0) + 1
    assert per_section == {
        "A": 5, "B": 7, "C": 31, "D": 3, "E": 4, "F": 2, "G": 8, "H": 2, "I": 3, "J": 4,
        "K": 1, "L": 2, "M": 3, "N": 4, "O": 3, "P": 1, "Q": 2, "R": 5, "S": 6, "T": 1,
    }  # fmt: skip
    for entry in [*sections.values(), *industry.divisions().values()]:
        assert entry.zh and entry.en


def test_names_follow_the_language():
    assert industry.divisions()["39"].zh == "计算机、通信和其他电子设备制造业"
    assert industry.sections()["D"].zh == "电力、热力、燃气及水生产和供应业"
    with translation.override("zh-hans"):
        assert industry.label("6511") == "6511 软件和信息技术服务业"
        assert industry.section_label("I") == "I 信息传输、软件和信息技术服务业"
    with translation.override("en"):
        assert industry.label("13") == "13 Processing of Food from Agricultural Products"


@pytest.mark.parametrize(
    ("written", "stored"),
    [("13", "13"), ("C13", "13"), ("c 1311", "1311"), ("１３１", "131"), ("Ｃ１３", "13"), ("", "")],
)
def test_accepted_ways_of_writing_a_code(written, stored):
    assert industry.clean_industry_code(written) == stored


@pytest.mark.parametrize(
    ("written", "code", "reason"),
    [
        ("98", "division", "98 is not a division"),
        ("00", "division", "00 is not a division"),
        ("B13", "section", "Division 13 belongs to section C, not B"),
        ("1", "format", "two-digit division"),
        ("13111", "format", "two-digit division"),
        ("制造业", "format", "two-digit division"),
    ],
)
def test_refused_codes_say_why(written, code, reason):
    with pytest.raises(ValidationError) as raised:
        industry.clean_industry_code(written)
    assert raised.value.code == code
    assert reason in raised.value.messages[0]


@given(division=st.sampled_from(DIVISIONS), finer=st.text(alphabet="0123456789", max_size=2))
def test_any_code_under_a_division_is_kept_with_its_section(division, finer):
    code = division + finer
    section = industry.divisions()[division].section
    assert industry.clean_industry_code(code) == code
    assert industry.clean_industry_code(section + code) == code
    assert industry.section_of(code) == section


@given(st.integers(min_value=98, max_value=99) | st.just(0), st.text(alphabet="0123456789", max_size=2))
def test_codes_outside_the_divisions_are_refused(number, finer):
    with pytest.raises(ValidationError):
        industry.clean_industry_code(f"{number:02d}{finer}")
    assert industry.section_of(f"{number:02d}{finer}") == ""


def test_grouped_choices_keep_a_stored_finer_code():
    groups = dict(industry.grouped_division_choices(extra="1311"))
    with translation.override("en"):
        groups = dict(industry.grouped_division_choices(extra="1311"))
        manufacturing = dict(groups["C Manufacturing"])
    assert "1311" in manufacturing and "13" in manufacturing
    assert sum(len(options) for options in groups.values()) == 98
