"""Fetch and store the forecast of some or all cities now, outside the schedule."""

from django.core.management.base import BaseCommand, CommandError

from editions.models import City
from editions.tasks import refresh_weather


class Command(BaseCommand):
    help = "Fetch and store the weather of the given cities (all when none given)."

    def add_arguments(self, parser):
        parser.add_argument("cities", nargs="*", metavar="CITY", help="city slugs")

    def handle(self, *args, cities: list[str], **options):
        chosen = City.objects.all()
        if cities:
            chosen = chosen.filter(slug__in=cities)
            unknown = set(cities) - {city.slug for city in chosen}
            if unknown:
                raise CommandError(f"Unknown cities: {', '.join(sorted(unknown))}")
        for city in chosen:
            counts = refresh_weather.call(city_id=city.pk)
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(f"{city.slug}: {summary}")
