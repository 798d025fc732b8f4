"""SQL queries per request for each page, counted in-process with Django's test client.

Run by run.py against its scratch PostgreSQL database (DATABASE_URL and the production
environment set by the caller), or by hand the same way:

    DATABASE_URL=postgres://… DJANGO_SECRET_KEY=… .venv/bin/python bench/queries.py [--json] [-v]

It creates its own venues (3 items × 3 categories, 300 items × 12 categories), counts the
queries of every page, adds 10 000 other venues (with their members, items and share links)
and counts again. Each count is taken on several requests after a warm-up one; a count that
changes from one request to the next is reported as unstable.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project, not bench/, first on the path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

PAGES = {
    "bare": "bare view (no database)",
    "healthz": "/healthz",
    "share": "share page /s/<token>/",
    "json": "share JSON /s/<token>/allocation.json",
    "workspace": "workspace /venues/<id>/",
    "share-cold": "share page, first view after a change (nothing cached)",
    "workspace-cold": "workspace, first view after a change (nothing cached)",
    "edit": "htmx amount edit",
    "floor-edit": "the edit's queries and allocation alone (bench/urls.py floor_edit)",
    "prices": "Tarifs page /venues/<id>/prices/",
    "compare": "a scenario compared with the current state /venues/<id>/scenarios/compare/",
}
COLUMNS = ("3 items", "300 items", "300 items + 10 000 venues")
OTHER_VENUES = 10_000
REPEAT = 3  # counted requests per page and column, after one warm-up request
TIMED = 10  # timed requests per page and column (median in-process time)


class Pages:
    """Requests every page of one venue with a logged-in test client."""

    def __init__(self, client, venue, token: str):
        from bench.sample import item_fields

        self.client = client
        self.venue = venue
        self.token = token
        self.item = venue.cost_items.order_by("position", "pk").first()
        self.fields = item_fields(self.item)
        self.version = self.item.version
        self.amount = self.item.amount
        self.edits = 0
        from costing.models import create_scenario
        from venues.models import Venue

        rows = Venue.objects.prefetch_related("cost_items", "categories", "other_revenues")
        create_scenario(rows.get(pk=venue.pk), "Banc d'essai")  # what "compare" compares

    def get(self, page: str):
        if page == "bare":
            return self.client.get("/bench/bare")
        if page == "healthz":
            return self.client.get("/healthz")
        if page == "share":
            return self.client.get(f"/s/{self.token}/")
        if page == "json":
            return self.client.get(f"/s/{self.token}/allocation.json")
        if page == "workspace":
            return self.client.get(f"/venues/{self.venue.pk}/")
        if page == "edit":
            return self.edit(f"/venues/{self.venue.pk}/items/{self.item.pk}/")
        if page == "prices":
            return self.client.get(f"/venues/{self.venue.pk}/prices/")
        if page == "compare":
            return self.client.get(f"/venues/{self.venue.pk}/scenarios/compare/")
        if page == "floor-edit":
            return self.edit(f"/bench/floor/venues/{self.venue.pk}/items/{self.item.pk}")
        if page.endswith("-cold"):
            from django.core.cache import cache

            cache.clear()  # as after an edit: the page is rendered again from the database
            return self.get(page.removesuffix("-cold"))
        raise ValueError(page)

    def edit(self, url: str):
        from bench.sample import edit_form_data, version_pattern

        self.edits += 1
        # A cent more each time: an amount sent before would find its summary cached under the
        # allocation's values (venues/pagecache.py value_key), which a manager's edits do not.
        amount = str(self.amount + Decimal(self.edits).scaleb(-2))
        data = edit_form_data(self.item.pk, self.fields, amount, self.version)
        response = self.client.post(url, data, headers={"HX-Request": "true"})
        match = re.search(version_pattern(self.item.pk), response.content.decode())
        if not match or int(match.group(1)) != self.version + 1:
            raise RuntimeError(f"the edit was not saved (status {response.status_code})")
        self.version = int(match.group(1))
        return response


def measure(pages: Pages, verbose: bool) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for page in PAGES:
        response = pages.get(page)  # warm-up
        if response.status_code != 200:
            raise RuntimeError(f"{page}: status {response.status_code}")
        counts = []
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as captured:
                pages.get(page)
            counts.append(len(captured))
        if verbose:
            print(f"--- {page}: {counts}", file=sys.stderr)
            for query in captured.captured_queries:
                print("   ", query["sql"][:300], file=sys.stderr)
        timings = []
        for _ in range(TIMED):
            start = time.perf_counter()
            pages.get(page)
            timings.append(time.perf_counter() - start)
        results[page] = {
            "queries": max(counts),
            "stable": len(set(counts)) == 1,
            "ms": round(statistics.median(timings) * 1000, 2),
        }
    return results


def add_other_venues(n: int) -> None:
    """n venues owned by someone else, each with 3 items, 2 categories and a share link, and
    each also shared (read-only) with the benchmark user."""
    from django.contrib.auth import get_user_model

    from costing.models import CostItem, MemberCategory
    from venues.models import Membership, Role, ShareLink, Venue

    users = get_user_model().objects
    other = users.create_user("bench-others")
    reader = users.get(username="bench-queries")
    venues = Venue.objects.bulk_create(
        [
            Venue(name=f"Autre lieu {i}", slug=f"autre-lieu-{i}", total_surface_m2=Decimal(100))
            for i in range(n)
        ],
        batch_size=2_000,
    )
    Membership.objects.bulk_create(
        [Membership(user=other, venue=v, role=Role.OWNER) for v in venues]
        + [Membership(user=reader, venue=v, role=Role.VIEWER) for v in venues],
        batch_size=5_000,
    )
    CostItem.objects.bulk_create(
        [
            CostItem(venue=v, position=p, label=f"Poste {p}", pool="infrastructure",
                     amount=Decimal(100 + p))
            for v in venues
            for p in range(3)
        ],
        batch_size=5_000,
    )  # fmt: skip
    MemberCategory.objects.bulk_create(
        [
            MemberCategory(venue=v, position=p, name=f"Catégorie {p}", surface_share_pct=50,
                           infrastructure_pct=50, services_pct=50)
            for v in venues
            for p in range(2)
        ],
        batch_size=5_000,
    )  # fmt: skip
    ShareLink.objects.bulk_create(
        [ShareLink(venue=v, label="Lien") for v in venues], batch_size=5_000
    )


def run(verbose: bool = False) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.sample import venue_document
    from costing.documents import load_venue_document
    from costing.models import create_venue
    from venues.models import ShareLink

    user = get_user_model().objects.create_user("bench-queries")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def venue_pages(n_items: int, n_categories: int) -> Pages:
        document = venue_document(n_items, n_categories, seed=n_items)
        venue = create_venue(load_venue_document(json.dumps(document)), owner=user)
        link = ShareLink.objects.create(venue=venue, label="Banc d'essai")
        return Pages(client, venue, link.token)

    small, large = venue_pages(3, 3), venue_pages(300, 12)
    results = {COLUMNS[0]: measure(small, verbose), COLUMNS[1]: measure(large, verbose)}
    add_other_venues(OTHER_VENUES)
    results[COLUMNS[2]] = measure(large, verbose)
    return {"pages": PAGES, "columns": COLUMNS, "repeat": REPEAT, "results": results}


def table(data: dict) -> str:
    columns, results = data["columns"], data["results"]
    lines = [
        "| page | " + " | ".join(f"queries, {c}" for c in columns) + " | ms in-process, "
        + " / ".join(columns) + " |",
        "|---|" + "---:|" * (len(columns) + 1),
    ]  # fmt: skip
    for page, label in data["pages"].items():
        counts = []
        for column in columns:
            cell = results[column][page]
            counts.append(f"{cell['queries']}" + ("" if cell["stable"] else " (unstable)"))
        ms = " / ".join(f"{results[c][page]['ms']:.1f}" for c in columns)
        lines.append(f"| {label} | " + " | ".join(counts) + f" | {ms} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every query")
    args = parser.parse_args()
    data = run(verbose=args.verbose)
    print(json.dumps(data) if args.json else table(data))


if __name__ == "__main__":
    main()
