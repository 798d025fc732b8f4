"""An item's page of its own: its group (to move a misfiled item) and its notes, which the
workspace's rows show to viewers only (editors change them here)."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from costing.models import CostItem
from tests.helpers import item_data, item_values, rent

pytestmark = pytest.mark.django_db


def details_url(item: CostItem) -> str:
    return reverse("item_details", args=[item.venue_id, item.pk])


def test_each_row_links_to_its_details_page(alice_client, example):
    page = alice_client.get(example.get_absolute_url()).text
    assert f'href="{details_url(rent(example))}"' in page


def test_the_page_shows_every_field_of_the_item(alice_client, example):
    page = alice_client.get(details_url(rent(example))).text
    assert "Poste « Loyer du local »" in page
    for name in ("label", "pool", "tier", "amount", "frequency", "amortization_months", "notes"):
        assert f'name="{name}"' in page
    assert '<option value="infrastructure" selected>' in page


def test_notes_are_saved_and_exported(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        details_url(item), item_values(item, notes="Bail jusqu'en mars 2028.")
    )
    assert response.status_code == 302
    assert response["Location"] == f"{example.get_absolute_url()}#item-{item.pk}"
    item.refresh_from_db()
    assert item.notes == "Bail jusqu'en mars 2028."
    assert item.version == 2
    exported = json.loads(alice_client.get(reverse("venue_export", args=[example.pk])).content)
    assert exported["cost_items"][0]["notes"] == "Bail jusqu'en mars 2028."
    page = alice_client.get(example.get_absolute_url()).text
    assert 'class="details has-notes"' in page and 'title="Bail jusqu&#x27;en mars 2028."' in page


def test_viewers_read_the_notes_in_the_row_and_editors_open_them_on_the_details_page(
    alice_client, victor_client, example
):
    item = rent(example)
    item.notes = "Bail 3-6-9 <signé> jusqu'en 2028.\nPréavis : 6 mois."
    item.save()
    shown = "Bail 3-6-9 &lt;signé&gt; jusqu&#x27;en 2028.\nPréavis : 6 mois."
    viewer = victor_client.get(example.get_absolute_url()).text
    row = re.search(rf'<form id="item-{item.pk}".*?</form>', viewer, re.S).group(0)
    assert f'<details class="notes"><summary>Notes</summary><p>{shown}</p></details>' in row
    assert details_url(item) not in viewer  # the page is for editors
    assert viewer.count('<details class="notes">') == 1  # only items with notes
    editor = alice_client.get(example.get_absolute_url()).text
    assert '<details class="notes">' not in editor
    assert f'href="{details_url(item)}"' in editor


def test_a_row_saved_from_the_workspace_keeps_the_notes(alice_client, example):
    item = rent(example)
    item.notes = "Bail 3-6-9"
    item.save()
    data = item_data(item, amount="1 000")  # the row has no notes field
    alice_client.post(reverse("item_edit", args=[example.pk, item.pk]), data)
    item.refresh_from_db()
    assert (item.amount, item.notes) == (Decimal("1000.00"), "Bail 3-6-9")


def test_a_misfiled_item_moves_to_the_end_of_its_new_group(alice_client, example):
    item = example.cost_items.get(label="Assurance professionnelle")
    response = alice_client.post(details_url(item), item_values(item, pool="services"))
    assert response.status_code == 302
    page = alice_client.get(example.get_absolute_url()).text
    group = re.search(r'id="group-services-basic".*?</section>', page, re.S).group(0)
    labels = re.findall(r'<form id="item-\d+".*?<legend[^>]*>([^<]+)</legend>', group, re.S)
    assert labels[-1] == "Assurance professionnelle"
    assert "Assurance professionnelle" not in re.search(
        r'id="group-infrastructure-basic".*?</section>', page, re.S
    ).group(0)


def test_an_invalid_value_is_refused_beside_its_field_and_nothing_is_saved(alice_client, example):
    item = rent(example)
    response = alice_client.post(details_url(item), item_values(item, amount="-3", label="X"))
    assert response.status_code == 200
    assert 'id="id_amount_error"' in response.text
    assert "Poste « Loyer du local »" in response.text  # the stored label, not the typed one
    assert CostItem.objects.get(pk=item.pk).amount == item.amount


def test_notes_longer_than_five_thousand_characters_are_refused(alice_client, example):
    item = rent(example)
    response = alice_client.post(details_url(item), item_values(item, notes="n" * 5001))
    assert 'id="id_notes_error"' in response.text
    assert CostItem.objects.get(pk=item.pk).notes == ""


def test_a_save_based_on_a_stale_version_is_refused_with_the_fresh_values(
    alice_client, bob_client, example
):
    item = rent(example)
    bob_client.post(details_url(item), item_values(item, notes="Par Bob"))
    response = alice_client.post(details_url(item), item_values(item, notes="Par Alice"))
    assert response.status_code == 200
    assert "Quelqu&#x27;un a modifié cette ligne entre-temps" in response.text
    assert "Par Bob</textarea>" in response.text
    assert CostItem.objects.get(pk=item.pk).notes == "Par Bob"
