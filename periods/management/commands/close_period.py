from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from periods.models import PeriodError, close_period
from venues.models import Venue


def find_venue(identifier: str, *, lock: bool = False) -> Venue:
    """The venue by slug or numeric id, as export_venue takes it."""
    venues = Venue.objects.select_for_update() if lock else Venue.objects.all()
    try:
        return venues.identified_by(identifier)
    except Venue.DoesNotExist:
        raise CommandError(f"no venue {identifier!r}") from None


class Command(BaseCommand):
    help = "Close a month of a venue: freeze its venue and allocation documents (docs/periods.md)."

    def add_arguments(self, parser):
        parser.add_argument("venue", help="the venue's identifier (slug) or numeric id")
        parser.add_argument("month", help="the month to close, YYYY-MM")

    def handle(self, *args, venue: str, month: str, **options):
        # Under the venue's lock, as the web app closes, so that two closings never both pass.
        with transaction.atomic(), translation.override("en"):
            found = find_venue(venue, lock=True)
            try:
                period = close_period(found, month)
            except PeriodError as error:
                raise CommandError(f"{month}: {error.message}") from None
        self.stdout.write(f"{found.slug} {period.key} version {period.version} {period.sha256}")
