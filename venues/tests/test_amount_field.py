"""Amounts, surfaces and shares typed with their unit (issue 15, point 9)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from venues.fields import AmountField
from venues.models import Venue


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("45 €", "45.00"),
        ("1 450 €", "1450.00"),
        ("1 450,50€", "1450.50"),
        ("€45", "45.00"),
        ("45 EUR", "45.00"),
        ("45 euros", "45.00"),
        ("180 m²", "180.00"),
        ("180 m2", "180.00"),
        ("12,5 %", "12.50"),
    ],
)
def test_a_unit_typed_with_the_number_is_dropped(typed, value):
    assert AmountField().clean(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["€", "m²", "45 $", "45 €€", "4 5 m² m²"])
def test_a_unit_alone_or_another_one_is_still_refused(typed):
    with pytest.raises(ValidationError):
        AmountField().clean(typed)


def test_a_venue_surface_accepts_square_metres(alice_client):
    data = {"name": "La Forge", "total_surface_m2": "180 m²", "currency": "EUR", "start": "empty"}
    response = alice_client.post(reverse("venue_create"), data)
    assert response.status_code == 302
    assert Venue.objects.get(name="La Forge").total_surface_m2 == Decimal(180)


@pytest.mark.parametrize(
    "typed", ["1e3", "1E3", "2,5e2", "1e-2", "NaN", "Infinity", "-inf", "0x10"]
)
def test_exponents_and_special_values_are_not_amounts(typed):
    with pytest.raises(ValidationError) as refused:
        AmountField().clean(typed)
    assert refused.value.messages == ["Saisissez un nombre, par exemple 1 700,50."]


@pytest.mark.parametrize(("typed", "value"), [(".5", "0.50"), ("5.", "5.00"), ("-3", "-3.00")])
def test_a_number_written_without_a_leading_or_trailing_digit_is_still_read(typed, value):
    assert AmountField().clean(typed) == Decimal(value)
