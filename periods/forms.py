from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import MONTH_FORMAT, PeriodError, month_key, parse_month


def previous_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


class ClosePeriodForm(forms.Form):
    month = forms.CharField(
        label=_("Mois à clôturer"),
        max_length=7,
        error_messages={"max_length": MONTH_FORMAT},  # "novembre": the format, not a length
        # The browser's month picker shows the month in words; without one, the placeholder
        # gives the format (and a wrong one is refused, saying it).
        help_text=_("Le mois garde la répartition d'aujourd'hui, telle quelle."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"month": month_key(previous_month())})
        super().__init__(*args, **kwargs)

    def clean_month(self) -> date:
        try:
            return parse_month(self.cleaned_data["month"])
        except PeriodError as error:
            raise forms.ValidationError(error.message) from None
