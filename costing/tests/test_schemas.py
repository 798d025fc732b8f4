"""The published JSON Schemas (docs/schemas/) say what the app really reads and writes, and the
figures of docs/method.md are the engine's.

Other tools rely on the schemas: every document the app writes (commands, downloads) must
match them, a document the parser accepts must match them, and a document they accept must be
one the parser accepts, but for what their descriptions say a schema cannot express.
"""

import copy
import io
import json
import math
import re
from dataclasses import replace
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from jsonschema import Draft202012Validator

from costing.documents import (
    MAX_CATEGORIES,
    MAX_ITEMS,
    NOTES_MAX_LENGTH,
    DocumentError,
    allocation_document,
    dumps,
    load_venue_document,
    parse_venue_document,
    venue_allocation_document,
    venue_document,
)
from costing.engine import allocate, monthly_amount
from costing.examples import WORKED_EXAMPLE
from costing.models import create_venue, venue_allocation
from costing.tests.test_documents import mangled_examples
from costing.tests.test_engine import venues
from venues.models import ShareLink, Venue

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DATA = WORKED_EXAMPLE.parent
EXAMPLE = WORKED_EXAMPLE


def decoded(text: str | bytes) -> Any:
    # Exactly, as the schemas ask: with floats, multipleOf 0.01 refuses 0.07.
    return json.loads(text, parse_float=Decimal)


@cache
def validator(kind: str) -> Draft202012Validator:
    schema = decoded((DOCS / "schemas" / f"{kind}.schema.json").read_bytes())
    return Draft202012Validator(schema)


def schema_errors(kind: str, doc: Any) -> dict[str, str]:
    """{PATH: message} of what the schema finds wrong, PATH written as the parser writes it."""
    # Any JSON number may come in (1e400): its remainder by 0.01 needs more than the default
    # 28 digits, and an operation that cannot be done must count as a failure, not raise.
    with localcontext(Context(prec=1000, traps=[])):
        errors = list(validator(kind).iter_errors(doc))
    found = {}
    for error in errors:
        path = list(error.absolute_path)
        # These two name the keys at fault only in their message: one PATH per key.
        if error.validator == "required":
            keys = [k for k in error.validator_value if k not in error.instance]
        elif error.validator == "additionalProperties":
            keys = [k for k in error.instance if k not in error.schema.get("properties", {})]
        else:
            keys = [None]
        for key in keys:
            found[written(path if key is None else [*path, key])] = error.message
    return found


def written(keys: list) -> str:
    path = ""
    for key in keys:
        path += f"[{key}]" if isinstance(key, int) else f".{key}" if path else str(key)
    return path or "document"


def assert_matches(kind: str, doc: Any) -> None:
    assert schema_errors(kind, doc) == {}


def parser_error(doc: Any) -> DocumentError | None:
    with translation.override("en"):
        try:
            parse_venue_document(doc)
        except DocumentError as error:
            return error
    return None


def value_at(doc: Any, path: str) -> Any:
    for key in re.findall(r"[^.\[\]]+", path):
        doc = doc[int(key)] if isinstance(doc, list) else doc[key]
    return doc


def beyond_the_schema(doc: Any, error: DocumentError) -> bool:
    """Whether the parser refused `doc` for a reason the venue schema's description lists as
    one a schema cannot express."""
    try:
        value = value_at(doc, error.path)
    except (KeyError, IndexError, TypeError):  # a missing key, or "document" itself
        value = None
    return (
        (error.path == "categories" and "add up to" in error.message)
        or error.message.startswith("duplicate name")
        # 1.000 is a multiple of 0.01 to a schema; a string "1.000" is refused by its pattern.
        or (isinstance(value, Decimal) and "decimal places" in error.message)
        or (isinstance(value, str) and ("\x00" in value or re.search("[\ud800-\udfff]", value)))
    )


def example() -> dict:
    return decoded(EXAMPLE.read_bytes())


def rich() -> dict:
    """A venue document with every optional field and every kind of value the allocation
    writes: notes, an excluded item, a one-off purchase, the surface key, unassigned surface,
    uncovered costs, and per-unit figures that are null."""
    return {
        "format": "tierslieux.venue/1",
        "name": "  L'Établi « partagé »  ",
        "currency": "chf",
        "total_surface_m2": Decimal("96.5"),
        "pools": {"infrastructure": {"key": "manual"}, "services": {"key": "surface"}},
        "cost_items": [
            {
                "label": "Loyer",
                "pool": "infrastructure",
                "amount": "1000",
                "frequency": "quarterly",
            },
            {
                "label": "Vidéoprojecteur",
                "pool": "infrastructure",
                "tier": "improved",
                "amount": 1250,
                "frequency": "one_off",
                "amortization_months": 24,
                "notes": "Acheté d'occasion",
            },
            {"label": "Cuisine", "pool": "infrastructure", "amount": "6000", "included": False},
            {"label": "Conciergerie", "pool": "services", "amount": "400.5", "frequency": "yearly"},
        ],
        "categories": [
            {
                "name": "Résidents",
                "surface_share_pct": "33.33",
                "workstations": 6,
                "members": 7,
                "shares_pct": {"infrastructure": "33.33", "services": None},
            },
            {"name": "Associations", "surface_share_pct": 0, "shares_pct": None},
        ],
    }


# The schemas themselves, and the examples


@pytest.mark.parametrize("kind", ["venue", "allocation"])
def test_the_schemas_are_draft_2020_12_schemas(kind):
    Draft202012Validator.check_schema(validator(kind).schema)
    assert validator(kind).schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("venue", EXAMPLE),
        ("allocation", DATA / "movilab-300m2.allocation.json"),
    ],
)
def test_the_example_documents_match_their_schemas(kind, path):
    assert_matches(kind, decoded(path.read_bytes()))


def test_the_rich_venue_document_of_these_tests_is_valid():
    assert_matches("venue", rich())
    assert parser_error(rich()) is None


# What the app writes


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("doc", [example(), rich()], ids=["example", "rich"])
def test_allocate_prints_allocation_documents_that_match_the_schema(doc, tmp_path):
    path = tmp_path / "venue.json"
    path.write_text(json.dumps(doc, default=str), encoding="utf-8")
    assert_matches("allocation", decoded(run("allocate", str(path))))


@pytest.fixture(params=["example", "rich"])
def stored(request, alice) -> Venue:
    doc = example() if request.param == "example" else rich()
    return create_venue(parse_venue_document(doc), owner=alice)


def test_export_venue_prints_venue_documents_that_match_the_schema(stored):
    assert_matches("venue", decoded(run("export_venue", stored.slug)))


def test_the_web_export_is_a_venue_document_that_matches_the_schema(stored, alice_client):
    response = alice_client.get(reverse("venue_export", args=[stored.pk]))
    assert response.status_code == 200
    assert_matches("venue", decoded(response.content))


def test_the_share_links_allocation_json_matches_the_schema(stored, alice, client):
    link = ShareLink.objects.create(venue=stored, label="AG", created_by=alice)
    response = client.get(reverse("share_allocation", args=[link.token]))
    assert response.status_code == 200
    assert_matches("allocation", decoded(response.content))


def test_the_rich_venue_exports_every_kind_of_value(alice):
    """So that the tests above see notes, excluded items, nulls and warnings, not only the
    worked example's plain values."""
    stored = create_venue(parse_venue_document(rich()), owner=alice)
    exported = decoded(run("export_venue", stored.slug))
    assert exported["cost_items"][1]["notes"] == "Acheté d'occasion"
    assert exported["cost_items"][2]["included"] is False
    allocation = allocation_document(venue_allocation(stored))
    assert allocation["categories"][1]["per_m2"] is None
    assert allocation["warnings"] == [
        "surface_unassigned",
        "infrastructure_uncovered",
        "services_uncovered",
    ]


@given(venues())
def test_every_venue_the_engine_takes_writes_documents_that_match_both_schemas(venue):
    labelled = tuple(replace(item, label=f"Poste {n}") for n, item in enumerate(venue.items))
    venue = replace(venue, items=labelled)
    document = decoded(dumps(venue_document(venue)))
    assert_matches("venue", document)
    assert parse_venue_document(document) == venue
    assert_matches("allocation", decoded(dumps(allocation_document(allocate(venue)))))


# What the app reads: the venue schema agrees with the parser


@given(mangled_examples())
def test_the_venue_schema_and_the_parser_agree_on_any_mangled_document(doc):
    errors = schema_errors("venue", doc)
    error = parser_error(doc)
    if error is None:
        assert errors == {}, "the schema refuses a document the parser accepts"
    elif beyond_the_schema(doc, error):
        pass  # the schema may or may not find something else wrong
    else:
        assert error.path in errors, f"the schema lets through {error}"


DELETE = object()


def changed(doc: Any, changes: dict[str, Any]) -> Any:
    """`doc` with the value at each PATH replaced (or deleted, for DELETE)."""
    doc = copy.deepcopy(doc)
    for path, value in changes.items():
        *parents, last = re.findall(r"[^.\[\]]+", path)
        parent = value_at(doc, ".".join(parents))
        key = int(last) if isinstance(parent, list) else last
        if value is DELETE:
            del parent[key]
        else:
            parent[key] = value
    return doc


REFUSED = [
    ("format", "tierslieux.venue/2"),
    ("format", DELETE),
    ("name", "   "),
    ("name", "x" * 201),
    ("currency", "euros"),
    ("total_surface_m2", "0.00"),
    ("total_surface_m2", Decimal("100000000")),
    ("pools.energy", {"key": "manual"}),
    ("pools.services", "surface"),
    ("pools.services.key", "members"),
    ("cost_items", {}),
    ("cost_items[0].label", DELETE),
    ("cost_items[3].amount", "-960.00"),
    ("cost_items[1].amount", "10.001"),
    ("cost_items[1].amount", "12,50"),
    ("cost_items[1].amount", Decimal("0.005")),
    ("cost_items[0].amount", "10000000000"),
    ("cost_items[0].amount", True),
    ("cost_items[2].pool", "energy"),
    ("cost_items[2].tier", None),
    ("cost_items[2].frequency", "weekly"),
    ("cost_items[5].amortization_months", DELETE),
    ("cost_items[5].amortization_months", None),
    ("cost_items[5].amortization_months", 601),
    ("cost_items[5].amortization_months", "24"),
    ("cost_items[0].amortization_months", 0),
    ("cost_items[0].included", "yes"),
    ("cost_items[0].notes", 3),
    ("categories[1].name", "x" * 101),
    ("categories[2].surface_share_pct", "100.5"),
    ("categories[2].surface_share_pct", -1),
    ("categories[0].shares_pct", [100]),
    ("categories[0].shares_pct.energy", 1),
    ("categories[1].members", -1),
    ("categories[1].members", Decimal("3.0")),
    ("categories[1].members", "3"),
    ("categories[1].members", None),
    ("categories[1].workstations", 2**31),
]


@pytest.mark.parametrize(("path", "value"), REFUSED)
def test_the_venue_schema_refuses_what_the_parser_refuses_at_the_same_path(path, value):
    doc = changed(example(), {path: value})
    assert parser_error(doc).path == path
    assert path in schema_errors("venue", doc)


def test_the_venue_schema_refuses_a_document_that_is_not_an_object():
    assert parser_error([example()]).path == "document"
    assert "document" in schema_errors("venue", [example()])


ACCEPTED = [
    {"currency": None, "pools": None, "comment": "written by hand"},
    {"currency": " chf "},
    {"name": " " * 20 + "x" * 200 + "\n"},
    {"total_surface_m2": " +0.01 "},
    {"total_surface_m2": Decimal("1E+2")},
    {"pools.services": {"key": None, "colour": "red"}},
    {"cost_items[0].amount": "-0.00", "cost_items[0].tier": "improved", "cost_items[0].x": 1},
    {"cost_items[0].notes": None},
    {"cost_items[0].amount": "0009999999999.99"},
    {"cost_items[0].amount": Decimal("0.07"), "cost_items[0].amortization_months": 12},
    {"categories[0].shares_pct": {"services": None}},
    {"categories[0].surface_share_pct": "+051.0", "categories[2].surface_share_pct": "-0"},
    {"categories[2].members": 2**31 - 1, "categories[2].workstations": 0},
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_the_venue_schema_accepts_what_the_parser_accepts(changes):
    doc = changed(example(), changes)
    assert parser_error(doc) is None
    assert_matches("venue", doc)


@pytest.mark.parametrize(
    ("changes", "description"),
    [
        ({"categories[2].surface_share_pct": "40"}, "more than 100 %"),
        ({"categories[2].shares_pct.services": "0.01"}, "more than 100 %"),
        ({"categories[2].name": "RÉSIDENTS"}, "differ only by case"),
        ({"categories[2].name": "Re\u0301sidents"}, "Unicode normalization"),
        ({"cost_items[0].amount": Decimal("1100.000")}, "more than 2 decimal places"),
        ({"cost_items[0].label": "Loyer\x00"}, "NUL"),
        ({"cost_items[0].notes": "\ud800"}, "lone UTF-16 surrogate"),
    ],
)
def test_what_the_venue_schema_lets_through_and_the_parser_refuses_is_in_its_description(
    changes, description
):
    doc = changed(example(), changes)
    assert beyond_the_schema(doc, parser_error(doc))
    assert_matches("venue", doc)
    assert description in validator("venue").schema["description"]


@pytest.mark.parametrize(
    ("path", "limit", "repeated"),
    [
        ("cost_items", MAX_ITEMS, lambda n: [{"label": "x", "pool": "services", "amount": 1}] * n),
        (
            "categories",
            MAX_CATEGORIES,
            lambda n: [{"name": f"c{i}", "surface_share_pct": 0} for i in range(n)],
        ),
        ("cost_items[0].notes", NOTES_MAX_LENGTH, lambda n: "x" * n),
    ],
)
def test_the_venue_schema_holds_the_limits_of_costing_documents(path, limit, repeated):
    assert schema_errors("venue", changed(example(), {path: repeated(limit)})) == {}
    assert path in schema_errors("venue", changed(example(), {path: repeated(limit + 1)}))


# What the allocation schema refuses: the document has exactly its keys and its forms.


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("pricing", {}),
        ("cost_per_m2", DELETE),
        ("categories[0].monthly.services", 0),
        ("categories[0].monthly.services", None),
        ("monthly_cost.total", "2500.0"),
        ("monthly_cost.total", "-1.00"),
        ("monthly_cost.total", "02500.00"),
        ("categories[0].surface_share_pct", "100.01"),
        ("categories[0].per_member", "70,83"),
        ("total_surface_m2", "0.00"),
        ("currency", "eur"),
        ("pools.services", "members"),
        ("warnings", ["services_uncovered", "surface_unassigned"]),
        ("warnings", ["surface_unassigned", "surface_unassigned"]),
    ],
)
def test_the_allocation_schema_refuses_what_the_app_never_writes(path, value):
    doc = decoded((DATA / "movilab-300m2.allocation.json").read_bytes())
    assert path in schema_errors("allocation", changed(doc, {path: value}))


# The documents and figures quoted in docs/


def doc_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md"))}


def json_blocks(text: str) -> list[str]:
    return re.findall(r"```json\n(.*?)```", text, re.S)


@cache
def examples() -> dict[str, str]:
    """The venue documents the docs work through: `<!-- example: NAME -->` before a JSON block,
    or `<!-- example: NAME PATH -->` for a file of the repository."""
    found = {}
    for text in doc_texts().values():
        for m in re.finditer(
            r"<!-- example: (\w+)(?: (\S+))? -->\n(?:```json\n(.*?)```)?", text, re.S
        ):
            name, path, block = m.groups()
            found[name] = (ROOT / path).read_text(encoding="utf-8") if path else block
            assert found[name], f"example {name} has no document"
    return found


def allocation_of(example_name: str) -> dict:
    return venue_allocation_document(load_venue_document(examples()[example_name]))


def checked_tables() -> list[tuple[str, str, str | None, list[list[str]], str]]:
    """(kind, example, pool, rows with the header first, file) of each `<!-- checked: … -->`."""
    tables = []
    marker = r"<!-- checked: (?:(items|fields|categories) of (\w+)|split of (\w+) in (\w+)) -->\n"
    for name, text in doc_texts().items():
        for m in re.finditer(marker + r"((?:\|.*\n)+)", text):
            kind, example, pool, split_example, table = m.groups()
            lines = [line for line in table.splitlines() if not re.match(r"\|\s*-", line)]
            rows = [
                [cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines
            ]
            tables.append((kind or "split", example or split_example, pool, rows, name))
    return tables


def shown(value: Any) -> str:
    """A value of the allocation document as the docs' tables write it."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def exactly(cell: str, value: Fraction) -> bool:
    """Whether a table cell states `value`: exactly, or its first digits followed by "…"."""
    if not cell.endswith("…"):
        return Fraction(cell) == value
    digits = cell.removesuffix("…")
    places = len(digits.partition(".")[2])
    return Fraction(digits) == Fraction(math.floor(value * 10**places), 10**places) != value


def test_the_docs_check_every_step_of_both_worked_examples():
    found = {(kind, example, pool) for kind, example, pool, _, _ in checked_tables()}
    assert found >= {
        (kind, example, None)
        for kind in ("items", "fields", "categories")
        for example in ("movilab", "atelier")
    }
    assert found >= {
        ("split", "atelier", pool) for pool in ("infrastructure", "services", "surface")
    }


def tables(kind: str) -> list:
    return [table for table in checked_tables() if table[0] == kind]


def table_id(table) -> str:
    kind, example, pool, _, name = table
    return "-".join(filter(None, [name, kind, pool, example]))


@pytest.mark.parametrize("table", tables("items"), ids=table_id)
def test_the_monthly_amounts_quoted_in_the_docs_are_the_engines(table):
    _, example, _, (_, *rows), _ = table
    venue = load_venue_document(examples()[example])
    assert len(rows) == len(venue.items)
    for row, (i, item) in zip(rows, enumerate(venue.items), strict=True):
        assert (int(row[0]), row[1], Decimal(row[3])) == (i, item.label, item.amount)
        months = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(item.frequency)
        exact = Fraction(item.amount) / (months or item.amortization_months)
        assert exactly(row[-2], exact if item.included else Fraction(0)), row
        assert row[-1] == str(monthly_amount(item)), row


@pytest.mark.parametrize("table", tables("fields"), ids=table_id)
def test_the_allocation_fields_quoted_in_the_docs_are_the_engines(table):
    _, example, _, (_, *rows), _ = table
    allocation = allocation_of(example)
    for _figure, path, value in rows:
        assert value == shown(value_at(allocation, path)), path


@pytest.mark.parametrize("table", tables("categories"), ids=table_id)
def test_the_category_figures_quoted_in_the_docs_are_the_engines(table):
    _, example, _, (header, *rows), _ = table
    categories = allocation_of(example)["categories"]
    assert [row[0] for row in rows] == [category["name"] for category in categories]
    for row, category in zip(rows, categories, strict=True):
        assert row[1:] == [shown(value_at(category, path)) for path in header[1:]], row


@pytest.mark.parametrize("table", tables("split"), ids=table_id)
def test_the_splits_worked_in_the_docs_follow_the_largest_remainder_rule(table):
    """Each column recomputed here from the rule in words (docs/method.md, R4), the amounts
    being the engine's."""
    _, example, pool, (_, *rows), _ = table
    venue = load_venue_document(examples()[example])
    allocation = allocation_of(example)
    categories = allocation["categories"]
    if pool == "surface":
        total = Fraction(venue.total_surface_m2)
        pcts = [c.surface_share_pct for c in venue.categories]
        amounts = [c["surface_m2"] for c in categories] + [allocation["unassigned"]["surface_m2"]]
    else:
        total = Fraction(allocation["monthly_cost"][pool]["total"])
        by_surface = venue.key(pool) == "surface"
        pcts = [c.surface_share_pct if by_surface else c.share_pct(pool) for c in venue.categories]
        amounts = [c["monthly"][pool] for c in categories] + [allocation["uncovered"][pool]]
    pcts.append(100 - sum(pcts))  # the last bucket: uncovered, or unassigned surface
    assert [row[0] for row in rows[:-1]] == [c.name for c in venue.categories]
    assert len(rows) == len(pcts)
    units = total * 100  # cents, or 0.01 m²
    for (_, pct, exact, floored, remainder, extra, amount), share, result in zip(
        rows, pcts, amounts, strict=True
    ):
        assert Fraction(pct) == Fraction(share)
        assert Fraction(exact) == units * Fraction(share) / 100
        assert int(floored) == math.floor(Fraction(exact))
        assert Fraction(remainder) == Fraction(exact) - int(floored)
        assert int(extra) == Fraction(result) * 100 - int(floored)
        assert amount == result


@pytest.mark.parametrize("name", doc_texts())
def test_every_json_document_in_the_docs_is_valid_and_what_the_app_writes(name):
    """A venue document must read and match its schema; an allocation document must be, byte
    for byte, what `allocate` prints for the venue document shown before it."""
    venue_text = None
    for block in json_blocks(doc_texts()[name]):
        doc = decoded(block)
        if doc["format"] == "tierslieux.venue/1":
            assert_matches("venue", doc)
            venue_text = block
            load_venue_document(block)
        else:
            assert doc["format"] == "tierslieux.allocation/1"
            assert_matches("allocation", doc)
            assert block == dumps(allocation_document(allocate(load_venue_document(venue_text))))
