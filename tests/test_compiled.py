"""Querysets compiled once (tierslieux/compiled.py): the same rows as the queryset, one query."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, sql
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from accounts.session_store import _SESSION, SessionStore
from costing.models import _ROWS, CostItem, MemberCategory, create_scenario, load_rows
from tests.helpers import logged_in
from tierslieux.compiled import (
    CompiledQuery,
    insert_statement,
    run,
    update_and_insert,
    update_statement,
)
from venues.access import _ACCESS
from venues.models import Change, Venue

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

    def stored(row) -> dict:  # every field, decimals as text: "12.50" and "12.5" differ
        return {f.attname: str(getattr(row, f.attname)) for f in type(row)._meta.concrete_fields}

    for rows, model in ((items, CostItem), (categories, MemberCategory)):
        expected = model.objects.filter(venue=example).order_by("position", "pk")
        assert [stored(row) for row in rows] == [stored(row) for row in expected]
        assert all(row.venue is venue for row in rows)  # no query to reach their venue


def test_a_placeholder_that_never_reaches_the_parameters_is_refused_when_compiled(example):
    ignored = CompiledQuery(lambda *, venue_id: Venue.objects.all(), "venue_id")
    with pytest.raises(ValueError, match="placeholders"):
        ignored.values(venue_id=example.pk)


def test_statements_run_together_give_each_its_rows_in_one_round_trip_on_postgresql(example, alice):
    access = _ACCESS.bind(True, user_id=alice.pk, venue_id=example.pk)
    rows = _ROWS.bind(venue_id=example.pk)
    with CaptureQueriesContext(connection) as queries:
        venues, found = run(access, rows)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert [venue.pk for venue in access.objects(venues)] == [example.pk]
    assert sorted(values[0] for values in rows.values(found)) == sorted(
        ["item"] * example.cost_items.count() + ["category"] * example.categories.count()
    )


def test_a_text_placeholder_and_select_related_give_what_the_queryset_gives(alice, bob):

    logged_in(alice), logged_in(bob)
    for expected in Session.objects.all():
        with CaptureQueriesContext(connection) as queries:
            (found,) = _SESSION.objects(session_key=expected.session_key)
            user = found.user  # read with the session, not asked for
        assert len(queries) == 1
        assert (found.session_key, found.session_data, found.expire_date, user.pk) == (
            expected.session_key,
            expected.session_data,
            expected.expire_date,
            expected.user_id,
        )
        assert user.get_session_auth_hash() == expected.user.get_session_auth_hash()
    assert list(_SESSION.objects(session_key="no-such-session-key")) == []


def test_an_expired_session_is_none_however_it_is_read(alice):

    client = logged_in(alice)
    key = Session.objects.get().session_key
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
    assert client.get(reverse("password_change")).status_code == 302  # to log in again


def test_an_update_and_its_journal_entry_are_written_together_or_neither(example, alice):
    item = CostItem.objects.filter(venue=example).first()
    changes = Change.objects.filter(venue=example)
    before = changes.count()

    def entry() -> Change:
        return Change(venue=example, model="costing.costitem", object_id=item.pk, action="changed")

    stale = {"pk": item.pk, "version": item.version + 1}
    with CaptureQueriesContext(connection) as queries:
        assert update_and_insert(CostItem, stale, {"label": "Jamais"}, entry()) == 0
    # PostgreSQL: UPDATE and INSERT in one round trip, then the entry deleted; SQLite: no INSERT
    assert len(queries) == (2 if connection.vendor == "postgresql" else 1)
    assert changes.count() == before
    assert CostItem.objects.get(pk=item.pk).label == item.label

    current = {"pk": item.pk, "version": item.version}
    written = entry()
    with CaptureQueriesContext(connection) as queries:
        assert update_and_insert(CostItem, current, {"label": "Loyer révisé"}, written) == 1
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert CostItem.objects.get(pk=item.pk).label == "Loyer révisé"
    assert changes.get(pk=written.pk).object_id == item.pk
    assert not written._state.adding

    # without an entry: the UPDATE alone
    current = {"pk": item.pk, "version": item.version}
    with CaptureQueriesContext(connection) as queries:
        assert update_and_insert(CostItem, current, {"label": "Loyer"}) == 1
    assert len(queries) == 1
    assert CostItem.objects.get(pk=item.pk).label == "Loyer"
    assert changes.count() == before + 1


def _comparable(params) -> list:
    """Parameters as compared: a JSON value's wrapper (psycopg's Jsonb) by what it holds."""
    return [getattr(param, "obj", param) for param in params]


def _orm_update(model, where: dict, values: dict) -> tuple[str, list]:
    update = model.objects.filter(**where).query.chain(sql.UpdateQuery)
    update.add_update_values(values)
    return update.get_compiler("default").as_sql()


@pytest.mark.parametrize(
    "model, values",
    [
        (CostItem, {"label": "Loyer « révisé » ' <b>", "amount": Decimal("1700.5")}),
        (CostItem, {"amount": Decimal("0.01"), "frequency": "one_off", "amortization_months": 36}),
        (CostItem, {"amortization_months": None, "included": False, "notes": "<i>n</i>"}),
        (MemberCategory, {"name": "Résidents", "surface_share_pct": Decimal("33.33")}),
        (CostItem, {"venue": "the example"}),  # a model instance for a foreign key
    ],
)
def test_a_compiled_update_is_the_statement_the_orm_compiles_with_the_values_it_prepares(
    example, model, values
):
    row = model.objects.filter(venue=example).first()
    values = {name: example if value == "the example" else value for name, value in values.items()}
    for version in (row.version, row.version + 7):  # the second from the compiled statement
        now = timezone.now()
        where = {"pk": row.pk, "version": version}
        values = {"version": F("version") + 1, "updated_at": now, **values}
        text, params = update_statement(model, where, values, "default")
        expected_text, expected_params = _orm_update(model, where, values)
        assert text == expected_text
        assert _comparable(params) == _comparable(expected_params)


def test_a_compiled_insert_is_the_statement_the_orm_compiles_with_the_values_it_prepares(
    example, alice
):
    for actor in (None, alice):
        entry = Change(
            venue=example,
            actor=actor,
            actor_name=actor.username if actor else "",
            model="costing.costitem",
            object_id=12,
            label="Loyer « révisé » ' <b>",
            action="changed",
            fields=[["amount", "1 700,50", "1 800,00"], ["label", 'a"b', "<c>"]],
        )
        text, params = insert_statement(entry, "default")
        meta = Change._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        insert = sql.InsertQuery(Change)
        insert.insert_values(fields, [entry])
        compiler = insert.get_compiler("default")
        compiler.returning_fields = [meta.pk]
        [(expected_text, expected_params)] = compiler.as_sql()
        assert text == expected_text
        assert _comparable(params) == _comparable(expected_params)


def test_a_write_is_compiled_once_for_its_shape_whatever_its_values(example, monkeypatch):
    compiled: dict = {}
    monkeypatch.setattr("tierslieux.compiled._WRITES", compiled)
    item = CostItem.objects.filter(venue=example).first()
    for amount in ("10.00", "11.00", "12.34", "1700.50"):
        item.amount = Decimal(amount)
        assert item.save_if_unchanged(item.version, ["amount"])
    assert len(compiled) == 1
    assert CostItem.objects.get(pk=item.pk).amount == Decimal("1700.50")
    item.label = "Loyer révisé"  # another shape: other fields
    assert item.save_if_unchanged(item.version, ["label", "amount"])
    assert len(compiled) == 2
    assert CostItem.objects.get(pk=item.pk).label == "Loyer révisé"


def test_a_version_out_of_its_columns_range_matches_no_row_as_the_orm_filter_does(example):
    item = CostItem.objects.filter(venue=example).first()
    changes = Change.objects.filter(venue=example).count()
    entry = Change(venue=example, model="costing.costitem", object_id=item.pk, action="changed")
    for version in (2**70, -(2**70)):
        assert not CostItem.objects.filter(pk=item.pk, version=version).exists()
        assert update_and_insert(CostItem, {"pk": item.pk, "version": version}, {}, entry) == 0
    assert Change.objects.filter(venue=example).count() == changes
    assert CostItem.objects.get(pk=item.pk).version == item.version
