"""Name keys: one company written in different ways gives one key."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpahub.clients.names import name_key

# Chinese characters and ASCII letters/digits, as company names are written.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
ASCII = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
# A base name that carries no legal-form suffix of its own (e.g. does not end in 有限 or ltd).
BASE = st.text(alphabet=CJK | ASCII, min_size=2, max_size=20).filter(lambda b: name_key(b) == b.casefold())
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "公司", "")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


@given(BASE, st.sampled_from(SUFFIXES), st.sampled_from(SUFFIXES))
def test_the_legal_form_suffix_does_not_count(base, one, other):
    assert name_key(base + one) == name_key(base + other)


@given(BASE, st.sampled_from(SUFFIXES))
def test_full_width_and_half_width_are_the_same(base, suffix):
    name = f"{base} (江西){suffix}"
    assert name_key(full_width(name)) == name_key(name)


@given(BASE, BASE, st.sampled_from(SUFFIXES))
def test_brackets_and_spaces_do_not_count(base, inner, suffix):
    keys = {
        name_key(f"{base}（{inner}）{suffix}"),
        name_key(f"{base}({inner}){suffix}"),
        name_key(f"{base} 【{inner}】 {suffix}"),
        name_key(f"{base}{inner}{suffix}"),
    }
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("江西洪城水业股份有限公司", "江西洪城水业有限公司"),
        ("江西 洪城水业（集团）有限责任公司", "江西洪城水业(集团)有限公司"),
        ("Jiangxi Copper Co., Ltd.", "JIANGXI COPPER COMPANY LIMITED"),
    ],
)
def test_known_pairs_match(one, other):
    assert name_key(one) == name_key(other)


def test_a_branch_keeps_its_suffix_and_differs_from_its_company():
    assert name_key("江西洪城水业有限公司南昌分公司") != name_key("江西洪城水业有限公司")
    assert name_key("江西洪城水业有限公司南昌分公司").endswith("分公司")


def test_a_bare_suffix_is_not_emptied():
    assert name_key("有限公司") == "有限"
    assert name_key("  ") == ""
