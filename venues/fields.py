import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Spaces a French user may type or paste as thousands separators (space, NBSP, narrow NBSP).
_SEPARATORS = re.compile(r"[\s\u00a0\u202f']")
# Digits in groups of three after the first: `1,700` `12.345.678`, with `sep` between them.
_GROUPED = r"[-+]?\d{{1,3}}(?:{sep}\d{{3}})+"
# A unit typed or pasted with the number ("45 €", "180 m²", "12,5 %"): the field's unit is
# known from its label, so it is dropped rather than refused (issue 15, point 9).
_UNIT = re.compile(r"^(?:€|eur(?:os?)?)|(?:€|eur(?:os?)?|m²|m2|%)$", re.IGNORECASE)
# What is left once separators and unit are gone: digits with at most one point. Python's
# Decimal also reads "1e3", "NaN" or "Infinity", which no one types for an amount.
_PLAIN = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")


class AmountField(forms.DecimalField):
    """A decimal typed the French way or the English way: `1 700,50`, `1700,50`, `1700.50`,
    `1.700,50`, `1,700.50`; a unit typed with it is dropped: `45 €`, `1 450 €`, `180 m²`.

    Alone, the comma is the decimal separator whatever the language (French habit), and so is
    the point. With both, the last one is. What could be read two ways is refused rather than
    guessed: a point in French (`1.700`) or a comma in English (`1,700`) followed by groups of
    three digits, or a mix that is no thousands grouping (`1,2.3`).
    """

    default_error_messages = {
        "invalid": _("Saisissez un nombre, par exemple 1 700,50."),
        "ambiguous": _("Utilisez soit la virgule, soit le point pour les décimales, pas les deux."),
        "grouping": _(
            "« %(value)s » peut se lire de deux façons : écrivez %(whole)s ou %(fraction)s."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value) -> Decimal | None:
        if isinstance(value, str):
            value = self._plain(_UNIT.sub("", _SEPARATORS.sub("", value)))
            if value and (len(value) > 40 or not _PLAIN.fullmatch(value)):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def clean(self, value) -> Decimal | None:
        """The value with exactly `decimal_places` decimals, as the database will store it:
        `1 234,5` comes back as `1234,50` in the row the answer redraws, as after a reload."""
        value = super().clean(value)
        if value is None or self.decimal_places is None:
            return value
        return value.quantize(Decimal(1).scaleb(-self.decimal_places))

    def _plain(self, text: str) -> str:
        """`text` with a point for decimals and no thousands separator."""
        if "," in text and "." in text:
            decimal = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal == "," else ","
            whole = text[: text.rfind(decimal)]
            if not re.fullmatch(_GROUPED.format(sep=re.escape(thousands)), whole):
                raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
            return text.replace(thousands, "").replace(",", ".")
        for sep in ",.":
            if text.count(sep) > 1 and re.fullmatch(_GROUPED.format(sep=re.escape(sep)), text):
                return text.replace(sep, "")  # 1.700.000: only thousands
        english = (get_language() or "fr").startswith("en")
        thousands = "," if english else "."
        if re.fullmatch(_GROUPED.format(sep=re.escape(thousands)), text):
            fraction = str(Decimal(text.replace(thousands, ".")).normalize())
            raise ValidationError(
                self.error_messages["grouping"],
                code="grouping",
                params={
                    "value": text,
                    "whole": text.replace(thousands, ""),
                    "fraction": fraction if english else fraction.replace(".", ","),
                },
            )
        return text.replace(",", ".")

    def widget_attrs(self, widget):
        # A text input: a number input would refuse `1 700,50` before the server sees it.
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs
