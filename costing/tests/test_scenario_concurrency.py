"""Two people naming scenarios of one venue at the same moment: two scenarios of a venue never
share a name. A new scenario is checked under its venue's lock (the second waits, then sees
the first); a scenario renamed holds only its own lock, so there the database's constraint
(scenario_name_unique_in_its_venue) refuses the second. PostgreSQL only, as
costing/tests/test_concurrency.py, whose machinery this reuses
(and tests/helpers.py `post_at_once`)."""

from django.urls import reverse

from costing import scenarios
from costing.models import create_scenario
from costing.tests.test_concurrency import (  # noqa: F401 - fixtures
    Hold,
    _held,
    _on_postgresql,
    pytestmark,
    text,
)
from tests.helpers import logged_in, post_at_once
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


def test_two_scenarios_renamed_at_once_to_one_name_keep_theirs(alice, bob, example, monkeypatch):
    first = create_scenario(Venue.objects.get(pk=example.pk), "Un")
    second = create_scenario(Venue.objects.get(pk=example.pk), "Deux")
    hold = Hold()
    monkeypatch.setattr(Venue, "save", _held(Venue.save, hold))
    data = {"name": "Trois", "total_surface_m2": "300", "currency": "EUR"}
    results = post_at_once(
        [
            (logged_in(alice), reverse("venue_edit", args=[first.pk]), data),
            (logged_in(bob), reverse("venue_edit", args=[second.pk]), data),
        ],
        follow=True,
    )
    assert hold.second_writer_waited, "the second rename never waited for the first"
    names = sorted(example.scenarios.values_list("name", flat=True))
    assert names in (["Deux", "Trois"], ["Trois", "Un"])
    assert [response.status_code for response in results] == [200, 200]
    refused = [r for r in results if f"{TAKEN} Rien n'a été enregistré." in text(r)]
    assert len(refused) == 1
