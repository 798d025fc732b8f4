"""What a share page shows of the cost items: each counted item by pool and tier with its
monthly amount, when the link's owner chose so (ShareLink.show_items), and a print button."""

import pytest
from django.urls import reverse

from costing.models import CostItem
from venues.models import Change, ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(example, alice) -> ShareLink:
    return ShareLink.objects.create(venue=example, label="Assemblée générale", created_by=alice)


def options_url(link: ShareLink) -> str:
    return reverse("share_options", args=[link.venue_id, link.pk])


def items_section(text: str) -> str:
    start = text.index('<section aria-labelledby="items-title"')
    return text[start : text.index("</section>", start)]


def test_the_page_lists_each_counted_item_with_its_monthly_amount(client, link):
    text = client.get(link.get_absolute_url()).text
    items = items_section(text)
    assert "De quoi est fait ce coût" in items
    assert "<caption>Infrastructure · De base</caption>" in items
    assert "<caption>Services · De base</caption>" in items
    assert "Amélioré" not in items  # the example has no improved item: no empty table
    assert '<th scope="row">Loyer du local</th><td class="num">1 100,00 €</td>' in items
    # A yearly insurance and a one-off purchase, as what they cost a month.
    assert '<th scope="row">Assurance professionnelle</th><td class="num">80,00 €</td>' in items
    assert 'Mobilier (tables, chaises, armoires)</th><td class="num">80,00 €' in items
    # Each table's subtotal is the pool's figure in the cost table above.
    assert '<th scope="row">Sous-total</th><td class="num">1 700,00 €</td>' in items
    assert '<th scope="row">Sous-total</th><td class="num">800,00 €</td>' in items


def test_an_item_that_is_not_counted_is_not_listed(client, link, example):
    CostItem.objects.filter(venue=example, label="Machine à café").update(included=False)
    items = items_section(client.get(link.get_absolute_url()).text)
    assert "Machine à café" not in items
    assert '<th scope="row">Sous-total</th><td class="num">1 680,00 €</td>' in items


def test_a_label_is_escaped(client, link, example):
    CostItem.objects.create(
        venue=example, label="<img src=x onerror=alert(1)>", pool="services", amount=5
    )
    items = items_section(client.get(link.get_absolute_url()).text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in items
    assert "<img" not in items


def test_a_link_whose_owner_hides_the_items_shows_the_totals_only(client, link, example, alice):
    hidden = ShareLink.objects.create(venue=example, label="Public", show_items=False)
    shown = client.get(link.get_absolute_url()).text
    text = client.get(hidden.get_absolute_url()).text
    assert "Loyer du local" in shown
    assert "Loyer du local" not in text and "De quoi est fait ce coût" not in text
    assert "2 500,00 €" in text  # the monthly total is still there
    # Each link keeps its own page, cached or not.
    assert "Loyer du local" in client.get(link.get_absolute_url()).text
    assert "Loyer du local" not in client.get(hidden.get_absolute_url()).text


def test_the_owner_chooses_per_link_and_the_journal_says_so(alice_client, client, link):
    page = alice_client.get(reverse("share_links", args=[link.venue_id])).text
    assert f'action="{options_url(link)}"' in page
    assert f'name="link-{link.pk}-show_items"' in page and "checked" in page

    response = alice_client.post(options_url(link), {})  # the box unticked
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.show_items is False
    assert "Loyer du local" not in client.get(link.get_absolute_url()).text
    change = Change.objects.filter(venue=link.venue).latest("pk")
    assert (change.action, change.fields) == ("changed", [["show_items", "1", "0"]])

    alice_client.post(options_url(link), {f"link-{link.pk}-show_items": "on"})
    link.refresh_from_db()
    assert link.show_items is True
    assert "Loyer du local" in client.get(link.get_absolute_url()).text


def test_a_new_link_can_start_without_the_items(alice_client, example):
    alice_client.post(reverse("share_links", args=[example.pk]), {"label": "Public"})
    alice_client.post(
        reverse("share_links", args=[example.pk]), {"label": "Membres", "show_items": "on"}
    )
    assert dict(ShareLink.objects.values_list("label", "show_items")) == {
        "Public": False,
        "Membres": True,
    }


@pytest.mark.parametrize("persona", ["bob_client", "victor_client", "charlie_client"])
def test_only_the_owner_changes_what_a_link_shows(request, link, persona):
    client = request.getfixturevalue(persona)
    assert client.post(options_url(link), {}).status_code in (403, 404)
    link.refresh_from_db()
    assert link.show_items is True


def test_a_revoked_link_has_no_options_to_change(alice_client, link):
    link.revoke()
    assert alice_client.post(options_url(link), {}).status_code == 404


def test_the_print_button_waits_for_its_script(client, link):
    text = client.get(link.get_absolute_url()).text
    assert '<button type="button" data-print hidden>Imprimer cette page</button>' in text
    assert '<script src="/static/js/print.js" defer></script>' in text
