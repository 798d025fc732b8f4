import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Spaces a French user may type or paste as thousands separators (space, NBSP, narrow NBSP).
_SEPARATORS = re.compile(r"[\s\u00a0\u202f']")


class AmountField(forms.DecimalField):
    """A decimal typed the French way or the English way: `1 700,50`, `1700,50`, `1700.50`.

    The comma is always the decimal separator, whatever the active language, so that
    `1700,50` can never silently become 170 050.
    """

    default_error_messages = {
        "invalid": _("Saisissez un nombre, par exemple 1 700,50."),
        "ambiguous": _("Utilisez soit la virgule, soit le point pour les décimales, pas les deux."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value) -> Decimal | None:
        if isinstance(value, str):
            value = _SEPARATORS.sub("", value)
            if "," in value and "." in value:
                raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
            value = value.replace(",", ".")
            if len(value) > 40:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value

    def widget_attrs(self, widget):
        # A text input: a number input would refuse `1 700,50` before the server sees it.
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs
