from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpahub.billing.money import split

SIX = Decimal("0.06")


@pytest.mark.parametrize(
    ("amount", "includes", "expected"),
    [
        ("1000", False, ("1000.00", "60.00", "1060.00")),
        ("100.05", False, ("100.05", "6.00", "106.05")),  # 6.003 rounds down
        ("100.25", False, ("100.25", "6.02", "106.27")),  # 6.015 rounds half up
        ("0.08", False, ("0.08", "0.00", "0.08")),
        ("1000", True, ("943.40", "56.60", "1000.00")),  # 价税合计 1000: 943.396 → 943.40
        ("1060", True, ("1000.00", "60.00", "1060.00")),
        ("0.01", True, ("0.01", "0.00", "0.01")),
    ],
)
def test_vat_is_rounded_to_the_fen_half_up(amount, includes, expected):
    assert split(Decimal(amount), SIX, includes) == tuple(Decimal(x) for x in expected)


@given(
    amount=st.decimals(min_value="0.01", max_value="99999999.99", places=2),
    rate=st.sampled_from([Decimal("0"), Decimal("0.03"), Decimal("0.06"), Decimal("0.13")]),
    includes=st.booleans(),
)
def test_net_plus_vat_is_the_gross_in_fen(amount, rate, includes):
    net, tax, gross = split(amount, rate, includes)
    assert net + tax == gross
    assert all(value == value.quantize(Decimal("0.01")) for value in (net, tax, gross))
    assert abs(tax - net * rate) <= Decimal("0.005") + (rate * Decimal("0.005") if includes else 0)
    assert (gross if includes else net) == amount
