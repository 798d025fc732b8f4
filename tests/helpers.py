"""Helpers the tests share (fixtures are in the project's conftest.py): what forms post, logged-in
clients, the worked example, and venue documents of a chosen size."""

import json
import threading

from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from costing.documents import VENUE_FORMAT
from costing.examples import WORKED_EXAMPLE, WORKED_EXAMPLE_ALLOCATION
from costing.models import CostItem
from venues.models import Venue

EXAMPLE = WORKED_EXAMPLE
EXAMPLE_ALLOCATION = WORKED_EXAMPLE_ALLOCATION


def rent(venue: Venue) -> CostItem:
    """The worked example's rent (1 100,00 € a month)."""
    return venue.cost_items.get(label="Loyer du local")


def item_values(item: CostItem, **changes) -> dict:
    """What a form for `item` posts (unprefixed, as on its details page), with `changes`."""
    values = {
        "label": item.label,
        "pool": item.pool,
        "tier": item.tier,
        "amount": str(item.amount),
        "frequency": item.frequency,
        "amortization_months": item.amortization_months or "",
        "included": "on" if item.included else "",
        "version": item.version,
        **changes,
    }
    return {k: v for k, v in values.items() if v != ""}


def item_data(item: CostItem, **changes) -> dict:
    """What an item's row form posts (its prefixed fields), with `changes`."""
    return {f"item-{item.pk}-{k}": v for k, v in item_values(item, **changes).items()}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Venue documents of a chosen size, for the limits every path in enforces
# (costing.documents: MAX_ITEMS, MAX_CATEGORIES, NOTES_MAX_LENGTH).


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


def edit_queries() -> int:
    """An htmx edit's queries as Django counts them, whatever the venue's size
    (costing/tests/test_workspace.py says which): 5 on PostgreSQL, where the venue's lock goes
    with its items and categories in one round trip (venues/access.py `WithLock`), and the
    UPDATE with the journal's entry in another (tierslieux/compiled.py `update_and_insert`);
    7 on SQLite, which runs each of them on its own."""
    return 5 if connection.vendor == "postgresql" else 7


def post_at_once(posts, **options) -> list:
    """Each (client, url, data) posted from a thread of its own, all released together by a
    barrier (`options` go to every post: htmx headers, follow); their responses, in order.
    What a thread raised is raised here. For the concurrency tests, on PostgreSQL."""
    barrier = threading.Barrier(len(posts))
    results: list = [None] * len(posts)

    def post(index: int, client: Client, url: str, data: dict) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = client.post(url, data, **options)
        except BaseException as error:  # re-raised in the test's thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(index, *posted)) for index, posted in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
