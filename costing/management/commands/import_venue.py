from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from costing.documents import DocumentError, load_venue_document
from costing.management.commands.allocate import read_document
from costing.models import create_venue
from venues.models import Change


class Command(BaseCommand):
    help = "Create a venue from a tierslieux.venue/1 document; print the new venue's identifier."

    def add_arguments(self, parser):
        parser.add_argument("file", help="venue document, or - to read stdin")
        parser.add_argument("--owner", required=True, help="username of the venue's owner")

    def handle(self, *args, file: str, owner: str, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(owner)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--owner: no user named {owner!r}") from None
        try:
            with translation.override("en"):  # docs/formats.md: English, as scripts expect
                data = load_venue_document(read_document(file))
        except DocumentError as error:
            raise CommandError(str(error)) from None
        venue = create_venue(data, owner=user, action=Change.Action.IMPORTED)
        self.stdout.write(venue.slug)
