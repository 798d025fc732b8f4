"""Generated venue documents (tierslieux.venue/1) of any size, deterministic for a seed."""

import random
from decimal import Decimal

GROUPS = [
    ("infrastructure", "basic"),
    ("infrastructure", "improved"),
    ("services", "basic"),
    ("services", "improved"),
]
FREQUENCIES = ("monthly", "monthly", "quarterly", "yearly", "one_off")


def _shares(rng: random.Random, n: int) -> list[str]:
    """n percentages with 2 decimals adding up to exactly 100."""
    cuts = sorted(rng.randint(0, 10_000) for _ in range(n - 1))
    bounds = [0, *cuts, 10_000]
    return [str(Decimal(b - a).scaleb(-2)) for a, b in zip(bounds, bounds[1:], strict=False)]


def venue_document(n_items: int, n_categories: int, seed: int = 7, name: str = "") -> dict:
    rng = random.Random(seed)
    items = []
    for i in range(n_items):
        pool, tier = GROUPS[i % len(GROUPS)]
        frequency = rng.choice(FREQUENCIES)
        item = {
            "label": f"Poste de coût n° {i + 1} — {pool} {tier}",
            "pool": pool,
            "tier": tier,
            "amount": str(Decimal(rng.randint(100, 500_000)).scaleb(-2)),
            "frequency": frequency,
            "included": rng.random() < 0.9,
        }
        if frequency == "one_off":
            item["amortization_months"] = rng.randint(6, 120)
        items.append(item)
    surface, infrastructure, services = (_shares(rng, n_categories) for _ in range(3))
    categories = [
        {
            "name": f"Catégorie {i + 1}",
            "surface_share_pct": surface[i],
            "workstations": rng.randint(0, 20),
            "members": rng.randint(0, 40),
            "shares_pct": {"infrastructure": infrastructure[i], "services": services[i]},
        }
        for i in range(n_categories)
    ]
    return {
        "format": "tierslieux.venue/1",
        "name": name or f"Banc d'essai — {n_items} postes × {n_categories} catégories",
        "currency": "EUR",
        "total_surface_m2": "850",
        "pools": {"infrastructure": {"key": "manual"}, "services": {"key": "surface"}},
        "cost_items": items,
        "categories": categories,
    }


ITEM_FIELDS = ("label", "frequency", "amortization_months", "included")


def item_fields(item) -> dict:
    """What the edit form posts for a cost item, from a CostItem (amount and version apart)."""
    return {field: getattr(item, field) for field in ITEM_FIELDS}


def edit_form_data(pk: int, fields: dict, amount: str, version: int) -> dict[str, str]:
    """The htmx edit of one item's amount, as the workspace row's form posts it."""
    prefix = f"item-{pk}"
    data = {
        f"{prefix}-label": fields["label"],
        f"{prefix}-amount": amount,
        f"{prefix}-frequency": fields["frequency"],
        f"{prefix}-amortization_months": str(fields["amortization_months"] or ""),
        f"{prefix}-version": str(version),
    }
    if fields["included"]:
        data[f"{prefix}-included"] = "on"
    return data


def version_pattern(pk: int) -> str:
    """A regular expression finding the item's version in a rendered row."""
    return rf'name="item-{pk}-version" value="(\d+)"'
