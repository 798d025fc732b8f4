"""Prices, revenue and balance in the costing engine (docs/method.md, R7–R9), without a
database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from costing.engine import (
    CENT,
    Category,
    Item,
    Price,
    Pricing,
    Revenue,
    Venue,
    allocate,
    balance,
    break_even,
    coverage_pct,
    monthly_price,
    monthly_revenue,
    suggested_price,
)

D = Decimal


def residents(price: Price | None = None, pricing: Pricing | None = None, **venue) -> Venue:
    """The worked example of R7–R8: residents (24 members, 20 workstations) carry the whole
    infrastructure, 1 700,00 € a month."""
    return Venue(
        name="Exemple",
        total_surface_m2=D("300"),
        items=(Item("infrastructure", D("1700.00")), Item("services", D("800.00"))),
        categories=(
            Category("Résidents", D("51"), 20, 24, infrastructure_pct=D("100"), price=price),
            Category("Contributeurs", D("29"), 0, 8, services_pct=D("100")),
        ),
        pricing=pricing,
        **venue,
    )


def priced(venue: Venue):
    return balance(venue, allocate(venue))


# The worked example (SPEC §4b, docs/method.md)


def test_the_worked_example_gives_revenue_coverage_and_break_even():
    result = priced(residents(Price(D("80.00")))).categories[0]
    assert result.cost == D("1700.00")
    assert result.monthly_price == D("80.00")
    assert result.revenue == D("1920.00")
    assert result.coverage_pct == D("112.94")
    assert result.break_even == 22


def test_the_worked_example_suggests_86_58_with_a_10_pct_margin_at_90_pct_occupancy():
    result = priced(residents(Price(D("80.00")), Pricing(D("10"), D("90")))).categories[0]
    assert result.suggested_price == D("86.58")


def test_the_suggested_price_without_margin_at_full_occupancy_is_the_cost_per_member():
    result = priced(residents(Price(D("80.00")))).categories[0]
    assert result.suggested_price == D("70.84")  # 1 700 / 24 = 70.8333…, rounded up


# Rule 7: monthly price, revenue, coverage, break-even


@pytest.mark.parametrize(
    ("amount", "frequency", "monthly"),
    [
        ("80.00", "monthly", "80.00"),
        ("100.00", "quarterly", "33.33"),
        ("200.00", "quarterly", "66.67"),
        ("1000.00", "yearly", "83.33"),
        ("1010.00", "yearly", "84.17"),
    ],
)
def test_a_price_counts_monthly_half_up(amount, frequency, monthly):
    assert monthly_price(Price(D(amount), frequency)) == D(monthly)


def test_a_price_per_workstation_counts_workstations():
    result = priced(residents(Price(D("90.00"), per="workstation"))).categories[0]
    assert (result.per, result.count, result.revenue) == ("workstation", 20, D("1800.00"))


def test_a_price_has_no_one_off_frequency():
    with pytest.raises(ValueError, match="price frequency"):
        monthly_price(Price(D("80.00"), "one_off"))


def test_a_category_without_a_price_prices_as_zero_and_has_no_break_even():
    result = priced(residents()).categories[1]
    assert (result.monthly_price, result.revenue) == (D("0.00"), D("0.00"))
    assert result.coverage_pct == D("0.00")
    assert result.break_even is None


def test_coverage_is_null_when_the_category_carries_nothing():
    assert coverage_pct(D("10.00"), D("0.00")) is None
    venue = Venue("v", D(10), categories=(Category("Seuls", D(10), 1, 1, price=Price(D(5))),))
    result = priced(venue).categories[0]
    assert result.coverage_pct is None
    assert result.break_even == 0  # nobody needs to pay for nothing


def test_break_even_rounds_up():
    assert break_even(D("1700.00"), D("80.00")) == 22  # 21.25 members
    assert break_even(D("1600.00"), D("80.00")) == 20  # exactly 20
    assert break_even(D("1700.00"), D("0.00")) is None


# Rule 8: suggested price


def test_no_price_covers_a_category_without_members_or_occupancy():
    assert suggested_price(D("1700.00"), 0, Pricing()) is None
    assert suggested_price(D("1700.00"), 24, Pricing(D(0), D(0))) is None
    venue = Venue(
        "v",
        D(100),
        items=(Item("services", D("800.00")),),
        categories=(
            Category(
                "Contributeurs",
                D(29),
                0,
                8,
                services_pct=D(100),
                price=Price(D(50), per="workstation"),
            ),
        ),
    )
    result = priced(venue).categories[0]
    assert result.count == 0 and result.suggested_price is None  # no workstation to price


def test_a_margin_over_1000_pct_or_an_occupancy_over_100_pct_is_impossible_input():
    with pytest.raises(ValueError, match="margin"):
        priced(residents(pricing=Pricing(D("1000.01"), D(100))))
    with pytest.raises(ValueError, match="occupancy"):
        priced(residents(pricing=Pricing(D(0), D("100.01"))))


# Rule 9: other revenue and balance


def test_other_revenue_counts_monthly_like_costs():
    assert monthly_revenue(Revenue("Subvention", D("50000.00"), "yearly")) == D("4166.67")
    assert monthly_revenue(Revenue("Événement", D("900.00"), "quarterly")) == D("300.00")
    one_off = Revenue("Don", D("1000.00"), "one_off", amortization_months=12)
    assert monthly_revenue(one_off) == D("83.33")


def test_the_balance_sets_all_revenue_against_the_monthly_total():
    venue = residents(
        Price(D("80.00")),
        revenues=(
            Revenue("Subvention", D("6000.00"), "yearly"),
            Revenue("Bar", D("150.00")),
        ),
    )
    result = priced(venue)
    assert [(line.label, line.monthly) for line in result.other] == [
        ("Subvention", D("500.00")),
        ("Bar", D("150.00")),
    ]
    assert result.categories_revenue == D("1920.00")
    assert result.other_revenue == D("650.00")
    assert result.total_revenue == D("2570.00")
    assert result.costs == D("2500.00")
    assert result.balance == D("70.00")


def test_a_deficit_is_a_negative_balance():
    result = priced(residents(Price(D("50.00"))))
    assert result.balance == D("1200.00") - D("2500.00")


def test_a_venue_is_priced_as_soon_as_it_carries_any_price_pricing_or_revenue():
    assert not residents().priced
    assert residents(Price(D(0))).priced
    assert residents(pricing=Pricing()).priced
    assert residents(revenues=()).priced


# Properties


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
percent = st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False)
margin = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False)
counts = st.integers(min_value=1, max_value=100_000)


@given(cost=money, count=counts, margin_pct=margin, occupancy_pct=percent)
def test_the_suggested_price_covers_the_share_and_one_cent_less_falls_short(
    cost, count, margin_pct, occupancy_pct
):
    price = suggested_price(cost, count, Pricing(margin_pct, occupancy_pct))
    needed = cost * (1 + margin_pct / 100)
    assert price * count * occupancy_pct / 100 >= needed
    assert (price - CENT) * count * occupancy_pct / 100 < needed


@given(cost=money, price=st.decimals(min_value=D("0.01"), max_value=100_000, places=2))
def test_break_even_is_the_smallest_count_that_covers_the_share(cost, price):
    count = break_even(cost, price)
    assert count * price >= cost
    assert count == 0 or (count - 1) * price < cost


@given(
    members=st.integers(min_value=0, max_value=3),
    amount=st.sampled_from([D(0), D("80.00")]),
    occupancy_pct=st.sampled_from([D(0), D(50), D(100)]),
)
def test_zero_members_price_or_occupancy_give_no_price_never_a_division_error(
    members, amount, occupancy_pct
):
    venue = Venue(
        "v",
        D(100),
        items=(Item("infrastructure", D("1700.00")),),
        categories=(
            Category(
                "Résidents", D(50), 0, members, infrastructure_pct=D(100), price=Price(amount)
            ),
        ),
        pricing=Pricing(D(10), occupancy_pct),
    )
    result = priced(venue).categories[0]
    assert (result.suggested_price is None) == (members == 0 or occupancy_pct == 0)
    assert (result.break_even is None) == (amount == 0)
    assert result.revenue == amount * members
