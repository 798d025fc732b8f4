"""The allocation as CSV: a spreadsheet opens it with the numbers as numbers and whatever a
user typed as text, never as a formula it would run (OWASP, "CSV Injection").

tests/test_workspace.py checks the worked example's figures in the file."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from costing.export import FORMULA_STARTS, file_name, number_cell, text_cell
from costing.models import CostItem, MemberCategory
from venues.models import Venue

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1",
    "-2",
    "\t=1",
    "\r=1",
    '=1;"=2"',  # the separator and quotes inside the name
]
# What we write for a number: digits, a decimal comma, a minus if ever negative.
NUMBER = re.compile(r"-?[0-9]+,[0-9]{2}")


def name_categories(venue: Venue, names: list[str]) -> None:
    """Categories named as typed (the forms and imports strip the tab and the carriage return
    that the admin, or an older database, could still hold)."""
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=name, surface_share_pct=Decimal(0), position=10 + n)
        for n, name in enumerate(names)
    )


def csv_cells(client, venue: Venue) -> list[list[str]]:
    response = client.get(reverse("allocation_csv", args=[venue.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def sections(rows: list[list[str]]) -> list[list[list[str]]]:
    """The file's blocks, apart by an empty row: header block, cost items, categories."""
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    return blocks


def category_rows(client, venue: Venue) -> list[list[str]]:
    """The categories' table without its title: its header, then one row per category."""
    return sections(csv_cells(client, venue))[2][1:]


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMULAS, ids=repr)
def test_a_category_named_like_a_formula_reaches_the_spreadsheet_as_text(
    alice_client, example, name
):
    name_categories(example, [name])
    names = [row[0] for row in category_rows(alice_client, example)]
    assert f"'{name}" in names
    assert name not in names


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMULAS, ids=repr)
def test_an_item_labelled_or_annotated_like_a_formula_reaches_the_spreadsheet_as_text(
    alice_client, example, name
):
    CostItem.objects.create(venue=example, label=name, notes=name, pool="services", amount=1)
    items = sections(csv_cells(alice_client, example))[1]
    row = next(row for row in items if row[0] == f"'{name}")
    assert row[-1] == f"'{name}"


@pytest.mark.django_db
def test_no_cell_of_the_file_starts_a_formula_but_our_numbers(alice_client, example):
    name_categories(example, FORMULAS)
    Venue.objects.filter(pk=example.pk).update(name="=1+1")
    for name in FORMULAS:
        CostItem.objects.create(venue=example, label=name, notes=name, pool="services", amount=1)
    rows = csv_cells(alice_client, example)
    header, items, categories = sections(rows)
    assert len(header) == 4  # venue, date, currency, monthly total
    assert len(items) == 2 + 10 + len(FORMULAS)  # title, header, the example's ten, ours
    assert len(categories) == 2 + 3 + len(FORMULAS) + 2  # … categories, uncovered, total
    assert {len(row) for row in items[1:]} == {9}
    assert {len(row) for row in categories[1:]} == {9}
    for row in rows:
        for cell in row:
            assert NUMBER.fullmatch(cell) or not cell.startswith(FORMULA_STARTS), (row, cell)


@pytest.mark.django_db
def test_the_file_opens_with_the_venue_the_day_and_the_currency(alice_client, example):
    header = sections(csv_cells(alice_client, example))[0]
    assert header == [
        ["Lieu", "Exemple Movilab — lieu de 300 m²"],
        ["Date", timezone.localdate().isoformat()],
        ["Devise", "EUR"],
        ["Coût mensuel total (€)", "2500,00"],
    ]


@pytest.mark.django_db
def test_every_cost_item_is_listed_with_its_monthly_amount(alice_client, example):
    CostItem.objects.filter(venue=example, label="Machine à café").update(
        included=False, notes="Prêtée par un membre"
    )
    items = sections(csv_cells(alice_client, example))[1]
    assert items[0] == ["Postes de coût"]
    assert items[1] == [
        "Libellé", "Poste", "Niveau", "Montant (€)", "Fréquence", "Amorti sur (mois)",
        "Montant mensuel (€)", "Compté", "Notes",
    ]  # fmt: skip
    rows = {row[0]: row[1:] for row in items[2:]}
    assert len(rows) == 10
    assert rows["Assurance professionnelle"] == [
        "Infrastructure", "De base", "960,00", "par an", "", "80,00", "oui", ""
    ]  # fmt: skip
    assert rows["Mobilier (tables, chaises, armoires)"][3:6] == [
        "achat unique (amorti)", "60", "80,00"
    ]  # fmt: skip
    assert rows["Machine à café"][5:] == ["0,00", "non", "Prêtée par un membre"]
    # Grouped as on the venue's page: infrastructure first, then services.
    pools = [row[1] for row in items[2:]]
    assert pools == sorted(pools, key=["Infrastructure", "Services"].index)


@pytest.mark.django_db
def test_the_headers_name_the_currency(alice_client, example):
    categories = sections(csv_cells(alice_client, example))[2]
    assert categories[0] == ["Répartition par catégorie de membres"]
    assert "Total par mois (€)" in categories[1]
    assert "Par membre (€)" in categories[1]
    Venue.objects.filter(pk=example.pk).update(currency="CHF")
    header, items, categories = sections(csv_cells(alice_client, example))
    assert header[2] == ["Devise", "CHF"]
    assert "Montant mensuel (CHF)" in items[1]
    assert "Total par mois (CHF)" in categories[1]


@pytest.mark.django_db
def test_the_file_is_named_after_the_venue_and_the_day(alice_client, example):
    Venue.objects.filter(pk=example.pk).update(name="L'Établi « Côté Cour » / 2")
    response = alice_client.get(reverse("allocation_csv", args=[example.pk]))
    day = timezone.localdate().isoformat()
    expected = f'attachment; filename="letabli-cote-cour-2-repartition-{day}.csv"'
    assert response["Content-Disposition"] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Exemple Movilab — lieu de 300 m²", "exemple-movilab-lieu-de-300-m2"),
        ('Café "Ω"; rm -rf /', "cafe-rm-rf"),
        ("日本の拠点", "lieu"),  # nothing left in ASCII
        ("x" * 200, "x" * 60),
    ],
)
def test_the_file_name_is_plain_ascii(name, expected):
    assert file_name(name, date(2026, 12, 4)) == f"{expected}-repartition-2026-12-04.csv"


@pytest.mark.django_db
def test_the_numbers_stay_numbers_a_french_spreadsheet_reads(alice_client, example):
    name_categories(example, FORMULAS)
    rows = {row[0]: row[1:] for row in category_rows(alice_client, example)}
    assert rows["Résidents"] == [
        "51,00", "153,00", "1700,00", "0,00", "1700,00", "11,11", "85,00", "70,83"
    ]  # fmt: skip
    assert rows["'-2"] == ["0,00", "0,00", "0,00", "0,00", "0,00", "", "", ""]
    assert rows["Total"][:5] == ["100,00", "300,00", "1700,00", "800,00", "2500,00"]


def test_a_negative_number_would_stay_a_number():
    assert number_cell(Decimal("-12.50")) == "-12,50"
    assert number_cell(Decimal("1700")) == "1700,00"
    assert number_cell(None) == ""


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Résidents", "Résidents"),
        ("Co-working", "Co-working"),
        (" =1", " =1"),
        ("'=1", "'=1"),
        ("=1", "'=1"),
        ("-", "'-"),
    ],
)
def test_only_text_that_starts_like_a_formula_gets_the_quote(typed, written):
    assert text_cell(typed) == written


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 50])
def test_the_csv_takes_the_same_queries_whatever_the_size(
    alice_client, example, size, django_assert_num_queries
):
    name_categories(example, [f"Catégorie {n}" for n in range(size - 3)])
    for n in range(size * 10):
        CostItem.objects.create(venue=example, label=f"Poste {n}", pool="services", amount=n)
    # session with its user, venue + membership, items, categories
    with django_assert_num_queries(4):
        response = alice_client.get(reverse("allocation_csv", args=[example.pk]))
    assert response.status_code == 200
