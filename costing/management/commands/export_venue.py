from django.core.management.base import BaseCommand, CommandError

from costing.documents import dumps, venue_document
from costing.models import engine_venue
from venues.models import Venue


class Command(BaseCommand):
    help = "Print a stored venue as a tierslieux.venue/1 document."

    def add_arguments(self, parser):
        parser.add_argument("venue", help="the venue's identifier (slug) or numeric id")

    def handle(self, *args, venue: str, **options):
        venues = Venue.objects.prefetch_related("cost_items", "categories", "other_revenues")
        try:
            found = venues.identified_by(venue)
        except Venue.DoesNotExist:
            raise CommandError(f"no venue {venue!r}") from None
        self.stdout.write(dumps(venue_document(engine_venue(found, with_prices=True))), ending="")
