"""Display of engine numbers, the French way: `1 700,00 €`, `51 %`, `153,00 m²`.

Formatting only: every number comes from the engine already rounded. A plain space separates
thousands (CSS keeps amounts on one line), so that `2 500,00` reads and copies as typed.
"""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()

SYMBOLS = {"EUR": "€", "CHF": "CHF", "CAD": "$", "XOF": "FCFA"}


def _english() -> bool:
    return (get_language() or "fr").startswith("en")


def _number(value: Decimal, places: int = 2) -> str:
    text = f"{value:,.{places}f}"
    if _english():
        return text
    return text.replace(",", " ").replace(".", ",")


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    if value is None:
        return "—"
    return f"{_number(value)} {SYMBOLS.get(currency, currency)}"


@register.filter
def number(value: Decimal | None) -> str:
    return "—" if value is None else _number(value)


@register.filter
def pct(value: Decimal | None) -> str:
    """`51 %`, `12,5 %` (English: `51%`): trailing zeros dropped, as people write them."""
    if value is None:
        return "—"
    text = (
        _number(value).rstrip("0").rstrip(",.")
        if value != value.to_integral()
        else _number(value, 0)
    )
    return f"{text}%" if _english() else f"{text} %"


@register.filter
def signed(value: Decimal | None) -> str:
    """ "+" before a positive difference (a negative one writes its own "-")."""
    return "+" if value is not None and value > 0 else ""
