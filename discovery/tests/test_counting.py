import datetime
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discovery import counting
from discovery.models import ArticleViewHour
from news.tests.factories import make_article

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
HEADLESS = BROWSER.replace("Chrome/", "HeadlessChrome/")


def hit(client, article, agent=BROWSER, address="203.0.113.5"):
    return client.post(
        f"/hit/{article.pk}/", headers={"user-agent": agent}, REMOTE_ADDR=address
    )


def views_of(article) -> int:
    return sum(
        ArticleViewHour.objects.filter(article=article).values_list("views", flat=True)
    )


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "Sogou web spider/4.0",
        "Mozilla/5.0 (compatible; Yahoo! Slurp)",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "Wget/1.21",
        "python-requests/2.32",
        "python-httpx/0.27",
        "Go-http-client/2.0",
        "AhrefsBot/7.0",
    ],
)
def test_bots_are_recognised(agent):
    assert counting.is_bot(agent)


@pytest.mark.parametrize(
    "agent", [BROWSER, HEADLESS, "Mozilla/5.0 (iPhone) MicroMessenger"]
)
def test_browsers_are_not_bots(agent):
    assert not counting.is_bot(agent)


def test_beacon_counts_one_view_per_reader_and_hour(client, channel):
    article = make_article(channel, title="计数测试")
    responses = [hit(client, article) for _ in range(3)]
    assert {response.status_code for response in responses} == {204}
    assert views_of(article) == 1
    # Another reader (address) and another browser on the same address count.
    hit(client, article, address="203.0.113.6")
    hit(client, article, agent=HEADLESS)
    assert views_of(article) == 3
    row = ArticleViewHour.objects.get(article=article)
    assert row.hour == counting.hour_of(timezone.now())


def test_a_view_never_writes_the_article_row(client, channel):
    article = make_article(channel)
    with CaptureQueriesContext(connection) as queries:
        hit(client, article, address="203.0.113.77")
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert writes, "the view was not stored at all"
    assert all("discovery_articleviewhour" in sql for sql in writes), writes


def test_beacon_response_sets_no_cookie_and_is_not_cached(client, channel):
    article = make_article(channel)
    response = hit(client, article)
    assert response.status_code == 204
    assert not response.cookies
    assert (
        "no-cache" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )


def test_a_new_hour_counts_again(client, channel, monkeypatch):
    article = make_article(channel)
    hit(client, article)
    later = timezone.now() + datetime.timedelta(hours=1)
    monkeypatch.setattr(counting.timezone, "now", lambda: later)
    monkeypatch.setattr("discovery.views.timezone.now", lambda: later)
    hit(client, article)
    assert list(
        ArticleViewHour.objects.filter(article=article)
        .order_by("hour")
        .values_list("views", flat=True)
    ) == [1, 1]


def test_bots_and_bad_ids_are_not_counted(client, channel):
    article = make_article(channel)
    draft = make_article(channel, publish=False, slug="draft")
    assert hit(client, article, agent="Googlebot/2.1").status_code == 204
    assert hit(client, article, agent="").status_code == 204
    assert hit(client, draft).status_code == 204
    assert (
        client.post("/hit/999999/", headers={"user-agent": BROWSER}).status_code == 204
    )
    assert client.post("/hit/abc/").status_code == 404
    huge = "/hit/99999999999999999999999/"
    assert client.post(huge, headers={"user-agent": BROWSER}).status_code == 204
    assert client.get(f"/hit/{article.pk}/").status_code == 405
    assert ArticleViewHour.objects.count() == 0


def test_beacon_is_rate_limited(client, channel, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "view_beacon_ip": "2/m"}
    article = make_article(channel)
    codes = [hit(client, article).status_code for _ in range(3)]
    assert codes == [204, 204, 429]


def test_beacon_needs_no_csrf_token(channel):
    from django.test import Client

    article = make_article(channel)
    strict = Client(enforce_csrf_checks=True)
    assert hit(strict, article).status_code == 204
    assert views_of(article) == 1


def test_add_views_adds_to_existing_rows(channel):
    article = make_article(channel)
    hour = counting.hour_of(timezone.now())
    counting.add_views({(article.pk, hour): 2})
    counting.add_views({(article.pk, hour): 3})
    counting.bulk_add_views({(article.pk, hour): 4})
    assert views_of(article) == 9
    assert ArticleViewHour.objects.count() == 1


def test_flush_does_nothing_without_redis(channel):
    assert counting.flush_redis_views() == 0


@pytest.fixture
def redis_cache(settings):
    """The default cache on the local Redis, under a prefix of this test only."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        },
    }
    yield caches["default"]
    client = caches["default"]._cache.get_client(write=True)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_views_go_to_redis_and_the_flush_moves_them(client, channel, redis_cache):
    first = make_article(channel, title="甲")
    second = make_article(channel, title="乙", slug="second")
    hit(client, first)
    hit(client, first)  # the same reader: still one
    hit(client, first, address="198.51.100.1")
    hit(client, second)
    assert ArticleViewHour.objects.count() == 0  # nothing in the database yet
    assert counting.flush_redis_views() == 3
    assert views_of(first) == 2
    assert views_of(second) == 1
    # A second flush finds nothing new; later views add to the rows.
    assert counting.flush_redis_views() == 0
    hit(client, second, address="198.51.100.2")
    assert counting.flush_redis_views() == 1
    assert views_of(second) == 2
    assert ArticleViewHour.objects.count() == 2


def test_flush_skips_deleted_articles_and_forgets_past_hours(channel, redis_cache):
    article = make_article(channel)
    last_hour = counting.hour_of(timezone.now()) - datetime.timedelta(hours=1)
    counting.record_view(article.pk, last_hour)
    counting.record_view(987654, last_hour)
    assert counting.flush_redis_views() == 1
    assert ArticleViewHour.objects.get().hour == last_hour
    client = redis_cache._cache.get_client(write=True)
    assert client.smembers(redis_cache.make_key(counting.REDIS_HOURS_KEY)) == set()


def test_scheduler_runs_the_flush_with_redis(client, channel, redis_cache):
    from editions import tasks

    article = make_article(channel)
    hit(client, article)
    enqueued = tasks.run_once()
    assert "views:flush" in enqueued
    assert views_of(article) == 1


def test_redis_down_is_not_an_error(client, channel, settings):
    from discovery import hot

    article = make_article(channel)
    settings.RATE_LIMITS = {}
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    assert hit(client, article).status_code == 204
    assert ArticleViewHour.objects.count() == 0
    assert hot.hot_by_views() == []
