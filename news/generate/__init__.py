"""Fills the database with synthetic, live articles in bulk for benchmarks: page rows
with treebeard paths computed here, cover images, keywords, cities and comments
(news.generate.comments); the search index is the next step (news.generate.index).

Each step is a function over one batch, so more kinds of rows can join as further
steps."""

import datetime
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from comments.models import Comment, Notification
from editions.models import City
from news.generate.comments import Readers, draft_thread, insert_threads, reader_pool
from news.generate.images import cover_pool
from news.generate.rows import Table, allocate_ids, insert_rows
from news.generate.text import (
    SUBURBS,
    article_text,
    between,
    common_words,
    pick,
    rare_word_for,
    vocabulary,
)
from news.models import ArticleKeyword, ArticlePage, ChannelPage

SLUG_PREFIX = "gen-"
KEYWORD_POOL = 2000


@dataclass
class Plan:
    count: int
    seed: int = 1
    batch: int = 2000
    channels: list[ChannelPage] = field(default_factory=list)
    start: datetime.datetime | None = None
    days: int = 365
    # Comments are an average per article; none, as before, unless asked for.
    comments_per_article: float = 0.0
    readers: int = 2000
    # A share of the articles get one of `covers` pool images as cover image.
    cover_share: float = 0.0
    covers: int = 20


@dataclass
class Report:
    setup_seconds: float = 0.0
    inserted: int = 0
    comments: int = 0
    insert_seconds: float = 0.0
    indexed: int = 0
    index_seconds: float = 0.0
    first_pk: int | None = None
    last_pk: int | None = None

    @staticmethod
    def rate(count: int, seconds: float) -> float:
        return count / seconds if seconds else 0.0

    def summary(self) -> str:
        parts = []
        if self.inserted:
            comments, comment_rate = "", ""
            if self.comments:
                comments = f" and {self.comments} comments"
                rate = self.rate(self.comments, self.insert_seconds)
                comment_rate = f", {rate:.0f} comments/s"
            parts.append(
                f"archive pages and keywords ready in {self.setup_seconds:.1f} s; "
                f"inserted {self.inserted} articles{comments} in "
                f"{self.insert_seconds:.1f} s "
                f"({self.rate(self.inserted, self.insert_seconds):.0f} articles/s"
                f"{comment_rate})"
            )
        if self.indexed:
            parts.append(
                f"indexed {self.indexed} in {self.index_seconds:.1f} s "
                f"({self.rate(self.indexed, self.index_seconds):.0f} articles/s)"
            )
        return "; ".join(parts) or "nothing to do"


@dataclass
class Slot:
    """A month bucket that receives articles: where its next child goes."""

    page_id: int
    path: str
    depth: int
    url_path: str
    locale_id: int
    channel_id: int
    next_step: int
    added: int = 0

    def take_path(self) -> str:
        self.next_step += 1
        self.added += 1
        return self.path + Page._int2str(self.next_step).rjust(Page.steplen, "0")


def next_sequence() -> int:
    """One past the sequence number of the newest generated article."""
    last = (
        ArticlePage.objects.filter(slug__startswith=SLUG_PREFIX)
        .order_by("-pk")
        .values_list("slug", flat=True)
        .first()
    )
    return int(last.removeprefix(SLUG_PREFIX)) + 1 if last else 0


def month_starts(start: datetime.datetime, end: datetime.datetime) -> list:
    """The first moment of every local month the range touches."""
    local, months = timezone.localtime(start), []
    moment = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while moment < end:
        months.append(moment)
        moment = (moment + datetime.timedelta(days=32)).replace(day=1)
    return months


def prepare_slots(plan: Plan, end: datetime.datetime) -> dict[tuple, Slot]:
    """The year and month pages of every channel over the date range, made through
    Wagtail's own API; keyed by (channel id, year, month)."""
    slots = {}
    for channel in plan.channels:
        for moment in month_starts(plan.start, end):
            month = channel.archive_for(moment)
            last_child = (
                Page.objects.filter(path__startswith=month.path, depth=month.depth + 1)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
            step = Page._str2int(last_child[-Page.steplen :]) if last_child else 0
            slots[(channel.pk, moment.year, moment.month)] = Slot(
                page_id=month.pk,
                path=month.path,
                depth=month.depth + 1,
                url_path=month.url_path,
                locale_id=month.locale_id,
                channel_id=channel.pk,
                next_step=step,
            )
    return slots


def keyword_pool() -> list[int]:
    """Tag ids of a fixed pool of keywords, created where missing."""
    names = common_words(KEYWORD_POOL, skip=300)
    existing = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
    Tag.objects.bulk_create(
        [Tag(name=name, slug=name) for name in names if name not in existing],
        ignore_conflicts=True,
    )
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    return [ids[name] for name in names if name in ids]


@dataclass
class Context:
    """What every batch shares."""

    plan: Plan
    slots: dict[tuple, Slot]
    content_type_id: int
    places: list[str]
    city_ids: list[int]
    tag_ids: list[int]
    tag_cum_weights: list[float]
    end: datetime.datetime
    readers: Readers
    cover_ids: list[int]
    now: datetime.datetime


def build_context(plan: Plan) -> Context:
    end = plan.start + datetime.timedelta(days=plan.days)
    vocabulary()  # loaded once, here, so the batches time only themselves
    cities = list(City.objects.order_by("pk").values_list("pk", "name"))
    tag_ids = keyword_pool()
    # Keywords follow Zipf's law too: a few are everywhere, most are rare.
    weights, total = [], 0.0
    for rank in range(len(tag_ids)):
        total += 1 / (rank + 1)
        weights.append(total)
    return Context(
        plan=plan,
        slots=prepare_slots(plan, end),
        content_type_id=ContentType.objects.get_for_model(ArticlePage).pk,
        places=[name for _pk, name in cities] + SUBURBS,
        city_ids=[pk for pk, _name in cities],
        tag_ids=tag_ids,
        tag_cum_weights=weights,
        end=end,
        readers=reader_pool(
            plan.readers if plan.comments_per_article > 0 else 0, plan.start
        ),
        cover_ids=cover_pool(plan.covers) if plan.cover_share > 0 else [],
        now=timezone.now(),
    )


@cache
def tables() -> dict[str, Table]:
    return {"page": Table(Page), "article": Table(ArticlePage)}


def insert_batch(context: Context, sequences: range) -> tuple[list[int], int]:
    """Page, article, keyword, city and comment rows of one batch; the new page ids
    and the number of comments."""
    plan, pages, articles, keywords, cities = context.plan, [], [], [], []
    threads = []
    span = (context.end - plan.start).total_seconds()
    for sequence in sequences:
        rng = random.Random(plan.seed * 1_000_000_007 + sequence)
        channel = pick(rng, plan.channels)
        published = plan.start + datetime.timedelta(seconds=rng.random() * span)
        local = timezone.localtime(published)
        slot = context.slots[(channel.pk, local.year, local.month)]
        text = article_text(rng, context.places, rare_word_for(sequence))
        slug = f"{SLUG_PREFIX}{sequence}"
        pages.append(
            {
                "path": slot.take_path(),
                "depth": slot.depth,
                "translation_key": uuid.UUID(int=rng.getrandbits(128), version=4),
                "locale_id": slot.locale_id,
                "live": True,
                "first_published_at": published,
                "last_published_at": published,
                "title": text.title,
                "draft_title": text.title,
                "slug": slug,
                "content_type_id": context.content_type_id,
                "url_path": f"{slot.url_path}{slug}/",
            }
        )
        articles.append(
            {
                "published_at": published,
                "summary": text.summary,
                "body": text.body(rng),
                "channel_id": slot.channel_id,
            }
        )
        wanted, picked = between(rng, 2, 5), set()
        while len(picked) < wanted:
            picked.update(
                rng.choices(context.tag_ids, cum_weights=context.tag_cum_weights, k=1)
            )
        keywords.append(sorted(picked))
        city_count = min(between(rng, 0, 2), len(context.city_ids))
        cities.append(sorted(rng.sample(context.city_ids, city_count)))
        # Drawn after everything above, so the articles stay those of earlier runs.
        if context.cover_ids and rng.random() < plan.cover_share:
            articles[-1]["cover_image_id"] = pick(rng, context.cover_ids)
        thread = draft_thread(
            rng, context.readers, plan.comments_per_article, published, context.now
        )
        articles[-1]["comment_count"] = len(thread)
        threads.append(thread)
    # Writing first takes SQLite's write lock before ids are counted.
    flush_numchild(context.slots)
    ids = allocate_ids(Page, len(pages))
    table = tables()
    table["page"].insert(
        [
            table["page"].row({"id": pk, **page})
            for pk, page in zip(ids, pages, strict=True)
        ]
    )
    table["article"].insert(
        [
            table["article"].row({"page_ptr_id": pk, **article})
            for pk, article in zip(ids, articles, strict=True)
        ]
    )
    insert_rows(
        ArticleKeyword._meta.db_table,
        ["tag_id", "content_object_id"],
        [(tag, pk) for pk, tags in zip(ids, keywords, strict=True) for tag in tags],
    )
    insert_rows(
        ArticlePage.cities.through._meta.db_table,
        ["articlepage_id", "city_id"],
        [
            (pk, city)
            for pk, city_ids in zip(ids, cities, strict=True)
            for city in city_ids
        ],
    )
    return ids, insert_threads(ids, threads)


def flush_numchild(slots: dict[tuple, Slot]) -> None:
    for slot in slots.values():
        if slot.added:
            Page.objects.filter(pk=slot.page_id).update(
                numchild=F("numchild") + slot.added
            )
            slot.added = 0


def generate(
    plan: Plan, progress: Callable[[int, int], None] = lambda articles, comments: None
) -> Report:
    """Insert `plan.count` live articles after any generated before, with their
    comments; one transaction per batch, so an interrupted run leaves a valid tree.
    `progress` is told each batch's numbers of articles and comments."""
    if not plan.channels:
        plan.channels = list(ChannelPage.objects.order_by("path"))
    if not plan.channels:
        raise ValueError("no channel pages: build the site first (load_demo)")
    if plan.start is None:
        plan.start = timezone.now() - datetime.timedelta(days=plan.days)
    report = Report()
    started = time.perf_counter()
    with transaction.atomic():
        context = build_context(plan)
    report.setup_seconds = time.perf_counter() - started
    started = time.perf_counter()
    first = next_sequence()
    for low in range(first, first + plan.count, plan.batch):
        sequences = range(low, min(low + plan.batch, first + plan.count))
        with transaction.atomic():
            ids, comments = insert_batch(context, sequences)
        report.first_pk = report.first_pk or ids[0]
        report.last_pk = ids[-1]
        report.inserted += len(ids)
        report.comments += comments
        progress(len(ids), comments)
    analyze()
    report.insert_seconds = time.perf_counter() - started
    return report


def analyze() -> None:
    """Fresh planner statistics for the tables just filled: without them PostgreSQL
    plans the indexing step's keyword lookups as scans of millions of rows."""
    tables = [
        ArticlePage,
        Page,
        ArticleKeyword,
        ArticlePage.cities.through,
        Comment,
        Notification,
    ]
    quoted = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {quoted}")
        else:
            cursor.execute("ANALYZE")
