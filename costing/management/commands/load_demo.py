from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from costing.documents import load_venue_document
from costing.examples import WORKED_EXAMPLE
from costing.models import create_venue
from venues.models import Venue

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-tierslieux"  # noqa: S105 - a local demo account, refused in production


class Command(BaseCommand):
    help = "Create the local demo account with the worked example (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo creates a known password: it only runs with DJANGO_DEBUG=1."
            )
        user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if not Venue.objects.for_user(user).exists():
            venue = create_venue(load_venue_document(WORKED_EXAMPLE.read_bytes()), owner=user)
            self.stdout.write(f"Demo venue: {venue.name} ({venue.slug})")
        self.stdout.write(f"Demo account: {DEMO_USERNAME} / {DEMO_PASSWORD}")
