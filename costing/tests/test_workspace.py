import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from costing.documents import load_venue_document
from costing.forms import MemberCategoryForm
from costing.models import CostItem, MemberCategory
from tests.helpers import EXAMPLE, edit_queries, item_data, rent
from venues.models import Change, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def total(html: str) -> str:
    return re.search(r'data-testid="monthly-total">([^<]+)<', html).group(1)


def test_the_workspace_shows_the_worked_example_in_french(alice_client, example):
    response = alice_client.get(example.get_absolute_url())
    assert response.status_code == 200
    assert total(response.text) == "2 500,00 €"
    assert "1 700,00 €" in response.text and "800,00 €" in response.text
    assert "8,33 €" in response.text  # cost per m²
    assert 'value="1100,00"' in response.text  # the rent, ready to edit the French way


def test_editing_an_amount_with_htmx_returns_the_row_and_the_new_summary(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1 200,00"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<form id="item-{item.pk}"')
    assert 'id="summary"' in response.text and 'hx-swap-oob="true"' in response.text
    assert total(response.text) == "2 600,00 €"
    assert "<html" not in response.text
    item.refresh_from_db()
    assert item.amount == Decimal("1200.00")
    assert item.version == 2


def test_an_edited_amount_comes_back_with_two_decimals_as_stored(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1 234,5"),
        headers=HTMX,
    )
    assert f'name="item-{item.pk}-amount" value="1234,50"' in response.text
    page = alice_client.get(example.get_absolute_url()).text
    assert f'name="item-{item.pk}-amount" value="1234,50"' in page


@pytest.mark.parametrize(
    "amount", ["1700,50", "1 700,50", "1700.50", "1\u202f700,50", "1.700,50", "1,700.50"]
)
def test_amounts_accept_french_and_english_input(alice_client, example, amount):
    item = rent(example)
    alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount=amount),
        headers=HTMX,
    )
    item.refresh_from_db()
    assert item.amount == Decimal("1700.50")


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("fr", "1.700", "« 1.700 » peut se lire de deux façons : écrivez 1700 ou 1,7."),
        ("en", "1,700", "“1,700” could be read two ways: write 1700 or 1.7."),
    ],
)
def test_a_thousands_separator_alone_is_asked_about_not_guessed(
    alice_client, example, language, typed, message
):
    alice_client.cookies["django_language"] = language
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount=typed),
        headers=HTMX,
    )
    assert message in html.unescape(response.text)
    assert rent(example).amount == item.amount


@pytest.mark.parametrize(
    "amount", ["-5", "abc", "1,2.3", "1,70.5", "12,345", "1.700", "NaN", "1e400", ""]
)
def test_an_invalid_amount_shows_an_error_beside_the_field_and_changes_nothing(
    alice_client, example, amount
):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount=amount),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f'id="id_item-{item.pk}-amount_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'id="summary"' not in response.text  # the totals stay as they were
    item.refresh_from_db()
    assert item.amount == Decimal("1100.00") and item.version == 1


def test_without_javascript_an_edit_redirects_back_to_the_workspace(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="1200")
    )
    assert response.status_code == 302
    assert response["Location"] == f"{example.get_absolute_url()}#item-{item.pk}"
    page = alice_client.get(example.get_absolute_url())
    assert total(page.text) == "2 600,00 €"


def test_without_javascript_an_invalid_edit_shows_the_page_with_the_error(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="-5", label="X")
    )
    assert response.status_code == 200
    assert f'id="id_item-{item.pk}-amount_error"' in response.text
    assert total(response.text) == "2 500,00 €"  # neither the amount nor the label counted
    assert CostItem.objects.filter(label="Loyer du local").exists()


def test_a_stale_save_is_refused_with_the_fresh_row(alice_client, bob_client, example):
    item = rent(example)
    seen_by_alice = item_data(item, amount="1200")
    bob_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1300"),
        headers=HTMX,
    )
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), seen_by_alice, headers=HTMX
    )
    assert response.status_code == 200
    assert "modifié cette ligne entre-temps" in response.text
    assert 'value="1300,00"' in response.text
    item.refresh_from_db()
    assert item.amount == Decimal("1300.00")
    # the journal has Bob's change, not Alice's refused one (written with it, then taken back)
    changes = Change.objects.filter(venue=example, object_id=item.pk, action="changed")
    assert [change.actor_name for change in changes] == ["bob"]


GONE = "Cette ligne n'existe plus"


def test_a_row_deleted_by_someone_else_sends_the_editor_back_to_the_venue_as_it_is(
    alice_client, bob_client, example
):
    """Bob deleted the rent while it was still on Alice's screen: her edit, her move, her
    delete and her details of it write nothing; with htmx, the venue's page comes again and
    says why; without, a "not found" that says why and leads back to the venue."""
    item = rent(example)
    seen_by_alice = item_data(item, amount="1200")
    bob_client.post(reverse("item_delete", args=[example.pk, item.pk]), headers=HTMX)
    changes = Change.objects.count()
    for url, data in (
        (reverse("item_edit", args=[example.pk, item.pk]), seen_by_alice),
        (reverse("item_move", args=[example.pk, item.pk]), {"direction": "up"}),
        (reverse("item_delete", args=[example.pk, item.pk]), {}),
        (reverse("item_details", args=[example.pk, item.pk]), seen_by_alice),
    ):
        response = alice_client.post(url, data, headers=HTMX)
        assert response.status_code == 404
        assert response["HX-Redirect"] == example.get_absolute_url()  # htmx follows it
        page = html.unescape(alice_client.get(example.get_absolute_url()).text)
        assert GONE in page and 'class="warning"' in page
        assert "Loyer du local" not in page

        response = alice_client.post(url, data)  # without JavaScript
        assert response.status_code == 404
        page = html.unescape(response.text)
        assert GONE in page and f'href="{example.get_absolute_url()}"' in page
    assert Change.objects.count() == changes  # nothing written, not even in the journal
    assert not CostItem.objects.filter(pk=item.pk).exists()


def test_a_gone_rows_details_page_says_so_and_leads_back_to_the_venue(alice_client, example):
    item = rent(example)
    url = reverse("item_details", args=[example.pk, item.pk])
    item.delete()
    response = alice_client.get(url)
    assert response.status_code == 404
    assert GONE in html.unescape(response.text)
    assert f'href="{example.get_absolute_url()}"' in response.text


def test_a_row_of_another_venue_is_not_found_as_a_row_gone_would_be(
    alice_client, charlie_client, example, charlies_venue
):
    """Through his own venue's id, Charlie's post of Alice's rent is a row his venue does not
    have: the same 404 as for a row gone, and nothing written."""
    item = rent(example)
    url = reverse("item_edit", args=[charlies_venue.pk, item.pk])
    response = charlie_client.post(url, item_data(item, amount="1"))
    assert response.status_code == 404
    assert "Loyer du local" not in response.text
    item.refresh_from_db()
    assert item.amount == Decimal("1100.00")


def test_a_one_off_purchase_is_spread_over_60_months_until_the_manager_says_otherwise(
    alice_client, example
):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, frequency="one_off", amount="6000"),
        headers=HTMX,
    )
    assert f'name="item-{item.pk}-amortization_months" value="60"' in response.text
    item.refresh_from_db()
    assert (item.frequency, item.amortization_months) == ("one_off", 60)
    assert item.monthly_amount == Decimal("100.00")


def test_a_one_off_purchase_whose_months_are_emptied_is_not_saved_and_says_why(
    alice_client, example
):
    item = rent(example)
    CostItem.objects.filter(pk=item.pk).update(frequency="one_off", amortization_months=24)
    item.refresh_from_db()
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amortization_months=""),
        headers=HTMX,
    )
    text = html.unescape(response.text)
    assert f'id="id_item-{item.pk}-amortization_months_error"' in text
    assert "Non enregistré" in text and "Indiquez la durée d'amortissement" in text
    assert "Ligne non enregistrée" in text
    item.refresh_from_db()
    assert item.amortization_months == 24


def test_the_monthly_total_row_shows_each_tier_and_the_whole(alice_client, example):
    """De base | Amélioré | Total, on the total row as on the pools' rows above it."""
    CostItem.objects.create(
        venue=example, label="Écran", pool="infrastructure", tier="improved",
        amount=Decimal("600"), frequency="one_off", amortization_months=60,
    )  # fmt: skip
    text = alice_client.get(example.get_absolute_url()).content.decode()
    row = re.search(r"Total par mois</th>(.*?)</tr>", text).group(1)
    assert re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', row) == [
        "2 500,00 €",
        "10,00 €",
        "2 510,00 €",
    ]


def test_the_what_if_switch_takes_an_item_out_of_the_total(alice_client, example):
    item = rent(example)
    data = item_data(item)
    del data[f"item-{item.pk}-included"]
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), data, headers=HTMX
    )
    assert total(response.text) == "1 400,00 €"


def test_adding_an_item_returns_its_group_and_the_summary(alice_client, example):
    response = alice_client.post(
        reverse("item_add", args=[example.pk, "infrastructure", "improved"]),
        {
            "new-infrastructure-improved-label": "Cuisine équipée",
            "new-infrastructure-improved-pool": "infrastructure",
            "new-infrastructure-improved-tier": "improved",
            "new-infrastructure-improved-amount": "2400",
            "new-infrastructure-improved-frequency": "one_off",
            "new-infrastructure-improved-amortization_months": "24",
            "new-infrastructure-improved-included": "on",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="group-infrastructure-improved"' in response.text
    assert total(response.text) == "2 600,00 €"
    assert example.cost_items.filter(label="Cuisine équipée", tier="improved").exists()


def test_an_unknown_group_is_not_found(alice_client, example):
    url = reverse("item_add", args=[example.pk, "infrastructure", "deluxe"])
    assert alice_client.post(url, {}).status_code == 404


def test_deleting_an_item_asks_for_confirmation_without_javascript(alice_client, example):
    item = rent(example)
    url = reverse("item_delete", args=[example.pk, item.pk])
    assert "Supprimer « Loyer du local »" in alice_client.get(url).text
    assert CostItem.objects.filter(pk=item.pk).exists()
    response = alice_client.post(url, headers=HTMX)
    assert total(response.text) == "1 400,00 €"
    assert not CostItem.objects.filter(pk=item.pk).exists()


def test_items_move_up_and_down_within_their_group(alice_client, example):
    first, second = list(example.cost_items.filter(pool="infrastructure"))[:2]
    alice_client.post(
        reverse("item_move", args=[example.pk, second.pk]), {"direction": "up"}, headers=HTMX
    )
    labels = list(example.cost_items.filter(pool="infrastructure").values_list("label", flat=True))
    assert labels[:2] == [second.label, first.label]


def category_data(category: MemberCategory, **changes) -> dict:
    values = {
        "name": category.name,
        "surface_share_pct": str(category.surface_share_pct),
        "workstations": category.workstations,
        "members": category.members,
        "infrastructure_pct": str(category.infrastructure_pct),
        "services_pct": str(category.services_pct),
        "version": category.version,
        **changes,
    }
    return {f"category-{category.pk}-{k}": v for k, v in values.items()}


def test_editing_a_category_updates_the_allocation(alice_client, example):
    residents = example.categories.get(name="Résidents")
    response = alice_client.post(
        reverse("category_edit", args=[example.pk, residents.pk]),
        category_data(residents, workstations=17),
        headers=HTMX,
    )
    assert "100,00 €" in response.text  # 1 700 € / 17 workstations
    residents.refresh_from_db()
    assert residents.workstations == 17


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("surface_share_pct", "60", "parts de surface"),
        ("infrastructure_pct", "101", "Une part va de 0 à 100 %."),
        ("name", "contributeurs", "déjà ce nom"),
        ("members", "-1", "Un nombre ne peut pas être négatif."),
    ],
)
def test_a_category_is_checked_against_its_siblings(alice_client, example, field, value, message):
    residents = example.categories.get(name="Résidents")
    response = alice_client.post(
        reverse("category_edit", args=[example.pk, residents.pk]),
        category_data(residents, **{field: value}),
        headers=HTMX,
    )
    assert message in response.text
    assert f'id="id_category-{residents.pk}-{field}_error"' in response.text
    residents.refresh_from_db()
    assert residents.name == "Résidents" and residents.surface_share_pct == Decimal(51)


def test_adding_a_category_shows_unassigned_surface_and_uncovered_costs(alice_client, venue):
    response = alice_client.post(
        reverse("category_add", args=[venue.pk]),
        {
            "new-category-name": "Résidents",
            "new-category-surface_share_pct": "40",
            "new-category-workstations": "10",
            "new-category-members": "12",
            "new-category-infrastructure_pct": "50",
            "new-category-services_pct": "0",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "60 % de la surface" in response.text
    assert venue.categories.get().name == "Résidents"


def test_the_surface_preset_switches_both_pools_to_the_surface_key(alice_client, example):
    alice_client.post(reverse("preset_surface", args=[example.pk]))
    example.refresh_from_db()
    assert (example.infrastructure_key, example.services_key) == ("surface", "surface")
    page = alice_client.get(example.get_absolute_url())
    assert "1 275,00 €" in page.text  # residents: 51 % of 2 500 €


def test_the_bonjour_bienvenue_preset_gives_each_pool_to_one_category(alice_client, example):
    residents, contributors, beneficiaries = example.categories.all()
    alice_client.post(reverse("preset_surface", args=[example.pk]))
    alice_client.post(
        reverse("preset_bonjour_bienvenue", args=[example.pk]),
        {"infrastructure_carrier": beneficiaries.pk, "services_carrier": residents.pk},
    )
    example.refresh_from_db()
    assert example.infrastructure_key == "manual"
    shares = {c.name: (c.infrastructure_pct, c.services_pct) for c in example.categories.all()}
    assert shares == {
        "Résidents": (0, 100),
        "Contributeurs": (0, 0),
        "Bénéficiaires": (100, 0),
    }


def test_a_viewer_sees_the_workspace_read_only_and_cannot_post(victor_client, example):
    page = victor_client.get(example.get_absolute_url())
    assert page.status_code == 200
    assert "<fieldset disabled>" in page.text
    assert "hx-post" not in page.text.split('id="items"')[1].split('id="summary"')[0]
    item = rent(example)
    response = victor_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="1"), headers=HTMX
    )
    assert response.status_code == 403


def test_another_users_items_are_not_found(charlie_client, charlies_venue, example):
    item = rent(example)
    # Through charlie's own venue id, too: the item must belong to the venue in the URL.
    for venue_id in (example.pk, charlies_venue.pk):
        url = reverse("item_edit", args=[venue_id, item.pk])
        assert charlie_client.post(url, item_data(item, amount="1")).status_code == 404
    item.refresh_from_db()
    assert item.amount == Decimal("1100.00")


def test_creating_a_venue_from_the_checklist_creates_the_items_ticked(alice_client):
    ticked = ["infrastructure-basic-0", "infrastructure-basic-3", "services-improved-2"]
    response = alice_client.post(
        reverse("venue_create"),
        {
            "name": "La Forge",
            "total_surface_m2": "250",
            "currency": "EUR",
            "start": "checklist",
            "checklist_items": ticked,
        },
    )
    venue = Venue.objects.get(name="La Forge")
    assert response["Location"] == venue.get_absolute_url()
    assert list(venue.cost_items.values_list("label", "pool", "tier")) == [
        ("Local (location ou achat)", "infrastructure", "basic"),
        ("Électricité, gaz et eau", "infrastructure", "basic"),
        ("Secrétariat mutualisé", "services", "improved"),
    ]
    assert list(venue.categories.values_list("name", "surface_share_pct")) == [
        ("Résidents", Decimal("51.00")),
        ("Contributeurs", Decimal("29.00")),
        ("Bénéficiaires", Decimal("20.00")),
    ]


def test_the_creation_form_ticks_the_basic_items_of_the_checklist(alice_client):
    page = alice_client.get(reverse("venue_create")).text
    ticked = re.findall(
        r'<input type="checkbox" name="checklist_items" value="([^"]+)"[^>]* checked', page
    )
    assert len(ticked) == 10 and all("-basic-" in key for key in ticked)
    assert page.count('name="checklist_items"') == 21


def test_creating_a_venue_from_an_uploaded_document(alice_client):
    with EXAMPLE.open("rb") as document:
        response = alice_client.post(reverse("venue_import"), {"document": document})
    venue = Venue.objects.get()
    assert response["Location"] == venue.get_absolute_url()
    assert venue.cost_items.count() == 10


def test_an_invalid_uploaded_document_shows_its_path(alice_client, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(EXAMPLE.read_text().replace('"1100.00"', '"-1"'))
    with bad.open("rb") as document:
        response = alice_client.post(reverse("venue_import"), {"document": document})
    assert response.status_code == 200
    assert "cost_items[0].amount" in response.text
    assert not Venue.objects.exists()


def test_the_venue_exports_as_a_document_and_as_csv(alice_client, example):
    response = alice_client.get(reverse("venue_export", args=[example.pk]))
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert load_venue_document(response.content) == load_venue_document(EXAMPLE.read_bytes())
    csv = alice_client.get(reverse("allocation_csv", args=[example.pk])).content.decode("utf-8-sig")
    assert "Résidents;51,00;153,00;1700,00;0,00;1700,00;11,11;85,00;70,83" in csv


def _grow(venue: Venue, items: int, categories: int) -> None:
    CostItem.objects.bulk_create(
        CostItem(venue=venue, label=f"Poste {n}", pool="services", amount=Decimal("10.00"))
        for n in range(items)
    )
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=f"Catégorie {n}", surface_share_pct=Decimal("0.1"))
        for n in range(categories)
    )


@pytest.mark.parametrize("size", [3, 100])
def test_the_workspace_takes_three_queries_whatever_its_size(
    alice_client, venue, size, django_assert_num_queries
):
    _grow(venue, items=size, categories=size)
    # session with its user, venue + membership, items and categories (one query: models.load_rows)
    with django_assert_num_queries(3):
        first = alice_client.get(venue.get_absolute_url())
    # Until the venue changes, its body comes from the cache: session with its user, venue.
    with django_assert_num_queries(2):
        again = alice_client.get(venue.get_absolute_url())
    assert first.status_code == again.status_code == 200
    assert again.text.count("<form") == first.text.count("<form") > size


# Outside a test transaction, as in production: inside one, the view's transaction would be a
# savepoint.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 100])
def test_an_htmx_amount_edit_takes_five_queries_in_one_transaction_whatever_the_size(
    alice_client, venue, size, django_assert_num_queries
):
    _grow(venue, items=size, categories=size)
    item = venue.cost_items.first()
    # the session with its user, then the venue's transaction (venues/access.py), whose BEGIN
    # and COMMIT Django counts too: the venue + membership, locked, and with it in the same
    # round trip on PostgreSQL, items and categories (one query); the versioned UPDATE, and
    # with it the change's entry in the venue's journal (venues/journal.py). SQLite: 7.
    with django_assert_num_queries(edit_queries()) as captured:
        response = alice_client.post(
            reverse("item_edit", args=[venue.pk, item.pk]),
            item_data(item, amount="12"),
            headers=HTMX,
        )
    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[1] == ("BEGIN" if connection.vendor == "postgresql" else "BEGIN IMMEDIATE")
    assert "venues_membership" in statements[2]  # the access check is the lock
    if connection.vendor == "postgresql":  # then the rows, read once the lock is held
        locked, rows = statements[2].split(";\n")
        assert locked.endswith('FOR UPDATE OF "venues_venue"')
        assert "costing_costitem" in rows and "costing_membercategory" in rows
        update, insert = statements[3].split(";\n")
        assert update.startswith('UPDATE "costing_costitem"')
        assert insert.startswith('INSERT INTO "venues_change"')
    assert "venues_change" in statements[-2]
    assert statements[-1] == "COMMIT"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 40])
def test_an_htmx_category_edit_takes_as_many_queries_as_an_amount_edit_whatever_the_size(
    alice_client, venue, size, django_assert_num_queries
):
    _grow(venue, items=size, categories=size)
    category = venue.categories.first()
    fields = {"name": "Résidents", "surface_share_pct": "0.1", "workstations": "0",
              "members": "12", "version": category.version}  # fmt: skip
    data = {f"category-{category.pk}-{k}": v for k, v in fields.items()}
    # the siblings it is checked against are the categories the summary needs anyway
    with django_assert_num_queries(edit_queries()):
        response = alice_client.post(
            reverse("category_edit", args=[venue.pk, category.pk]), data, headers=HTMX
        )
    assert response.status_code == 200
    assert MemberCategory.objects.get(pk=category.pk).members == 12


def test_every_post_needs_the_csrf_token(alice, example):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    item = rent(example)
    response = client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="1"), headers=HTMX
    )
    assert response.status_code == 403
    page = client.get(example.get_absolute_url())
    token = re.search(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'', page.text).group(1)
    response = client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1"),
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_the_cached_workspace_shows_an_edit_at_once(alice_client, bob_client, example):
    alice_client.get(example.get_absolute_url())  # cached
    item = rent(example)
    bob_client.post(reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="7"))
    assert 'value="7,00"' in alice_client.get(example.get_absolute_url()).text


def test_the_cached_workspace_is_per_role_and_language(alice_client, victor_client, example):
    assert "Supprimer" in alice_client.get(example.get_absolute_url()).text
    page = victor_client.get(example.get_absolute_url()).text
    assert "Supprimer" not in page and "hx-post" not in page
    victor_client.cookies["django_language"] = "en"
    assert "2,500.00" in victor_client.get(example.get_absolute_url()).text


def test_the_cached_workspace_carries_each_visitors_own_csrf_token(alice, example):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(alice)
    second.force_login(alice)
    first.get(example.get_absolute_url())  # cached with a hole for the token
    page = second.get(example.get_absolute_url()).text
    assert "tierslieux-hole" not in page
    item = rent(example)
    row = re.search(rf'<form id="item-{item.pk}".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    data = {**item_data(item, amount="3"), "csrfmiddlewaretoken": token}
    response = second.post(reverse("item_edit", args=[example.pk, item.pk]), data)
    assert response.status_code == 302
    assert rent(example).amount == Decimal("3")


def test_the_cached_workspace_names_each_visitor_and_their_own_address(
    alice_client, bob_client, example
):
    alice_client.get(example.get_absolute_url())  # cached with holes
    page = bob_client.get(example.get_absolute_url() + "?vue=1&a=<b>").text
    assert "tierslieux-hole" not in page
    assert ">bob</a>" in page and ">alice</a>" not in page
    next_field = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page).group(1)
    assert html.unescape(next_field) == example.get_absolute_url() + "?vue=1&a=%3Cb%3E"


def test_the_language_switch_of_a_refused_no_js_edit_comes_back_to_the_workspace(
    alice_client, example
):
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    page = alice_client.post(url, item_data(item, amount="beaucoup")).text
    assert "Saisissez un nombre" in page
    next_field = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page).group(1)
    assert next_field == example.get_absolute_url()


def test_a_message_is_shown_once_on_the_cached_workspace(alice_client, example):
    alice_client.get(example.get_absolute_url())  # cached without messages
    data = {"new-infrastructure-basic-label": "Ménage", "new-infrastructure-basic-amount": "80",
            "new-infrastructure-basic-frequency": "monthly",
            "new-infrastructure-basic-included": "on"}  # fmt: skip
    url = reverse("item_add", args=[example.pk, "infrastructure", "basic"])
    page = alice_client.post(url, data, follow=True).text
    assert "Poste « Ménage » ajouté." in page
    page = alice_client.get(example.get_absolute_url()).text
    assert "Poste « Ménage » ajouté." not in page and "Ménage" in page


def test_a_name_only_the_database_finds_taken_is_refused_as_such_and_nothing_is_written(
    alice_client, example, monkeypatch
):
    """Editors of the app are checked under the venue's lock (tests/test_concurrency.py); a
    name saved by a writer that takes no lock (the admin) reaches the database's unique index
    instead: the save is rolled back and the page says which rule refused it."""
    monkeypatch.setattr(MemberCategoryForm, "clean_name", lambda form: form.cleaned_data["name"])
    before = list(MemberCategory.objects.filter(venue=example).values_list("name", flat=True))
    data = {
        "new-category-name": before[1].upper(),
        "new-category-workstations": "0",
        "new-category-members": "1",
    }  # ASCII: SQLite lowers no accent
    response = alice_client.post(reverse("category_add", args=[example.pk]), data, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == example.get_absolute_url()
    page = alice_client.get(example.get_absolute_url()).text
    assert "Une catégorie porte déjà ce nom dans ce lieu. Rien n&#x27;a été enregistré." in page
    assert (
        list(MemberCategory.objects.filter(venue=example).values_list("name", flat=True)) == before
    )
    category = MemberCategory.objects.filter(venue=example).last()
    fields = {"name": before[1].lower(), "surface_share_pct": "0", "workstations": "0",
              "members": "0", "infrastructure_pct": "0", "services_pct": "0",
              "version": category.version}  # fmt: skip
    data = {f"category-{category.pk}-{k}": v for k, v in fields.items()}
    url = reverse("category_edit", args=[example.pk, category.pk])
    page = alice_client.post(url, data, follow=True).text
    assert "Une catégorie porte déjà ce nom dans ce lieu. Rien n&#x27;a été enregistré." in page
    assert MemberCategory.objects.get(pk=category.pk).name == category.name


def test_an_item_is_added_to_the_group_of_its_url_whatever_the_hidden_fields_say(
    alice_client, example
):
    prefix = "new-services-improved"
    fields = {"label": "Animation", "amount": "50", "pool": "infrastructure", "tier": "basic",
              "frequency": "monthly"}  # fmt: skip
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    url = reverse("item_add", args=[example.pk, "services", "improved"])
    response = alice_client.post(url, data, headers=HTMX)
    assert response.status_code == 200 and "Animation" in response.text
    item = CostItem.objects.get(venue=example, label="Animation")
    assert (item.pool, item.tier) == ("services", "improved")
