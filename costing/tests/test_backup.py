"""A venue's JSON export is its manager's own backup (README, "Backups"): restored through the
web ("Importer") or the command line (`import_venue`), it gives back the same items, the same
categories, the same allocation keys and exactly the same allocation document.

tests/test_cli.py checks that export → import → export gives back the same document; here the
original is a venue edited through the app, and what is compared is what the database holds
and the allocation document the venue's members see.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import prefetch_related_objects
from django.urls import reverse

from costing.documents import (
    LABEL_MAX_LENGTH,
    MAX_CATEGORIES,
    MAX_ITEMS,
    MAX_REVENUES,
    NOTES_MAX_LENGTH,
    allocation_document,
    dumps,
    parse_venue_document,
)
from costing.forms import UploadVenueForm
from costing.models import CostItem, MemberCategory, create_venue, venue_allocation
from tests.helpers import sized_document
from venues.models import Membership, Role, ShareLink, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ITEM_COLUMNS = [
    "position",
    "label",
    "pool",
    "tier",
    "amount",
    "frequency",
    "amortization_months",
    "included",
    "notes",
]
CATEGORY_COLUMNS = [
    "position",
    "name",
    "surface_share_pct",
    "workstations",
    "members",
    "infrastructure_pct",
    "services_pct",
]
VENUE_COLUMNS = ["name", "total_surface_m2", "currency", "infrastructure_key", "services_key"]


@pytest.fixture
def edited(example, alice_client) -> Venue:
    """The worked example after a season of use: edited through the app, so that the backup
    carries more than what was imported."""
    alice_client.post(
        reverse("item_add", args=[example.pk, "services", "improved"]),
        {
            "new-services-improved-label": "Animation « jardin partagé » 🌱",
            "new-services-improved-pool": "services",
            "new-services-improved-tier": "improved",
            "new-services-improved-amount": "1 234,56",
            "new-services-improved-frequency": "one_off",
            "new-services-improved-amortization_months": "7",
        },  # left out of the total ("included" unchecked)
        headers=HTMX,
    )
    CostItem.objects.filter(venue=example, label="Loyer du local").update(
        notes="Bail 3-6-9, révision en janvier"
    )
    residents = example.categories.get(name="Résidents")
    alice_client.post(
        reverse("category_edit", args=[example.pk, residents.pk]),
        {
            f"category-{residents.pk}-{k}": v
            for k, v in {
                "name": "Résidents permanents",
                "surface_share_pct": "45,5",
                "workstations": "17",
                "members": "21",
                "infrastructure_pct": "66,67",
                "services_pct": "0",
                "version": residents.version,
            }.items()
        },
        headers=HTMX,
    )
    alice_client.post(
        reverse("keys_edit", args=[example.pk]),
        {"keys-infrastructure_key": "manual", "keys-services_key": "surface"},
        headers=HTMX,
    )
    ShareLink.objects.create(venue=example, label="AG")
    venue = Venue.objects.get(pk=example.pk)
    assert venue.services_key == "surface"
    assert venue.cost_items.filter(included=False, amortization_months=7).exists()
    assert venue.categories.filter(name="Résidents permanents").exists()
    return venue


def contents(venue: Venue) -> dict:
    """What a backup must give back: the venue's costing, in order, without ids or dates."""
    venue = Venue.objects.get(pk=venue.pk)
    prefetch_related_objects([venue], "cost_items", "categories")
    return {
        "venue": [getattr(venue, column) for column in VENUE_COLUMNS],
        "items": list(venue.cost_items.values_list(*ITEM_COLUMNS)),
        "categories": list(venue.categories.values_list(*CATEGORY_COLUMNS)),
        "allocation": dumps(allocation_document(venue_allocation(venue))),
    }


def restored_venue(before: set[int]) -> Venue:
    (pk,) = set(Venue.objects.values_list("pk", flat=True)) - before
    return Venue.objects.get(pk=pk)


def test_a_venue_restored_from_its_web_export_is_the_same_venue(edited, alice_client, alice):
    export = alice_client.get(reverse("venue_export", args=[edited.pk]))
    assert export.status_code == 200
    before = set(Venue.objects.values_list("pk", flat=True))

    backup = SimpleUploadedFile("sauvegarde.json", export.content, "application/json")
    response = alice_client.post(reverse("venue_import"), {"document": backup})

    restored = restored_venue(before)
    assert response.status_code == 302
    assert response["Location"] == restored.get_absolute_url()
    assert contents(restored) == contents(edited)
    assert restored.slug != edited.slug
    assert list(restored.memberships.values_list("user", "role")) == [(alice.pk, Role.OWNER)]


def test_the_restored_venue_exports_the_same_backup_byte_for_byte(edited, alice_client):
    first = alice_client.get(reverse("venue_export", args=[edited.pk])).content
    before = set(Venue.objects.values_list("pk", flat=True))
    alice_client.post(
        reverse("venue_import"),
        {"document": SimpleUploadedFile("sauvegarde.json", first, "application/json")},
    )
    restored = restored_venue(before)
    second = alice_client.get(reverse("venue_export", args=[restored.pk])).content
    assert second == first


def test_a_venue_restored_with_the_command_line_is_the_same_venue(edited, tmp_path):
    backup = tmp_path / "sauvegarde.json"
    out = io.StringIO()
    call_command("export_venue", edited.slug, stdout=out)
    backup.write_text(out.getvalue(), encoding="utf-8")
    before = set(Venue.objects.values_list("pk", flat=True))

    out = io.StringIO()
    call_command("import_venue", str(backup), "--owner", "bob", stdout=out)

    restored = restored_venue(before)
    assert out.getvalue().splitlines()[-1] == restored.slug
    assert contents(restored) == contents(edited)
    assert list(restored.memberships.values_list("user__username", "role")) == [("bob", Role.OWNER)]


def test_a_backup_restores_the_venue_after_it_was_deleted(edited, alice_client):
    backup = alice_client.get(reverse("venue_export", args=[edited.pk])).content
    expected = contents(edited)
    alice_client.post(reverse("venue_delete", args=[edited.pk]))
    assert not Venue.objects.exists()

    alice_client.post(
        reverse("venue_import"),
        {"document": SimpleUploadedFile("sauvegarde.json", backup, "application/json")},
    )
    assert contents(Venue.objects.get()) == expected


def test_a_backup_carries_the_costing_not_the_people_or_the_links(edited, alice_client):
    # Memberships and share links belong to the running site (pg_dump keeps them); a venue
    # document describes what the venue costs and who carries it.
    backup = alice_client.get(reverse("venue_export", args=[edited.pk])).content
    before = set(Venue.objects.values_list("pk", flat=True))
    alice_client.post(
        reverse("venue_import"),
        {"document": SimpleUploadedFile("sauvegarde.json", backup, "application/json")},
    )
    restored = restored_venue(before)
    assert not ShareLink.objects.filter(venue=restored).exists()
    assert Membership.objects.filter(venue=restored).count() == 1
    assert edited.memberships.count() == 3
    assert b"token" not in backup and b"alice" not in backup


def test_amounts_keep_their_cents_through_a_backup(alice_client, example):
    item = example.cost_items.get(label="Loyer du local")
    CostItem.objects.filter(pk=item.pk).update(amount=Decimal("9999999999.99"))
    MemberCategory.objects.filter(venue=example, name="Bénéficiaires").update(
        surface_share_pct=Decimal("0.01"), members=2_147_483_647
    )
    backup = alice_client.get(reverse("venue_export", args=[example.pk])).content
    before = set(Venue.objects.values_list("pk", flat=True))
    alice_client.post(
        reverse("venue_import"),
        {"document": SimpleUploadedFile("sauvegarde.json", backup, "application/json")},
    )
    assert contents(restored_venue(before)) == contents(example)


def test_a_venue_at_the_limits_is_restored_from_its_backup(alice, alice_client, tmp_path):
    # As many items, categories and revenue lines as the limits allow, every label as long as
    # it may be and every item with its 5 000 characters of notes in French, accents and line
    # breaks included: its backup (about 3 MB) fits in an upload and imports again.
    prose = "Bail signé avec la SCI, révision annuelle à l'indice ; échéance le 1er.\n" * 80
    label = "Électricité et chauffage du bâtiment principal " * 5
    document = sized_document(items=MAX_ITEMS, categories=MAX_CATEGORIES)
    for n, item in enumerate(document["cost_items"]):
        item["label"] = f"{n} {label}"[:LABEL_MAX_LENGTH]
        item["notes"] = prose[:NOTES_MAX_LENGTH]
    document["revenues"] = [
        {"label": f"{n} {label}"[:LABEL_MAX_LENGTH], "amount": "10.00"} for n in range(MAX_REVENUES)
    ]
    largest = create_venue(parse_venue_document(document), owner=alice)
    backup = alice_client.get(reverse("venue_export", args=[largest.pk])).content
    assert 2_500_000 < len(backup) < UploadVenueForm.MAX_BYTES
    before = set(Venue.objects.values_list("pk", flat=True))
    response = alice_client.post(
        reverse("venue_import"),
        {"document": SimpleUploadedFile("sauvegarde.json", backup, "application/json")},
    )
    assert response.status_code == 302
    restored = restored_venue(before)
    assert contents(restored) == contents(largest)
    assert restored.other_revenues.count() == MAX_REVENUES
    path = tmp_path / "sauvegarde.json"
    path.write_bytes(backup)
    call_command("import_venue", str(path), "--owner", "alice", stdout=io.StringIO())
    assert Venue.objects.count() == 3
