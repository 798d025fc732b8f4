"""Prices and revenue in the exchange formats (SPEC §5, docs/formats.md): the optional fields of
a venue document, and the pricing results of its allocation document."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from costing.documents import (
    MAX_REVENUES,
    DocumentError,
    dumps,
    parse_venue_document,
    venue_allocation_document,
    venue_document,
)
from costing.examples import WORKED_EXAMPLE, WORKED_EXAMPLE_ALLOCATION
from costing.tests.test_schemas import schema_errors


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def example() -> dict:
    return json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


def priced_example() -> dict:
    """The worked example with SPEC §4b's figures: residents pay 80,00 € a month, a margin of
    10 % at 90 % occupancy, and two other revenue lines."""
    doc = example()
    doc["categories"][0]["price"] = {"amount": "80.00", "frequency": "monthly", "per": "member"}
    doc["pricing"] = {"margin_pct": "10", "occupancy_pct": "90"}
    doc["revenues"] = [
        {"label": "Subvention de la ville", "amount": "6000", "frequency": "yearly"},
        {"label": "Don", "amount": "1200", "frequency": "one_off", "amortization_months": 24},
    ]
    return doc


def allocation_of(doc: dict) -> dict:
    return venue_allocation_document(parse_venue_document(doc))


def error_of(doc: dict) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_venue_document(doc)
    return info.value


def test_the_allocation_of_a_priced_venue_carries_the_worked_examples_figures():
    doc = allocation_of(priced_example())
    assert doc["categories"][0]["pricing"] == {
        "monthly_price": "80.00",
        "revenue": "1920.00",
        "coverage_pct": "112.94",
        "break_even": 22,
        "suggested_price": "86.58",
    }
    # Contributors have no price: 0, and no count breaks even; 8 members carry 800,00 €.
    assert doc["categories"][1]["pricing"] == {
        "monthly_price": "0.00",
        "revenue": "0.00",
        "coverage_pct": "0.00",
        "break_even": None,
        "suggested_price": "122.23",  # 800 × 1.1 / (8 × 0.9) = 122.222…, rounded up
    }
    # Beneficiaries carry nothing and have no members: no coverage, no suggested price.
    assert doc["categories"][2]["pricing"]["coverage_pct"] is None
    assert doc["categories"][2]["pricing"]["suggested_price"] is None
    assert doc["revenue"] == {"categories": "1920.00", "other": "550.00", "total": "2470.00"}
    assert doc["balance"] == "-30.00"  # 2 470,00 − 2 500,00: a deficit


def test_the_pricing_results_come_last_in_their_objects():
    doc = allocation_of(priced_example())
    assert list(doc)[-3:] == ["warnings", "revenue", "balance"]
    assert list(doc["categories"][0])[-1] == "pricing"


def test_an_older_document_gives_exactly_the_same_bytes_as_before():
    expected = WORKED_EXAMPLE_ALLOCATION.read_text(encoding="utf-8")
    assert dumps(allocation_of(example())) == expected
    assert schema_errors("allocation", json.loads(expected)) == {}


@pytest.mark.parametrize(
    "field",
    ["price", "pricing", "revenues"],
)
def test_any_one_optional_field_adds_the_pricing_results(field):
    doc = example()
    if field == "price":
        doc["categories"][1]["price"] = {"amount": "100"}
    elif field == "pricing":
        doc["pricing"] = {}
    else:
        doc["revenues"] = []
    allocation = allocation_of(doc)
    assert "balance" in allocation and "revenue" in allocation
    assert all("pricing" in category for category in allocation["categories"])
    assert schema_errors("allocation", json.loads(dumps(allocation))) == {}


def test_null_optional_fields_count_as_absent():
    doc = example()
    doc["pricing"] = None
    doc["revenues"] = None
    doc["categories"][0]["price"] = None
    assert "balance" not in allocation_of(doc)


def test_a_priced_document_and_its_allocation_match_their_schemas():
    doc = priced_example()
    assert schema_errors("venue", doc) == {}
    assert schema_errors("allocation", json.loads(dumps(allocation_of(doc)))) == {}


def test_defaults_of_the_optional_fields():
    doc = example()
    doc["categories"][0]["price"] = {"amount": 80}
    doc["pricing"] = {}
    venue = parse_venue_document(doc)
    price = venue.categories[0].price
    assert (price.amount, price.frequency, price.per) == (Decimal(80), "monthly", "member")
    assert (venue.pricing.margin_pct, venue.pricing.occupancy_pct) == (0, 100)


def test_a_priced_venue_document_reads_back_the_same_venue():
    venue = parse_venue_document(priced_example())
    written = json.loads(dumps(venue_document(venue)), parse_float=Decimal)
    assert parse_venue_document(written) == venue
    assert written["categories"][0]["price"] == {
        "amount": "80.00",
        "frequency": "monthly",
        "per": "member",
    }
    assert written["pricing"] == {"margin_pct": "10.00", "occupancy_pct": "90.00"}
    assert written["revenues"][1] == {
        "label": "Don",
        "amount": "1200.00",
        "frequency": "one_off",
        "amortization_months": 24,
    }
    assert "price" not in written["categories"][1]


def test_an_older_venue_document_is_written_without_the_optional_fields():
    written = venue_document(parse_venue_document(example()))
    assert not {"pricing", "revenues"} & set(written)
    assert all("price" not in category for category in written["categories"])


def _price(doc: dict) -> dict:
    return doc["categories"][0]["price"]


def _with(change) -> dict:
    doc = priced_example()
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: _price(d).update(amount="-1"), "categories[0].price.amount", "negative"),
        (lambda d: _price(d).update(amount="1.001"), "categories[0].price.amount", "decimal"),
        (lambda d: _price(d).update(amount="NaN"), "categories[0].price.amount", "number"),
        (lambda d: _price(d).pop("amount"), "categories[0].price.amount", "required"),
        (lambda d: _price(d).update(frequency="one_off"),
         "categories[0].price.frequency", "one_off"),
        (lambda d: _price(d).update(per="desk"), "categories[0].price.per", "desk"),
        (lambda d: d["categories"][0].update(price=80), "categories[0].price", "object"),
        (lambda d: d["pricing"].update(margin_pct="1000.01"), "pricing.margin_pct", "1000"),
        (lambda d: d["pricing"].update(margin_pct="-1"), "pricing.margin_pct", "1000"),
        (lambda d: d["pricing"].update(occupancy_pct="0"), "pricing.occupancy_pct", "100"),
        (lambda d: d["pricing"].update(occupancy_pct="100.5"), "pricing.occupancy_pct", "100"),
        (lambda d: d["pricing"].update(occupancy_pct=True), "pricing.occupancy_pct", "number"),
        (lambda d: d.update(pricing=[]), "pricing", "object"),
        (lambda d: d.update(revenues={}), "revenues", "list"),
        (lambda d: d["revenues"][1].pop("amortization_months"),
         "revenues[1].amortization_months", "required"),
        (lambda d: d["revenues"][0].update(amount="-5"), "revenues[0].amount", "negative"),
        (lambda d: d["revenues"][0].update(label=" "), "revenues[0].label", "empty"),
        (lambda d: d["revenues"][0].update(frequency="weekly"), "revenues[0].frequency", "weekly"),
    ],
)  # fmt: skip
def test_bad_optional_values_are_refused_at_their_path(change, path, words):
    error = error_of(_with(change))
    assert (error.path, str(error).startswith(f"{path}: ")) == (path, True)
    assert words in error.message
    assert schema_errors("venue", _with(change)) != {}


def test_revenue_lines_are_limited():
    doc = example()
    doc["revenues"] = [{"label": f"R{i}", "amount": 1} for i in range(MAX_REVENUES + 1)]
    error = error_of(doc)
    assert error.path == "revenues" and str(MAX_REVENUES) in error.message


def test_allocate_prints_the_pricing_results(tmp_path):
    path = tmp_path / "priced.venue.json"
    path.write_text(json.dumps(priced_example(), default=str), encoding="utf-8")
    out = io.StringIO()
    call_command("allocate", str(path), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["categories"][0]["pricing"]["suggested_price"] == "86.58"
    assert printed["balance"] == "-30.00"


def test_allocate_prints_an_older_document_exactly_as_before(tmp_path):
    out = io.StringIO()
    call_command("allocate", str(WORKED_EXAMPLE), stdout=out)
    assert out.getvalue() == WORKED_EXAMPLE_ALLOCATION.read_text(encoding="utf-8")
