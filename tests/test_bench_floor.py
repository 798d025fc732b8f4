"""The benchmark's floor views (bench/urls.py) do what `make bench` says they measure: the first
steps of the htmx amount edit, with the edit's own queries, and nothing more."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.helpers import edit_queries, item_data, rent

pytestmark = pytest.mark.urls("bench.urls")


def floor_edit_url(venue, item) -> str:
    return f"/bench/floor/venues/{venue.pk}/items/{item.pk}"


# Outside a test transaction, as the edit's own query count is pinned (autocommit).
@pytest.mark.django_db(transaction=True)
def test_the_edit_floor_makes_the_edits_queries_and_saves_the_amount(
    bob_client, example, django_assert_num_queries
):
    item = rent(example)
    with django_assert_num_queries(edit_queries()):  # as costing/tests/test_workspace.py
        response = bob_client.post(floor_edit_url(example, item), item_data(item, amount="900"))
    assert response.status_code == 200
    assert f'name="item-{item.pk}-version" value="{item.version + 1}"' in response.text
    assert "<form" not in response.text  # nothing rendered
    item.refresh_from_db()
    assert (item.amount, item.version) == (900, 2)
    # the real edit counts the same queries, with the same data
    with django_assert_num_queries(edit_queries()):
        bob_client.post(
            reverse("item_edit", args=[example.pk, item.pk]),
            item_data(item, amount="901"),
            headers={"HX-Request": "true"},
        )


@pytest.mark.django_db(transaction=True)
def test_the_edit_without_its_row_saves_as_the_edit_and_answers_its_summary_but_no_row(
    bob_client, example, django_assert_num_queries
):
    item = rent(example)
    url = floor_edit_url(example, item) + "/summary"
    with django_assert_num_queries(edit_queries()):
        response = bob_client.post(url, item_data(item, amount="1 900,50"))
    assert response.status_code == 200
    version = f'<input type="hidden" name="item-{item.pk}-version" value="2">'
    assert response.text.startswith(version)
    assert 'id="summary"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "3 300,50 €" in response.text  # the new total, as the edit's summary shows it
    assert "<form" not in response.text  # no row
    item.refresh_from_db()
    assert (item.amount, item.version) == (Decimal("1900.50"), 2)
    assert bob_client.post(url, item_data(item, amount="abc")).status_code == 404
    stale = item_data(item, amount="950", version=1)
    assert bob_client.post(url, stale).status_code == 409


def test_the_edit_floor_refuses_a_stale_version_as_the_edit_does(bob_client, example):
    item = rent(example)
    stale = item_data(item, amount="900", version=item.version - 1)
    assert bob_client.post(floor_edit_url(example, item), stale).status_code == 409
    item.refresh_from_db()
    assert item.amount != 900


def test_the_floor_steps_check_access_as_the_edit_does(
    victor_client, charlie_client, client, example
):
    item = rent(example)
    data = item_data(item, amount="900")
    assert victor_client.post(floor_edit_url(example, item), data).status_code == 403
    assert victor_client.post(f"/bench/floor/venues/{example.pk}").status_code == 403
    assert charlie_client.post(f"/bench/floor/venues/{example.pk}").status_code == 404
    assert client.post("/bench/floor/login").status_code == 302  # to the login page
    assert charlie_client.post("/bench/floor/login").text == "ok"
    assert charlie_client.get("/bench/floor/login").status_code == 405


def test_the_edit_floor_answers_404_to_a_malformed_post(bob_client, example):
    item = rent(example)
    url = floor_edit_url(example, item)
    assert bob_client.post(url, {f"item-{item.pk}-amount": "abc"}).status_code == 404
    assert bob_client.post(re.sub(r"\d+$", "999999", url), {}).status_code == 404
