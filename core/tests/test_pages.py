"""Front page, channel pages, errors and the site map, as a reader sees them."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.views.defaults import server_error

from core.models import FriendlyLink, SiteSettings
from core.tests.factories import StandardPageFactory
from news.models import ArticlePage
from news.tests.factories import ChannelPageFactory, make_article

pytestmark = pytest.mark.django_db


def soup_of(response, status=200) -> BeautifulSoup:
    assert response.status_code == status
    return BeautifulSoup(response.content, "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def portal(home, channel):
    finance = ChannelPageFactory(parent=home, title="财经", slug="finance")
    for n in range(25):
        make_article(
            channel, title=f"澳洲新闻{n}", slug=f"au-{n}", published_at=days_ago(n)
        )
    make_article(
        finance,
        title="财经头条",
        slug="fin",
        published_at=days_ago(0.5),
        is_headline=True,
    )
    return {"home": home, "australia": channel, "finance": finance}


def titles(page) -> list[str]:
    return [text(node) for node in page.select(".latest .story-title")]


def test_front_page_has_headline_latest_and_channel_blocks(client, portal):
    page = soup_of(client.get("/"))
    assert [text(h) for h in page.select(".headlines h2")] == ["财经头条"]
    assert titles(page)[:3] == ["澳洲新闻0", "财经头条", "澳洲新闻1"]
    assert len(titles(page)) == 20
    blocks = {text(b.select_one("h2")): b for b in page.select(".channel-block")}
    assert list(blocks) == ["澳洲", "财经"]
    assert len(blocks["澳洲"].select(".story")) == 6
    assert [text(a) for a in page.select(".channel-nav a")] == ["首页", "澳洲", "财经"]


def test_front_page_second_page_and_bad_page_numbers(client, portal):
    second = soup_of(client.get("/?page=2"))
    assert titles(second) == [f"澳洲新闻{n}" for n in range(19, 25)]
    assert second.select(".headlines") == []
    for bad in ["abc", "-1", "0", "1.5", "%00", "１"]:
        assert titles(soup_of(client.get(f"/?page={bad}")))[0] == "澳洲新闻0"
    for too_far in ["3", "99999999", "9" * 40]:
        page = soup_of(client.get(f"/?page={too_far}"), status=404)
        assert text(page.select_one("h1")) == "页面不存在"


def test_channel_page_lists_only_its_own_articles(client, portal):
    page = soup_of(client.get("/finance/"))
    assert text(page.select_one("h1")) == "财经"
    assert [text(t) for t in page.select(".story-title")] == ["财经头条"]
    australia = soup_of(client.get("/australia/?page=2"))
    assert len(australia.select(".story")) == 5
    assert australia.select_one(".pager a[rel=prev]")["href"] == "?page=1"


def test_archive_pages_list_their_month(client, portal):
    article = ArticlePage.objects.get(slug="au-0")
    page = soup_of(client.get(article.get_parent().url))
    assert "澳洲新闻0" in [text(t) for t in page.select(".story-title")]


def test_unknown_url_is_a_chinese_404(client, home):
    page = soup_of(client.get("/no/such/page/"), status=404)
    assert text(page.select_one("h1")) == "页面不存在"
    assert page.select_one("meta[name=robots]")["content"] == "noindex"


def test_server_error_page_is_chinese():
    response = server_error(RequestFactory().get("/"))
    page = soup_of(response, status=500)
    assert text(page.select_one("h1")) == "服务器出错了"


def test_header_and_footer_come_from_site_settings(client, portal):
    FriendlyLink.objects.create(
        name="租房网", url="https://rent.example.com/", sort_order=1
    )
    privacy = StandardPageFactory(
        parent=portal["home"], title="隐私条款", slug="privacy"
    )
    settings = SiteSettings.objects.get()
    settings.privacy_page = privacy
    settings.save()

    page = soup_of(client.get("/"))
    footer = page.select_one("footer.site-footer")
    assert text(footer.select_one(".copyright")).endswith("测试传媒")
    assert [text(a) for a in footer.select(".footer-links a")] == ["隐私条款"]
    assert "电话: +61 2 5550 0100" in text(footer.select_one(".contact"))
    assert "联系邮箱: contact@example.com" in text(footer.select_one(".contact"))
    assert "商业合作: biz@example.com" in text(footer.select_one(".contact"))
    assert text(footer.select_one(".site-map-link a")) == "网站地图"
    assert text(footer.select_one(".sponsor")) == "法律顾问: 测试律师事务所"
    assert text(footer.select_one(".news-tips")) == "新闻爆料: tips@example.com"
    assert [text(a) for a in footer.select(".friendly-links a")] == ["租房网"]


def test_site_map_page_lists_channels_cities_keywords_and_pages(client, portal, city):
    make_article(portal["finance"], slug="kw", keywords=["汇率", "利率"])
    StandardPageFactory(parent=portal["home"], title="联系我们", slug="contact")
    page = soup_of(client.get("/sitemap/"))
    links = {text(a): a["href"] for a in page.select(".site-map a")}
    assert links["澳洲"] == "/australia/"
    assert links["悉尼"] == f"/city/{city.slug}/"
    assert links["汇率"].startswith("/keywords/")
    assert links["联系我们"] == "/contact/"


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_front_page_queries_do_not_grow_with_articles(
    client, home, channel, django_assert_max_num_queries
):
    for n in range(3):
        make_article(channel, slug=f"few-{n}")
    client.get("/")
    few = query_count(client, "/")
    for n in range(30):
        make_article(channel, slug=f"many-{n}")
    client.get("/")
    assert query_count(client, "/") == few
    with django_assert_max_num_queries(20):
        client.get("/")
