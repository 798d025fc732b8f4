from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from costing.models import create_scenario
from tierslieux.names import name_fingerprint
from venues.models import Membership, Role, Venue, refusal_message

pytestmark = pytest.mark.django_db

VENUE_URLS = ["venue_detail", "venue_edit", "venue_delete"]


def test_anonymous_users_are_sent_to_log_in(client, venue):
    # "/" (venue_list) shows visitors the home page instead (costing/tests/test_home.py).
    for name in ["venue_create", *VENUE_URLS]:
        url = reverse(name, args=[venue.pk]) if name in VENUE_URLS else reverse(name)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("name", VENUE_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_venue_is_not_found(charlie_client, venue, name, method):
    response = getattr(charlie_client, method)(reverse(name, args=[venue.pk]))
    assert response.status_code == 404
    assert Venue.objects.filter(pk=venue.pk, name="La Fabrique").exists()


def test_a_missing_venue_is_not_found(alice_client, venue):
    assert alice_client.get(reverse("venue_detail", args=[venue.pk + 1000])).status_code == 404


def test_the_list_shows_only_my_venues(
    alice_client, venue, charlies_venue, django_assert_num_queries
):
    with django_assert_num_queries(
        4
    ):  # session with its user, venues, their items, their categories
        response = alice_client.get(reverse("venue_list"))
    assert response.status_code == 200
    assert "La Fabrique" in response.text
    assert "Chez Charlie" not in response.text


def test_creating_a_venue_makes_me_its_owner(alice_client, alice):
    response = alice_client.post(
        reverse("venue_create"),
        {"name": "Le Hangar", "total_surface_m2": "1 250,50", "currency": "EUR", "start": "empty"},
    )
    venue = Venue.objects.get(name="Le Hangar")
    assert response.status_code == 302
    assert response["Location"] == venue.get_absolute_url()
    assert venue.total_surface_m2 == Decimal("1250.50")
    assert Membership.objects.get(venue=venue).user == alice
    assert Membership.objects.get(venue=venue).role == Role.OWNER
    assert venue.slug.startswith("le-hangar-")


@pytest.mark.parametrize("surface", ["0", "-3", "abc", "1,5.0", "NaN", "Infinity", "1,234"])
def test_it_rejects_a_bad_surface_with_a_message_beside_the_field(alice_client, surface):
    response = alice_client.post(
        reverse("venue_create"), {"name": "Le Hangar", "total_surface_m2": surface}
    )
    assert response.status_code == 200
    assert 'id="id_total_surface_m2_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Venue.objects.exists()


def test_the_editor_can_edit_the_venue(bob_client, venue):
    response = bob_client.post(
        reverse("venue_edit", args=[venue.pk]),
        {"name": "La Fabrique 2", "total_surface_m2": "310", "currency": "EUR"},
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.name == "La Fabrique 2"
    assert venue.total_surface_m2 == Decimal("310")


def test_a_viewer_cannot_edit(victor_client, venue):
    assert victor_client.get(reverse("venue_detail", args=[venue.pk])).status_code == 200
    response = victor_client.post(
        reverse("venue_edit", args=[venue.pk]),
        {"name": "Pirate", "total_surface_m2": "1", "currency": "EUR"},
    )
    assert response.status_code == 403
    venue.refresh_from_db()
    assert venue.name == "La Fabrique"


def test_only_the_owner_can_delete(bob_client, alice_client, venue):
    assert bob_client.post(reverse("venue_delete", args=[venue.pk])).status_code == 403
    assert alice_client.get(reverse("venue_delete", args=[venue.pk])).status_code == 200
    assert Venue.objects.filter(pk=venue.pk).exists()
    response = alice_client.post(reverse("venue_delete", args=[venue.pk]))
    assert response.status_code == 302
    assert not Venue.objects.filter(pk=venue.pk).exists()


def test_a_venue_keeps_the_fingerprint_of_its_name_however_it_is_saved(venue):
    """What the scenarios' unique constraint compares (tierslieux/names.py name_fingerprint)."""
    assert Venue.objects.get(pk=venue.pk).name_fingerprint == name_fingerprint(venue.name)
    venue.name = "Straße"
    venue.save(update_fields=["name"])
    assert Venue.objects.get(pk=venue.pk).name_fingerprint == name_fingerprint("STRASSE")


def test_two_scenarios_of_one_venue_named_alike_are_refused_by_the_database_in_words(example):
    first = create_scenario(Venue.objects.get(pk=example.pk), "Straße")
    second = create_scenario(Venue.objects.get(pk=example.pk), "Autre")
    second.name = "STRASSE"  # past the forms, as a shell or the admin would
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        second.save()
    assert refusal_message(refused.value) == (
        "Un autre scénario de ce lieu porte déjà ce nom. Rien n'a été enregistré."
    )
    assert first.name == Venue.objects.get(pk=first.pk).name
