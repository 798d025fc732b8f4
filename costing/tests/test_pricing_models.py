"""Prices and revenue stored with a venue (docs/method.md R7–R9, docs/formats.md): the import,
the export, the documents a share link serves, and the page cache's dating of their changes."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from costing.documents import (
    dumps,
    load_venue_document,
    parse_venue_document,
    venue_allocation_document,
)
from costing.examples import WORKED_EXAMPLE
from costing.models import (
    MemberCategory,
    OtherRevenue,
    create_venue,
    engine_venue,
    venue_allocation,
    venue_balance,
)
from costing.tests.test_pricing_documents import priced_example
from venues.models import ShareLink, Venue

D = Decimal


@pytest.fixture
def priced(alice) -> Venue:
    return create_venue(parse_venue_document(priced_example()), owner=alice)


def export(venue: Venue) -> str:
    out = io.StringIO()
    call_command("export_venue", venue.slug, stdout=out)
    return out.getvalue()


def test_an_imported_priced_document_is_exported_back_with_the_same_values(priced):
    assert load_venue_document(export(priced)) == parse_venue_document(priced_example())


def test_the_stored_prices_give_the_worked_examples_figures(priced):
    venue = Venue.objects.prefetch_related("cost_items", "categories", "other_revenues").get()
    allocation, balance = venue_balance(venue)
    residents = balance.categories[0]
    assert (residents.revenue, residents.coverage_pct) == (D("1920.00"), D("112.94"))
    assert (residents.break_even, residents.suggested_price) == (22, D("86.58"))
    assert balance.other_revenue == D("550.00")
    assert balance.balance == D("-30.00")
    assert allocation == venue_allocation(venue)  # prices change nothing of the allocation


def test_a_venue_without_prices_exports_and_shares_as_before(example, client):
    exported = json.loads(export(example))
    assert not {"pricing", "revenues"} & set(exported)
    link = ShareLink.objects.create(venue=example, label="AG")
    document = client.get(f"/s/{link.token}/allocation.json").json()
    assert "balance" not in document


def test_a_share_link_that_shows_the_prices_serves_the_pricing_results(priced, client):
    link = ShareLink.objects.create(venue=priced, label="AG", show_prices=True)
    document = client.get(f"/s/{link.token}/allocation.json").json()
    assert document["categories"][0]["pricing"]["suggested_price"] == "86.58"
    assert document["balance"] == "-30.00"


def test_a_document_priced_by_an_empty_revenue_list_alone_stays_priced_once_imported(alice, client):
    doc = json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"))
    doc["revenues"] = []
    venue = create_venue(parse_venue_document(doc), owner=alice)
    link = ShareLink.objects.create(venue=venue, label="AG", show_prices=True)
    served = client.get(f"/s/{link.token}/allocation.json").json()
    assert served == json.loads(dumps(venue_allocation_document(parse_venue_document(doc))))
    assert served["balance"] == "-2500.00"  # no price, no revenue: all 2 500 € a month to find
    assert load_venue_document(export(venue)) == parse_venue_document(
        {**doc, "pricing": {"margin_pct": "0", "occupancy_pct": "100"}}
    )


def test_the_costs_alone_leave_the_prices_out(priced):
    venue = Venue.objects.prefetch_related("cost_items", "categories").get()
    data = engine_venue(venue)
    assert not data.priced


def test_a_revenue_lines_change_dates_its_venue_for_the_page_cache(priced):
    revisions = [Venue.objects.get().revision]
    for write in (
        lambda: OtherRevenue.objects.filter(venue=priced).update(amount=D("1.00")),
        lambda: OtherRevenue.objects.create(venue=priced, label="Bar", amount=D("10.00")),
        lambda: OtherRevenue.objects.filter(label="Bar").delete(),
    ):
        write()
        revisions.append(Venue.objects.get().revision)
    assert revisions == sorted(set(revisions))  # each write counts


def test_a_price_change_dates_its_venue_for_the_page_cache(priced):
    before = Venue.objects.get().revision
    MemberCategory.objects.filter(venue=priced, name="Résidents").update(price_amount=D("90"))
    assert Venue.objects.get().revision > before


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (MemberCategory, {"price_amount": D("-1")}),
        (OtherRevenue, {"amount": D("-1")}),
        (OtherRevenue, {"frequency": "one_off", "amortization_months": None}),
        (Venue, {"margin_pct": D("1000.01")}),
        (Venue, {"occupancy_pct": D("0")}),
        (Venue, {"occupancy_pct": D("100.01")}),
    ],
)
def test_the_database_refuses_what_the_rules_refuse(priced, model, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        rows = model.objects.filter(pk=priced.pk) if model is Venue else model.objects.all()
        rows.update(**values)
