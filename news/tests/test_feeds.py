"""RSS feeds, sitemap.xml and keyword pages."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from lxml import etree

from news.tests.factories import ChannelPageFactory, make_article

pytestmark = pytest.mark.django_db
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def articles(home, channel):
    finance = ChannelPageFactory(parent=home, title="财经", slug="finance")
    tz = timezone.get_current_timezone()
    return [
        make_article(
            channel,
            title="十月新闻",
            slug="oct",
            published_at=datetime.datetime(2026, 10, 3, 9, tzinfo=tz),
            keywords=["悉尼"],
        ),
        make_article(
            channel,
            title="十一月新闻",
            slug="nov",
            published_at=datetime.datetime(2026, 11, 20, 9, tzinfo=tz),
            keywords=["悉尼", "房价"],
            summary="导语<b>粗体</b>",
        ),
        make_article(
            finance,
            title="财经新闻",
            slug="fin",
            published_at=datetime.datetime(2026, 11, 21, 9, tzinfo=tz),
        ),
    ]


def parse_xml(response):
    assert response.status_code == 200
    return etree.fromstring(response.content)


def test_site_feed_is_valid_rss_with_absolute_links(client, articles):
    response = client.get("/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    rss = parse_xml(response)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    assert rss.findtext("channel/title") == "测试华讯:最新新闻"
    items = rss.findall("channel/item")
    assert [item.findtext("title") for item in items] == [
        "财经新闻",
        "十一月新闻",
        "十月新闻",
    ]
    assert items[1].findtext("link") == "http://testserver/australia/2026/11/nov/"
    assert items[1].findtext("description") == "导语<b>粗体</b>"  # escaped as text
    assert items[0].findtext("pubDate") == "Fri, 20 Nov 2026 22:00:00 +0000"


def test_channel_feed_has_only_that_channel(client, articles):
    rss = parse_xml(client.get("/rss/finance/"))
    assert rss.findtext("channel/title") == "测试华讯:财经"
    assert [item.findtext("title") for item in rss.findall("channel/item")] == [
        "财经新闻"
    ]
    assert client.get("/rss/no-such-channel/").status_code == 404


def test_sitemap_index_points_at_one_sitemap_per_month(client, articles):
    index = parse_xml(client.get("/sitemap.xml"))
    locations = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert locations == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-articles-2026-11.xml",
        "http://testserver/sitemap-articles-2026-10.xml",
    ]
    november = parse_xml(client.get("/sitemap-articles-2026-11.xml"))
    urls = [loc.text for loc in november.findall("s:url/s:loc", SITEMAP_NS)]
    assert urls == [
        "http://testserver/australia/2026/11/nov/",
        "http://testserver/finance/2026/11/fin/",
    ]
    assert november.find("s:url/s:lastmod", SITEMAP_NS) is not None
    pages = parse_xml(client.get("/sitemap-pages.xml"))
    page_urls = {loc.text for loc in pages.findall("s:url/s:loc", SITEMAP_NS)}
    assert page_urls == {
        "http://testserver/",
        "http://testserver/australia/",
        "http://testserver/finance/",
    }


@pytest.mark.parametrize(
    "section", ["articles-2026-13", "articles-26-11", "nonsense", "articles-2026-1x"]
)
def test_unknown_sitemap_sections_are_404(client, articles, section):
    assert client.get(f"/sitemap-{section}.xml").status_code == 404


def test_keyword_page_lists_tagged_articles(client, articles):
    response = client.get("/keywords/悉尼/")
    page = BeautifulSoup(response.content, "lxml")
    assert page.select_one("h1").get_text(strip=True) == "关键词:悉尼"
    titles = [t.get_text(strip=True) for t in page.select(".story-title")]
    assert titles == ["十一月新闻", "十月新闻"]
    assert client.get("/keywords/没有这个词/").status_code == 404
    assert client.get("/keywords/悉尼/?page=abc").status_code == 200
