"""Show what republishing would make of one page, before subscribing to its source."""

import json

from django.core.management.base import BaseCommand, CommandError

from ingest.extract import ExtractionError
from ingest.fetch import FetchFailed, FetchRefused
from ingest.pipeline import prepare
from news.models import Source


class Command(BaseCommand):
    help = "Fetch, decode, extract and convert one article URL; print it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--source", help="slug of the Source whose settings apply")

    def handle(self, *args, url, source=None, **options):
        outlet = None
        if source:
            outlet = Source.objects.filter(slug=source).first()
            if outlet is None:
                raise CommandError(f"no source with the slug {source!r}")
        try:
            prepared = prepare(url, outlet)
        except (FetchRefused, FetchFailed, ExtractionError) as error:
            raise CommandError(f"{url}: {error}") from error
        self.stdout.write(json.dumps(prepared.as_json(), ensure_ascii=False, indent=2))
