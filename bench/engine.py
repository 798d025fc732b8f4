"""Time `allocate` on growing venues and print a Markdown table.

Run from the project root: .venv/bin/python bench/engine.py
Targets: 10 000 items under 50 ms a call; at most 11× slower per 10× more items.
"""

import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from costing.engine import FREQUENCIES, KEYS, POOLS, TIERS, Category, Item, Venue, allocate  # noqa: E402

ITEM_COUNTS = (100, 1_000, 10_000, 100_000)
CATEGORY_COUNTS = (10, 50, 200)
REPETITIONS = {100: 50, 1_000: 30, 10_000: 15, 100_000: 5}


def shares(rng: random.Random, n: int) -> list[Decimal]:
    """n percentages with 2 decimals adding up to 100 % or a little less."""
    cuts = sorted(rng.randint(0, 10_000) for _ in range(n))
    cuts[-1] = rng.choice([10_000, 9_990])
    return [Decimal(b - a).scaleb(-2) for a, b in zip([0, *cuts], cuts, strict=False)]


def venue(n_items: int, n_categories: int, seed: int = 42) -> Venue:
    rng = random.Random(seed)
    items = []
    for _ in range(n_items):
        frequency = rng.choice(FREQUENCIES)
        items.append(
            Item(
                pool=rng.choice(POOLS),
                amount=Decimal(rng.randint(0, 500_000)).scaleb(-2),
                tier=rng.choice(TIERS),
                frequency=frequency,
                amortization_months=rng.randint(1, 600) if frequency == "one_off" else None,
                included=rng.random() < 0.9,
            )
        )
    surface, infrastructure, services = (shares(rng, n_categories) for _ in range(3))
    categories = tuple(
        Category(
            name=f"Catégorie {i}",
            surface_share_pct=surface[i],
            workstations=rng.randint(0, 40),
            members=rng.randint(0, 100),
            infrastructure_pct=infrastructure[i],
            services_pct=services[i],
        )
        for i in range(n_categories)
    )
    return Venue(
        name="Banc d'essai",
        total_surface_m2=Decimal(rng.randint(1_000, 500_000)).scaleb(-2),
        items=tuple(items),
        categories=categories,
        infrastructure_key=rng.choice(KEYS),
        services_key=rng.choice(KEYS),
    )


def median_ms(subject: Venue, repetitions: int) -> float:
    allocate(subject)  # warm-up
    timings = []
    for _ in range(repetitions):
        start = time.perf_counter()
        allocate(subject)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    print("| items | categories | median ms per call | growth per ×10 items |")
    print("|---:|---:|---:|---:|")
    for n_categories in CATEGORY_COUNTS:
        previous = None
        for n_items in ITEM_COUNTS:
            ms = median_ms(venue(n_items, n_categories), REPETITIONS[n_items])
            growth = f"{ms / previous:.1f}×" if previous else "—"
            print(f"| {n_items:,} | {n_categories} | {ms:.2f} | {growth} |".replace(",", " "))
            previous = ms


if __name__ == "__main__":
    main()
