import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from comments.models import Comment
from discovery import hot
from discovery.counting import add_views, hour_of
from editions.tests.factories import CityFactory
from news.tests.factories import make_article


@pytest.fixture(autouse=True)
def _uncached_hot_lists(settings):
    settings.HOT_LIST_SECONDS = 0


def views(article, count: int, hours_ago: int = 0) -> None:
    hour = hour_of(timezone.now()) - datetime.timedelta(hours=hours_ago)
    add_views({(article.pk, hour): count})


def comment(article, user, *, hours_ago: float = 0, status="published"):
    return Comment.objects.create(
        article=article,
        user=user,
        body="评论内容",
        status=status,
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def ids(items) -> list[int]:
    return [item.article_id for item in items]


def test_hot_by_views_ranks_the_last_24_hours(channel):
    a = make_article(channel, title="甲新闻", slug="a")
    b = make_article(channel, title="乙新闻", slug="b")
    c = make_article(channel, title="丙新闻", slug="c")
    d = make_article(channel, title="丁新闻", slug="d", publish=False)
    views(a, 3)
    views(a, 2, hours_ago=5)
    views(b, 7, hours_ago=23)
    views(c, 50, hours_ago=30)  # outside the window
    views(d, 99)  # not live
    items = hot.hot_by_views()
    assert ids(items) == [b.pk, a.pk]
    assert [item.count for item in items] == [7, 5]
    assert items[0].title == "乙新闻"
    assert items[0].url == b.url
    assert ids(hot.hot_by_views(hours=48)) == [c.pk, b.pk, a.pk]
    assert ids(hot.hot_by_views(limit=1)) == [b.pk]


def test_hot_by_views_per_city(channel, city):
    melbourne = CityFactory(slug="melbourne", name="墨尔本")
    local = make_article(channel, slug="local", cities=[city])
    both = make_article(channel, slug="both", cities=[city, melbourne])
    elsewhere = make_article(channel, slug="elsewhere", cities=[melbourne])
    views(local, 1)
    views(both, 2)
    views(elsewhere, 9)
    assert ids(hot.hot_by_views(city=city)) == [both.pk, local.pk]
    assert ids(hot.hot_by_views(city=melbourne)) == [elsewhere.pk, both.pk]
    assert ids(hot.hot_by_views()) == [elsewhere.pk, both.pk, local.pk]


def test_hot_by_comments_counts_visible_recent_comments(channel, city):
    reader = UserFactory()
    a = make_article(channel, slug="a", cities=[city])
    b = make_article(channel, slug="b")
    c = make_article(channel, slug="c")
    comment(a, reader)
    comment(a, reader, hours_ago=2)
    comment(b, reader)
    for status in ("pending", "hidden", "deleted"):
        comment(b, reader, status=status)
        comment(c, reader, status=status)
    comment(c, reader, hours_ago=25)
    comment(c, reader, hours_ago=26)
    comment(c, reader, hours_ago=27)
    items = hot.hot_by_comments()
    assert ids(items) == [a.pk, b.pk]
    assert [item.count for item in items] == [2, 1]
    assert ids(hot.hot_by_comments(city=city)) == [a.pk]
    assert ids(hot.hot_by_comments(hours=48))[0] == c.pk


def test_hot_lists_are_cached(channel, settings):
    settings.HOT_LIST_SECONDS = 300
    a = make_article(channel, slug="a")
    views(a, 1)
    assert ids(hot.hot_by_views()) == [a.pk]
    b = make_article(channel, slug="b")
    views(b, 5)
    with CaptureQueriesContext(connection) as queries:
        assert ids(hot.hot_by_views()) == [a.pk]
    assert len(queries) == 0


def test_hot_lists_on_the_front_page(client, channel):
    reader = UserFactory()
    read = make_article(channel, title="阅读最多的新闻", slug="read")
    talked = make_article(channel, title="评论最多的新闻", slug="talked")
    views(read, 10)
    comment(talked, reader)
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    hot_views = soup.select(".home-side .hot-views li a")
    hot_comments = soup.select(".home-side .hot-comments li a")
    assert [a.get_text() for a in hot_views] == ["阅读最多的新闻"]
    assert [a.get_text() for a in hot_comments] == ["评论最多的新闻"]
    assert hot_views[0]["href"] == read.url


def test_empty_hot_lists_render_nothing(client, channel):
    make_article(channel)
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    assert soup.select(".hot-lists") == []


def test_hot_lists_in_the_article_sidebar_are_site_wide(client, channel, city):
    article = make_article(channel, title="正在阅读", slug="reading")
    other = make_article(channel, title="别处热点", slug="other")
    views(other, 4)
    soup = BeautifulSoup(client.get(article.url).content, "html.parser")
    titles = [a.get_text() for a in soup.select(".article-side .hot-views li a")]
    assert titles == ["别处热点"]


def test_city_page_shows_that_citys_hot_list(client, channel, city):
    melbourne = CityFactory(slug="melbourne", name="墨尔本")
    local = make_article(channel, title="悉尼热点", slug="local", cities=[city])
    far = make_article(channel, title="墨尔本热点", slug="far", cities=[melbourne])
    views(local, 1)
    views(far, 9)
    soup = BeautifulSoup(client.get("/city/sydney/").content, "html.parser")
    lists = soup.select(".city-side .hot-lists")
    assert len(lists) == 1 and lists[0]["data-city"] == "sydney"
    assert [a.get_text() for a in lists[0].select(".hot-views a")] == ["悉尼热点"]


def fill(channel, city, count: int) -> None:
    reader = UserFactory()
    for n in range(count):
        article = make_article(
            channel, title=f"热点{n}", slug=f"hot-{n}", cities=[city]
        )
        views(article, n + 1)
        comment(article, reader)


@pytest.mark.parametrize("path", ["/", "/city/sydney/"])
def test_hot_lists_take_a_fixed_number_of_queries(client, channel, city, path):
    fill(channel, city, 2)
    client.get(path)  # warm the site-root cache
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    fill_more = 18
    reader = UserFactory()
    for n in range(fill_more):
        article = make_article(
            channel, title=f"更多{n}", slug=f"more-{n}", cities=[city]
        )
        views(article, 1)
        comment(article, reader)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)
    soup = BeautifulSoup(response.content, "html.parser")
    assert len(soup.select(".hot-views li")) == 10
    assert len(many) == len(few)
