"""What the periods' tests share: closing a month as the app does, under the venue's lock."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from periods.models import Period, close_period
from venues.models import Venue


def last_month() -> date:
    """The month before this one (its first day): always closable."""
    first = timezone.localdate().replace(day=1)
    return (first - timezone.timedelta(days=1)).replace(day=1)


def months_back(count: int) -> list[date]:
    """The `count` months before this one, oldest first."""
    months, month = [], timezone.localdate().replace(day=1)
    for _ in range(count):
        month = (month - timezone.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


def close(venue: Venue, month: date | str | None = None, user=None) -> Period:
    with transaction.atomic():
        locked = Venue.objects.select_for_update().get(pk=venue.pk)
        return close_period(locked, last_month() if month is None else month, user)
