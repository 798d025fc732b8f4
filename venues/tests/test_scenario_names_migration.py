"""venues/migrations/0010 and 0011: scenarios that already share a name are renamed before the
constraint that forbids it is added, or the migration would fail on a database that has them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tierslieux.names import name_fingerprint

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("venues", "0009_merge_team_and_pricing")]
AFTER = [("venues", "0010_scenario_names_unique")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """The next tests find the database as migrated, even if this one stops half-way."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_twins_get_a_number_no_sibling_has_and_the_oldest_keeps_its_name():
    apps = migrate(BEFORE)
    Venue = apps.get_model("venues", "Venue")
    venue = Venue.objects.create(name="Le Lieu", slug="le-lieu", total_surface_m2=100)
    other = Venue.objects.create(name="Autre lieu", slug="autre", total_surface_m2=100)
    names = ["A", "a", "A (2)", "Été", "E\u0301TE\u0301", "x" * 200, "X" * 200]
    for index, name in enumerate(names):
        Venue.objects.create(name=name, slug=f"s{index}", total_surface_m2=100, scenario_of=venue)
    Venue.objects.create(name="a", slug="o", total_surface_m2=100, scenario_of=other)  # its own
    apps = migrate(AFTER)
    Venue = apps.get_model("venues", "Venue")
    renamed = list(
        Venue.objects.filter(scenario_of__name="Le Lieu")
        .order_by("pk")
        .values_list("name", flat=True)
    )
    assert renamed == [
        "A",
        "a (3)",
        "A (2)",
        "Été",
        "E\u0301TE\u0301 (2)",
        "x" * 200,
        "X" * 196 + " (2)",
    ]
    assert Venue.objects.get(scenario_of__name="Autre lieu").name == "a"


def test_twins_that_lower_let_through_are_renamed_and_every_name_gets_its_fingerprint():
    apps = migrate(AFTER)
    Venue = apps.get_model("venues", "Venue")
    venue = Venue.objects.create(name="Le Lieu", slug="le-lieu", total_surface_m2=100)
    for index, name in enumerate(["Straße", "STRASSE", "Été", "E\u0301te\u0301"]):
        Venue.objects.create(name=name, slug=f"s{index}", total_surface_m2=100, scenario_of=venue)
    apps = migrate([("venues", "0012_scenario_names_fingerprint_unique")])
    Venue = apps.get_model("venues", "Venue")
    scenarios = Venue.objects.filter(scenario_of__name="Le Lieu").order_by("pk")
    assert list(scenarios.values_list("name", flat=True)) == [
        "Straße",
        "STRASSE (2)",
        "Été",
        "E\u0301te\u0301 (2)",
    ]
    for found in Venue.objects.all():
        assert found.name_fingerprint == name_fingerprint(found.name)
