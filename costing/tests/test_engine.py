"""The costing engine (docs/method.md), without a database."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from costing.engine import (
    CENT,
    COLUMN_RULES,
    FREQUENCIES,
    KEYS,
    POOLS,
    TIERS,
    Category,
    Item,
    Venue,
    Violation,
    allocate,
    allocate_despite_violations,
    item_groups,
    monthly_amount,
    split_largest_remainder,
    violations,
)

D = Decimal


def movilab() -> Venue:
    """The method's worked example (docs/method.md), as the engine sees it."""
    return Venue(
        name="Exemple Movilab",
        total_surface_m2=D("300"),
        items=(
            Item("infrastructure", D("1100.00")),
            Item("infrastructure", D("180.00")),
            Item("infrastructure", D("60.00")),
            Item("infrastructure", D("960.00"), frequency="yearly"),
            Item("infrastructure", D("4800.00"), frequency="one_off", amortization_months=60),
            Item("infrastructure", D("480.00"), frequency="one_off", amortization_months=24),
            Item("infrastructure", D("540.00"), frequency="quarterly"),
            Item("services", D("550.00")),
            Item("services", D("150.00")),
            Item("services", D("1200.00"), frequency="yearly"),
        ),
        categories=(
            Category("Résidents", D("51"), 20, 24, infrastructure_pct=D("100")),
            Category("Contributeurs", D("29"), 0, 8, services_pct=D("100")),
            Category("Bénéficiaires", D("20")),
        ),
    )


# Item monthly amounts (§4.1)


def test_it_divides_amounts_by_the_months_of_their_frequency():
    assert monthly_amount(Item("services", D("120.00"))) == D("120.00")
    assert monthly_amount(Item("services", D("120.00"), frequency="quarterly")) == D("40.00")
    assert monthly_amount(Item("services", D("120.00"), frequency="yearly")) == D("10.00")
    one_off = Item("services", D("120.00"), frequency="one_off", amortization_months=24)
    assert monthly_amount(one_off) == D("5.00")


def test_it_rounds_item_monthly_amounts_half_up():
    # 0.30 / 12 = 0.025 and 0.06 / 12 = 0.005: banker's rounding would give 0.02 and 0.00.
    assert monthly_amount(Item("services", D("0.30"), frequency="yearly")) == D("0.03")
    assert monthly_amount(Item("services", D("0.06"), frequency="yearly")) == D("0.01")
    assert monthly_amount(Item("services", D("100.00"), frequency="quarterly")) == D("33.33")
    assert monthly_amount(Item("services", D("200.00"), frequency="quarterly")) == D("66.67")
    assert monthly_amount(Item("services", D("0.05"), frequency="yearly")) == D("0.00")


def test_it_divides_exactly_before_rounding():
    # (12·10^26 + 0.06) / 12 = 10^26 + 0.005: Python's default 28 significant digits would
    # lose the half cent (or fail to quantize) before the half-up rounding.
    item = Item("services", D("1200000000000000000000000000.06"), frequency="yearly")
    assert monthly_amount(item) == D("100000000000000000000000000.01")


def test_it_writes_monthly_amounts_with_two_decimals():
    assert str(monthly_amount(Item("services", D("5")))) == "5.00"
    assert str(monthly_amount(Item("services", D("1E+3"), frequency="yearly"))) == "83.33"


def test_it_counts_excluded_items_nowhere():
    item = Item("infrastructure", D("500.00"), included=False)
    assert monthly_amount(item) == D("0.00")
    venue = replace(movilab(), items=(*movilab().items, item))
    assert allocate(venue) == allocate(movilab())


def test_it_refuses_a_one_off_item_without_amortization_months():
    with pytest.raises(ValueError):
        monthly_amount(Item("services", D("100.00"), frequency="one_off"))
    with pytest.raises(ValueError):
        monthly_amount(Item("services", D("100.00"), frequency="one_off", amortization_months=0))


def test_it_refuses_unknown_frequencies_and_negative_amounts():
    with pytest.raises(ValueError):
        monthly_amount(Item("services", D("100.00"), frequency="weekly"))
    with pytest.raises(ValueError):
        monthly_amount(Item("services", D("-1.00")))


# Largest remainder (§4.4)


def test_it_floors_each_share_and_gives_the_missing_cents_to_the_largest_remainders():
    # 10.00 × 1/6 = 1.666…, × 2/6 = 3.333…, × 3/6 = 5: floors 1.66 + 3.33 + 5.00 = 9.99.
    shares, rest = split_largest_remainder(D("10.00"), [D("16.67"), D("33.33"), D("50")])
    assert shares == [D("1.67"), D("3.33"), D("5.00")]
    assert rest == D("0.00")


def test_it_breaks_ties_in_favour_of_the_earlier_category():
    assert split_largest_remainder(D("0.01"), [D("50"), D("50")]) == ([D("0.01"), D("0")], D(0))
    assert split_largest_remainder(D("0.02"), [D("25"), D("25")]) == (
        [D("0.01"), D("0.00")],
        D("0.01"),
    )


def test_it_puts_the_uncovered_bucket_last_in_ties():
    assert split_largest_remainder(D("0.01"), [D("50")]) == ([D("0.01")], D("0.00"))


def test_it_gives_a_cent_to_the_uncovered_bucket_when_its_remainder_is_largest():
    # Exact: 0.0025, 0.0025 and 0.005 uncovered.
    assert split_largest_remainder(D("0.01"), [D("25"), D("25")]) == (
        [D("0.00"), D("0.00")],
        D("0.01"),
    )


def test_it_splits_in_other_units():
    shares, rest = split_largest_remainder(D("1"), [D("50"), D("25")], unit=D("0.1"))
    assert (shares, rest) == ([D("0.5"), D("0.3")], D("0.2"))


def test_it_refuses_shares_over_100_percent():
    with pytest.raises(ValueError, match="more than 100"):
        split_largest_remainder(D("100.00"), [D("60"), D("40.01")])
    with pytest.raises(ValueError):
        split_largest_remainder(D("100.00"), [D("-1")])


def test_it_refuses_totals_that_are_not_whole_cents():
    with pytest.raises(ValueError):
        split_largest_remainder(D("0.005"), [D("50")])


# Allocation (§4.2–4.6)


def test_it_allocates_the_worked_example():
    allocation = allocate(movilab())
    assert allocation.infrastructure.basic == D("1700.00")
    assert allocation.services.total == D("800.00")
    assert allocation.total == D("2500.00")
    assert allocation.cost_per_m2 == D("8.33")
    residents, contributors, beneficiaries = allocation.categories
    assert (residents.infrastructure, residents.services, residents.total) == (
        D("1700.00"),
        D("0.00"),
        D("1700.00"),
    )
    assert residents.surface_m2 == D("153.00")
    assert (residents.per_m2, residents.per_workstation, residents.per_member) == (
        D("11.11"),
        D("85.00"),
        D("70.83"),
    )
    assert contributors.per_m2 == D("9.20")
    assert contributors.per_workstation is None
    assert beneficiaries.per_m2 == D("0.00")
    assert beneficiaries.per_member is None
    assert allocation.uncovered_total == D("0.00")
    assert allocation.unassigned_surface_pct == D("0.00")
    assert allocation.warnings == ()


def test_it_sums_pools_per_tier():
    venue = Venue(
        "V",
        D("100"),
        items=(
            Item("infrastructure", D("10.00")),
            Item("infrastructure", D("5.00"), tier="improved"),
            Item("services", D("2.00"), tier="improved"),
        ),
    )
    allocation = allocate(venue)
    assert allocation.infrastructure.basic == D("10.00")
    assert allocation.infrastructure.improved == D("5.00")
    assert allocation.infrastructure.total == D("15.00")
    assert allocation.services.total == D("2.00")
    assert allocation.pool("services") == allocation.services
    assert allocation.total == D("17.00")
    assert allocation.basic_total == D("10.00")
    assert allocation.improved_total == D("7.00")


def test_it_splits_a_pool_by_surface_shares_under_the_surface_key():
    venue = replace(movilab(), infrastructure_key="surface")
    allocation = allocate(venue)
    assert allocation.keys == {"infrastructure": "surface", "services": "manual"}
    assert [c.infrastructure for c in allocation.categories] == [
        D("867.00"),
        D("493.00"),
        D("340.00"),
    ]
    assert [c.services for c in allocation.categories] == [D("0.00"), D("800.00"), D("0.00")]


def test_it_leaves_the_rest_of_a_pool_uncovered_and_warns():
    categories = (Category("A", D("60"), infrastructure_pct=D("50"), services_pct=D("100")),)
    allocation = allocate(replace(movilab(), categories=categories))
    assert allocation.categories[0].infrastructure == D("850.00")
    assert allocation.uncovered_infrastructure == D("850.00")
    assert allocation.uncovered("services") == D("0.00")
    assert allocation.uncovered_total == D("850.00")
    assert allocation.unassigned_surface_pct == D("40.00")
    assert allocation.unassigned_surface_m2 == D("120.00")
    assert allocation.warnings == ("surface_unassigned", "infrastructure_uncovered")


def test_it_lists_warnings_in_the_spec_order():
    allocation = allocate(replace(movilab(), categories=(Category("A", D("10")),)))
    assert allocation.warnings == (
        "surface_unassigned",
        "infrastructure_uncovered",
        "services_uncovered",
    )


def test_it_does_not_warn_about_an_empty_pool_that_nobody_carries():
    venue = Venue("V", D("50"), categories=(Category("A", D("100")),))
    allocation = allocate(venue)
    assert allocation.uncovered_total == D("0.00")
    assert allocation.warnings == ()


def test_it_computes_per_m2_on_the_exact_surface_of_the_category():
    category = Category("A", D("33.33"), infrastructure_pct=D("100"))
    venue = Venue("V", D("1"), items=(Item("infrastructure", D("0.67")),), categories=(category,))
    allocation = allocate(venue)
    # Exact surface 0.3333 m²: 0.67 / 0.3333 = 2.0102…; the rounded 0.33 m² would give 2.03.
    assert allocation.categories[0].surface_m2 == D("0.33")
    assert allocation.categories[0].per_m2 == D("2.01")


def test_it_gives_no_per_m2_figure_to_a_category_without_surface():
    venue = replace(movilab(), categories=(Category("A", D("0"), 2, 2, D("100"), D("100")),))
    category = allocate(venue).categories[0]
    assert category.per_m2 is None
    assert category.per_workstation == D("1250.00")
    assert category.per_member == D("1250.00")


def test_it_rounds_per_unit_figures_half_up():
    venue = Venue(
        "V",
        D("8"),
        items=(Item("services", D("0.20")),),
        categories=(Category("A", D("100"), workstations=8, members=16, services_pct=D("100")),),
    )
    allocation = allocate(venue)
    # 0.20 / 8 = 0.025 and 0.20 / 16 = 0.0125.
    assert allocation.cost_per_m2 == D("0.03")
    assert allocation.categories[0].per_m2 == D("0.03")
    assert allocation.categories[0].per_workstation == D("0.03")
    assert allocation.categories[0].per_member == D("0.01")


def test_it_refuses_surface_shares_over_100_percent():
    categories = (Category("A", D("60")), Category("B", D("40.01")))
    with pytest.raises(ValueError):
        allocate(replace(movilab(), categories=categories))


def test_it_refuses_manual_shares_over_100_percent():
    categories = (
        Category("A", D("50"), services_pct=D("70")),
        Category("B", D("50"), services_pct=D("31")),
    )
    with pytest.raises(ValueError):
        allocate(replace(movilab(), categories=categories))


def test_it_refuses_unknown_pools_tiers_and_keys():
    with pytest.raises(ValueError):
        allocate(Venue("V", D("1"), items=(Item("energy", D("1")),)))
    with pytest.raises(ValueError):
        allocate(Venue("V", D("1"), items=(Item("services", D("1"), tier="luxury"),)))
    with pytest.raises(ValueError):
        allocate(Venue("V", D("1"), services_key="members"))


# Stored data that break a rule (never 500: see allocate_despite_violations)


def test_a_valid_venue_breaks_no_rule():
    assert violations(movilab()) == ()
    assert allocate_despite_violations(movilab()) == allocate(movilab())


def test_it_lists_each_column_over_100_percent_with_its_total():
    categories = (
        Category("A", D("60"), infrastructure_pct=D("50"), services_pct=D("100")),
        Category("B", D("40"), infrastructure_pct=D("50")),
        Category("C", D("0.5"), infrastructure_pct=D("50")),
    )
    assert violations(replace(movilab(), categories=categories)) == (
        Violation("surface_shares_over_100", "surface_share_pct", D("100.50")),
        Violation("infrastructure_shares_over_100", "infrastructure_pct", D("150.00")),
    )


def test_it_counts_a_broken_column_as_zero_and_says_so_first_among_the_warnings():
    categories = (
        Category("A", D("51"), infrastructure_pct=D("100"), services_pct=D("60")),
        Category("B", D("29"), services_pct=D("60")),
    )
    allocation = allocate_despite_violations(replace(movilab(), categories=categories))
    assert [v.code for v in allocation.violations] == ["services_shares_over_100"]
    assert allocation.warnings == (
        "services_shares_over_100",
        "surface_unassigned",
        "services_uncovered",
    )
    assert [c.services for c in allocation.categories] == [D("0.00"), D("0.00")]
    assert allocation.uncovered_services == allocation.services.total == D("800.00")
    assert allocation.categories[0].infrastructure == D("1700.00")  # the valid pool as before
    assert allocation.categories[0].surface_m2 == D("153.00")


def test_a_broken_surface_column_leaves_the_whole_surface_unassigned():
    categories = (Category("A", D("70")), Category("B", D("70")))
    allocation = allocate_despite_violations(
        replace(movilab(), categories=categories, infrastructure_key="surface")
    )
    assert allocation.warnings[0] == "surface_shares_over_100"
    assert allocation.unassigned_surface_m2 == D("300.00")
    assert allocation.uncovered_infrastructure == allocation.infrastructure.total
    assert [c.per_m2 for c in allocation.categories] == [None, None]


def test_it_allocates_a_venue_without_items_or_categories():
    allocation = allocate(Venue("V", D("12.5")))
    assert allocation.total == D("0.00")
    assert str(allocation.total) == "0.00"
    assert allocation.categories == ()
    assert allocation.unassigned_surface_m2 == D("12.50")
    assert allocation.warnings == ("surface_unassigned",)


# Properties


def cents(max_cents: int = 10**9):
    return st.integers(0, max_cents).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def shares(draw, n: int) -> list[Decimal]:
    """n percentages with two decimals, adding up to 100 % or less."""
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n)))
    if n and draw(st.booleans()):
        cuts[-1] = 10_000
    hundredths = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
    return [Decimal(h).scaleb(-2) for h in hundredths]


@st.composite
def items(draw, frequencies=FREQUENCIES) -> Item:
    frequency = draw(st.sampled_from(frequencies))
    months = draw(st.integers(1, 600)) if frequency == "one_off" else None
    return Item(
        pool=draw(st.sampled_from(POOLS)),
        amount=draw(cents()),
        tier=draw(st.sampled_from(TIERS)),
        frequency=frequency,
        amortization_months=months,
        included=draw(st.booleans()),
    )


@st.composite
def venues(draw, frequencies=FREQUENCIES) -> Venue:
    n = draw(st.integers(0, 8))
    surface, infrastructure, services = draw(shares(n)), draw(shares(n)), draw(shares(n))
    counts = st.integers(0, 50)
    categories = tuple(
        Category(f"c{i}", surface[i], draw(counts), draw(counts), infrastructure[i], services[i])
        for i in range(n)
    )
    return Venue(
        name="V",
        total_surface_m2=draw(cents(10**8).filter(lambda d: d > 0)),
        items=tuple(draw(st.lists(items(frequencies), max_size=20))),
        categories=categories,
        infrastructure_key=draw(st.sampled_from(KEYS)),
        services_key=draw(st.sampled_from(KEYS)),
    )


def pool_pct(venue: Venue, category: Category, pool: str) -> Decimal:
    return category.surface_share_pct if venue.key(pool) == "surface" else category.share_pct(pool)


@given(venues())
def test_categories_and_uncovered_add_up_to_each_pool_total(venue):
    allocation = allocate(venue)
    for pool in POOLS:
        carried = sum(c.amount(pool) for c in allocation.categories)
        assert carried + allocation.uncovered(pool) == allocation.pool(pool).total
    total = sum(c.total for c in allocation.categories) + allocation.uncovered_total
    assert total == allocation.total


@given(venues())
def test_every_share_is_within_one_cent_of_its_exact_value(venue):
    allocation = allocate(venue)
    for pool in POOLS:
        pool_total = allocation.pool(pool).total
        for category, result in zip(venue.categories, allocation.categories, strict=True):
            exact = pool_total * pool_pct(venue, category, pool) / 100
            assert abs(result.amount(pool) - exact) < CENT


@given(venues())
def test_category_surfaces_and_unassigned_surface_add_up_to_the_total_surface(venue):
    allocation = allocate(venue)
    assigned = sum(c.surface_m2 for c in allocation.categories)
    assert assigned + allocation.unassigned_surface_m2 == venue.total_surface_m2
    for category, result in zip(venue.categories, allocation.categories, strict=True):
        exact = venue.total_surface_m2 * category.surface_share_pct / 100
        assert abs(result.surface_m2 - exact) < CENT


@given(venues(), st.sampled_from([D("1e-4"), None]))
def test_results_do_not_depend_on_how_equal_decimals_are_written(venue, exponent):
    def rewrite(d: Decimal) -> Decimal:
        # 1.1 -> 1.1000 or 1.1; 100.00 -> 100.0000 or 1E+2: equal values, other exponents.
        return d.quantize(exponent) if exponent else d.normalize()

    rewritten = replace(
        venue,
        total_surface_m2=rewrite(venue.total_surface_m2),
        items=tuple(replace(i, amount=rewrite(i.amount)) for i in venue.items),
        categories=tuple(
            replace(
                c,
                surface_share_pct=rewrite(c.surface_share_pct),
                infrastructure_pct=rewrite(c.infrastructure_pct),
                services_pct=rewrite(c.services_pct),
            )
            for c in venue.categories
        ),
    )
    # repr shows each Decimal's digits, so this compares the representation, not just values.
    assert repr(allocate(rewritten)) == repr(allocate(venue))


def scaled(venue: Venue, factor: int) -> Venue:
    return replace(venue, items=tuple(replace(i, amount=i.amount * factor) for i in venue.items))


@given(venues(frequencies=("monthly",)))
def test_scaling_monthly_amounts_by_ten_scales_every_share_within_ten_cents(venue):
    # Pool totals scale exactly (monthly amounts are whole cents). A share is within one cent
    # of its exact value before (so ten times it is within 10 cents of ten times the exact
    # value) and within one cent after: |s' − 10·s| < 11 cents, hence ≤ 10 cents.
    before, after = allocate(venue), allocate(scaled(venue, 10))
    assert after.total == before.total * 10
    for b, a in zip(before.categories, after.categories, strict=True):
        for pool in POOLS:
            assert abs(a.amount(pool) - b.amount(pool) * 10) <= D("0.10")
    for pool in POOLS:
        assert abs(after.uncovered(pool) - before.uncovered(pool) * 10) <= D("0.10")


@given(venues())
def test_scaling_all_amounts_by_ten_scales_every_share_within_rounding(venue):
    # Per item: the monthly amount m = round(x) and m' = round(10·x) are within half a cent
    # of x and 10·x, so |m' − 10·m| ≤ 0.5 + 5 cents, i.e. ≤ 5 whole cents. A pool of k counted
    # items is then off by at most 5·k cents, and a share by less than 1 + 5·k·pct/100 + 10
    # cents (the three terms of the monthly-only test): ≤ 10 + 5·k cents.
    before, after = allocate(venue), allocate(scaled(venue, 10))
    for pool in POOLS:
        k = sum(1 for i in venue.items if i.pool == pool and i.included)
        assert abs(after.pool(pool).total - before.pool(pool).total * 10) <= CENT * 5 * k
        bound = CENT * (10 + 5 * k)
        for b, a in zip(before.categories, after.categories, strict=True):
            assert abs(a.amount(pool) - b.amount(pool) * 10) <= bound


@given(venues())
def test_categories_come_out_in_category_order(venue):
    allocation = allocate(venue)
    assert [c.name for c in allocation.categories] == [c.name for c in venue.categories]
    assert [c.surface_share_pct for c in allocation.categories] == [
        c.surface_share_pct for c in venue.categories
    ]


@given(cents(), st.integers(0, 8).flatmap(shares))
def test_split_buckets_add_up_and_stay_within_one_unit(total, pcts):
    amounts, rest = split_largest_remainder(total, pcts)
    assert sum(amounts) + rest == total
    assert len(amounts) == len(pcts)
    for amount, pct in zip(amounts, pcts, strict=True):
        assert abs(amount - total * pct / 100) < CENT
    assert abs(rest - total * (100 - sum(pcts)) / 100) < CENT


@given(venues())
def test_valid_venues_break_no_rule_and_allocate_as_before(venue):
    assert violations(venue) == ()
    assert allocate_despite_violations(venue) == allocate(venue)


@given(venues(), st.sampled_from(sorted(COLUMN_RULES.items())))
def test_a_broken_venue_still_adds_up_to_the_cent(venue, rule):
    code, column = rule
    extra = Category(name="extra", **{"surface_share_pct": D(0), column: D("100")})
    broken = replace(venue, categories=(*venue.categories, extra, replace(extra, name="more")))
    allocation = allocate_despite_violations(broken)
    assert code in allocation.warnings
    for pool in POOLS:
        carried = sum((c.amount(pool) for c in allocation.categories), D(0))
        assert carried + allocation.uncovered(pool) == allocation.pool(pool).total
    surfaces = sum((c.surface_m2 for c in allocation.categories), D(0))
    assert surfaces + allocation.unassigned_surface_m2 == allocation.total_surface_m2


# The items by pool and tier (the share page's and the CSV's list)


def test_item_groups_are_what_each_pool_and_tier_costs():
    venue = replace(
        movilab(),
        items=(
            *movilab().items,
            Item("services", D("300.00"), tier="improved", label="Animation"),
            Item("infrastructure", D("99.00"), included=False, label="Hors budget"),
        ),
    )
    allocation = allocate(venue)
    groups = item_groups(venue.items)
    assert [(g.pool, g.tier) for g in groups] == [
        ("infrastructure", "basic"),
        ("services", "basic"),
        ("services", "improved"),
    ]  # fmt: skip  (no empty group: the venue has no improved infrastructure)
    for group in groups:
        assert group.total == getattr(allocation.pool(group.pool), group.tier)
        assert group.total == sum(line.monthly for line in group.lines)
    assert [line.monthly for line in groups[0].lines] == [
        D("1100.00"), D("180.00"), D("60.00"), D("80.00"), D("80.00"), D("20.00"),
        D("180.00"), D("0.00"),
    ]  # fmt: skip
    assert groups[0].lines[-1].item.label == "Hors budget"  # listed, counted for nothing
