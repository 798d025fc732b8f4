"""Venue and allocation documents (docs/formats.md), without a database.

The messages are checked in English, as the commands print them; the web app shows them in
its own language (French by default)."""

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from costing.documents import (
    MAX_CATEGORIES,
    MAX_ITEMS,
    NOTES_MAX_LENGTH,
    DocumentError,
    allocation_document,
    check_names,
    check_sums,
    dumps,
    load_venue_document,
    parse_venue_document,
    venue_document,
)
from costing.engine import Category, Item, Venue, allocate
from costing.examples import WORKED_EXAMPLE
from tests.helpers import sized_document

D = Decimal
DATA = WORKED_EXAMPLE.parent
SHARED_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples"
EXAMPLES = ("movilab-300m2.venue.json", "movilab-300m2.allocation.json")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def example_text() -> str:
    return (DATA / "movilab-300m2.venue.json").read_text(encoding="utf-8")


def example() -> dict:
    return json.loads(example_text(), parse_float=Decimal)


def error_of(doc) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_venue_document(doc)
    return info.value


def assert_error(doc, path: str, words: str = "") -> None:
    error = error_of(doc)
    assert error.path == path
    assert str(error).startswith(f"{path}: ")
    assert words in error.message


# The worked example


def test_it_allocates_the_worked_example_exactly_as_the_expected_document():
    expected = (DATA / "movilab-300m2.allocation.json").read_text(encoding="utf-8")
    allocation = allocate(load_venue_document(example_text()))
    assert dumps(allocation_document(allocation)) == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_its_copies_of_the_examples_match_the_shared_ones(name):
    if not (SHARED_EXAMPLES / name).exists():
        pytest.skip("no ../shared/examples beside the project")
    assert (DATA / name).read_bytes() == (SHARED_EXAMPLES / name).read_bytes()


def test_it_reads_every_field_of_the_example():
    venue = load_venue_document(example_text().encode())
    assert venue.name == "Exemple Movilab — lieu de 300 m²"
    assert venue.currency == "EUR"
    assert venue.total_surface_m2 == D("300")
    assert (venue.infrastructure_key, venue.services_key) == ("manual", "manual")
    assert len(venue.items) == 10
    assert venue.items[4] == Item(
        pool="infrastructure",
        amount=D("4800.00"),
        tier="basic",
        frequency="one_off",
        amortization_months=60,
        included=True,
        label="Mobilier (tables, chaises, armoires)",
    )
    assert venue.categories[0] == Category(
        "Résidents", D("51"), 20, 24, infrastructure_pct=D("100"), services_pct=D("0")
    )


# Defaults and accepted forms


def minimal() -> dict:
    return {
        "format": "tierslieux.venue/1",
        "name": "Lieu",
        "total_surface_m2": 100,
        "cost_items": [{"label": "Loyer", "pool": "infrastructure", "amount": "500"}],
        "categories": [{"name": "Résidents", "surface_share_pct": 50}],
    }


def test_it_fills_in_the_defaults():
    venue = parse_venue_document(minimal())
    assert venue.currency == "EUR"
    assert (venue.infrastructure_key, venue.services_key) == ("manual", "manual")
    item = venue.items[0]
    assert (item.tier, item.frequency, item.amortization_months) == ("basic", "monthly", None)
    assert item.included is True
    assert item.notes == ""
    assert venue.categories[0] == Category("Résidents", D("50"), 0, 0, D("0"), D("0"))


def test_it_reads_json_numbers_as_decimals_never_floats():
    text = json.dumps(minimal()).replace('"500"', "1100.10")
    amount = load_venue_document(text).items[0].amount
    assert type(amount) is Decimal
    assert amount == D("1100.10")


def test_it_reads_decimals_written_as_strings_or_integers():
    doc = minimal()
    doc["total_surface_m2"] = "12.5"
    doc["cost_items"][0]["amount"] = 7
    venue = parse_venue_document(doc)
    assert venue.total_surface_m2 == D("12.5")
    assert venue.items[0].amount == D("7")


def test_it_reads_the_surface_key_and_treats_null_as_the_default():
    doc = minimal()
    doc["pools"] = {"services": {"key": "surface"}, "infrastructure": None}
    doc["currency"] = None
    venue = parse_venue_document(doc)
    assert (venue.infrastructure_key, venue.services_key) == ("manual", "surface")
    assert venue.currency == "EUR"


def test_it_ignores_unknown_keys():
    doc = minimal()
    doc["comment"] = "exported by hand"
    doc["cost_items"][0]["colour"] = "red"
    assert parse_venue_document(doc) == parse_venue_document(minimal())


def test_it_drops_amortization_months_of_recurring_items():
    doc = minimal()
    doc["cost_items"][0]["amortization_months"] = 12
    assert parse_venue_document(doc).items[0].amortization_months is None


def test_it_accepts_shares_adding_up_to_exactly_100_percent():
    doc = minimal()
    doc["categories"] = [
        {"name": "A", "surface_share_pct": "33.33", "shares_pct": {"services": "50"}},
        {"name": "B", "surface_share_pct": "66.67", "shares_pct": {"services": "50.00"}},
    ]
    assert len(parse_venue_document(doc).categories) == 2


# Writing venue documents


def test_it_writes_a_venue_document_that_reads_back_the_same_venue():
    venue = load_venue_document(example_text())
    assert parse_venue_document(venue_document(venue)) == venue
    assert load_venue_document(dumps(venue_document(venue))) == venue


def test_it_writes_venue_documents_with_the_example_fields_in_order():
    doc = venue_document(load_venue_document(example_text()))
    original = example()
    assert list(doc) == list(original)
    assert doc["total_surface_m2"] == "300.00"
    assert doc["pools"] == original["pools"]
    assert doc["cost_items"][4] == {
        **original["cost_items"][4],
        "included": True,
    }
    assert list(doc["cost_items"][0]) == [
        "label",
        "pool",
        "tier",
        "amount",
        "frequency",
        "included",
    ]
    assert doc["categories"][0] == {
        "name": "Résidents",
        "surface_share_pct": "51.00",
        "workstations": 20,
        "members": 24,
        "shares_pct": {"infrastructure": "100.00", "services": "0.00"},
    }


def test_it_writes_notes_and_excluded_items():
    venue = Venue(
        "V",
        D("10"),
        items=(Item("services", D("1.5"), included=False, label="Café", notes="À revoir"),),
    )
    item = venue_document(venue)["cost_items"][0]
    assert item == {
        "label": "Café",
        "pool": "services",
        "tier": "basic",
        "amount": "1.50",
        "frequency": "monthly",
        "included": False,
        "notes": "À revoir",
    }
    assert parse_venue_document(venue_document(venue)) == venue


def test_it_writes_documents_as_indented_utf8_json():
    text = dumps({"name": "Café", "n": [1]})
    assert text == '{\n  "name": "Café",\n  "n": [\n    1\n  ]\n}\n'


def test_it_writes_null_per_unit_figures():
    venue = Venue("V", D("10"), categories=(Category("A", D("0")),))
    category = allocation_document(allocate(venue))["categories"][0]
    assert category["per_m2"] is None
    assert category["per_workstation"] is None
    assert category["per_member"] is None
    assert category["surface_m2"] == "0.00"


def test_it_writes_the_unassigned_surface_and_warnings():
    doc = minimal()
    doc["categories"][0]["shares_pct"] = {"infrastructure": "60"}
    allocation = allocation_document(allocate(parse_venue_document(doc)))
    assert allocation["unassigned"] == {"surface_share_pct": "50.00", "surface_m2": "50.00"}
    assert allocation["uncovered"] == {
        "infrastructure": "200.00",
        "services": "0.00",
        "total": "200.00",
    }
    assert allocation["warnings"] == ["surface_unassigned", "infrastructure_uncovered"]


# Invalid documents: one test per rule of docs/formats.md, each naming the PATH.


def test_it_rejects_a_wrong_format():
    doc = example()
    doc["format"] = "tierslieux.venue/2"
    assert_error(doc, "format", "tierslieux.venue/1")


def test_it_rejects_a_missing_format():
    doc = example()
    del doc["format"]
    assert_error(doc, "format", "required")


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_it_rejects_an_empty_or_missing_name(name):
    doc = example()
    doc["name"] = name
    assert_error(doc, "name")


@pytest.mark.parametrize("surface", ["0", 0, "-10", "0.00"])
def test_it_rejects_a_surface_of_zero_or_less(surface):
    doc = example()
    doc["total_surface_m2"] = surface
    assert_error(doc, "total_surface_m2", "more than 0")


def test_it_rejects_a_negative_amount():
    doc = example()
    doc["cost_items"][3]["amount"] = "-960.00"
    assert_error(doc, "cost_items[3].amount", "negative")


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "10.001"), ("amount", D("10.001")), ("amount", "1.000")],
)
def test_it_rejects_amounts_with_more_than_2_decimal_places(field, value):
    doc = example()
    doc["cost_items"][1][field] = value
    assert_error(doc, f"cost_items[1].{field}", "2 decimal places")


def test_it_rejects_percentages_and_surfaces_with_more_than_2_decimal_places():
    doc = example()
    doc["categories"][1]["shares_pct"]["services"] = "99.999"
    assert_error(doc, "categories[1].shares_pct.services", "2 decimal places")
    doc = example()
    doc["total_surface_m2"] = D("300.005")
    assert_error(doc, "total_surface_m2", "2 decimal places")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_it_rejects_nan_and_infinity(constant):
    text = example_text().replace('"amount": "180.00"', f'"amount": {constant}')
    with pytest.raises(DocumentError) as info:
        load_venue_document(text)
    assert str(info.value) == f"cost_items[1].amount: expected a number, got {constant}"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "inf", "1e3", "1_000", "12,50", "", "abc"])
def test_it_rejects_text_where_a_number_goes(value):
    doc = example()
    doc["categories"][0]["surface_share_pct"] = value
    assert_error(doc, "categories[0].surface_share_pct", "expected a number")


@pytest.mark.parametrize("value", [True, None, [1], {"value": 1}])
def test_it_rejects_other_json_values_where_a_number_goes(value):
    doc = example()
    doc["cost_items"][0]["amount"] = value
    assert_error(doc, "cost_items[0].amount", "expected a number")


def test_it_rejects_an_unknown_pool():
    doc = example()
    doc["cost_items"][2]["pool"] = "energy"
    assert_error(doc, "cost_items[2].pool", 'unknown pool "energy"')


def test_it_rejects_an_unknown_tier():
    doc = example()
    doc["cost_items"][2]["tier"] = "Basic"
    assert_error(doc, "cost_items[2].tier", 'unknown tier "Basic"')


def test_it_rejects_an_unknown_frequency():
    doc = example()
    doc["cost_items"][2]["frequency"] = "weekly"
    assert_error(doc, "cost_items[2].frequency", 'unknown frequency "weekly"')


def test_it_rejects_an_unknown_allocation_key():
    doc = example()
    doc["pools"]["services"]["key"] = "members"
    assert_error(doc, "pools.services.key", 'unknown allocation key "members"')


def test_it_rejects_an_unknown_pool_in_the_pools():
    doc = example()
    doc["pools"]["energy"] = {"key": "manual"}
    assert_error(doc, "pools.energy", "unknown pool")


def test_it_rejects_a_one_off_item_without_amortization_months():
    doc = example()
    del doc["cost_items"][5]["amortization_months"]
    assert_error(doc, "cost_items[5].amortization_months", "required")


@pytest.mark.parametrize("months", [0, -3, 601])
def test_it_rejects_amortization_months_outside_1_to_600(months):
    doc = example()
    doc["cost_items"][5]["amortization_months"] = months
    assert_error(doc, "cost_items[5].amortization_months")


@pytest.mark.parametrize("months", ["24", D("24.0"), 2.5, True])
def test_it_rejects_amortization_months_that_are_not_json_integers(months):
    doc = example()
    doc["cost_items"][5]["amortization_months"] = months
    assert_error(doc, "cost_items[5].amortization_months", "whole number")


@pytest.mark.parametrize("pct", ["-0.01", "100.01", -5, 250])
def test_it_rejects_a_surface_share_outside_0_to_100(pct):
    doc = example()
    doc["categories"][2]["surface_share_pct"] = pct
    assert_error(doc, "categories[2].surface_share_pct", "between 0 and 100")


@pytest.mark.parametrize("pct", ["-1", "100.5"])
def test_it_rejects_a_pool_share_outside_0_to_100(pct):
    doc = example()
    doc["categories"][0]["shares_pct"]["infrastructure"] = pct
    assert_error(doc, "categories[0].shares_pct.infrastructure", "between 0 and 100")


def test_it_rejects_surface_shares_adding_up_to_more_than_100_percent():
    doc = example()
    doc["categories"][2]["surface_share_pct"] = "40"
    error = error_of(doc)
    assert str(error) == "categories: surface shares add up to 120.00 %, more than 100 %"


def test_it_rejects_pool_shares_adding_up_to_more_than_100_percent():
    doc = example()
    doc["categories"][2]["shares_pct"]["services"] = "0.01"
    error = error_of(doc)
    assert str(error) == "categories: services shares add up to 100.01 %, more than 100 %"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "cost_items[0].amount: ne doit pas être négatif"),
        ("en", "cost_items[0].amount: must not be negative"),
    ],
)
def test_what_is_wrong_is_said_in_the_active_language_after_the_path(language, message):
    doc = example()
    doc["cost_items"][0]["amount"] = "-1"
    with translation.override(language):
        assert str(error_of(doc)) == message


def test_it_rejects_duplicate_category_names_whatever_their_case():
    doc = example()
    doc["categories"][2]["name"] = "  RÉSIDENTS "
    error = error_of(doc)
    assert str(error) == (
        'categories[2].name: duplicate name "RÉSIDENTS" (names are case-insensitive)'
    )


@pytest.mark.parametrize("count", [-1, 2.5, D("3.0"), "3", True, None])
def test_it_rejects_counts_that_are_not_whole_numbers_of_zero_or_more(count):
    doc = example()
    doc["categories"][1]["members"] = count
    assert_error(doc, "categories[1].members")


def test_it_rejects_a_count_written_3_point_0_in_json():
    text = example_text().replace('"workstations": 20', '"workstations": 20.0')
    with pytest.raises(DocumentError) as info:
        load_venue_document(text)
    assert str(info.value) == "categories[0].workstations: expected a whole number, got 20.0"


@pytest.mark.parametrize(
    ("remove", "path"),
    [
        ((), "name"),
        ((), "total_surface_m2"),
        ((), "cost_items"),
        ((), "categories"),
        (("cost_items", 0), "cost_items[0].label"),
        (("cost_items", 0), "cost_items[0].pool"),
        (("cost_items", 0), "cost_items[0].amount"),
        (("categories", 1), "categories[1].name"),
        (("categories", 1), "categories[1].surface_share_pct"),
    ],
)
def test_it_rejects_missing_required_fields(remove, path):
    doc = example()
    parent = doc
    for key in remove:
        parent = parent[key]
    del parent[path.rsplit(".", 1)[-1]]
    assert_error(doc, path, "is required")


def test_it_rejects_an_empty_label():
    doc = example()
    doc["cost_items"][6]["label"] = " "
    assert_error(doc, "cost_items[6].label", "empty")


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("document", lambda doc: [doc]),
        ("pools", lambda doc: {**doc, "pools": ["manual"]}),
        ("pools.services", lambda doc: {**doc, "pools": {"services": "surface"}}),
        ("cost_items", lambda doc: {**doc, "cost_items": {"label": "Loyer"}}),
        ("cost_items[0]", lambda doc: {**doc, "cost_items": ["Loyer"]}),
        ("categories", lambda doc: {**doc, "categories": None}),
        ("categories[0].shares_pct", lambda doc: {**doc, "categories": [_shares(doc, [100])]}),
        ("name", lambda doc: {**doc, "name": ["Lieu"]}),
    ],
)
def test_it_rejects_wrong_json_types_with_a_message(path, change):
    assert_error(change(example()), path, "expected")


def _shares(doc: dict, value) -> dict:
    return {**doc["categories"][0], "shares_pct": value}


def test_it_rejects_included_when_not_a_boolean():
    doc = example()
    doc["cost_items"][0]["included"] = "yes"
    assert_error(doc, "cost_items[0].included", "true or false")


def test_it_rejects_a_bad_currency():
    doc = example()
    doc["currency"] = "euros"
    assert_error(doc, "currency", "currency code")


@pytest.mark.parametrize("currency", ["ße", "ﬃ", "ıNR"])
def test_it_rejects_a_currency_that_becomes_three_letters_only_once_upper_cased(currency):
    doc = example()
    doc["currency"] = currency
    assert_error(doc, "currency", "currency code")


def test_it_reads_a_currency_code_whatever_its_case_and_surrounding_spaces():
    doc = example()
    doc["currency"] = " chf "
    assert parse_venue_document(doc).currency == "CHF"


def test_it_rejects_an_amount_too_large_for_the_database():
    doc = example()
    doc["cost_items"][0]["amount"] = "10000000000.00"
    assert_error(doc, "cost_items[0].amount", "too large")


@pytest.mark.parametrize("text", ["", "{", "{'format': 1}", "[1,]", b"\xff\xfe{"])
def test_it_rejects_text_that_is_not_json(text):
    with pytest.raises(DocumentError) as info:
        load_venue_document(text)
    assert info.value.path == "document"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "{'format': 1}",
        "{a: 1}",
        '{"a" 1}',
        "[1,]",
        "[1 2]",
        "{} x",
        '"\\q"',
        '"\\u12"',
        '"\t"',
    ],
)
def test_it_explains_broken_json_in_french_without_the_decoders_english(text):
    with translation.override("fr"), pytest.raises(DocumentError) as info:
        load_venue_document(text)
    french = info.value.message
    assert french.startswith("n'est pas du JSON valide (")
    assert not re.search(r"Expecting|Invalid|Unterminated|Illegal|Extra|delimiter", french)
    with pytest.raises(DocumentError) as info:  # English, as the commands print it
        load_venue_document(text)
    english = re.fullmatch(
        r"is not valid JSON \((.+) at line (\d+), column (\d+)\)", info.value.message
    )
    with pytest.raises(json.JSONDecodeError) as decoder:
        json.loads(text)
    assert english.groups() == (
        decoder.value.msg.removesuffix(" at"),
        str(decoder.value.lineno),
        str(decoder.value.colno),
    )


def test_it_reports_the_first_error_in_document_order():
    doc = example()
    doc["categories"][0]["members"] = -1
    doc["cost_items"][9]["amount"] = "x"
    doc["cost_items"][8]["pool"] = "y"
    assert error_of(doc).path == "cost_items[8].pool"


def test_its_sum_and_name_checks_can_be_reused_by_forms():
    categories = [
        Category("A", D("70"), infrastructure_pct=D("60")),
        Category("a", D("50.5"), infrastructure_pct=D("50")),
    ]
    assert check_sums(categories) == [
        ("categories", "surface shares add up to 120.50 %, more than 100 %"),
        ("categories", "infrastructure shares add up to 110.00 %, more than 100 %"),
    ]
    assert check_sums(categories[:1]) == []
    assert check_names(["Résidents", "Autres", "résidents"]) == [
        ("categories[2].name", 'duplicate name "résidents" (names are case-insensitive)')
    ]


# Whatever comes in, the only exception is DocumentError.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.decimals(allow_nan=True, allow_infinity=True, places=3)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
field_names = st.sampled_from(
    [
        "format",
        "name",
        "currency",
        "total_surface_m2",
        "pools",
        "cost_items",
        "categories",
        "label",
        "pool",
        "tier",
        "amount",
        "frequency",
        "amortization_months",
        "included",
        "notes",
        "surface_share_pct",
        "workstations",
        "members",
        "shares_pct",
        "key",
        "infrastructure",
        "services",
    ]
)


@st.composite
def mangled_examples(draw) -> dict:
    """The example with a few values, anywhere in it, replaced by arbitrary JSON."""
    doc = copy.deepcopy(example())
    for _ in range(draw(st.integers(1, 3))):
        node = doc
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if not isinstance(child, dict | list) or draw(st.booleans()):
                node[key] = draw(json_values)
                break
            node = child
    if draw(st.booleans()):
        doc[draw(field_names)] = draw(json_values)
    return doc


@given(mangled_examples())
def test_any_mangled_document_gives_a_venue_or_a_document_error(doc):
    try:
        venue = parse_venue_document(doc)
    except DocumentError as error:
        assert str(error).startswith(error.path + ": ")
        assert error.message
    else:
        # Whatever is accepted can be allocated and written back.
        allocation_document(allocate(venue))
        assert parse_venue_document(venue_document(venue)) == venue


@given(st.text(max_size=40) | st.binary(max_size=40))
def test_any_short_text_is_rejected_with_a_document_error(text):
    with pytest.raises(DocumentError):
        load_venue_document(text)


def test_it_reads_floats_from_callers_that_decoded_with_floats():
    doc = json.loads(json.dumps(minimal()).replace('"500"', "1100.1"))
    assert parse_venue_document(doc).items[0].amount == D("1100.1")


def test_it_rejects_a_json_number_too_large_for_a_decimal_with_its_path():
    text = example_text().replace('"amount": "180.00"', '"amount": 1e9999999999999999999999')
    with pytest.raises(DocumentError) as info:
        load_venue_document(text)
    assert info.value.path == "cost_items[1].amount"


def test_it_writes_negative_zero_as_zero():
    doc = minimal()
    doc["cost_items"][0]["amount"] = "-0.00"
    venue = parse_venue_document(doc)
    assert venue_document(venue)["cost_items"][0]["amount"] == "0.00"


def test_it_rejects_nul_characters_that_postgresql_cannot_store():
    doc = json.loads(WORKED_EXAMPLE.read_text())
    doc["cost_items"][2]["label"] = "Internet\x00"
    with pytest.raises(DocumentError) as error:
        load_venue_document(json.dumps(doc))
    assert str(error.value).startswith("cost_items[2].label: ")


# Limits a real venue never reaches (docs/formats.md, "Limits"): a document past one is
# refused at once, with the limit in its message.


def test_it_reads_a_document_at_the_limits():
    venue = parse_venue_document(sized_document(MAX_ITEMS, MAX_CATEGORIES, "n" * NOTES_MAX_LENGTH))
    assert len(venue.items) == MAX_ITEMS
    assert len(venue.categories) == MAX_CATEGORIES
    assert len(venue.items[-1].notes) == NOTES_MAX_LENGTH


def test_it_refuses_more_than_500_cost_items_naming_the_limit():
    error = error_of(sized_document(items=MAX_ITEMS + 1))
    assert str(error) == "cost_items: at most 500 items (found 501)"


def test_it_refuses_more_than_50_categories_naming_the_limit():
    error = error_of(sized_document(categories=MAX_CATEGORIES + 1))
    assert str(error) == "categories: at most 50 categories (found 51)"


def test_it_refuses_notes_over_5000_characters_with_their_path():
    doc = sized_document(items=3)
    doc["cost_items"][2]["notes"] = "n" * (NOTES_MAX_LENGTH + 1)
    error = error_of(doc)
    assert str(error) == "cost_items[2].notes: is too long (at most 5000 characters)"


def test_it_counts_notes_without_the_spaces_around_them_as_the_items_form_does():
    doc = sized_document(notes=f"  {'n' * NOTES_MAX_LENGTH}\n")
    assert parse_venue_document(doc).items[0].notes == "n" * NOTES_MAX_LENGTH


def test_it_counts_the_rows_before_reading_any_of_them():
    # Rows that are not even objects: the count is what is wrong, and it is said first.
    doc = sized_document()
    doc["cost_items"] = [None] * 5000
    assert str(error_of(doc)) == "cost_items: at most 500 items (found 5000)"
    doc = sized_document()
    doc["cost_items"][0]["amount"] = "-1"
    doc["categories"] = [None] * 51
    assert str(error_of(doc)) == "categories: at most 50 categories (found 51)"


@pytest.mark.parametrize(
    ("language", "document", "message"),
    [
        ("fr", sized_document(items=501), "cost_items: au plus 500 postes (501 trouvés)"),
        ("en", sized_document(items=501), "cost_items: at most 500 items (found 501)"),
        ("fr", sized_document(categories=51), "categories: au plus 50 catégories (51 trouvées)"),
        ("en", sized_document(categories=51), "categories: at most 50 categories (found 51)"),
        (
            "fr",
            sized_document(notes="n" * 5001),
            "cost_items[0].notes: est trop long (au plus 5000 caractères)",
        ),
        (
            "en",
            sized_document(notes="n" * 5001),
            "cost_items[0].notes: is too long (at most 5000 characters)",
        ),
    ],
)
def test_the_limits_are_named_in_the_active_language(language, document, message):
    with translation.override(language):
        assert str(error_of(document)) == message
