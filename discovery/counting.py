"""Counting article views: bots filtered, one count per reader, article and hour, and
hourly totals per article kept in Redis (flushed to the database) or in the database.

The article row itself is never written: views land in ArticleViewHour."""

import datetime
import hashlib

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from discovery.models import ArticleViewHour
from news.models import ArticlePage

# Lower-case substrings of the User-Agent of crawlers, link previews and scripts.
# HeadlessChrome is a browser (our own browser tests use it), so it is not here.
BOT_MARKERS = (
    "bot",
    "spider",
    "crawl",
    "slurp",
    "facebookexternalhit",
    "facebookcatalog",
    "embedly",
    "preview",
    "feedfetcher",
    "mediapartners",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "curl",
    "wget",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "scrapy",
    "axios",
    "node-fetch",
    "phantomjs",
)
SEEN_SECONDS = 3600
REDIS_KEY = "discovery:views"
REDIS_HOURS_KEY = "discovery:views:hours"


def is_bot(user_agent: str) -> bool:
    agent = user_agent.strip().lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def hour_of(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def first_view_this_hour(
    client: str, user_agent: str, article_id: int, hour: datetime.datetime
) -> bool:
    """True the first time this reader (address and browser) opens the article in
    `hour`; the key is a hash, so no address is stored."""
    raw = f"{client}|{user_agent}|{article_id}|{hour:%Y%m%d%H}"
    key = "discovery:seen:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return cache.add(key, 1, SEEN_SECONDS)


def uses_redis() -> bool:
    return isinstance(caches["default"], RedisCache)


def _redis():
    backend = caches["default"]
    return backend, backend._cache.get_client(write=True)


def _hour_key(backend, hour: datetime.datetime) -> str:
    return backend.make_key(f"{REDIS_KEY}:{hour:%Y%m%d%H}")


def record_view(article_id: int, moment: datetime.datetime | None = None) -> None:
    """Add one view of the article to its hour: in Redis when the cache is Redis,
    else as an upsert of the ArticleViewHour row."""
    hour = hour_of(moment or timezone.now())
    if uses_redis():
        backend, client = _redis()
        pipe = client.pipeline()
        pipe.hincrby(_hour_key(backend, hour), str(article_id), 1)
        pipe.sadd(backend.make_key(REDIS_HOURS_KEY), f"{hour:%Y%m%d%H}")
        pipe.execute()
        return
    add_views({(article_id, hour): 1})


def add_views(counts: dict[tuple[int, datetime.datetime], int]) -> None:
    """Add `counts` ((article id, hour) → views) to the database rows."""
    for (article_id, hour), views in counts.items():
        rows = ArticleViewHour.objects.filter(article_id=article_id, hour=hour)
        if rows.update(views=F("views") + views):
            continue
        try:
            with transaction.atomic():
                ArticleViewHour.objects.create(
                    article_id=article_id, hour=hour, views=views
                )
        except IntegrityError:
            # Another request created the row first.
            rows.update(views=F("views") + views)


def flush_redis_views(now: datetime.datetime | None = None) -> int:
    """Move the counts held in Redis into ArticleViewHour; returns views moved."""
    if not uses_redis():
        return 0
    backend, client = _redis()
    current = f"{hour_of(now or timezone.now()):%Y%m%d%H}"
    hours_key = backend.make_key(REDIS_HOURS_KEY)
    moved = 0
    for raw in sorted(client.smembers(hours_key)):
        label = raw.decode() if isinstance(raw, bytes) else raw
        key = backend.make_key(f"{REDIS_KEY}:{label}")
        # Read and deleted in one transaction: views counted meanwhile start a
        # fresh hash.
        pipe = client.pipeline()
        pipe.hgetall(key)
        pipe.delete(key)
        counted, _ = pipe.execute()
        if label < current:
            client.srem(hours_key, raw)
        if not counted:
            continue
        hour = datetime.datetime.strptime(label, "%Y%m%d%H").replace(
            tzinfo=datetime.UTC
        )
        by_article = {int(k): int(v) for k, v in counted.items()}
        existing = set(
            ArticlePage.objects.filter(pk__in=by_article).values_list("pk", flat=True)
        )
        counts = {
            (article_id, hour): views
            for article_id, views in by_article.items()
            if article_id in existing
        }
        try:
            bulk_add_views(counts)
        except Exception:
            # Put them back for the next flush rather than lose them.
            for (article_id, _hour), views in counts.items():
                client.hincrby(key, str(article_id), views)
            client.sadd(hours_key, label)
            raise
        moved += sum(counts.values())
    return moved


@transaction.atomic
def bulk_add_views(counts: dict[tuple[int, datetime.datetime], int]) -> None:
    """add_views for many rows at once: one read, one bulk upsert."""
    if not counts:
        return
    hours = {hour for _article, hour in counts}
    articles = {article for article, _hour in counts}
    present = {
        (row.article_id, row.hour): row.views
        for row in ArticleViewHour.objects.select_for_update().filter(
            article_id__in=articles, hour__in=hours
        )
    }
    rows = [
        ArticleViewHour(
            article_id=article_id,
            hour=hour,
            views=present.get((article_id, hour), 0) + views,
        )
        for (article_id, hour), views in counts.items()
    ]
    ArticleViewHour.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["article", "hour"],
        update_fields=["views"],
    )
