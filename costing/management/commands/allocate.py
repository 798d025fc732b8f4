import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from costing.documents import DocumentError, dumps, load_venue_document, venue_allocation_document


def read_document(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Read a tierslieux.venue/1 document (FILE or - for stdin), print its allocation."
    requires_system_checks = []  # no database needed

    def add_arguments(self, parser):
        parser.add_argument("file", help="venue document, or - to read stdin")

    def handle(self, *args, file: str, **options):
        try:
            with translation.override("en"):  # docs/formats.md: English, as scripts expect
                venue = load_venue_document(read_document(file))
        except DocumentError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(dumps(venue_allocation_document(venue)), ending="")
