"""Fetch and store exchange rates to CNY now, outside the schedule."""

from django.core.management.base import BaseCommand, CommandError

from editions.models import City
from editions.tasks import refresh_rates


class Command(BaseCommand):
    help = (
        "Fetch and store rates to CNY of the given currencies (default: the cities')."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "currencies", nargs="*", metavar="CURRENCY", help="ISO 4217 codes"
        )

    def handle(self, *args, currencies: list[str], **options):
        wanted = sorted({code.upper() for code in currencies}) or sorted(
            set(City.objects.values_list("currency", flat=True))
        )
        bad = [code for code in wanted if len(code) != 3 or not code.isalpha()]
        if bad:
            raise CommandError(f"Not currency codes: {', '.join(bad)}")
        for currency in wanted:
            counts = refresh_rates.call(currency=currency)
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(f"{currency}:CNY: {summary}")
