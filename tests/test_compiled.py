"""Querysets compiled once (tierslieux/compiled.py): the same rows as the queryset, one query."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from costing.models import CostItem, MemberCategory, create_scenario, load_rows
from tierslieux.compiled import CompiledQuery
from venues.access import _ACCESS
from venues.models import Venue

pytestmark = pytest.mark.django_db


def fields(venue: Venue) -> dict:
    return {f.attname: getattr(venue, f.attname) for f in Venue._meta.concrete_fields}


@pytest.mark.parametrize("lock", [False, True])
def test_the_access_check_gives_what_its_queryset_gives_for_each_user_and_venue(
    example, charlies_venue, alice, bob, charlie, lock
):
    scenario = create_scenario(example, "Loyer en hausse")
    for user in (alice, bob, charlie):
        for venue in (example, charlies_venue, scenario):
            expected = list(Venue.objects.accessible_to(user).filter(pk=venue.pk))
            with CaptureQueriesContext(connection) as queries:
                found = list(_ACCESS.objects(lock, user_id=user.pk, venue_id=venue.pk))
            assert len(queries) == 1
            assert [(fields(v), v.role) for v in found] == [(fields(v), v.role) for v in expected]
    # a scenario carries its venue's role for the venue's members, none for others
    assert next(_ACCESS.objects(False, user_id=bob.pk, venue_id=scenario.pk)).role == "editor"
    assert not list(_ACCESS.objects(False, user_id=charlie.pk, venue_id=scenario.pk))


def test_the_rows_come_back_as_their_models_give_them_decimals_with_their_places(example):
    CostItem.objects.filter(venue=example).update(amount=Decimal("1234.5"))
    venue = Venue.objects.get(pk=example.pk)
    with CaptureQueriesContext(connection) as queries:
        load_rows(venue)
    assert len(queries) == 1
    items = list(venue.cost_items.all())
    categories = list(venue.categories.all())
    assert [(i.pk, i.label, i.amount, i.version) for i in items] == [
        (i.pk, i.label, i.amount, i.version)
        for i in CostItem.objects.filter(venue=example).order_by("position", "pk")
    ]
    assert [(c.pk, c.name, c.surface_share_pct) for c in categories] == [
        (c.pk, c.name, c.surface_share_pct)
        for c in MemberCategory.objects.filter(venue=example).order_by("position", "pk")
    ]
    assert {str(item.amount) for item in items} == {"1234.50"}


def test_a_placeholder_that_never_reaches_the_parameters_is_refused_when_compiled(example):
    ignored = CompiledQuery(lambda *, venue_id: Venue.objects.all(), "venue_id")
    with pytest.raises(ValueError, match="placeholders"):
        ignored.values(venue_id=example.pk)


def test_statements_run_together_give_each_its_rows_in_one_round_trip_on_postgresql(
    example, alice
):
    from costing.models import _ROWS
    from tierslieux.compiled import run

    access = _ACCESS.bind(True, user_id=alice.pk, venue_id=example.pk)
    rows = _ROWS.bind(venue_id=example.pk)
    with CaptureQueriesContext(connection) as queries:
        venues, found = run(access, rows)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert [venue.pk for venue in access.objects(venues)] == [example.pk]
    assert sorted(values[0] for values in rows.values(found)) == sorted(
        ["item"] * example.cost_items.count() + ["category"] * example.categories.count()
    )
