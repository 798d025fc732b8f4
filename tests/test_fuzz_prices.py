"""Hostile input on the Tarifs page's forms (costing/prices.py), with the harness of
tests/test_fuzz.py: never a 5xx; a refusal shows its message beside the field and changes
nothing; an acceptance stores the value typed and nothing else."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from costing.models import OtherRevenue
from tests.fuzzing import (
    Endpoint,
    as_amount,
    as_choice,
    as_int,
    as_text,
    fuzz,
    hostile,
    submit,
)

pytestmark = pytest.mark.django_db

PRICE_READERS = {
    "price_amount": as_amount,  # blank: no price (None)
    "price_frequency": as_choice,
    "price_basis": as_choice,
    "version": None,
}
REVENUE_READERS = {
    "label": as_text,
    "amount": as_amount,
    "frequency": as_choice,
    "amortization_months": as_int,
    "version": None,
}
MONTHS = {"frequency": ("amortization_months",)}


@given(
    field_name=st.sampled_from(list(PRICE_READERS)),
    value=hostile("80", "1 700,50", "quarterly", "yearly", "one_off", "workstation", "-1"),
)
@fuzz
def test_setting_a_price(alice_client, example, field_name, value):
    category = example.categories.get(name="Résidents")
    endpoint = Endpoint(
        url=reverse("category_price", args=[example.pk, category.pk]),
        prefix=f"price-{category.pk}",
        valid={
            "price_amount": "80,00",
            "price_frequency": "monthly",
            "price_basis": "member",
            "version": str(category.version),
        },
        readers=PRICE_READERS,
        model=type(category),
        pk=category.pk,
        hidden=("version",),
    )
    submit(alice_client, endpoint, field_name, value)


@given(
    field_name=st.sampled_from(["margin_pct", "occupancy_pct"]),
    value=hostile("0", "0,01", "100", "100,01", "1000", "1 000,01", "-0"),
)
@fuzz
def test_setting_the_margin_and_occupancy(alice_client, example, field_name, value):
    endpoint = Endpoint(
        url=reverse("venue_pricing", args=[example.pk]),
        prefix="pricing",
        valid={"margin_pct": "10", "occupancy_pct": "90"},
        readers={"margin_pct": as_amount, "occupancy_pct": as_amount},
        model=type(example),
        pk=example.pk,
    )
    submit(alice_client, endpoint, field_name, value)


@given(
    field_name=st.sampled_from([f for f in REVENUE_READERS if f != "version"]),
    value=hostile("monthly", "one_off", "0", "600", "601"),
)
@fuzz
def test_adding_a_revenue_line(alice_client, example, field_name, value):
    endpoint = Endpoint(
        url=reverse("revenue_add", args=[example.pk]),
        prefix="new-revenue",
        valid={
            "label": "Subvention",
            "amount": "6 000",
            "frequency": "one_off",
            "amortization_months": "24",
        },
        readers=REVENUE_READERS,
        model=OtherRevenue,
        related=MONTHS,
        derived=MONTHS,
    )
    submit(alice_client, endpoint, field_name, value)


@given(
    field_name=st.sampled_from(list(REVENUE_READERS)),
    value=hostile("yearly", "one_off", "12", "Bar"),
)
@fuzz
def test_editing_a_revenue_line(alice_client, example, field_name, value):
    line = OtherRevenue.objects.create(
        venue=example, label="Don", amount=1200, frequency="one_off", amortization_months=24
    )
    endpoint = Endpoint(
        url=reverse("revenue_edit", args=[example.pk, line.pk]),
        prefix=f"revenue-{line.pk}",
        valid={
            "label": "Don",
            "amount": "1200",
            "frequency": "one_off",
            "amortization_months": "24",
            "version": str(line.version),
        },
        readers=REVENUE_READERS,
        model=OtherRevenue,
        pk=line.pk,
        hidden=("version",),
        related=MONTHS,
        derived=MONTHS,
    )
    submit(alice_client, endpoint, field_name, value)
