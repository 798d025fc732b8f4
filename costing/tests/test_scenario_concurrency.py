"""Two people naming scenarios of one venue at the same moment: two scenarios of a venue never
share a name. A new scenario is checked under its venue's lock (the second waits, then sees
the first); a scenario renamed holds only its own lock, so there the database's constraint
(scenario_name_unique_in_its_venue, on the names' fingerprints: it compares them as the
forms do) refuses the second. PostgreSQL only, as
costing/tests/test_concurrency.py, whose machinery this reuses
(and tests/helpers.py `post_at_once`)."""

import threading
import time

import pytest
from django.db import connections
from django.db.models import query as query_module
from django.urls import reverse

from costing import scenarios
from costing.models import CostItem, MemberCategory, create_scenario
from costing.tests.test_concurrency import (  # noqa: F401 - fixtures
    Hold,
    _held,
    _on_postgresql,
    pytestmark,
    text,
)
from tests.helpers import logged_in, post_at_once
from tierslieux.names import name_key
from venues.models import Venue

TAKEN = "Un autre scénario de ce lieu porte déjà ce nom."


def test_two_scenarios_created_at_once_with_one_name_make_one(alice, bob, example, monkeypatch):
    hold = Hold()
    monkeypatch.setattr(scenarios, "create_scenario", _held(create_scenario, hold))
    url = reverse("scenario_create", args=[example.pk])
    names = ((alice, "Loyer +10 %"), (bob, "loyer +10 %"))
    posts = [(logged_in(user), url, {"name": name}) for user, name in names]
    results = post_at_once(posts, follow=True)
    assert hold.second_writer_waited, "the second creation never waited for the first"
    assert example.scenarios.count() == 1
    assert [response.status_code for response in results] == [200, 200]
    # Refused by the form, under the lock, beside the field: not by the database's constraint.
    refused = [r for r in results if 'id="id_name_error"' in r.text and TAKEN in text(r)]
    assert len(refused) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Trois", "Trois"),
        ("Été", "E\u0301te\u0301"),  # "é" typed as one character, and as two (macOS)
        ("Straße", "STRASSE"),  # one name to casefold(), two to LOWER()
    ],
)
def test_two_scenarios_renamed_at_once_to_one_name_keep_theirs(
    alice, bob, example, monkeypatch, one, other
):
    first = create_scenario(Venue.objects.get(pk=example.pk), "Un")
    second = create_scenario(Venue.objects.get(pk=example.pk), "Deux")
    hold = Hold()
    monkeypatch.setattr(Venue, "save", _held(Venue.save, hold))
    data = {"total_surface_m2": "300", "currency": "EUR"}
    results = post_at_once(
        [
            (logged_in(alice), reverse("venue_edit", args=[first.pk]), {**data, "name": one}),
            (logged_in(bob), reverse("venue_edit", args=[second.pk]), {**data, "name": other}),
        ],
        follow=True,
    )
    assert hold.second_writer_waited, "the second rename never waited for the first"
    names = sorted(example.scenarios.values_list("name", flat=True))
    assert names in (sorted(["Deux", one]), sorted(["Un", other]))
    assert [response.status_code for response in results] == [200, 200]
    refused = [r for r in results if f"{TAKEN} Rien n'a été enregistré." in text(r)]
    assert len(refused) == 1


def test_a_scenario_created_while_another_is_renamed_to_its_name_makes_one(
    alice, bob, example, monkeypatch
):
    """The creation holds the venue's lock, the rename the scenario's: neither waits for the
    other's lock, the database's constraint refuses the second to save."""
    first = create_scenario(Venue.objects.get(pk=example.pk), "Un")
    hold = Hold()
    monkeypatch.setattr(Venue, "save", _held(Venue.save, hold))
    rename = {"name": "E\u0301te\u0301", "total_surface_m2": "300", "currency": "EUR"}
    results = post_at_once(
        [
            (logged_in(alice), reverse("scenario_create", args=[example.pk]), {"name": "Été"}),
            (logged_in(bob), reverse("venue_edit", args=[first.pk]), rename),
        ],
        follow=True,
    )
    assert hold.second_writer_waited, "the second save never waited for the first"
    keys = [name_key(name) for name in example.scenarios.values_list("name", flat=True)]
    assert len(keys) == len(set(keys)) and name_key("Été") in keys
    assert [response.status_code for response in results] == [200, 200]
    refused = [r for r in results if f"{TAKEN} Rien n'a été enregistré." in text(r)]
    assert len(refused) == 1


def test_a_scenario_deleted_while_it_is_applied_is_applied_whole_then_deleted(
    alice, example, monkeypatch
):
    """Applying locks the venue, deleting the scenario locks the scenario: the apply locks the
    scenario too once it has read it, so a deletion that comes between the scenario and its
    rows waits for the apply instead of leaving it a scenario with no rows to copy."""
    scenario = create_scenario(Venue.objects.get(pk=example.pk), "Loyer +10 %")
    CostItem.objects.filter(venue=scenario, label="Loyer du local").update(amount=1210)
    read, deleting = threading.Event(), threading.Event()
    real = query_module.prefetch_related_objects

    def prefetch(instances, *lookups):  # between reading the scenario and reading its rows
        if threading.current_thread().name == "apply" and instances[0].pk == scenario.pk:
            read.set()
            deleting.wait(timeout=10)
            time.sleep(0.5)  # time for the deletion to commit, were it not waiting
        return real(instances, *lookups)

    monkeypatch.setattr(query_module, "prefetch_related_objects", prefetch)
    results = {}

    def apply():
        url = reverse("scenario_apply", args=[example.pk, scenario.pk])
        results["apply"] = logged_in(alice).post(url)
        connections.close_all()

    def delete():
        read.wait(timeout=10)
        deleting.set()
        results["delete"] = logged_in(alice).post(reverse("venue_delete", args=[scenario.pk]))
        connections.close_all()

    threads = [threading.Thread(target=apply, name="apply"), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert read.is_set()
    assert results["apply"].status_code == 302 and results["delete"].status_code == 302
    assert not Venue.objects.filter(pk=scenario.pk).exists()
    # applied whole: the venue's rows are the scenario's, the rent raised
    assert CostItem.objects.filter(venue=example).count() == 10
    assert CostItem.objects.get(venue=example, label="Loyer du local").amount == 1210
    assert MemberCategory.objects.filter(venue=example).count() == 3
