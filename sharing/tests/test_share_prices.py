""" "Ce que vous payez et pourquoi": a share link shows each category's price next to its share
of the cost when its owner turns it on (venues.ShareLink.show_prices)."""

import json

import pytest
from django.urls import reverse

from costing.models import MemberCategory, OtherRevenue
from periods.tests.helpers import close, months_back
from sharing.tests.test_share_page import FORM_CONTROLS, PRINT_BUTTON
from venues.models import Change, ShareLink, Venue

pytestmark = pytest.mark.django_db

TITLE = "Ce que vous payez et pourquoi"


@pytest.fixture
def link(example, alice) -> ShareLink:
    MemberCategory.objects.filter(venue=example, name="Résidents").update(price_amount=80)
    return ShareLink.objects.create(venue=example, label="AG", created_by=alice)


def toggle_url(link: ShareLink) -> str:
    return reverse("share_options", args=[link.venue_id, link.pk])


def options(link: ShareLink, show_prices: bool) -> dict:
    """The link's options form as its owner posts it: its items shown as they are."""
    prefix = f"link-{link.pk}"
    return {
        f"{prefix}-show_items": "on" if link.show_items else "",
        f"{prefix}-show_prices": "on" if show_prices else "",
    }


def test_a_link_shows_no_prices_until_its_owner_turns_them_on(client, link):
    assert TITLE not in client.get(link.get_absolute_url()).text


def test_the_owner_turns_the_prices_on_from_the_share_links_page(alice_client, client, link):
    page = alice_client.get(reverse("share_links", args=[link.venue_id]))
    assert toggle_url(link) in page.text and "Montrer les prix" in page.text
    response = alice_client.post(toggle_url(link), options(link, True))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.show_prices
    change = Change.objects.filter(model="venues.sharelink").latest("pk")
    assert change.fields == [["show_prices", "0", "1"]]

    text = client.get(link.get_absolute_url()).text
    assert TITLE in text
    section = text.split(TITLE)[1]
    assert "1 700,00 €" in section  # the residents' share
    assert "80,00 € par membre et par mois" in section
    assert "112,94 %" in section
    assert "pas de prix" in section  # the contributors have none
    for control in FORM_CONTROLS:
        assert control not in text.replace(PRINT_BUTTON, "")


def test_the_owner_turns_the_prices_off_again(alice_client, client, link):
    ShareLink.objects.filter(pk=link.pk).update(show_prices=True)
    assert TITLE in client.get(link.get_absolute_url()).text
    alice_client.post(toggle_url(link), options(link, False))
    assert TITLE not in client.get(link.get_absolute_url()).text


def test_each_link_shows_what_its_owner_chose(client, link, alice):
    other = ShareLink.objects.create(venue=link.venue, label="Résidents", show_prices=True)
    assert TITLE in client.get(other.get_absolute_url()).text
    assert TITLE not in client.get(link.get_absolute_url()).text
    assert TITLE in client.get(other.get_absolute_url()).text  # each its own cached page


def test_an_editor_cannot_turn_the_prices_on(bob_client, link):
    assert bob_client.post(toggle_url(link), options(link, True)).status_code == 403
    link.refresh_from_db()
    assert not link.show_prices


def test_a_revoked_link_has_no_toggle(alice_client, link):
    link.revoke()
    assert alice_client.post(toggle_url(link), options(link, True)).status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_the_page_with_prices_takes_four_queries_whatever_the_size(
    client, link, size, django_assert_num_queries
):
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=link.venue, name=f"C{n}", surface_share_pct=0, price_amount=n)
        for n in range(size)
    )
    ShareLink.objects.filter(pk=link.pk).update(show_prices=True)
    # link with its venue, closed months, items and categories (one query), revenue lines
    with django_assert_num_queries(4):
        response = client.get(link.get_absolute_url())
    assert response.text.count('data-testid="shared-price"') == size + 3
    with django_assert_num_queries(1):
        client.get(link.get_absolute_url())


# Its download: allocation.json shows what the page shows (docs/formats.md)


def priced(link: ShareLink) -> None:
    """The link's venue with a grant and a margin too: prices, revenue and balance."""
    OtherRevenue.objects.create(venue=link.venue, label="Subvention", amount=500)
    Venue.objects.filter(pk=link.venue_id).update(margin_pct=10, occupancy_pct=90)


def allocation_json(client, link: ShareLink, **query) -> dict:
    response = client.get(link.get_absolute_url() + "allocation.json", query)
    assert response.status_code == 200
    return json.loads(response.content)


def has_prices(document: dict) -> bool:
    keys = {"revenue", "balance"} & set(document)
    pricing = [category for category in document["categories"] if "pricing" in category]
    return bool(keys or pricing)


def test_a_link_that_hides_the_prices_serves_its_allocation_json_without_them(client, link):
    priced(link)
    other = ShareLink.objects.create(venue=link.venue, label="Bureau", show_prices=True)
    hidden = allocation_json(client, link)
    shown = allocation_json(client, other)
    assert not has_prices(hidden)
    assert shown["balance"] == "-80.00" and shown["revenue"]["other"] == "500.00"
    assert shown["categories"][0]["pricing"]["suggested_price"] == "86.58"
    # the same costs and shares, each link its own cached document
    assert hidden == {k: v for k, v in shown.items() if k not in ("revenue", "balance")} | {
        "categories": [{k: v for k, v in c.items() if k != "pricing"} for c in shown["categories"]]
    }
    assert not has_prices(allocation_json(client, link))


def test_a_closed_month_served_by_a_link_that_hides_the_prices_has_none_either(
    alice_client, client, link
):
    priced(link)
    period = close(link.venue)
    assert has_prices(json.loads(period.allocation_document))  # frozen with them
    hidden = allocation_json(client, link, period=period.key)
    assert not has_prices(hidden)
    ShareLink.objects.filter(pk=link.pk).update(show_prices=True)
    shown = client.get(link.get_absolute_url() + "allocation.json", {"period": period.key})
    assert shown.text == period.allocation_document  # as frozen, byte for byte
    members = alice_client.get(reverse("period_allocation", args=[link.venue_id, period.key]))
    assert members.text == period.allocation_document  # a member reads it whole


def test_a_document_without_prices_is_served_byte_for_byte_whatever_the_link(client, link):
    period = close(link.venue)  # the worked example with the fixture's price
    MemberCategory.objects.filter(venue=link.venue).update(price_amount=None)
    unpriced = close(link.venue, month=months_back(2)[0])
    text = client.get(link.get_absolute_url() + "allocation.json", {"period": unpriced.key}).text
    assert text == unpriced.allocation_document
    assert has_prices(json.loads(period.allocation_document))
