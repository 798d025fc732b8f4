"""Settings without a version of their own (the venue's name, surface and currency; its margin
and occupancy) saved from pages loaded at different times: what one person saved is never
undone unseen by another's older page (venues.forms.KeepsOthersChanges)."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from venues.models import Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def shown(text: str, name: str) -> str:
    """The value of the hidden field `name` on a page."""
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', text)[1])


def settings_page(client, venue) -> dict:
    """The venue's settings form as its page shows it, ready to post back."""
    text = client.get(reverse("venue_edit", args=[venue.pk])).text
    return {
        "name": venue.name,
        "total_surface_m2": "300",
        "currency": "EUR",
        "shown": shown(text, "shown"),
    }


def pricing_page(client, venue) -> dict:
    text = client.get(reverse("venue_prices", args=[venue.pk])).text
    return {
        "pricing-margin_pct": "0",
        "pricing-occupancy_pct": "100",
        "pricing-shown": shown(text, "pricing-shown"),
    }


def test_a_setting_saved_meanwhile_stays_when_an_older_page_changes_another(
    alice_client, bob_client, example
):
    alices = settings_page(alice_client, example)
    bobs = settings_page(bob_client, example)
    assert (
        bob_client.post(
            reverse("venue_edit", args=[example.pk]), {**bobs, "total_surface_m2": "320"}
        ).status_code
        == 302
    )
    response = alice_client.post(
        reverse("venue_edit", args=[example.pk]), {**alices, "name": "La Forge"}
    )
    assert response.status_code == 302
    example.refresh_from_db()
    assert (example.name, example.total_surface_m2) == ("La Forge", Decimal(320))


def test_a_setting_two_people_changed_is_refused_beside_it_for_the_second(
    alice_client, bob_client, example
):
    alices = settings_page(alice_client, example)
    bob_client.post(
        reverse("venue_edit", args=[example.pk]),
        {**settings_page(bob_client, example), "total_surface_m2": "320"},
    )
    response = alice_client.post(
        reverse("venue_edit", args=[example.pk]),
        {**alices, "name": "La Forge", "total_surface_m2": "350"},
    )
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert 'id="id_total_surface_m2_error"' in text
    assert "vous aviez saisi « 350 », la valeur enregistrée est « 320,00 »" in text
    example.refresh_from_db()
    assert (example.name, example.total_surface_m2) != ("La Forge", Decimal(350))
    assert example.total_surface_m2 == Decimal(320)


def test_the_same_value_saved_by_both_is_no_conflict(alice_client, bob_client, example):
    alices = settings_page(alice_client, example)
    bob_client.post(
        reverse("venue_edit", args=[example.pk]),
        {**settings_page(bob_client, example), "total_surface_m2": "320"},
    )
    response = alice_client.post(
        reverse("venue_edit", args=[example.pk]), {**alices, "total_surface_m2": "320,00"}
    )
    assert response.status_code == 302


def test_an_occupancy_saved_meanwhile_stays_when_an_older_page_sets_the_margin(
    alice_client, bob_client, example
):
    url = reverse("venue_pricing", args=[example.pk])
    alices = pricing_page(alice_client, example)
    bob_client.post(
        url, {**pricing_page(bob_client, example), "pricing-occupancy_pct": "90"}, headers=HTMX
    )
    response = alice_client.post(url, {**alices, "pricing-margin_pct": "10"}, headers=HTMX)
    assert "86,58 €" in response.text  # margin 10 % and occupancy 90 %: SPEC §4b's example
    example.refresh_from_db()
    assert (example.margin_pct, example.occupancy_pct) == (Decimal(10), Decimal(90))


def test_an_occupancy_two_people_changed_is_refused_beside_it_for_the_second(
    alice_client, bob_client, example
):
    url = reverse("venue_pricing", args=[example.pk])
    alices = pricing_page(alice_client, example)
    bob_client.post(
        url, {**pricing_page(bob_client, example), "pricing-occupancy_pct": "90"}, headers=HTMX
    )
    response = alice_client.post(url, {**alices, "pricing-occupancy_pct": "80"}, headers=HTMX)
    text = html.unescape(response.text)
    assert "vous aviez saisi « 80 », la valeur enregistrée est « 90,00 »" in text
    assert Venue.objects.get(pk=example.pk).occupancy_pct == Decimal(90)


def test_one_person_changing_the_margin_twice_on_one_page_is_no_conflict(bob_client, example):
    """The page keeps its fields as typed after a save, and what it shows as saved follows."""
    url = reverse("venue_pricing", args=[example.pk])
    page = pricing_page(bob_client, example)
    first = bob_client.post(url, {**page, "pricing-margin_pct": "10"}, headers=HTMX)
    assert 'id="pricing-shown" hx-swap-oob="true"' in first.text
    page["pricing-shown"] = shown(first.text, "pricing-shown")
    second = bob_client.post(url, {**page, "pricing-margin_pct": "20"}, headers=HTMX)
    assert "entre-temps" not in html.unescape(second.text)
    assert Venue.objects.get(pk=example.pk).margin_pct == Decimal(20)


def test_a_post_without_what_the_page_showed_is_taken_as_it_is(bob_client, example):
    url = reverse("venue_pricing", args=[example.pk])
    Venue.objects.filter(pk=example.pk).update(occupancy_pct=90)
    bob_client.post(url, {"pricing-margin_pct": "10", "pricing-occupancy_pct": "100"})
    assert Venue.objects.get(pk=example.pk).occupancy_pct == Decimal(100)
