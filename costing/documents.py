"""The exchange formats (docs/formats.md): venue documents in, allocation documents out.

The `allocate` command, the import and export commands and the web app all go through these
functions; of Django, they use only its translations. Invalid input raises `DocumentError` whose
message reads `PATH: what is wrong`, for the first problem met in document order: PATH as in the
document, what is wrong in the active language (French in the web app, English from the
commands).
"""

import json
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tierslieux.names import name_key

from .engine import (
    BASES,
    CENT,
    FREQUENCIES,
    HUNDRED,
    KEYS,
    MAX_MARGIN_PCT,
    POOLS,
    PRICE_FREQUENCIES,
    TIERS,
    Allocation,
    Balance,
    Category,
    Item,
    Price,
    Pricing,
    Revenue,
    Venue,
    allocate_despite_violations,
    balance,
)

VENUE_FORMAT = "tierslieux.venue/1"
ALLOCATION_FORMAT = "tierslieux.allocation/1"

# The bounds of the database columns (costing.models, venues.models), so that any document
# accepted here can be stored.
NAME_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 200
CATEGORY_NAME_MAX_LENGTH = 100
MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MAX_SURFACE = Decimal("99999999.99")  # DecimalField(max_digits=10, decimal_places=2)
MAX_COUNT = 2_147_483_647  # PositiveIntegerField
MAX_AMORTIZATION_MONTHS = 600
# Limits a real venue never reaches, enforced on every path in (page, upload, command), so that
# no venue grows large enough to make its pages slow (docs/formats.md).
MAX_ITEMS = 500
MAX_CATEGORIES = 50
MAX_REVENUES = 100
NOTES_MAX_LENGTH = 5000

_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
# Lone UTF-16 surrogates: JSON can spell them (\ud800) but no UTF-8 text, web page or
# database column can hold them.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Checked before upper-casing: "ße".upper() is "SSE" and "ﬃ".upper() is "FFI".
_CURRENCY = re.compile(r"[A-Za-z]{3}")
# What the JSON decoder reports, in French (in English, Python's own words); a message not
# listed here is shown as Python writes it.
_JSON_ERRORS = {
    "Expecting value": gettext_noop("une valeur est attendue"),
    "Expecting property name enclosed in double quotes": gettext_noop(
        "un nom de propriété entre guillemets droits est attendu"
    ),
    "Expecting ',' delimiter": gettext_noop("une virgule est attendue"),
    "Expecting ':' delimiter": gettext_noop("un deux-points est attendu"),
    "Unterminated string starting at": gettext_noop(
        "un texte ouvert par des guillemets n'est pas refermé"
    ),
    "Invalid control character at": gettext_noop(
        "un caractère de contrôle (retour à la ligne, tabulation…) est écrit tel quel dans un texte"
    ),
    "Invalid \\escape": gettext_noop(
        "une barre oblique inverse \\ ne forme pas d'échappement valide"
    ),
    "Invalid \\uXXXX escape": gettext_noop("un échappement \\uXXXX est invalide"),
    "Extra data": gettext_noop("du texte suit la fin du document"),
    "Illegal trailing comma before end of object": gettext_noop(
        "une virgule en trop précède la fin d'un objet"
    ),
    "Illegal trailing comma before end of array": gettext_noop(
        "une virgule en trop précède la fin d'une liste"
    ),
}
_MISSING = object()


# A line of the document's lists, in words, counted from 1 as a manager counts them.
_LINES = {
    "cost_items": gettext_noop("poste n° %(number)s"),
    "categories": gettext_noop("catégorie n° %(number)s"),
    "revenues": gettext_noop("recette n° %(number)s"),
}
_LINE = re.compile(r"(cost_items|categories|revenues)\[(\d+)\]")


class DocumentError(ValueError):
    def __init__(self, path: str, message: str):
        # Paths and messages quote the document (keys, values): keep them printable as UTF-8.
        path, message = _SURROGATE.sub("\ufffd", path), _SURROGATE.sub("\ufffd", message)
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    @property
    def line(self) -> str | None:
        """The line of a list the path points into, in words ("poste n° 4" for
        cost_items[3]), in the active language; None for a path outside the lists."""
        found = _LINE.match(self.path)
        if found is None:
            return None
        return _(_LINES[found[1]]) % {"number": int(found[2]) + 1}


class _NotANumber:
    """What the JSON decoder makes of NaN, ±Infinity and numbers Decimal cannot hold
    (1e99999999999999999999): rejected with their path when met, ignored where unused."""

    def __init__(self, text: str):
        self.text = text


def _parse_number(text: str) -> Decimal | _NotANumber:
    try:
        return Decimal(text)
    except InvalidOperation:
        return _NotANumber(text)


# Reading venue documents


def load_venue_document(data: str | bytes | bytearray) -> Venue:
    """Parse a `tierslieux.venue/1` JSON text (str, or UTF-8 bytes) into the engine's Venue."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise DocumentError("document", _("n'est pas un texte UTF-8")) from None
    try:
        decoded = json.loads(
            data.lstrip("\ufeff"), parse_float=_parse_number, parse_constant=_NotANumber
        )
    except json.JSONDecodeError as e:
        error = _(_JSON_ERRORS[e.msg]) if e.msg in _JSON_ERRORS else e.msg
        message = _("n'est pas du JSON valide (%(error)s à la ligne %(line)s, colonne %(column)s)")
        raise DocumentError(
            "document", message % {"error": error, "line": e.lineno, "column": e.colno}
        ) from None
    except ValueError:  # an integer literal longer than Python's int conversion limit
        raise DocumentError("document", _("contient un nombre trop long pour être lu")) from None
    except RecursionError:
        raise DocumentError("document", _("est imbriqué trop profondément")) from None
    return parse_venue_document(decoded)


def parse_venue_document(data: Any) -> Venue:
    """Validate an already decoded venue document (numbers decoded as Decimal) into a Venue.

    Unknown keys are ignored; unknown values (pools, tiers, frequencies, keys) are not.
    """
    doc = _object(data, "document")
    document_format = _required(doc, "format", "format")
    if document_format != VENUE_FORMAT:
        message = _('attendu "%(expected)s", trouvé %(got)s')
        raise DocumentError(
            "format", message % {"expected": VENUE_FORMAT, "got": _show(document_format)}
        )
    name = _text(_required(doc, "name", "name"), "name", NAME_MAX_LENGTH)
    currency = _currency(doc.get("currency"), "currency")
    surface = _decimal(_required(doc, "total_surface_m2", "total_surface_m2"), "total_surface_m2")
    if surface <= 0:
        raise DocumentError("total_surface_m2", _("doit être supérieur à 0"))
    if surface > MAX_SURFACE:
        raise DocumentError("total_surface_m2", _too_large(MAX_SURFACE))
    keys = _pools(doc.get("pools"), "pools")
    # Both counts before any row is read: a document too big is refused at once, and for that
    # first, rather than after its rows were checked one by one.
    raw_items = _list(_required(doc, "cost_items", "cost_items"), "cost_items")
    raw_categories = _list(_required(doc, "categories", "categories"), "categories")
    raw_revenues = doc.get("revenues")
    if raw_revenues is not None:
        raw_revenues = _list(raw_revenues, "revenues")
        if len(raw_revenues) > MAX_REVENUES:
            message = _("au plus %(maximum)s lignes de revenus (%(count)s trouvées)")
            raise DocumentError(
                "revenues", message % {"maximum": MAX_REVENUES, "count": len(raw_revenues)}
            )
    if len(raw_items) > MAX_ITEMS:
        message = _("au plus %(maximum)s postes (%(count)s trouvés)")
        raise DocumentError("cost_items", message % {"maximum": MAX_ITEMS, "count": len(raw_items)})
    if len(raw_categories) > MAX_CATEGORIES:
        message = _("au plus %(maximum)s catégories (%(count)s trouvées)")
        raise DocumentError(
            "categories", message % {"maximum": MAX_CATEGORIES, "count": len(raw_categories)}
        )

    items = tuple(_item(value, f"cost_items[{i}]") for i, value in enumerate(raw_items))

    categories = []
    seen = set()
    for i, value in enumerate(raw_categories):
        category = _category(value, f"categories[{i}]", seen)
        seen.add(name_key(category.name))
        categories.append(category)
    for path, message in check_sums(categories):
        raise DocumentError(path, message)
    pricing = _pricing(doc.get("pricing"), "pricing")
    revenues = None
    if raw_revenues is not None:
        revenues = tuple(_revenue(value, f"revenues[{i}]") for i, value in enumerate(raw_revenues))

    return Venue(
        name=name,
        total_surface_m2=surface,
        items=items,
        categories=tuple(categories),
        currency=currency,
        infrastructure_key=keys["infrastructure"],
        services_key=keys["services"],
        pricing=pricing,
        revenues=revenues,
    )


def check_sums(categories: Iterable[Category]) -> list[tuple[str, str]]:
    """The (path, message) of each share total over 100 %, for forms to reuse.

    A pool's manual shares are checked even while the pool uses the surface key, so that
    switching keys never reveals an invalid venue.
    """
    categories = list(categories)
    errors = []
    surface = sum((c.surface_share_pct for c in categories), Decimal(0))
    if surface > 100:
        message = _("la somme des surface_share_pct est de %(total)s %%, plus de 100 %%")
        errors.append(("categories", message % {"total": _fmt(surface)}))
    for pool in POOLS:
        shares = sum((c.share_pct(pool) for c in categories), Decimal(0))
        if shares > 100:
            message = _("la somme des shares_pct.%(pool)s est de %(total)s %%, plus de 100 %%")
            errors.append(("categories", message % {"pool": pool, "total": _fmt(shares)}))
    return errors


def check_names(names: Iterable[str]) -> list[tuple[str, str]]:
    """The (path, message) of each category name that repeats an earlier one, ignoring case."""
    errors = []
    seen = set()
    for i, name in enumerate(names):
        if name_key(name) in seen:
            errors.append((f"categories[{i}].name", _duplicate_message(name)))
        seen.add(name_key(name))
    return errors


def _duplicate_message(name: str) -> str:
    message = _("nom en double %(name)s (majuscules et minuscules ne les distinguent pas)")
    return message % {"name": _show(name)}


def _pools(value: Any, path: str) -> dict[str, str]:
    keys = dict.fromkeys(POOLS, "manual")
    if value is None:
        return keys
    pools = _object(value, path)
    for pool, settings in pools.items():
        if pool not in POOLS:
            raise DocumentError(f"{path}.{pool}", _unknown_pool())
        if settings is None:
            continue
        key = _object(settings, f"{path}.{pool}").get("key")
        if key is not None:
            keys[pool] = _choice(key, f"{path}.{pool}.key", KEYS, _("clé de répartition"))
    return keys


def _item(value: Any, path: str) -> Item:
    obj = _object(value, path)
    label = _text(_required(obj, "label", f"{path}.label"), f"{path}.label", LABEL_MAX_LENGTH)
    pool = _choice(_required(obj, "pool", f"{path}.pool"), f"{path}.pool", POOLS, _("pool"))
    tier = _choice(obj.get("tier", "basic"), f"{path}.tier", TIERS, _("niveau"))
    amount = _decimal(_required(obj, "amount", f"{path}.amount"), f"{path}.amount")
    if amount < 0:
        raise DocumentError(f"{path}.amount", _("ne doit pas être négatif"))
    if amount > MAX_AMOUNT:
        raise DocumentError(f"{path}.amount", _too_large(MAX_AMOUNT))
    frequency = _choice(
        obj.get("frequency", "monthly"), f"{path}.frequency", FREQUENCIES, _("fréquence")
    )
    months = obj.get("amortization_months")
    months_path = f"{path}.amortization_months"
    if months is not None:
        months = _count(months, months_path, 1, MAX_AMORTIZATION_MONTHS)
    if frequency == "one_off" and months is None:
        raise DocumentError(months_path, _("est obligatoire pour un poste one_off"))
    if frequency != "one_off":
        months = None  # meaningless, and dropped by the models too
    included = obj.get("included", True)
    if not isinstance(included, bool):
        raise DocumentError(f"{path}.included", _expected(_("true ou false"), included))
    notes = obj.get("notes")
    if notes is None:
        notes = ""
    elif not isinstance(notes, str):
        raise DocumentError(f"{path}.notes", _expected(_("un texte"), notes))
    else:
        notes = _storable(notes.strip(), f"{path}.notes")
        if len(notes) > NOTES_MAX_LENGTH:  # counted as the item's form counts it: stripped
            raise DocumentError(f"{path}.notes", _too_long(NOTES_MAX_LENGTH))
    return Item(
        pool=pool,
        amount=amount,
        tier=tier,
        frequency=frequency,
        amortization_months=months,
        included=included,
        label=label,
        notes=notes,
    )


def _category(value: Any, path: str, seen_names: set[str]) -> Category:
    obj = _object(value, path)
    name = _text(_required(obj, "name", f"{path}.name"), f"{path}.name", CATEGORY_NAME_MAX_LENGTH)
    if name_key(name) in seen_names:
        raise DocumentError(f"{path}.name", _duplicate_message(name))
    surface_pct = _pct(
        _required(obj, "surface_share_pct", f"{path}.surface_share_pct"),
        f"{path}.surface_share_pct",
    )
    workstations = _count(obj.get("workstations", 0), f"{path}.workstations", 0, MAX_COUNT)
    members = _count(obj.get("members", 0), f"{path}.members", 0, MAX_COUNT)
    shares = dict.fromkeys(POOLS, Decimal(0))
    raw_shares = obj.get("shares_pct")
    if raw_shares is not None:
        for pool, share in _object(raw_shares, f"{path}.shares_pct").items():
            share_path = f"{path}.shares_pct.{pool}"
            if pool not in POOLS:
                raise DocumentError(share_path, _unknown_pool())
            if share is not None:
                shares[pool] = _pct(share, share_path)
    price = obj.get("price")
    if price is not None:
        price = _price(price, f"{path}.price")
    return Category(
        name=name,
        surface_share_pct=surface_pct,
        workstations=workstations,
        members=members,
        infrastructure_pct=shares["infrastructure"],
        services_pct=shares["services"],
        price=price,
    )


def _money(value: Any, path: str) -> Decimal:
    amount = _decimal(value, path)
    if amount < 0:
        raise DocumentError(path, _("ne doit pas être négatif"))
    if amount > MAX_AMOUNT:
        raise DocumentError(path, _too_large(MAX_AMOUNT))
    return amount


def _price(value: Any, path: str) -> Price:
    obj = _object(value, path)
    amount = _money(_required(obj, "amount", f"{path}.amount"), f"{path}.amount")
    frequency = _choice(
        obj.get("frequency", "monthly"), f"{path}.frequency", PRICE_FREQUENCIES, _("fréquence")
    )
    per = _choice(obj.get("per", "member"), f"{path}.per", BASES, _("base du prix"))
    return Price(amount=amount, frequency=frequency, per=per)


def _pricing(value: Any, path: str) -> Pricing | None:
    if value is None:
        return None
    obj = _object(value, path)
    margin = obj.get("margin_pct")
    margin = Decimal(0) if margin is None else _decimal(margin, f"{path}.margin_pct")
    if not 0 <= margin <= MAX_MARGIN_PCT:
        raise DocumentError(f"{path}.margin_pct", _("doit être compris entre 0 et 1000"))
    occupancy = obj.get("occupancy_pct")
    occupancy = HUNDRED if occupancy is None else _decimal(occupancy, f"{path}.occupancy_pct")
    if not 0 < occupancy <= HUNDRED:
        raise DocumentError(f"{path}.occupancy_pct", _("doit être supérieur à 0 et au plus 100"))
    return Pricing(margin_pct=margin, occupancy_pct=occupancy)


def _revenue(value: Any, path: str) -> Revenue:
    obj = _object(value, path)
    label = _text(_required(obj, "label", f"{path}.label"), f"{path}.label", LABEL_MAX_LENGTH)
    amount = _money(_required(obj, "amount", f"{path}.amount"), f"{path}.amount")
    frequency = _choice(
        obj.get("frequency", "monthly"), f"{path}.frequency", FREQUENCIES, _("fréquence")
    )
    months = _amortization(obj, path, frequency)
    return Revenue(label=label, amount=amount, frequency=frequency, amortization_months=months)


def _amortization(obj: dict, path: str, frequency: str) -> int | None:
    months = obj.get("amortization_months")
    months_path = f"{path}.amortization_months"
    if months is not None:
        months = _count(months, months_path, 1, MAX_AMORTIZATION_MONTHS)
    if frequency == "one_off" and months is None:
        raise DocumentError(months_path, _("est obligatoire pour une ligne one_off"))
    return months if frequency == "one_off" else None


# Field readers: each returns a clean value or raises DocumentError at `path`.


def _required(obj: dict, key: str, path: str) -> Any:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        raise DocumentError(path, _("est obligatoire"))
    return value


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise DocumentError(path, _expected(_("un objet"), value))
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise DocumentError(path, _expected(_("une liste"), value))
    return value


def _text(value: Any, path: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise DocumentError(path, _expected(_("un texte"), value))
    text = value.strip()
    if not text:
        raise DocumentError(path, _("ne doit pas être vide"))
    if len(text) > max_length:
        raise DocumentError(path, _too_long(max_length))
    return _storable(text, path)


def _storable(text: str, path: str) -> str:
    if "\x00" in text:  # PostgreSQL cannot store it
        raise DocumentError(path, _("ne doit pas contenir de caractère NUL"))
    if _SURROGATE.search(text):  # no database can store it
        raise DocumentError(
            path, _("ne doit pas contenir de demi-caractère UTF-16 isolé (\\ud800 à \\udfff)")
        )
    return text


def _currency(value: Any, path: str) -> str:
    if value is None:
        return "EUR"
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip()):
        raise DocumentError(path, _expected(_("un code de devise de 3 lettres comme EUR"), value))
    return value.strip().upper()


def _choice(value: Any, path: str, choices: Sequence[str], what: str) -> str:
    if not isinstance(value, str):
        raise DocumentError(path, _expected(_either(choices), value))
    if value not in choices:
        message = _("%(what)s : valeur inconnue %(value)s (attendu %(choices)s)")
        raise DocumentError(
            path, message % {"what": what, "value": _show(value), "choices": _either(choices)}
        )
    return value


def _decimal(value: Any, path: str) -> Decimal:
    """A JSON number or a string like "12.50", with at most 2 decimal places."""
    if isinstance(value, bool) or value is None or isinstance(value, _NotANumber):
        raise DocumentError(path, _expected(_("un nombre"), value))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        # Only from callers that decoded with floats: repr gives back the digits as written.
        number = Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise DocumentError(path, _expected(_("un nombre"), value))
    if not number.is_finite():
        raise DocumentError(path, _expected(_("un nombre"), value))
    # Places as written, as Django's DecimalField counts them: "1.000" has 3.
    if number.as_tuple().exponent < -2:
        raise DocumentError(path, _("a plus de 2 décimales"))
    # "-0.00" would be written back as "-0.00".
    return number.copy_abs() if number.is_zero() else number


def _pct(value: Any, path: str) -> Decimal:
    pct = _decimal(value, path)
    if not 0 <= pct <= 100:
        raise DocumentError(path, _("doit être compris entre 0 et 100"))
    return pct


def _count(value: Any, path: str, minimum: int, maximum: int) -> int:
    # bool is an int in Python, and 3.0 is not a JSON integer: both are refused.
    if type(value) is not int:
        raise DocumentError(path, _expected(_("un nombre entier"), value))
    if value < minimum:
        raise DocumentError(path, _("doit valoir %(minimum)s ou plus") % {"minimum": minimum})
    if value > maximum:
        raise DocumentError(path, _("doit valoir %(maximum)s ou moins") % {"maximum": maximum})
    return value


def _show(value: Any) -> str:
    """A short description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _NotANumber):
        return value.text[:40]
    if isinstance(value, str):
        return json.dumps(value[:40] + ("…" if len(value) > 40 else ""), ensure_ascii=False)
    if isinstance(value, dict):
        return _("un objet")
    if isinstance(value, list):
        return _("une liste")
    if isinstance(value, Decimal | int | float):
        return str(value)[:40]
    return type(value).__name__


def _either(choices: Sequence[str]) -> str:
    return _("%(choices)s ou %(last)s") % {"choices": ", ".join(choices[:-1]), "last": choices[-1]}


def _expected(what: str, value: Any) -> str:
    return _("attendu %(expected)s, trouvé %(got)s") % {"expected": what, "got": _show(value)}


def _too_long(maximum: int) -> str:
    return _("est trop long (au plus %(maximum)s caractères)") % {"maximum": maximum}


def _too_large(maximum: Decimal) -> str:
    return _("est trop grand (au plus %(maximum)s)") % {"maximum": maximum}


def _unknown_pool() -> str:
    return _("pool inconnu (attendu %(choices)s)") % {"choices": _either(POOLS)}


# Writing documents


def venue_document(venue: Venue) -> dict:
    """The `tierslieux.venue/1` document of a venue: what `parse_venue_document` reads back.

    The optional fields of prices and revenue are written only when the venue has them."""
    doc = {
        "format": VENUE_FORMAT,
        "name": venue.name,
        "currency": venue.currency,
        "total_surface_m2": _fmt(venue.total_surface_m2),
        "pools": {pool: {"key": venue.key(pool)} for pool in POOLS},
        "cost_items": [_item_document(item) for item in venue.items],
        "categories": [_category_document(category) for category in venue.categories],
    }
    if venue.pricing is not None:
        doc["pricing"] = {
            "margin_pct": _fmt(venue.pricing.margin_pct),
            "occupancy_pct": _fmt(venue.pricing.occupancy_pct),
        }
    if venue.revenues is not None:
        doc["revenues"] = [_revenue_document(line) for line in venue.revenues]
    return doc


def _category_document(category: Category) -> dict:
    doc = {
        "name": category.name,
        "surface_share_pct": _fmt(category.surface_share_pct),
        "workstations": category.workstations,
        "members": category.members,
        "shares_pct": {pool: _fmt(category.share_pct(pool)) for pool in POOLS},
    }
    if category.price is not None:
        doc["price"] = {
            "amount": _fmt(category.price.amount),
            "frequency": category.price.frequency,
            "per": category.price.per,
        }
    return doc


def _revenue_document(line: Revenue) -> dict:
    doc = {"label": line.label, "amount": _fmt(line.amount), "frequency": line.frequency}
    if line.amortization_months is not None:
        doc["amortization_months"] = line.amortization_months
    return doc


def _item_document(item: Item) -> dict:
    doc = {
        "label": item.label,
        "pool": item.pool,
        "tier": item.tier,
        "amount": _fmt(item.amount),
        "frequency": item.frequency,
    }
    if item.amortization_months is not None:
        doc["amortization_months"] = item.amortization_months
    doc["included"] = item.included
    if item.notes:
        doc["notes"] = item.notes
    return doc


def venue_allocation_document(venue: Venue) -> dict:
    """The allocation document of `venue`, with its pricing results when it is priced."""
    allocation = allocate_despite_violations(venue)
    return allocation_document(allocation, balance(venue, allocation) if venue.priced else None)


def allocation_document(allocation: Allocation, prices: Balance | None = None) -> dict:
    """The `tierslieux.allocation/1` document: the shape of examples/*.allocation.json; with
    `prices` (a priced venue's balance), each category's `pricing`, then `revenue` and
    `balance` (docs/formats.md)."""
    doc = {
        "format": ALLOCATION_FORMAT,
        "venue": allocation.venue_name,
        "currency": allocation.currency,
        "total_surface_m2": _fmt(allocation.total_surface_m2),
        "pools": {pool: allocation.keys[pool] for pool in POOLS},
        "monthly_cost": {
            **{
                pool: {
                    "basic": _fmt(allocation.pool(pool).basic),
                    "improved": _fmt(allocation.pool(pool).improved),
                    "total": _fmt(allocation.pool(pool).total),
                }
                for pool in POOLS
            },
            "total": _fmt(allocation.total),
        },
        "cost_per_m2": _fmt(allocation.cost_per_m2),
        "categories": [
            {
                "name": category.name,
                "surface_share_pct": _fmt(category.surface_share_pct),
                "surface_m2": _fmt(category.surface_m2),
                "monthly": {
                    "infrastructure": _fmt(category.infrastructure),
                    "services": _fmt(category.services),
                    "total": _fmt(category.total),
                },
                "per_m2": _fmt(category.per_m2),
                "per_workstation": _fmt(category.per_workstation),
                "per_member": _fmt(category.per_member),
            }
            for category in allocation.categories
        ],
        "unassigned": {
            "surface_share_pct": _fmt(allocation.unassigned_surface_pct),
            "surface_m2": _fmt(allocation.unassigned_surface_m2),
        },
        "uncovered": {
            "infrastructure": _fmt(allocation.uncovered_infrastructure),
            "services": _fmt(allocation.uncovered_services),
            "total": _fmt(allocation.uncovered_total),
        },
        "warnings": list(allocation.warnings),
    }
    if prices is not None:
        for category, priced in zip(doc["categories"], prices.categories, strict=True):
            category["pricing"] = {
                "monthly_price": _fmt(priced.monthly_price),
                "revenue": _fmt(priced.revenue),
                "coverage_pct": _fmt(priced.coverage_pct),
                "break_even": priced.break_even,
                "suggested_price": _fmt(priced.suggested_price),
            }
        doc["revenue"] = {
            "categories": _fmt(prices.categories_revenue),
            "other": _fmt(prices.other_revenue),
            "total": _fmt(prices.total_revenue),
        }
        doc["balance"] = _fmt(prices.balance)
    return doc


def without_prices(text: str) -> str:
    """An allocation document's text without its pricing results (each category's `pricing`,
    `revenue`, `balance`): what a share link whose owner hides the prices serves. A document
    with none is given back as it is, byte for byte."""
    doc = json.loads(text)
    if "balance" not in doc:
        return text
    del doc["revenue"], doc["balance"]
    for category in doc["categories"]:
        category.pop("pricing", None)
    return dumps(doc)


def dumps(doc: dict) -> str:
    """A document as the commands print it and the web app serves it."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _fmt(value: Decimal | None) -> str | None:
    """Money, m² and % as text with exactly 2 decimals ("300.00"); None stays None (null)."""
    if value is None:
        return None
    rounded = value.quantize(CENT, ROUND_HALF_UP)
    return format(rounded.copy_abs() if rounded.is_zero() else rounded, "f")
