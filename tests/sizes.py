"""Venue documents of a chosen size, for the limits every path in enforces
(costing.documents: MAX_ITEMS, MAX_CATEGORIES, NOTES_MAX_LENGTH)."""

import json

from costing.documents import VENUE_FORMAT


def sized_document(items: int = 1, categories: int = 1, notes: str = "") -> dict:
    """A valid venue document but for its size: `items` cost items, `categories` categories
    (1 % of the surface and of each pool apiece), each item with `notes`."""
    return {
        "format": VENUE_FORMAT,
        "name": "Grand lieu",
        "total_surface_m2": "3000",
        "cost_items": [
            {
                "label": f"Poste {n}",
                "pool": ("infrastructure", "services")[n % 2],
                "amount": "10.00",
                **({"notes": notes} if notes else {}),
            }
            for n in range(items)
        ],
        "categories": [
            {
                "name": f"Catégorie {n}",
                "surface_share_pct": "1",
                "members": 3,
                "shares_pct": {"infrastructure": "1", "services": "1"},
            }
            for n in range(categories)
        ],
    }


def sized_bytes(items: int = 1, categories: int = 1, notes: str = "") -> bytes:
    return json.dumps(sized_document(items, categories, notes), ensure_ascii=False).encode()
