"""Every change to a venue's costing is written in its journal (venues/journal.py), in the same
transaction: who made it, what it touched, each field before → after."""

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from costing.models import CostItem, create_scenario
from tests.helpers import EXAMPLE, item_data, rent
from venues import journal
from venues.models import Change, ShareLink, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def entries(venue: Venue) -> list[Change]:
    return list(Change.objects.filter(venue=venue).order_by("pk"))


def last(venue: Venue) -> Change:
    return Change.objects.filter(venue=venue).latest("pk")


def test_an_amount_edit_records_who_and_the_amount_before_and_after(bob_client, bob, example):
    item = rent(example)
    bob_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="1 250,5"),
        headers=HTMX,
    )  # fmt: skip
    change = last(example)
    assert (change.actor, change.actor_name, change.action) == (bob, "bob", "changed")
    assert (change.model, change.object_id, change.label) == (
        "costing.costitem",
        item.pk,
        item.label,
    )
    assert change.fields == [["amount", "1100.00", "1250.50"]]


def test_a_save_that_changes_nothing_records_nothing(alice_client, example):
    item = rent(example)
    before = len(entries(example))
    alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item), headers=HTMX
    )
    assert len(entries(example)) == before


def test_a_refused_edit_records_nothing(alice_client, example):
    item = rent(example)
    before = len(entries(example))
    alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="-1"), headers=HTMX
    )
    assert len(entries(example)) == before


@pytest.mark.django_db(transaction=True)  # the entry's refusal comes at COMMIT
def test_a_change_and_its_entry_are_written_together_or_not_at_all(alice_client, example):
    item = rent(example)
    entry = journal.entry

    def refused_entry(*args, **kwargs):  # an entry the database refuses: no such venue
        change = entry(*args, **kwargs)
        change.venue_id = 2**40
        return change

    with mock.patch.object(journal, "entry", refused_entry):
        response = alice_client.post(
            reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="5"),
            headers=HTMX,
        )  # fmt: skip
    assert response.status_code == 200 and "HX-Redirect" in response  # refused, said so
    assert rent(example).amount == item.amount  # the edit was rolled back with its entry
    assert not Change.objects.filter(venue_id=2**40).exists()


def test_adding_moving_and_deleting_rows_are_recorded(alice_client, example):
    add = reverse("item_add", args=[example.pk, "services", "basic"])
    data = {
        "new-services-basic-label": "Ménage",
        "new-services-basic-amount": "80",
        "new-services-basic-frequency": "monthly",
        "new-services-basic-included": "on",
    }
    alice_client.post(add, data, headers=HTMX)
    added = last(example)
    item = CostItem.objects.get(venue=example, label="Ménage")
    assert (added.action, added.object_id) == ("created", item.pk)
    assert ["amount", "", "80.00"] in added.fields and ["pool", "", "services"] in added.fields
    alice_client.post(reverse("item_move", args=[example.pk, item.pk]), {"direction": "up"})
    assert (last(example).action, last(example).label) == ("moved", "Ménage")
    alice_client.post(reverse("item_delete", args=[example.pk, item.pk]), headers=HTMX)
    deleted = last(example)
    assert (deleted.action, deleted.object_id, deleted.label) == ("deleted", item.pk, "Ménage")


def test_a_category_edit_records_its_share(alice_client, example):
    category = example.categories.get(name="Bénéficiaires")
    fields = {"name": "Bénéficiaires", "surface_share_pct": "20", "workstations": "2",
              "members": "0", "version": category.version}  # fmt: skip
    data = {f"category-{category.pk}-{k}": v for k, v in fields.items()}
    alice_client.post(reverse("category_edit", args=[example.pk, category.pk]), data, headers=HTMX)
    assert last(example).fields == [["workstations", "0", "2"]]


def test_the_keys_and_the_presets_are_recorded(alice_client, example):
    alice_client.post(reverse("preset_surface", args=[example.pk]))
    assert last(example).fields == [
        ["infrastructure_key", "manual", "surface"], ["services_key", "manual", "surface"]
    ]  # fmt: skip
    residents, contributors = example.categories.order_by("position")[:2]
    alice_client.post(
        reverse("preset_bonjour_bienvenue", args=[example.pk]),
        {"infrastructure_carrier": contributors.pk, "services_carrier": residents.pk},
    )
    by_label = {
        c.label: c.fields for c in entries(example)[-4:] if c.model == "costing.membercategory"
    }
    assert by_label["Résidents"] == [
        ["infrastructure_pct", "100.00", "0.00"], ["services_pct", "0.00", "100.00"]
    ]  # fmt: skip
    assert "Bénéficiaires" not in by_label  # nothing changed for it


def test_the_venue_its_links_and_its_creation_are_recorded(alice_client, alice, example):
    alice_client.post(
        reverse("venue_edit", args=[example.pk]),
        {"name": "Le Lieu", "total_surface_m2": "300", "currency": "EUR"},
    )
    assert last(example).fields == [["name", "Exemple Movilab — lieu de 300 m²", "Le Lieu"]]
    alice_client.post(reverse("share_links", args=[example.pk]), {"label": "AG"})
    link = ShareLink.objects.get(venue=example)
    # The link's own label: the journal is the venue's already.
    assert (last(example).action, last(example).label) == ("created", "AG")
    alice_client.post(reverse("share_revoke", args=[example.pk, link.pk]))
    assert last(example).action == "revoked"


def test_a_venue_created_through_the_page_begins_its_journal_with_its_creator(alice_client, alice):
    data = {"name": "Le Lieu", "total_surface_m2": "120", "currency": "EUR", "start": "empty"}
    alice_client.post(reverse("venue_create"), data)
    (change,) = Change.objects.all()
    assert (change.action, change.actor, change.label) == ("created", alice, "Le Lieu")


def test_an_import_through_the_page_is_recorded_as_an_import_by_its_user(alice_client, alice):
    with EXAMPLE.open("rb") as document:
        alice_client.post(reverse("venue_import"), {"document": document})
    (change,) = Change.objects.all()
    assert (change.action, change.actor, change.model) == ("imported", alice, "venues.venue")


def test_an_import_from_the_command_line_is_recorded_as_an_import_by_nobody(alice):
    call_command("import_venue", str(EXAMPLE), owner="alice", stdout=io.StringIO())
    (change,) = Change.objects.all()
    assert (change.action, change.actor, change.actor_name) == ("imported", None, "")


def test_the_journal_names_fields_and_values_in_the_readers_language(alice_client, example):
    alice_client.post(reverse("preset_surface", args=[example.pk]))
    change = last(example)
    with translation.override("fr"):
        assert journal.subject(change) == "lieu"
        described = journal.describe(change)[0]
        assert (described.label, described.before, described.after) == (
            "répartition de l'infrastructure", "Parts choisies", "Prorata des surfaces"
        )  # fmt: skip
    with translation.override("en"):
        assert journal.describe(change)[0].after == "Pro rata by area"


def test_a_scenario_deleted_is_recorded_in_its_venues_journal_as_a_scenario(
    alice_client, alice, example
):
    scenario = create_scenario(Venue.objects.get(pk=example.pk), "Loyer +10 %")
    response = alice_client.post(reverse("venue_delete", args=[scenario.pk]))
    assert response.status_code == 302 and not Venue.objects.filter(pk=scenario.pk).exists()
    change = last(example)
    assert (change.action, change.actor, change.label) == ("deleted", alice, "Loyer +10 %")
    with translation.override("fr"):
        assert journal.subject(change) == "scénario"
    page = alice_client.get(reverse("venue_journal", args=[example.pk])).text
    assert "Loyer +10 %" in page
