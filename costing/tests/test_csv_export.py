"""The allocation as CSV: a spreadsheet opens it with the numbers as numbers and whatever a
user typed as text, never as a formula it would run (OWASP, "CSV Injection").

tests/test_workspace.py checks the worked example's figures in the file."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from costing.export import FORMULA_STARTS, number_cell, text_cell
from costing.models import MemberCategory
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


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMULAS, ids=repr)
def test_a_category_named_like_a_formula_reaches_the_spreadsheet_as_text(
    alice_client, example, name
):
    name_categories(example, [name])
    names = [row[0] for row in csv_cells(alice_client, example)]
    assert f"'{name}" in names
    assert name not in names


@pytest.mark.django_db
def test_no_cell_of_the_file_starts_a_formula_but_our_numbers(alice_client, example):
    name_categories(example, FORMULAS)
    rows = csv_cells(alice_client, example)
    assert len(rows) == 1 + 3 + len(FORMULAS) + 2  # header, categories, uncovered, total
    for row in rows:
        assert len(row) == 9
        for cell in row:
            assert NUMBER.fullmatch(cell) or not cell.startswith(FORMULA_STARTS), (row, cell)


@pytest.mark.django_db
def test_the_numbers_stay_numbers_a_french_spreadsheet_reads(alice_client, example):
    name_categories(example, FORMULAS)
    rows = {row[0]: row[1:] for row in csv_cells(alice_client, example)}
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
    # session, user, venue + membership, items, categories
    with django_assert_num_queries(5):
        response = alice_client.get(reverse("allocation_csv", args=[example.pk]))
    assert response.status_code == 200
