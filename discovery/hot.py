"""The hot lists: 24小时热点 (most read) and 24小时热议 (most discussed), site-wide or
per city; one aggregate query each, kept in the cache for a few minutes."""

import contextlib
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone
from redis.exceptions import RedisError

from comments.models import Comment
from discovery.counting import hour_of
from news.models import ArticlePage


@dataclass(frozen=True)
class HotItem:
    """What a hot list shows of one article; plain data, so it caches well."""

    article_id: int
    title: str
    url: str
    count: int


def _cached(kind: str, city, hours: int, limit: int, build) -> list[HotItem]:
    key = f"discovery:hot:{kind}:{city.pk if city else 0}:{hours}:{limit}"
    try:
        items = cache.get(key)
    except RedisError:
        return build()  # Redis down: the page still shows the lists
    if items is None:
        items = build()
        with contextlib.suppress(RedisError):
            cache.set(key, items, settings.HOT_LIST_SECONDS)
    return items


def _articles(city):
    articles = ArticlePage.objects.live().only(
        "title", "url_path", "is_photo_set", "published_at"
    )
    return articles.filter(cities=city) if city is not None else articles


def _items(articles, counted: str) -> list[HotItem]:
    return [
        HotItem(
            article.pk, article.display_title, article.url, getattr(article, counted)
        )
        for article in articles
    ]


def hot_by_views(city=None, hours: int = 24, limit: int = 10) -> list[HotItem]:
    """The most read live articles of the last `hours` clock hours, most first."""

    def build() -> list[HotItem]:
        since = hour_of(timezone.now()) - datetime.timedelta(hours=hours - 1)
        articles = (
            # Filtered before annotating: one join, through the hour index.
            _articles(city)
            .filter(view_hours__hour__gte=since)
            .annotate(hits=Sum("view_hours__views"))
            .order_by("-hits", "-published_at", "-pk")[:limit]
        )
        return _items(articles, "hits")

    return _cached("views", city, hours, limit, build)


def hot_by_comments(city=None, hours: int = 24, limit: int = 10) -> list[HotItem]:
    """The live articles with most visible comments posted in the last `hours`."""

    def build() -> list[HotItem]:
        since = timezone.now() - datetime.timedelta(hours=hours)
        articles = (
            _articles(city)
            .filter(
                comments__status=Comment.Status.PUBLISHED,
                comments__created_at__gte=since,
            )
            .annotate(talk=Count("comments"))
            .order_by("-talk", "-published_at", "-pk")[:limit]
        )
        return _items(articles, "talk")

    return _cached("comments", city, hours, limit, build)
