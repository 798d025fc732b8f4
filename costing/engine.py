"""The allocation engine: who carries which part of a venue's monthly cost (docs/method.md).

Pure Python over `Decimal`: no Django, no ORM, never `float`. Inputs are assumed valid
(documents.py and the forms validate them), but impossible input such as shares adding up to
more than 100 % raises `ValueError` instead of producing numbers that do not add up.

Stored data may still break a rule that spans categories (a database from before a check, an
edit in the admin or in SQL): `violations` lists what is broken, and `allocate_despite_violations`
allocates such a venue with the broken columns counted as 0 %, so that its pages show it with
what to fix instead of failing.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction

POOLS = ("infrastructure", "services")
TIERS = ("basic", "improved")
FREQUENCIES = ("monthly", "quarterly", "yearly", "one_off")
# A price recurs: it has no one_off (rule 7).
PRICE_FREQUENCIES = ("monthly", "quarterly", "yearly")
BASES = ("member", "workstation")
MAX_MARGIN_PCT = Decimal(1000)
KEYS = ("manual", "surface")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

_DIVISORS = {"monthly": 1, "quarterly": 3, "yearly": 12}

# Enough digits that dividing an amount by its months and summing thousands of amounts is
# exact before the final half-up rounding; the default 28 digits would be too close for comfort.
_EXACT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow])

WARNINGS = ("surface_unassigned", "infrastructure_uncovered", "services_uncovered")
# The rules over a column of the categories (docs/method.md, R3), by the code of their
# violation: its values are percentages that add up to 100 % at most.
COLUMN_RULES = {
    "surface_shares_over_100": "surface_share_pct",
    "infrastructure_shares_over_100": "infrastructure_pct",
    "services_shares_over_100": "services_pct",
}


@dataclass(frozen=True)
class Item:
    pool: str
    amount: Decimal
    tier: str = "basic"
    frequency: str = "monthly"
    amortization_months: int | None = None
    included: bool = True
    # Carried for the venue document round trip; the engine ignores them.
    label: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Price:
    """What a member (or a workstation) of a category pays (docs/method.md, R7)."""

    amount: Decimal
    frequency: str = "monthly"
    per: str = "member"  # the basis: "member" or "workstation"


@dataclass(frozen=True)
class Pricing:
    """The venue's contingency margin and expected occupancy, in % (docs/method.md, R8)."""

    margin_pct: Decimal = Decimal(0)
    occupancy_pct: Decimal = HUNDRED


@dataclass(frozen=True)
class Revenue:
    """Another revenue line: a grant, events, room hire, the bar (docs/method.md, R9)."""

    label: str
    amount: Decimal
    frequency: str = "monthly"
    amortization_months: int | None = None


@dataclass(frozen=True)
class Category:
    name: str
    surface_share_pct: Decimal
    workstations: int = 0
    members: int = 0
    infrastructure_pct: Decimal = Decimal(0)
    services_pct: Decimal = Decimal(0)
    price: Price | None = None  # None: no price entered, which prices as 0

    def share_pct(self, pool: str) -> Decimal:
        """The manual share of `pool` this category carries, in %."""
        if pool == "infrastructure":
            return self.infrastructure_pct
        if pool == "services":
            return self.services_pct
        raise ValueError(f"unknown pool {pool!r}")


@dataclass(frozen=True)
class Venue:
    name: str
    total_surface_m2: Decimal
    items: tuple[Item, ...] = ()
    categories: tuple[Category, ...] = ()
    currency: str = "EUR"
    infrastructure_key: str = "manual"
    services_key: str = "manual"
    # Prices and revenue (docs/method.md, R7–R9), optional: None when the venue has none, so
    # that a venue without them reads, and writes its documents, as before.
    pricing: Pricing | None = None
    revenues: tuple[Revenue, ...] | None = None

    @property
    def priced(self) -> bool:
        """Whether the venue carries any price, pricing or revenue (documents then carry the
        pricing results, docs/formats.md)."""
        return (
            self.pricing is not None
            or self.revenues is not None
            or any(category.price is not None for category in self.categories)
        )

    def key(self, pool: str) -> str:
        if pool == "infrastructure":
            return self.infrastructure_key
        if pool == "services":
            return self.services_key
        raise ValueError(f"unknown pool {pool!r}")


@dataclass(frozen=True)
class PoolCost:
    basic: Decimal
    improved: Decimal
    total: Decimal


@dataclass(frozen=True)
class CategoryAllocation:
    name: str
    surface_share_pct: Decimal
    surface_m2: Decimal
    workstations: int
    members: int
    infrastructure: Decimal
    services: Decimal
    total: Decimal
    per_m2: Decimal | None
    per_workstation: Decimal | None
    per_member: Decimal | None

    def amount(self, pool: str) -> Decimal:
        if pool == "infrastructure":
            return self.infrastructure
        if pool == "services":
            return self.services
        raise ValueError(f"unknown pool {pool!r}")


@dataclass(frozen=True)
class Violation:
    """A rule of the categories' `column` that the venue's data break (see COLUMN_RULES)."""

    code: str
    column: str
    total: Decimal  # what the column adds up to


@dataclass(frozen=True)
class Allocation:
    venue_name: str
    currency: str
    total_surface_m2: Decimal
    keys: dict[str, str]  # pool -> allocation key
    infrastructure: PoolCost
    services: PoolCost
    total: Decimal
    basic_total: Decimal  # what the month would cost with the basic tier only
    cost_per_m2: Decimal
    categories: tuple[CategoryAllocation, ...]
    unassigned_surface_pct: Decimal
    unassigned_surface_m2: Decimal
    uncovered_infrastructure: Decimal
    uncovered_services: Decimal
    uncovered_total: Decimal
    warnings: tuple[str, ...]
    # Only from allocate_despite_violations: the broken rules, whose columns counted as 0 %.
    violations: tuple[Violation, ...] = ()

    @property
    def improved_total(self) -> Decimal:
        """What the improved tier adds to the month (the total is this and `basic_total`)."""
        return self.infrastructure.improved + self.services.improved

    def pool(self, name: str) -> PoolCost:
        if name == "infrastructure":
            return self.infrastructure
        if name == "services":
            return self.services
        raise ValueError(f"unknown pool {name!r}")

    def uncovered(self, pool: str) -> Decimal:
        if pool == "infrastructure":
            return self.uncovered_infrastructure
        if pool == "services":
            return self.uncovered_services
        raise ValueError(f"unknown pool {pool!r}")


def monthly_amount(item: Item) -> Decimal:
    """The item's cost per month, half-up to the cent; zero when the item is not included."""
    with localcontext(_EXACT):
        return _monthly(item)


def _monthly(item: Item) -> Decimal:
    # Runs under the _EXACT context (see allocate), so that the division is not rounded twice.
    if not item.included:
        return Decimal("0.00")
    if item.amount < 0:
        raise ValueError(f"negative amount {item.amount}")
    divisor = _DIVISORS.get(item.frequency)
    if divisor is None:
        if item.frequency != "one_off":
            raise ValueError(f"unknown frequency {item.frequency!r}")
        divisor = item.amortization_months
        if divisor is None or divisor < 1:
            raise ValueError("a one_off item needs amortization_months >= 1")
    if divisor == 1:
        return item.amount.quantize(CENT, ROUND_HALF_UP)
    return (item.amount / divisor).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemLine:
    item: Item
    monthly: Decimal  # monthly_amount(item): zero when the item is not counted


@dataclass(frozen=True)
class ItemGroup:
    """The items of one pool and tier, in the venue's order: what its PoolCost's `basic` or
    `improved` figure is made of (`total` is that figure)."""

    pool: str
    tier: str
    lines: tuple[ItemLine, ...]
    total: Decimal


def item_groups(items: Sequence[Item]) -> tuple[ItemGroup, ...]:
    """The items by pool then tier (POOLS × TIERS order, empty groups left out), each with its
    monthly amount: the cost items as the share page and the CSV export list them."""
    with localcontext(_EXACT):
        groups = []
        for pool in POOLS:
            for tier in TIERS:
                lines = tuple(
                    ItemLine(item, _monthly(item))
                    for item in items
                    if (item.pool, item.tier) == (pool, tier)
                )
                if lines:
                    total = sum((line.monthly for line in lines), Decimal("0.00"))
                    groups.append(ItemGroup(pool, tier, lines, total))
        return tuple(groups)


def split_largest_remainder(
    total: Decimal, pcts: Sequence[Decimal], unit: Decimal = CENT
) -> tuple[list[Decimal], Decimal]:
    """Split `total` into whole `unit`s: one bucket per percentage, plus the rest bucket.

    Each bucket's exact share (total × pct / 100; the rest bucket's is total × (100 − Σpct) / 100)
    is floored to the unit; the units still missing go one each to the buckets with the largest
    fractional remainder, ties to the earlier bucket, the rest bucket being last (docs/method.md,
    R4). Returns (the buckets' amounts, the rest bucket's amount); they add up to `total` exactly.
    """
    units = Fraction(total) / Fraction(unit)
    if units.denominator != 1:
        raise ValueError(f"{total} is not a whole number of {unit}")
    if units < 0:
        raise ValueError(f"cannot split a negative total {total}")
    for pct in pcts:
        if not 0 <= pct <= 100:
            raise ValueError(f"share {pct} % is outside 0–100 %")
    fractions = [Fraction(pct) for pct in pcts]
    rest_pct = 100 - sum(fractions)
    if rest_pct < 0:
        raise ValueError(f"shares add up to {sum(pcts)} %, more than 100 %")

    exact = [units * pct / 100 for pct in fractions]
    exact.append(units * rest_pct / 100)
    floors = [share.numerator // share.denominator for share in exact]
    missing = int(units) - sum(floors)
    # Stable order: largest remainder first, then the earlier bucket.
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in by_remainder[:missing]:
        floors[i] += 1
    amounts = [unit * n for n in floors]
    return amounts[:-1], amounts[-1]


def allocate(venue: Venue) -> Allocation:
    """Split the venue's monthly cost among its member categories (docs/method.md)."""
    for pool in POOLS:
        if venue.key(pool) not in KEYS:
            raise ValueError(f"unknown allocation key {venue.key(pool)!r} for {pool}")
    if venue.total_surface_m2 <= 0:
        raise ValueError("the total surface must be more than 0 m²")

    with localcontext(_EXACT):
        zero = Decimal("0.00")
        sums = {(pool, tier): zero for pool in POOLS for tier in TIERS}
        # One pass over the items: this is the only part that grows with their number.
        for item in venue.items:
            key = (item.pool, item.tier)
            if key not in sums:
                raise ValueError(f"unknown pool or tier {key!r}")
            sums[key] += _monthly(item)

        pools = {}
        for pool in POOLS:
            basic, improved = sums[pool, "basic"], sums[pool, "improved"]
            pools[pool] = PoolCost(basic=basic, improved=improved, total=basic + improved)
        total = pools["infrastructure"].total + pools["services"].total
        basic_total = pools["infrastructure"].basic + pools["services"].basic

        categories = venue.categories
        surface_pcts = [c.surface_share_pct for c in categories]
        surfaces, unassigned_m2 = split_largest_remainder(venue.total_surface_m2, surface_pcts)
        shares = {}
        uncovered = {}
        for pool in POOLS:
            if venue.key(pool) == "surface":
                pcts = surface_pcts
            else:
                pcts = [c.share_pct(pool) for c in categories]
            shares[pool], uncovered[pool] = split_largest_remainder(pools[pool].total, pcts)

        allocations = []
        for i, category in enumerate(categories):
            infrastructure = shares["infrastructure"][i]
            services = shares["services"][i]
            category_total = infrastructure + services
            surface_pct = category.surface_share_pct
            allocations.append(
                CategoryAllocation(
                    name=category.name,
                    surface_share_pct=_canonical(surface_pct),
                    surface_m2=surfaces[i],
                    workstations=category.workstations,
                    members=category.members,
                    infrastructure=infrastructure,
                    services=services,
                    total=category_total,
                    # Per m² of the category's exact surface, not of its rounded m².
                    per_m2=_divide(category_total * 100, venue.total_surface_m2 * surface_pct),
                    per_workstation=_divide(category_total, Decimal(category.workstations)),
                    per_member=_divide(category_total, Decimal(category.members)),
                )
            )

        unassigned_pct = HUNDRED - sum(surface_pcts, Decimal(0))
        warnings = []
        if unassigned_pct > 0:
            warnings.append("surface_unassigned")
        for pool in POOLS:
            if uncovered[pool] > 0:
                warnings.append(f"{pool}_uncovered")

        return Allocation(
            venue_name=venue.name,
            currency=venue.currency,
            total_surface_m2=_canonical(venue.total_surface_m2),
            keys={pool: venue.key(pool) for pool in POOLS},
            infrastructure=pools["infrastructure"],
            services=pools["services"],
            total=total,
            basic_total=basic_total,
            cost_per_m2=_divide(total, venue.total_surface_m2),
            categories=tuple(allocations),
            unassigned_surface_pct=_canonical(unassigned_pct),
            unassigned_surface_m2=unassigned_m2,
            uncovered_infrastructure=uncovered["infrastructure"],
            uncovered_services=uncovered["services"],
            uncovered_total=uncovered["infrastructure"] + uncovered["services"],
            warnings=tuple(warnings),
        )


def violations(venue: Venue) -> tuple[Violation, ...]:
    """The rules over a column of the venue's categories that its data break: a column whose
    percentages add up to more than 100 %, or one of them outside 0–100 %. Empty for a valid
    venue (what the forms and documents.py accept)."""
    found = []
    for code, column in COLUMN_RULES.items():
        values = [getattr(category, column) for category in venue.categories]
        total = sum(values, Decimal(0))
        if total > HUNDRED or any(not 0 <= value <= HUNDRED for value in values):
            found.append(Violation(code=code, column=column, total=_canonical(total)))
    return tuple(found)


def allocate_despite_violations(venue: Venue) -> Allocation:
    """`allocate`, for a venue whose stored data may break a rule (see `violations`).

    A valid venue gets exactly `allocate`'s result. A broken column counts as 0 % for every
    category until it is repaired: the pools it splits stay uncovered, the surface it splits
    stays unassigned, and every figure still adds up. The allocation lists the violations, and
    their codes come first among its warnings, so that every page and document says so.
    """
    found = violations(venue)
    if not found:
        return allocate(venue)
    zero = {violation.column: Decimal(0) for violation in found}
    repaired = replace(
        venue, categories=tuple(replace(category, **zero) for category in venue.categories)
    )
    allocation = allocate(repaired)
    codes = tuple(violation.code for violation in found)
    return replace(allocation, violations=found, warnings=codes + allocation.warnings)


def _divide(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator ÷ denominator half-up to the cent, exactly; None when dividing by zero."""
    if denominator == 0:
        return None
    quotient = Fraction(numerator) / Fraction(denominator)
    # Half-up of a non-negative rational: floor(100·q + ½) cents.
    cents = math.floor(quotient * 100 + Fraction(1, 2))
    return CENT * cents


def _canonical(value: Decimal) -> Decimal:
    """The same value written with two decimals, so that 51, 51.0 and 5.1E+1 read alike.

    A value with more places (the engine does not reject them) keeps them, normalized.
    """
    rounded = value.quantize(CENT, ROUND_HALF_UP)
    return rounded if rounded == value else value.normalize()


# Prices, revenue and balance (docs/method.md, R7–R9) ----------------------------------------


@dataclass(frozen=True)
class CategoryPricing:
    name: str
    per: str  # the basis of its price: "member" or "workstation"
    count: int  # its members or workstations, by the basis
    cost: Decimal  # the category's monthly total (its share of the cost)
    monthly_price: Decimal
    revenue: Decimal
    coverage_pct: Decimal | None  # None when the cost is 0
    break_even: int | None  # None when the price is 0: no count covers the cost
    suggested_price: Decimal | None  # None when the count or the occupancy is 0


@dataclass(frozen=True)
class RevenueLine:
    label: str
    monthly: Decimal


@dataclass(frozen=True)
class Balance:
    """What comes in against what the month costs."""

    margin_pct: Decimal
    occupancy_pct: Decimal
    categories: tuple[CategoryPricing, ...]
    other: tuple[RevenueLine, ...]
    categories_revenue: Decimal
    other_revenue: Decimal
    total_revenue: Decimal
    costs: Decimal  # the venue's monthly total
    uncovered: Decimal  # what no category carries (set against the other revenue)
    balance: Decimal  # total revenue − costs; negative: a deficit


def monthly_price(price: Price) -> Decimal:
    """The price per month, half-up to the cent (R7: the factors of R1, no one_off)."""
    if price.frequency not in PRICE_FREQUENCIES:
        raise ValueError(f"unknown price frequency {price.frequency!r}")
    if price.per not in BASES:
        raise ValueError(f"unknown price basis {price.per!r}")
    return monthly_amount(Item("services", price.amount, frequency=price.frequency))


def monthly_revenue(revenue: Revenue) -> Decimal:
    """Another revenue line per month, half-up, as a cost item's (R9)."""
    item = Item(
        "services",
        revenue.amount,
        frequency=revenue.frequency,
        amortization_months=revenue.amortization_months,
    )
    return monthly_amount(item)


def coverage_pct(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """revenue ÷ cost × 100, half-up to 2 decimals; None when the cost is 0."""
    return _divide(revenue * 100, cost)


def break_even(cost: Decimal, price: Decimal) -> int | None:
    """The smallest whole count whose revenue at `price` reaches `cost`; None when the price
    is 0 (no count covers a cost then, and a cost of 0 needs none)."""
    if price <= 0:
        return None
    return math.ceil(Fraction(cost) / Fraction(price))


def suggested_price(cost: Decimal, count: int, pricing: Pricing) -> Decimal | None:
    """The price per unit that covers `cost` with the margin, when `count` units are paid
    for at the expected occupancy: cost × (1 + margin/100) ÷ (count × occupancy/100),
    rounded up to the cent, so that it always covers (R8). None when no price can: no unit,
    or an occupancy of 0."""
    if count <= 0 or pricing.occupancy_pct <= 0:
        return None
    exact = (
        Fraction(cost)
        * (100 + Fraction(pricing.margin_pct))
        / (count * Fraction(pricing.occupancy_pct))
    )
    return CENT * math.ceil(exact * 100)


def balance(venue: Venue, allocation: Allocation) -> Balance:
    """Prices, revenue and balance of `venue`, whose allocation is `allocation` (R7–R9).

    A category without a price prices as 0; a venue without pricing has margin 0 and
    occupancy 100 %.
    """
    pricing = venue.pricing or Pricing()
    if not 0 <= pricing.margin_pct <= MAX_MARGIN_PCT:
        raise ValueError(f"margin {pricing.margin_pct} % is outside 0–1000 %")
    if not 0 <= pricing.occupancy_pct <= HUNDRED:
        raise ValueError(f"occupancy {pricing.occupancy_pct} % is outside 0–100 %")
    if len(venue.categories) != len(allocation.categories):
        raise ValueError("the allocation is not the venue's")
    with localcontext(_EXACT):
        rows = []
        for category, allocated in zip(venue.categories, allocation.categories, strict=True):
            price = category.price or Price(Decimal(0))
            if price.amount < 0:
                raise ValueError(f"negative price {price.amount}")
            count = category.workstations if price.per == "workstation" else category.members
            monthly = monthly_price(price)
            revenue = monthly * count
            rows.append(
                CategoryPricing(
                    name=category.name,
                    per=price.per,
                    count=count,
                    cost=allocated.total,
                    monthly_price=monthly,
                    revenue=revenue,
                    coverage_pct=coverage_pct(revenue, allocated.total),
                    break_even=break_even(allocated.total, monthly),
                    suggested_price=suggested_price(allocated.total, count, pricing),
                )
            )
        other = tuple(
            RevenueLine(line.label, monthly_revenue(line)) for line in venue.revenues or ()
        )
        zero = Decimal("0.00")
        categories_revenue = sum((row.revenue for row in rows), zero)
        other_revenue = sum((line.monthly for line in other), zero)
        total_revenue = categories_revenue + other_revenue
        return Balance(
            margin_pct=_canonical(pricing.margin_pct),
            occupancy_pct=_canonical(pricing.occupancy_pct),
            categories=tuple(rows),
            other=other,
            categories_revenue=categories_revenue,
            other_revenue=other_revenue,
            total_revenue=total_revenue,
            costs=allocation.total,
            uncovered=allocation.uncovered_total,
            balance=total_revenue - allocation.total,
        )


# Comparing two states of a venue (a scenario and the current state) --------------------------


@dataclass(frozen=True)
class Difference:
    """One figure in two states: `delta` is right − left, None when either has none."""

    left: Decimal | None
    right: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        if self.left is None or self.right is None:
            return None
        return self.right - self.left

    @property
    def changed(self) -> bool:
        return self.left != self.right


@dataclass(frozen=True)
class CategoryComparison:
    name: str
    share: Difference  # the category's monthly total
    monthly_price: Difference
    suggested_price: Difference
    coverage_pct: Difference

    @property
    def changed(self) -> bool:
        return any(
            figure.changed
            for figure in (self.share, self.monthly_price, self.suggested_price, self.coverage_pct)
        )


@dataclass(frozen=True)
class Comparison:
    totals: dict[str, Difference]  # by TOTALS' keys, in their order
    categories: tuple[CategoryComparison, ...]


# The figures a comparison sets side by side, from (allocation, balance).
TOTALS = {
    "total": lambda a, b: a.total,
    "infrastructure": lambda a, b: a.infrastructure.total,
    "services": lambda a, b: a.services.total,
    "uncovered": lambda a, b: a.uncovered_total,
    "categories_revenue": lambda a, b: b.categories_revenue,
    "other_revenue": lambda a, b: b.other_revenue,
    "total_revenue": lambda a, b: b.total_revenue,
    "balance": lambda a, b: b.balance,
}


def compare(left: tuple[Allocation, Balance], right: tuple[Allocation, Balance]) -> Comparison:
    """Two states of a venue side by side: its totals, and each category (matched by name:
    the left's in their order, then those only the right has) with its share, prices and
    coverage. A category missing from one side has None there."""
    totals = {key: Difference(get(*left), get(*right)) for key, get in TOTALS.items()}
    sides = []
    for allocation, balance in (left, right):
        sides.append(
            {
                allocated.name: (allocated, priced)
                for allocated, priced in zip(allocation.categories, balance.categories, strict=True)
            }
        )
    names = list(dict.fromkeys([*sides[0], *sides[1]]))
    categories = []
    for name in names:
        (la, lb), (ra, rb) = (side.get(name, (None, None)) for side in sides)
        categories.append(
            CategoryComparison(
                name=name,
                share=Difference(la and la.total, ra and ra.total),
                monthly_price=Difference(lb and lb.monthly_price, rb and rb.monthly_price),
                suggested_price=Difference(lb and lb.suggested_price, rb and rb.suggested_price),
                coverage_pct=Difference(lb and lb.coverage_pct, rb and rb.coverage_pct),
            )
        )
    return Comparison(totals=totals, categories=tuple(categories))
