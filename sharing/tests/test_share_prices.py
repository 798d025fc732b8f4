""" "Ce que vous payez et pourquoi": a share link shows each category's price next to its share
of the cost when its owner turns it on (venues.ShareLink.show_prices)."""

import pytest
from django.urls import reverse

from costing.models import MemberCategory
from sharing.tests.test_share_page import FORM_CONTROLS, PRINT_BUTTON
from venues.models import Change, ShareLink

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
