"""Each refusal names its real cause: the limits on the number of rows, and the constraints of
the database when a write gets past the forms (venues.models.refusal_message)."""

import html
from types import SimpleNamespace

import pytest
from django.db import IntegrityError
from django.urls import reverse

from costing.documents import MAX_CATEGORIES, MAX_ITEMS
from costing.forms import CostItemForm
from costing.models import CostItem, MemberCategory, Row
from tests.helpers import item_data, rent
from venues.models import refusal_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NAME_TAKEN = "Une catégorie porte déjà ce nom dans ce lieu."


def read(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_an_item_beyond_the_limit_is_refused_with_the_limit_named(alice_client, venue):
    CostItem.objects.bulk_create(
        CostItem(venue=venue, label=f"Poste {n}", pool="infrastructure", amount=1, position=n)
        for n in range(MAX_ITEMS)
    )
    prefix = "new-services-basic"
    data = {f"{prefix}-label": "Ménage", f"{prefix}-amount": "80", f"{prefix}-frequency": "monthly"}
    url = reverse("item_add", args=[venue.pk, "services", "basic"])
    page = read(alice_client.post(url, data, headers=HTMX))
    assert "Ce lieu a déjà 500 postes : c'est le maximum." in page
    assert venue.cost_items.count() == MAX_ITEMS


def test_a_category_beyond_the_limit_is_refused_with_the_limit_named(alice_client, venue):
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=f"C{n}", surface_share_pct=1, position=n)
        for n in range(MAX_CATEGORIES)
    )
    data = {"new-category-name": "Visiteurs", "new-category-workstations": "0",
            "new-category-members": "0"}  # fmt: skip
    page = read(alice_client.post(reverse("category_add", args=[venue.pk]), data, headers=HTMX))
    assert "Ce lieu a déjà 50 catégories : c'est le maximum." in page
    assert venue.categories.count() == MAX_CATEGORIES


def test_a_venue_over_the_limit_from_before_still_edits_its_rows(alice_client, venue):
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=f"C{n}", surface_share_pct=1, position=n)
        for n in range(MAX_CATEGORIES + 1)
    )
    category = venue.categories.first()
    fields = {"name": "Résidents", "surface_share_pct": "1", "workstations": "0",
              "members": "3", "version": category.version}  # fmt: skip
    data = {f"category-{category.pk}-{k}": v for k, v in fields.items()}
    alice_client.post(reverse("category_edit", args=[venue.pk, category.pk]), data)
    category.refresh_from_db()
    assert (category.name, category.members) == ("Résidents", 3)


def test_an_items_refusal_by_the_database_names_its_rule_not_a_name_clash(
    alice_client, example, monkeypatch
):
    # Let a negative amount past the form and the model: only the database's check
    # constraint stands in the way.
    monkeypatch.setattr(CostItemForm, "clean", lambda form: {**form.cleaned_data, "amount": -1})
    monkeypatch.setattr(CostItem, "clean_fields", lambda item, exclude=None: None)
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    response = alice_client.post(url, item_data(item, amount="5"), headers=HTMX)
    assert response["HX-Redirect"] == example.get_absolute_url()
    page = read(alice_client.get(example.get_absolute_url()))
    assert "Le montant d'un poste ne peut pas être négatif. Rien n'a été enregistré." in page
    assert NAME_TAKEN not in page
    assert CostItem.objects.get(pk=item.pk).amount == item.amount


def test_a_refusal_whose_rule_the_database_does_not_name_is_said_as_such(
    alice_client, example, monkeypatch
):
    def refused(*args, **kwargs):
        raise IntegrityError("NOT NULL constraint failed: costing_costitem.label")

    monkeypatch.setattr(Row, "save_if_unchanged", refused)
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    page = read(alice_client.post(url, item_data(item, amount="1"), follow=True))
    assert "Rien n'a été enregistré : la base de données a refusé cette modification" in page
    assert NAME_TAKEN not in page


def test_the_rule_is_read_from_postgresql_and_from_sqlite():
    class UniqueViolation(Exception):  # psycopg's, as Django chains it
        diag = SimpleNamespace(constraint_name="category_name_unique_per_venue")

    postgresql = IntegrityError("duplicate key value violates unique constraint")
    postgresql.__cause__ = UniqueViolation()
    sqlite = IntegrityError("CHECK constraint failed: cost_item_amount_not_negative")
    assert refusal_message(postgresql) == f"{NAME_TAKEN} Rien n'a été enregistré."
    assert refusal_message(sqlite).startswith("Le montant d'un poste ne peut pas être négatif.")
    unknown = refusal_message(IntegrityError("FOREIGN KEY constraint failed"))
    assert unknown.startswith("Rien n'a été enregistré : la base de données a refusé")
