"""Fill the database with synthetic articles for benchmarks (news/generate)."""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from news.generate import Plan, Report, generate
from news.generate.index import (
    generated_articles,
    index_articles,
    index_articles_by_backend,
)
from news.models import ChannelPage
from search.bulk import delete_entries

COMMENTS_PER_ARTICLE = 10.0


def parse_date(value: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from error
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class Command(BaseCommand):
    help = (
        "Add N live synthetic articles under the existing channels, in bulk, with "
        "cover images and readers' comments, then index them with the configured "
        "search backend."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="how many articles to add")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--channels", nargs="+", metavar="SLUG", help="default: every channel"
        )
        parser.add_argument(
            "--start-date", type=parse_date, help="default: --days before today"
        )
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument(
            "--comments-per-article",
            type=float,
            default=COMMENTS_PER_ARTICLE,
            metavar="MEAN",
            help="average comments per article, a third of them replies (0: none)",
        )
        parser.add_argument(
            "--readers",
            type=int,
            default=2000,
            help="synthetic reader accounts who write the comments (made once)",
        )
        parser.add_argument(
            "--cover-share",
            type=float,
            default=1 / 3,
            metavar="SHARE",
            help="share of the articles with a cover image, from a pool of 20",
        )
        parser.add_argument(
            "--no-index", action="store_true", help="leave the search index alone"
        )
        parser.add_argument(
            "--index-only",
            action="store_true",
            help="add nothing; index every generated article",
        )
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="first delete the generated articles' index entries",
        )
        parser.add_argument("--index-batch", type=int, default=1000)
        parser.add_argument(
            "--workers", type=int, default=2, help="segmenting processes (0: none)"
        )
        parser.add_argument(
            "--backend-index",
            action="store_true",
            help="index through the backend's add_bulk (slow; to compare)",
        )

    def handle(self, *args, count, **options):
        if count < 0 or options["batch"] < 1 or options["days"] < 1:
            raise CommandError("count must be ≥ 0, --batch and --days ≥ 1")
        if options["index_batch"] < 1 or options["workers"] < 0:
            raise CommandError("--index-batch must be ≥ 1, --workers ≥ 0")
        if options["comments_per_article"] < 0 or options["readers"] < 1:
            raise CommandError("--comments-per-article must be ≥ 0, --readers ≥ 1")
        if not 0 <= options["cover_share"] <= 1:
            raise CommandError("--cover-share must be between 0 and 1")
        channels = []
        if options["channels"]:
            slugs = options["channels"]
            channels = list(ChannelPage.objects.filter(slug__in=slugs))
            missing = set(slugs) - {channel.slug for channel in channels}
            if missing:
                raise CommandError(f"no channel with the slug {sorted(missing)}")
        report = Report()
        if not options["index_only"]:
            plan = Plan(
                count=count,
                seed=options["seed"],
                batch=options["batch"],
                channels=channels,
                start=options["start_date"],
                days=options["days"],
                comments_per_article=options["comments_per_article"],
                readers=options["readers"],
                cover_share=options["cover_share"],
            )
            with tqdm(total=count, desc="insert", unit="art", file=sys.stderr) as bar:
                comments = 0

                def advance(articles: int, batch_comments: int) -> None:
                    nonlocal comments
                    comments += batch_comments
                    bar.set_postfix(comments=comments, refresh=False)
                    bar.update(articles)

                try:
                    report = generate(plan, progress=advance)
                except ValueError as error:
                    raise CommandError(str(error)) from error
        if not options["no_index"] and (report.inserted or options["index_only"]):
            if options["reindex"]:
                delete_entries(generated_articles(None, None))
            with tqdm(desc="index", unit="art", file=sys.stderr) as bar:
                if options["backend_index"]:
                    index_articles_by_backend(
                        report, options["index_batch"], progress=bar.update
                    )
                else:
                    index_articles(
                        report,
                        options["index_batch"],
                        progress=bar.update,
                        workers=options["workers"],
                    )
        self.stdout.write(report.summary())
