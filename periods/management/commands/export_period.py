from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from periods.models import Period, PeriodError, parse_month

from .close_period import find_venue


class Command(BaseCommand):
    help = (
        "Print a closed month's allocation document exactly as it was frozen (the bytes its "
        "allocation.json serves): the version in force, or else the latest one."
    )

    def add_arguments(self, parser):
        parser.add_argument("venue", help="the venue's identifier (slug) or numeric id")
        parser.add_argument("month", help="the closed month, YYYY-MM")
        parser.add_argument(
            "--period-version", dest="period_version", type=int, help="a given version"
        )

    def handle(self, *args, venue: str, month: str, period_version: int | None, **options):
        found = find_venue(venue)
        with translation.override("en"):
            try:
                first_day = parse_month(month)
            except PeriodError as error:
                raise CommandError(f"{month}: {error.message}") from None
        try:
            period = found.periods.readable(first_day, period_version)
        except Period.DoesNotExist:
            raise CommandError(f"{month}: this month of {found.slug} is not closed") from None
        self.stdout.write(period.allocation_document, ending="")
