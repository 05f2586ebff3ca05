"""The full-page cache: who gets cached copies, and what each change purges."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.utils import timezone
from wagtail.models import Page

from accounts.tests.factories import UserFactory
from comments.models import Comment
from core import pagecache
from core.pagecache import CACHE_HEADER
from news.tests.factories import make_article

Status = Comment.Status


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    yield
    caches["pages"].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change's on-commit purges, which a test's transaction never reaches."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def title_of(response) -> str:
    return BeautifulSoup(response.content, "lxml").select_one("h1").get_text(strip=True)


def served(client, path, **extra):
    response = client.get(path, **extra)
    return response, response.headers.get(CACHE_HEADER)


@pytest.fixture
def article(channel, city):
    return make_article(
        channel, title="缓存测试新闻", slug="cached", keywords=["缓存"], cities=[city]
    )


def test_the_second_anonymous_read_is_a_copy_with_cdn_headers(client, article):
    first, state = served(client, article.url)
    assert state == "miss"
    second, state = served(client, article.url)
    assert state == "hit"
    assert second.content == first.content
    control = second.headers["Cache-Control"]
    for word in ("public", "s-maxage=", "stale-while-revalidate=", "stale-if-error="):
        assert word in control
    assert "Cookie" not in second.headers.get("Vary", "")
    assert not second.cookies


def test_tracking_parameters_share_the_copy_and_unknown_ones_bypass(client, article):
    served(client, article.url)
    assert served(client, article.url + "?utm_source=wechat&fbclid=x")[1] == "hit"
    assert served(client, article.url + "?debug=1")[1] is None
    assert served(client, "/?page=1")[1] == "miss"
    assert served(client, "/?page=1")[1] == "hit"


def test_signed_in_readers_and_posts_bypass(client, article):
    served(client, article.url)
    client.force_login(UserFactory())
    response, state = served(client, article.url)
    assert state is None
    assert "private" in response.headers["Cache-Control"]
    assert client.post(article.url).headers.get(CACHE_HEADER) is None


def test_pages_with_a_form_token_are_never_stored(client, home):
    served(client, "/accounts/login/")
    assert served(client, "/accounts/login/")[1] != "hit"


def test_an_edit_purges_its_pages_and_no_others(client, channel, article, committed):
    other = make_article(channel, title="无关新闻", slug="unrelated")
    pages = [article.url, other.url, channel.url, "/", "/keywords/缓存/", "/rss/"]
    for path in pages:
        served(client, path)
    assert all(served(client, path)[1] == "hit" for path in pages)

    draft = article.get_latest_revision_as_object()
    draft.title = "缓存测试新闻(更新)"
    with committed():
        draft.save_revision().publish()

    response, state = served(client, article.url)
    assert state == "miss"
    assert title_of(response) == "缓存测试新闻(更新)"
    for path in (channel.url, "/", "/keywords/缓存/", "/rss/"):
        assert served(client, path)[1] == "miss", path
    assert served(client, other.url)[1] == "hit"


def test_a_keyword_taken_off_purges_its_old_page(client, article, committed):
    served(client, "/keywords/缓存/")
    draft = article.get_latest_revision_as_object()
    draft.keywords.set(["别的"])
    with committed():
        draft.save_revision().publish()
    response, state = served(client, "/keywords/缓存/")
    assert state == "miss"
    assert article.title not in response.content.decode()


def test_unpublishing_purges_and_the_404_is_not_kept(
    client, channel, article, committed
):
    served(client, article.url)
    served(client, channel.url)
    with committed():
        Page.objects.get(pk=article.pk).unpublish()
    assert client.get(article.url).status_code == 404
    assert client.get(article.url).headers.get(CACHE_HEADER) is None
    response, state = served(client, channel.url)
    assert state == "miss"
    assert article.title not in response.content.decode()


def test_a_comment_becoming_visible_purges_the_article(client, article, committed):
    served(client, article.url)
    comment = Comment.objects.create(
        article=article,
        user=UserFactory(),
        body="缓存之后的新评论",
        status=Status.PENDING,
    )
    assert served(client, article.url)[1] == "hit"
    with committed():
        comment.set_status(Status.PUBLISHED)
    response, state = served(client, article.url)
    assert state == "miss"
    assert "缓存之后的新评论" in response.content.decode()


def test_a_cache_that_is_down_serves_pages_uncached(client, settings, article):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    for _ in range(2):
        response, state = served(client, article.url)
        assert response.status_code == 200
        assert state != "hit"
        assert title_of(response) == article.title


def test_publishing_asks_the_cdn_to_purge(
    httpserver, settings, channel, article, committed
):
    httpserver.expect_request("/", method="PURGE").respond_with_data("")
    settings.WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": httpserver.url_for("/"),
        }
    }
    settings.SITE_BASE_URL = "https://news.example.com"
    draft = article.get_latest_revision_as_object()
    with committed():
        draft.save_revision().publish()
    purged = {(request.headers["Host"], request.path) for request, _ in httpserver.log}
    assert ("news.example.com", article.url) in purged
    assert ("news.example.com", "/zh-hant" + article.url) in purged
    assert ("news.example.com", channel.url) in purged


def test_a_new_weather_reading_purges_the_city_fragment(client, city, committed):
    from editions.models import WeatherReading

    path = f"/city/widget/{city.slug}/"
    served(client, path)
    assert served(client, path)[1] == "hit"
    with committed():
        WeatherReading.objects.create(
            city=city,
            provider="open-meteo",
            forecast_date=timezone.localdate(),
            temp_min=Decimal("12.5"),
            temp_max=Decimal("23.5"),
        )
    response, state = served(client, path)
    assert state == "miss"
    assert "12.5" in response.content.decode()


def test_an_evicted_generation_does_not_bring_old_copies_back(
    client, article, committed
):
    served(client, article.url)
    with committed():
        draft = article.get_latest_revision_as_object()
        draft.title = "新标题"
        draft.save_revision().publish()
    caches["pages"].delete(pagecache._generation_key(article.url))
    response, state = served(client, article.url)
    assert state == "miss"
    assert title_of(response) == "新标题"
