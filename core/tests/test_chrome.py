"""The header and footer's snapshot: read once, renewed by every change it shows."""

import datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.utils import timezone

from core.models import FriendlyLink, SiteSettings
from editions.models import WeatherReading
from news.tests.factories import ChannelPageFactory, make_article


@pytest.fixture(autouse=True)
def chrome_cache(settings):
    settings.CHROME_SECONDS = 60
    # The snapshot lives in the page cache's store, shared by every process.
    caches[settings.PAGE_CACHE_ALIAS].clear()
    yield
    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change's on-commit work, which a test's transaction never reaches."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def article(channel, city):
    return make_article(channel, title="页眉快照", slug="chrome", cities=[city])


def header_of(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml")


def menu(soup) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select("nav.channel-nav a")]


def test_the_second_page_reads_no_chrome_queries(
    client, article, django_assert_max_num_queries
):
    client.get(article.url)
    # The article itself: site, home page, the url_path lookup and the article,
    # view restrictions (2), keywords, comment settings and threads (2), the
    # related stories and the lead image.
    with django_assert_max_num_queries(12):
        soup = header_of(client, article.url)
    assert menu(soup)[-1] == "澳洲"


def test_a_published_channel_joins_the_menu(client, home, article, committed):
    assert "财经" not in menu(header_of(client, article.url))
    with committed():
        finance = ChannelPageFactory(
            parent=home, title="财经", slug="finance", show_in_menus=True
        )
        finance.save_revision().publish()
    assert "财经" in menu(header_of(client, article.url))


def test_saved_settings_and_links_show_at_once(client, article, committed):
    header_of(client, article.url)
    settings = SiteSettings.current()
    with committed():
        settings.site_name = "新华讯"
        settings.save()
        FriendlyLink.objects.create(name="友站", url="https://example.org/")
    soup = header_of(client, article.url)
    assert soup.select_one("a.logo").get_text(strip=True) == "新华讯"
    links = [a.get_text(strip=True) for a in soup.select(".friendly-links a")]
    assert links == ["友站"]


def test_a_new_weather_reading_shows_in_the_header(client, city, article, committed):
    header_of(client, article.url)
    with committed():
        WeatherReading.objects.create(
            city=city,
            provider="open-meteo",
            forecast_date=timezone.localdate(),
            fetched_at=timezone.now() + datetime.timedelta(seconds=1),
            temp_min=Decimal("7.5"),
            temp_max=Decimal("31.5"),
        )
    weather = header_of(client, article.url).select_one("#city-widget .weather")
    assert weather.get_text(strip=True) == "7.5°C-31.5°C"


def test_without_a_snapshot_time_every_page_reads_afresh(client, settings, article):
    settings.CHROME_SECONDS = 0
    header_of(client, article.url)
    SiteSettings.objects.update(site_name="直读")  # no signal: nothing renewed
    assert header_of(client, article.url).select_one("a.logo").get_text() == "直读"


def test_closing_comments_shows_at_once(client, article, committed):
    from accounts.tests.factories import UserFactory
    from comments.models import CommentMode, CommentSettings
    from comments.tests.test_comments import add_comment

    with committed():
        add_comment(article, UserFactory(), "还能回复吗")
    assert header_of(client, article.url).select_one(".reply-link")
    with committed():
        comment_settings = CommentSettings.current()
        comment_settings.mode = CommentMode.CLOSED
        comment_settings.save()
    assert header_of(client, article.url).select_one(".reply-link") is None


def test_the_kept_footer_follows_the_snapshot(client, article, committed, settings):
    settings.FRAGMENT_SECONDS = 300
    assert not header_of(client, article.url).select(".friendly-links a")
    with committed():
        FriendlyLink.objects.create(name="新友站", url="https://example.org/")
    links = header_of(client, article.url).select(".friendly-links a")
    assert [a.get_text(strip=True) for a in links] == ["新友站"]
