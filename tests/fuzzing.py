"""The harness of tests/test_fuzz.py: hostile values, and how each endpoint is submitted one
and checked (refused beside its field and nothing written, or stored as typed)."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from costing.documents import dumps, load_venue_document, venue_document
from costing.forms import DEFAULT_SPREAD_MONTHS
from costing.models import CostItem, MemberCategory, OtherRevenue, engine_venue
from venues.models import Invitation, Membership, ShareLink, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MODELS = (Venue, CostItem, MemberCategory, OtherRevenue, ShareLink, Membership, Invitation, User)
# Columns that change with every accepted write whatever was typed.
# Columns the app keeps itself; a venue's name_fingerprint follows its name (checked in
# venues/tests/test_venues.py).
BOOKKEEPING = {"version", "updated_at", "revision", "last_login", "name_fingerprint"}
STALE = "modifié cette ligne entre-temps"

fuzz = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Missing:
    """The field left out of the submission."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()

HOSTILE = [
    # numbers too big, too small, too precise, or not numbers at all
    "1e30",
    str(10**40),
    f"-{10**40}",
    "9" * 41,
    "0." + "3" * 30,
    "1." + "0" * 20,
    "-1",
    "-0",
    "-0,01",
    "0,001",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "inf",
    "1e5",
    "1E-5",
    "1e999999",
    "0x1F",
    "1_000",
    "+5",
    "5.",
    ",5",
    "١٢٣",
    "１２３",
    "2147483647",
    "2147483648",
    "100.01",
    "601",
    # separators, French and English, mixed up
    "1.700,50",
    "1,700.50",
    "1 700,50",
    "1\u202f700,50",
    "1\u00a0700.5",
    "1.700",
    "12,345",
    "1'700",
    # unicode
    "\u202eeivlis",
    "\u200f12",
    "🏠 Maison",
    "\x00",
    "Loyer\x00",
    "e\u0301",
    "A\u0301\u0302\u0303\u0304",
    "\ufeff",
    # empty, blank, long
    "",
    " ",
    "\t\n",
    "\u00a0",
    "x" * 10_000,
    "é" * 201,
    "a" * 101,
    # wrong types, markup
    "abc",
    "None",
    "null",
    "[]",
    "{}",
    "true",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%(name)s",
]


def french(value: Decimal) -> str:
    """1234.5 → '1 234,5', the way a French user types it."""
    sign, digits = ("-", str(-value)) if value < 0 else ("", str(value))
    whole, _, fraction = digits.partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    return sign + grouped + ("," + fraction if fraction else "")


numbers = st.one_of(
    st.integers(min_value=-(10**45), max_value=10**45).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(0, 4)
    .flatmap(lambda places: st.decimals(min_value=-(10**13), max_value=10**13, places=places))
    .flatmap(lambda d: st.sampled_from([str(d), str(d).replace(".", ","), french(d)])),
    st.floats().map(repr),
)


def hostile(*extra: str) -> st.SearchStrategy:
    """A hostile value: text, a number rendered as text, several values for one field, or
    the field left out."""
    text = st.one_of(st.sampled_from(HOSTILE + list(extra)), st.text(max_size=30), numbers)
    return st.one_of(text, st.lists(text, min_size=2, max_size=3), st.just(MISSING))


def effective(value):
    """What the form reads from a submitted value: the last one of a list."""
    if isinstance(value, list):
        return value[-1]
    return value


# Reading a value the way each kind of field promises to.

SEPARATORS = re.compile(r"[\s\u00a0\u202f']")


def as_amount(value, blank=None):
    """What an accepted amount means: with both a comma and a point, the last one marks the
    decimals; a separator repeated marks thousands; alone, either marks the decimals."""
    text = SEPARATORS.sub("", value) if isinstance(value, str) else ""
    if "," in text and "." in text:
        decimal = max(",.", key=text.rfind)
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    text = text.replace(",", ".")
    return blank if text == "" else Decimal(text)


def as_int(value):
    return int(re.sub(r"\.0*\s*$", "", value))


def as_months(value):
    """Left blank on a new one-off purchase: the default spread (an edit that empties them is
    refused, the row being one-off already)."""
    blank = value is MISSING or not value.strip()
    return DEFAULT_SPREAD_MONTHS if blank else as_int(value)


def as_text(value):
    return value.strip()


def as_choice(value):
    return value


def as_checkbox(value):
    return isinstance(value, str) and value != "" and value.lower() != "false"


def snapshot() -> dict:
    """Every column of every row the forms can touch, by model and primary key."""
    return {
        model.__name__: {row["id"]: row for row in model.objects.order_by("pk").values()}
        for model in MODELS
    }


def without_bookkeeping(rows: dict) -> dict:
    return {
        name: {pk: {k: v for k, v in row.items() if k not in BOOKKEEPING} for pk, row in by.items()}
        for name, by in rows.items()
    }


def assert_restorable() -> None:
    """Whatever a form accepted, the venue's export reads back as the same venue: a backup
    made now could be restored."""
    for venue in Venue.objects.prefetch_related("cost_items", "categories"):
        data = engine_venue(venue)
        assert load_venue_document(dumps(venue_document(data))) == data


def fresh(client: Client) -> None:
    """Forget what earlier examples left: cached pages, and messages never shown (redirects
    are not followed) that the next request would read back from the client's cookie."""
    cache.clear()
    client.cookies.pop("messages", None)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@dataclass
class Endpoint:
    """A form as the browser submits it, and how to tell what the server did with it."""

    url: str
    prefix: str  # "" for forms without a prefix
    valid: dict  # a valid submission, by field name
    readers: dict  # field name -> its column's value once accepted (None: not a column)
    model: type | None = None  # the model a submission writes
    pk: int | None = None  # the row it edits (None: it adds one)
    hidden: tuple = ()  # fields whose errors show as the form's own message
    related: dict = field(default_factory=dict)  # field -> other fields that may carry its error
    derived: dict = field(default_factory=dict)  # field -> other columns it may change
    also_adds: tuple = ()  # other models an accepted addition may add rows to
    htmx_fragments: bool = True  # False: htmx gets the plain answer (a redirect on success)

    def name(self, field_name: str) -> str:
        return f"{self.prefix}-{field_name}" if self.prefix else field_name

    def data(self, field_name: str, value) -> dict:
        values = {**self.valid, field_name: value}
        data = {self.name(k): v for k, v in values.items() if v is not MISSING}
        # As a browser sends it: the client does not check CSRF, but views see a bound form.
        return {"csrfmiddlewaretoken": "-", **data}

    def error_shown(self, text: str, field_name: str) -> bool:
        if field_name in self.hidden:
            return 'class="errorlist nonfield"' in text or STALE in text
        fields = [field_name, *self.related.get(field_name, ())]
        return 'aria-invalid="true"' in text and any(
            f'id="id_{self.name(name)}_error"' in text for name in fields
        )


def submit(client: Client, endpoint: Endpoint, field_name: str, value) -> None:
    """Post one hostile submission as a plain form, then with htmx, each in a transaction
    rolled back afterwards, and check what the server did with it."""
    for htmx in (False, True):
        fresh(client)
        with transaction.atomic():
            before = snapshot()
            response = client.post(
                endpoint.url, endpoint.data(field_name, value), headers=HTMX if htmx else {}
            )
            assert response.status_code < 500
            after = snapshot()
            check(endpoint, field_name, value, response, before, after, htmx)
            assert_restorable()
            transaction.set_rollback(True)


def refused(response) -> bool:
    if response.status_code == 302:
        return any(STALE in message for message in messages_of(response))
    return "errorlist" in response.text or STALE in response.text


def check(endpoint: Endpoint, field_name: str, value, response, before, after, htmx) -> None:
    text = response.content.decode()
    if refused(response):
        if response.status_code != 302:
            assert response.status_code == 200
            assert endpoint.error_shown(text, field_name), f"no message beside {field_name}"
        assert after == before, "a refused submission changed the database"
        return
    assert response.status_code == (200 if htmx and endpoint.htmx_fragments else 302)
    after, before = without_bookkeeping(after), without_bookkeeping(before)
    for name in endpoint.also_adds:
        assert set(before[name]) <= set(after[name])
        after[name] = before[name]
    name = endpoint.model.__name__
    if endpoint.pk is None:  # an addition: one new row, with the values submitted
        (pk,) = set(after[name]) - set(before[name])
        row, expected = after[name].pop(pk), {}
    else:  # an edit: the row as it was, with the values submitted
        row, expected = after[name].pop(endpoint.pk), before[name].pop(endpoint.pk)
    for key, valid in endpoint.valid.items():
        if reader := endpoint.readers.get(key):
            expected[key] = reader(valid)
    for column in endpoint.derived.get(field_name, ()):
        expected[column] = row[column]
    if reader := endpoint.readers[field_name]:
        expected[field_name] = reader(effective(value))
    assert {k: row[k] for k in expected} == expected, f"{field_name}={value!r} stored wrongly"
    assert after == before, "an accepted submission changed other rows"


# Cost items and member categories, on the worked example (the `example` fixture).


def one_off(venue: Venue) -> CostItem:
    return venue.cost_items.get(label="Machine à café")


ITEM_READERS = {
    "label": as_text,
    "amount": as_amount,
    "frequency": as_choice,
    "amortization_months": as_months,
    "included": as_checkbox,
    "version": None,
}
ITEM_RELATED = {"frequency": ("amortization_months",)}
# Amortization months are kept for one-off purchases only.
ITEM_DERIVED = {"frequency": ("amortization_months",)}


def item_endpoint(venue: Venue) -> Endpoint:
    item = one_off(venue)
    return Endpoint(
        url=reverse("item_edit", args=[venue.pk, item.pk]),
        prefix=f"item-{item.pk}",
        valid={
            "label": item.label,
            "amount": "480,00",
            "frequency": item.frequency,
            "amortization_months": "24",
            "included": "on",
            "version": str(item.version),
        },
        readers=ITEM_READERS,
        model=CostItem,
        pk=item.pk,
        hidden=("version",),
        related=ITEM_RELATED,
        derived=ITEM_DERIVED,
    )


def item_add_endpoint(venue: Venue) -> Endpoint:
    return Endpoint(
        url=reverse("item_add", args=[venue.pk, "services", "improved"]),
        prefix="new-services-improved",
        valid={
            "label": "Animation du jardin",
            "amount": "1 200,50",
            "frequency": "one_off",
            "amortization_months": "12",
            "included": "on",
        },
        readers=ITEM_READERS,
        model=CostItem,
        related=ITEM_RELATED,
        derived=ITEM_DERIVED,
    )


# Names of the example's categories in other cases and forms: all taken.
TAKEN_NAMES = [
    "CONTRIBUTEURS",
    "contributeurs",
    " Contributeurs ",
    "BÉNÉFICIAIRES",
    "bénéficiaires",
    "Be\u0301ne\u0301ficiaires",
    "RÉSIDENTS",
    "résidents",
    "Contr\u0130buteurs",
]

CATEGORY_READERS = {
    "name": as_text,
    "surface_share_pct": lambda value: as_amount(value, blank=Decimal(0)),
    "workstations": as_int,
    "members": as_int,
    "infrastructure_pct": lambda value: as_amount(value, blank=Decimal(0)),
    "services_pct": lambda value: as_amount(value, blank=Decimal(0)),
    "version": None,
}


def category_endpoint(venue: Venue) -> Endpoint:
    category = venue.categories.get(name="Contributeurs")
    return Endpoint(
        url=reverse("category_edit", args=[venue.pk, category.pk]),
        prefix=f"category-{category.pk}",
        valid={
            "name": category.name,
            "surface_share_pct": "29",
            "workstations": "0",
            "members": "8",
            "infrastructure_pct": "0",
            "services_pct": "100",
            "version": str(category.version),
        },
        readers=CATEGORY_READERS,
        model=MemberCategory,
        pk=category.pk,
        hidden=("version",),
    )


def category_add_endpoint(venue: Venue) -> Endpoint:
    # The example's shares add up to 100 %: free some so that a new category can take them.
    venue.categories.filter(name="Résidents").update(
        surface_share_pct=Decimal(40), infrastructure_pct=Decimal(60)
    )
    return Endpoint(
        url=reverse("category_add", args=[venue.pk]),
        prefix="new-category",
        valid={
            "name": "Invités",
            "surface_share_pct": "5,5",
            "workstations": "2",
            "members": "3",
            "infrastructure_pct": "10",
            "services_pct": "",
        },
        readers=CATEGORY_READERS,
        model=MemberCategory,
    )
