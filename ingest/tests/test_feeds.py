"""parse_feed(), parse_sitemap() and parse_url_list() on invented feeds and sitemaps
kept in tests/feeds/."""

import datetime
import gzip
import time
from pathlib import Path

import pytest

from ingest import feeds
from ingest.feeds import FeedError, FeedItem, parse_feed, parse_sitemap, parse_url_list

FEEDS = Path(__file__).parent / "feeds"
UTC = datetime.UTC


def read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def test_a_gbk_rss_feed_labelled_gb2312_reads_right():
    items = parse_feed(
        read("rss2_gbk.xml"),
        headers={"Content-Type": "text/xml"},
        base_url="https://south.example.com/rss.xml",
    )

    assert items == [
        FeedItem(
            url="https://south.example.com/news/2025/03/library.html",
            guid="south-20250303-001",
            title="朱镕基金会向市立图书馆捐赠中文书籍",  # 镕 is not in GB2312
            published=datetime.datetime(2025, 3, 3, 10, 30, tzinfo=UTC),
            summary="<p>本周一,基金会向图书馆赠送了两千册中文图书。</p>",
        ),
        FeedItem(
            url="https://south.example.com/news/2025/03/trains.html",
            guid="https://south.example.com/news/2025/03/trains.html",
            title="火车站周末停运,请改乘巴士",
            published=datetime.datetime(2025, 3, 4, 1, 0, tzinfo=UTC),
            summary="周六和周日全天维修,巴士每十五分钟一班。",
        ),
    ]


def test_the_base_url_can_come_from_content_location():
    items = parse_feed(
        read("rss2_gbk.xml"),
        headers={"Content-Location": "https://mirror.example.com/feeds/south"},
    )

    assert items[1].url == "https://mirror.example.com/news/2025/03/trains.html"


def test_an_atom_feed():
    items = parse_feed(read("atom.xml"), base_url="https://east.example.org/atom")

    assert [(item.url, item.guid, item.title) for item in items] == [
        (
            "https://east.example.org/stories/garden.html",
            "tag:east.example.org,2025:garden",
            "社区花园招募志愿者",
        ),
        (
            "https://east.example.org/stories/school.html",
            "tag:east.example.org,2025:school",
            "中文学校春季班开始报名",
        ),
    ]
    # Published when given, else updated; always aware and in UTC.
    assert items[0].published == datetime.datetime(2025, 3, 4, 21, 0, tzinfo=UTC)
    assert items[1].published == datetime.datetime(2025, 3, 4, 20, 0, tzinfo=UTC)
    assert items[1].summary == "<b>名额有限</b>,请尽早报名。"


def test_an_rss_1_feed():
    (item,) = parse_feed(read("rss1.rdf"))

    assert item.url == "https://west.example.net/a/1"
    assert item.title == "街市新增周日早市"
    assert item.published == datetime.datetime(2025, 3, 1, 23, 0, tzinfo=UTC)


def test_a_malformed_feed_that_still_has_items_is_used():
    items = parse_feed(read("malformed.xml"))

    # The unclosed <title> swallows the second item's link, so only one is left.
    assert [item.url for item in items] == ["https://north.example.com/weather/storm"]
    assert items[0].title == "暴雨预警\xa0今晚有雷阵雨"


def test_items_without_a_web_link_are_skipped(caplog):
    items = parse_feed(read("missing_link.xml"))

    assert [item.url for item in items] == [
        "https://central.example.com/notice/1",
        # A permalink guid is the item's link.
        "https://central.example.com/notice/3",
    ]
    assert "skipped 2 of 4 items" in caplog.text


def test_an_html_page_is_not_a_feed():
    with pytest.raises(FeedError, match="not a readable feed"):
        parse_feed(read("not_a_feed.html"), headers={"Content-Type": "text/html"})


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", b"<rss version="])
def test_garbage_is_not_a_feed(content):
    with pytest.raises(FeedError):
        parse_feed(content)


def test_an_empty_but_valid_feed_has_no_items():
    content = b'<rss version="2.0"><channel><title>t</title></channel></rss>'

    assert parse_feed(content) == []


def test_a_news_sitemap_gives_titles_and_dates():
    items, children = parse_sitemap(read("news_sitemap.xml"))

    assert children == []
    assert items == [
        FeedItem(
            url="https://harbour.example.com/news/ferry-timetable",
            guid="https://harbour.example.com/news/ferry-timetable",
            title="渡轮时刻表下月调整",
            published=datetime.datetime(2025, 3, 6, 2, 15, tzinfo=UTC),
            summary="",
        ),
        FeedItem(
            url="https://harbour.example.com/news/night-market",
            guid="https://harbour.example.com/news/night-market",
            title="夜市本周五开幕",
            published=datetime.datetime(2025, 3, 5, tzinfo=UTC),
            summary="",
        ),
        FeedItem(
            url="https://harbour.example.com/about",
            guid="https://harbour.example.com/about",
            title="",
            published=datetime.datetime(2024, 12, 1, tzinfo=UTC),
            summary="",
        ),
    ]


def test_a_sitemap_index_lists_child_sitemaps():
    items, children = parse_sitemap(
        read("sitemap_index.xml"), base_url="https://harbour.example.com/sitemap.xml"
    )

    assert items == []
    assert children == [
        "https://harbour.example.com/sitemaps/news.xml",
        "https://harbour.example.com/sitemaps/2025-02.xml.gz",
    ]


def test_a_billion_laughs_sitemap_is_refused_quickly():
    started = time.monotonic()

    with pytest.raises(FeedError, match="refused"):
        parse_sitemap(read("billion_laughs.xml"))

    assert time.monotonic() - started < 1


def test_a_sitemap_with_any_dtd_is_refused():
    content = b'<!DOCTYPE urlset SYSTEM "http://127.0.0.1/x.dtd"><urlset/>'

    with pytest.raises(FeedError, match="DTDForbidden"):
        parse_sitemap(content)


def test_a_gzipped_sitemap_is_decompressed():
    plain = read("news_sitemap.xml")

    assert parse_sitemap(gzip.compress(plain)) == parse_sitemap(plain)


def test_a_gzipped_sitemap_over_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_MAX_BYTES", 10_000)
    bomb = gzip.compress(b"<urlset>" + b" " * 1_000_000 + b"</urlset>")

    with pytest.raises(FeedError, match="over 10000 bytes"):
        parse_sitemap(bomb)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (gzip.compress(read("news_sitemap.xml"))[:200], "cut short"),
        (b"\x1f\x8bnot gzip at all", "broken gzip"),
        (b"<urlset><url><loc>", "not well-formed"),
        (b'<rss version="2.0"/>', "not <urlset>"),
    ],
)
def test_broken_sitemaps_are_feed_errors(content, reason):
    with pytest.raises(FeedError, match=reason):
        parse_sitemap(content)


def test_a_url_list_keeps_web_urls_in_order_once():
    text = """
    # 南方社区报 手工来源
    https://south.example.com/news/a.html

    http://south.example.com/news/b.html
    ftp://south.example.com/pub/c.txt
    javascript:alert(1)
    不是网址
    https://south.example.com/news/a.html
    """

    assert parse_url_list(text) == [
        FeedItem(
            url="https://south.example.com/news/a.html",
            guid="https://south.example.com/news/a.html",
            title="",
            published=None,
            summary="",
        ),
        FeedItem(
            url="http://south.example.com/news/b.html",
            guid="http://south.example.com/news/b.html",
            title="",
            published=None,
            summary="",
        ),
    ]
