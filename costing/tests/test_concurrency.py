"""Two editors saving at the same moment: every rule that spans rows of a venue still holds
(venues/access.py), and the venue's pages still answer.

Each race posts two saves from two threads, each with its own client and database session,
released together. The first to write is then held inside its transaction, its write not yet
committed, until the database shows the other one waiting for a lock (the venue's): so the
second save is checked while the first is in progress, whatever the timing. Without the lock
nothing would wait, the hold would give up after a few seconds, and both saves would pass.

PostgreSQL only: the suite's SQLite database is in memory, shared between threads in a mode
where a second writer fails at once instead of waiting. CI runs these tests in its PostgreSQL
pass (TIERSLIEUX_REQUIRE_POSTGRES), where a missing PostgreSQL fails them.
"""

import html
import os
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from costing.documents import MAX_CATEGORIES, MAX_ITEMS
from costing.models import CostItem, MemberCategory, Row
from costing.views import STALE
from tests.helpers import item_data, logged_in, post_at_once
from venues.models import Venue

REQUIRED = bool(os.environ.get("TIERSLIEUX_REQUIRE_POSTGRES"))
HTMX = {"HX-Request": "true"}
HOLD_SECONDS = 5  # the most the first writer waits for the second to queue behind it

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not REQUIRED,
        reason="needs PostgreSQL (DATABASE_URL=postgres://…); CI's PostgreSQL pass runs it",
    ),
]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("TIERSLIEUX_REQUIRE_POSTGRES is set: run with DATABASE_URL=postgres://…")


class Hold:
    """Called after each write: holds the first writer, inside its transaction, until another
    session of the database waits for a lock (or HOLD_SECONDS pass)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._taken = False
        self.second_writer_waited = False

    def __call__(self) -> None:
        with self._mutex:
            if self._taken:
                return
            self._taken = True
        self.second_writer_waited = _until_a_session_waits_for_a_lock()


def _until_a_session_waits_for_a_lock() -> bool:
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        autocommit=True,  # a fresh view of pg_stat_activity at each statement
    ) as watcher:
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            (waiting,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting:
                return True
            time.sleep(0.01)
    return False


@pytest.fixture
def race(monkeypatch):
    """race((client, url, data), (client, url, data)) posts both (htmx) at the same moment and
    returns their responses, in the same order."""

    def run(*posts: tuple[Client, str, dict]) -> list:
        hold = Hold()
        for model, name in (
            (Row, "save_if_unchanged"),
            (CostItem, "save"),
            (MemberCategory, "save"),
            (MemberCategory, "save_versions"),  # the categories table (bound to the class)
        ):
            monkeypatch.setattr(model, name, _held(getattr(model, name), hold))
        results = post_at_once(posts, headers=HTMX)
        assert hold.second_writer_waited, "the second save never waited for the first"
        return results

    return run


def _held(method, hold: Hold):
    def held(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        hold()
        return result

    return held


def text(response) -> str:
    return html.unescape(response.content.decode())


def refused(responses, message: str) -> list:
    return [response for response in responses if message in text(response)]


def assert_the_venue_still_answers(venue: Venue, *clients: Client) -> None:
    for client in clients:
        assert client.get(venue.get_absolute_url()).status_code == 200
        assert client.get(reverse("venue_list")).status_code == 200


def category(venue: Venue, name: str, **values) -> MemberCategory:
    values = {"surface_share_pct": Decimal(0), **values}
    return MemberCategory.objects.create(venue=venue, name=name, **values)


def category_edit(category: MemberCategory, **changes) -> tuple[str, dict]:
    fields = {
        "name": category.name,
        "surface_share_pct": category.surface_share_pct,
        "workstations": category.workstations,
        "members": category.members,
        "infrastructure_pct": category.infrastructure_pct,
        "services_pct": category.services_pct,
        "version": category.version,
        **changes,
    }
    url = reverse("category_edit", args=[category.venue_id, category.pk])
    return url, {f"category-{category.pk}-{k}": v for k, v in fields.items()}


def category_add(venue: Venue, name: str) -> tuple[str, dict]:
    fields = {"name": name, "surface_share_pct": "0", "workstations": "0", "members": "0"}
    return reverse("category_add", args=[venue.pk]), {
        f"new-category-{k}": v for k, v in fields.items()
    }


def item_add(venue: Venue, label: str) -> tuple[str, dict]:
    prefix = "new-services-basic"
    fields = {"label": label, "amount": "10", "frequency": "monthly", "included": "on"}
    url = reverse("item_add", args=[venue.pk, "services", "basic"])
    return url, {f"{prefix}-{k}": v for k, v in fields.items()}


@pytest.fixture
def editors(alice, bob) -> tuple[Client, Client]:
    return logged_in(alice), logged_in(bob)


SUMS = {
    "infrastructure_pct": "Les parts de l'infrastructure des catégories dépasseraient 100 %",
    "services_pct": "Les parts des services des catégories dépasseraient 100 %",
    "surface_share_pct": "Les parts de surface des catégories dépasseraient 100 %",
}


@pytest.mark.parametrize("field", SUMS)
def test_two_editors_raising_shares_at_once_cannot_take_a_column_over_100_percent(
    venue, editors, race, field
):
    category(venue, "Résidents", **{field: Decimal(50)})
    first, second = category(venue, "Contributeurs"), category(venue, "Bénéficiaires")
    alice, bob = editors
    responses = race(
        (alice, *category_edit(first, **{field: "50"})),
        (bob, *category_edit(second, **{field: "50"})),
    )
    assert [response.status_code for response in responses] == [200, 200]
    assert len(refused(responses, SUMS[field])) == 1  # beside the field, in the row it returns
    values = MemberCategory.objects.filter(venue=venue).values_list(field, flat=True)
    assert sum(values) == Decimal(100)
    assert_the_venue_still_answers(venue, alice, bob)


def table_edit(venue: Venue, **changes: dict) -> tuple[str, dict]:
    """The categories table as the page posts it (views.categories_edit), with `changes` by
    category name."""
    data = {}
    for row in MemberCategory.objects.filter(venue=venue):
        url, fields = category_edit(row, **changes.get(row.name, {}))
        data |= fields
    return reverse("categories_edit", args=[venue.pk]), data


@pytest.mark.parametrize("field", SUMS)
def test_two_editors_raising_shares_in_the_table_at_once_cannot_take_a_column_over_100_percent(
    venue, editors, race, field
):
    category(venue, "Résidents", **{field: Decimal(50)})
    category(venue, "Contributeurs"), category(venue, "Bénéficiaires")
    alice, bob = editors
    responses = race(
        (alice, *table_edit(venue, Contributeurs={field: "50"})),
        (bob, *table_edit(venue, Bénéficiaires={field: "50"})),
    )
    assert [response.status_code for response in responses] == [200, 200]
    assert len(refused(responses, SUMS[field])) == 1  # beside the field, in the table
    values = MemberCategory.objects.filter(venue=venue).values_list(field, flat=True)
    assert sum(values) == Decimal(100)
    assert_the_venue_still_answers(venue, alice, bob)


def test_two_editors_adding_the_same_name_at_once_get_one_category(venue, editors, race):
    alice, bob = editors
    responses = race(
        (alice, *category_add(venue, "Résidents")), (bob, *category_add(venue, "résidents"))
    )
    assert [response.status_code for response in responses] == [200, 200]
    assert len(refused(responses, "Une catégorie porte déjà ce nom dans ce lieu.")) == 1
    names = list(MemberCategory.objects.filter(venue=venue).values_list("name", flat=True))
    assert len(names) == 1 and names[0].lower() == "résidents"
    assert_the_venue_still_answers(venue, alice, bob)


def test_two_editors_renaming_two_categories_to_one_name_at_once_keep_names_unique(
    venue, editors, race
):
    first, second = category(venue, "Résidents"), category(venue, "Contributeurs")
    alice, bob = editors
    responses = race(
        (alice, *category_edit(first, name="Associés")),
        (bob, *category_edit(second, name="ASSOCIÉS")),
    )
    assert len(refused(responses, "Une catégorie porte déjà ce nom dans ce lieu.")) == 1
    names = sorted(MemberCategory.objects.filter(venue=venue).values_list("name", flat=True))
    assert len({name.lower() for name in names}) == 2
    assert_the_venue_still_answers(venue, alice, bob)


def test_two_items_added_at_once_take_distinct_positions(venue, editors, race):
    CostItem.objects.create(venue=venue, label="Loyer", pool="infrastructure", amount=900)
    alice, bob = editors
    responses = race((alice, *item_add(venue, "Ménage")), (bob, *item_add(venue, "Accueil")))
    assert [response.status_code for response in responses] == [200, 200]
    positions = list(CostItem.objects.filter(venue=venue).values_list("position", flat=True))
    assert len(positions) == 3 and len(set(positions)) == 3
    assert_the_venue_still_answers(venue, alice, bob)


def test_two_categories_added_at_once_take_distinct_positions(venue, editors, race):
    category(venue, "Résidents")
    alice, bob = editors
    race((alice, *category_add(venue, "Contributeurs")), (bob, *category_add(venue, "Visiteurs")))
    positions = list(MemberCategory.objects.filter(venue=venue).values_list("position", flat=True))
    assert len(positions) == 3 and len(set(positions)) == 3


def test_two_items_added_at_once_to_a_venue_one_short_of_the_limit_make_it_full(
    venue, editors, race
):
    # in another group than the one added to, whose fragment each answer renders
    CostItem.objects.bulk_create(
        CostItem(venue=venue, label=f"Poste {n}", pool="infrastructure", amount=1, position=n)
        for n in range(MAX_ITEMS - 1)
    )
    alice, bob = editors
    responses = race((alice, *item_add(venue, "Ménage")), (bob, *item_add(venue, "Accueil")))
    limit = f"Ce lieu a déjà {MAX_ITEMS} postes : c'est le maximum."
    assert len(refused(responses, limit)) == 1
    assert CostItem.objects.filter(venue=venue).count() == MAX_ITEMS
    assert_the_venue_still_answers(venue, alice)


def test_two_categories_added_at_once_to_a_venue_one_short_of_the_limit_make_it_full(
    venue, editors, race
):
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=f"Catégorie {n}", surface_share_pct=1, position=n)
        for n in range(MAX_CATEGORIES - 1)
    )
    alice, bob = editors
    responses = race(
        (alice, *category_add(venue, "Contributeurs")), (bob, *category_add(venue, "Visiteurs"))
    )
    limit = f"Ce lieu a déjà {MAX_CATEGORIES} catégories : c'est le maximum."
    assert len(refused(responses, limit)) == 1
    assert MemberCategory.objects.filter(venue=venue).count() == MAX_CATEGORIES
    assert_the_venue_still_answers(venue, alice, bob)


def test_of_two_saves_of_one_category_from_the_same_version_exactly_one_is_refused(
    venue, editors, race
):
    row = category(venue, "Résidents")
    alice, bob = editors
    responses = race(
        (alice, *category_edit(row, members="12")), (bob, *category_edit(row, members="30"))
    )
    assert len(refused(responses, str(STALE))) == 1
    (accepted,) = [response for response in responses if str(STALE) not in text(response)]
    row.refresh_from_db()
    assert row.version == 2
    assert f'value="{row.members}"' in text(accepted)
    assert_the_venue_still_answers(venue, alice, bob)


def test_of_two_saves_of_one_item_from_the_same_version_exactly_one_is_refused(
    venue, editors, race
):
    item = CostItem.objects.create(venue=venue, label="Loyer", pool="infrastructure", amount=900)
    url = reverse("item_edit", args=[venue.pk, item.pk])
    alice, bob = editors
    responses = race(
        (alice, url, item_data(item, amount="1000")), (bob, url, item_data(item, amount="1200"))
    )
    assert len(refused(responses, str(STALE))) == 1
    item.refresh_from_db()
    assert item.version == 2 and item.amount in (Decimal(1000), Decimal(1200))
    assert_the_venue_still_answers(venue, alice, bob)
