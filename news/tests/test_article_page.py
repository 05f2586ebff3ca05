"""The article page shows every element of the reference page, in order."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from editions.tests.factories import ExchangeRateFactory, WeatherReadingFactory
from news.tests.factories import (
    SourceFactory,
    body,
    image_block,
    make_article,
    photo_set_block,
)

pytestmark = pytest.mark.django_db


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.fixture
def photo_article(channel, city, make_image):
    images = [make_image(title=f"图{n}", color=f"#{n}{n}33aa") for n in range(1, 7)]
    source = SourceFactory(name="南十字星日报")
    return make_article(
        channel,
        title="悉尼港新年烟花彩排",
        slug="fireworks",
        summary="彩排吸引大批市民。",
        source=source,
        original_url="https://nanshizi.example/fireworks",
        is_republished=True,
        byline="记者 王小明",
        keywords=["悉尼", "烟花", "新年"],
        cities=[city],
        body=body(
            {"type": "paragraph", "value": "<p>开头一段。</p>"},
            image_block(images[0], caption="港口的夜景", credit="LIN QIAO/NANSHIZI"),
            photo_set_block(images[1:], credit="MARK HOLLOWAY/PACIFIC PHOTO"),
            {"type": "paragraph", "value": "<p>结尾一段。</p>"},
        ),
    )


def test_article_page_shows_the_anatomy_in_order(client, photo_article, city):
    WeatherReadingFactory(city=city, temp_min="18.3", temp_max="20.3")
    ExchangeRateFactory(rate="4.7123")
    page = soup_of(client.get(photo_article.url))

    header = page.select_one("header.site-header")
    assert text(header.select_one(".slogan")) == "测试口号:本地新闻"
    assert text(header.select_one(".weather")) == "18.3°C-20.3°C"
    assert text(header.select_one(".rate")) == "澳元 : 人民币=4.71"
    assert text(header.select_one(".city-name")) == "悉尼"
    assert text(header.select_one(".app-link")) == "测试华讯app下载"
    assert [text(a) for a in header.select(".account-links a")] == ["登录", "注册"]

    article = page.select_one("article.article")
    assert text(article.select_one("h1")) == "悉尼港新年烟花彩排(组图)"
    meta = article.select_one(".article-meta")
    # The page shows the date where the site is (TIME_ZONE), not UTC's.
    published = timezone.localtime(photo_article.published_at)
    assert text(meta.select_one("time")) == published.strftime("%Y-%m-%d")
    assert text(meta.select_one(".source")) == "来源: 南十字星日报"
    original = meta.select_one("a.original-link")
    assert text(original) == "原文链接"
    assert original["href"] == "https://nanshizi.example/fireworks"
    assert text(meta.select_one("a.comment-count")) == "评论0条"
    assert meta.select_one("a.comment-count")["href"] == "#comments"

    top, bottom = article.select(".disclaimer")
    assert "disclaimer-top" in top["class"] and "disclaimer-bottom" in bottom["class"]
    assert text(top).startswith("本文转载自南十字星日报,")
    assert text(top) == text(bottom)

    images = article.select(".article-body figure img")
    assert [img["alt"] for img in images] == [
        f"悉尼港新年烟花彩排 - {n}" for n in range(1, 7)
    ]
    captions = [text(caption) for caption in article.select(".article-body figcaption")]
    assert captions[0] == "港口的夜景 LIN QIAO/NANSHIZI"
    assert all(
        caption.endswith("MARK HOLLOWAY/PACIFIC PHOTO") for caption in captions[1:]
    )
    assert images[0]["loading"] == "eager"
    assert {img["loading"] for img in images[1:]} == {"lazy"}
    assert article.select_one(".article-body picture source[type='image/webp']")[
        "srcset"
    ]

    keywords = article.select(".keywords a")
    assert [text(a) for a in keywords] == ["悉尼", "烟花", "新年"]
    assert keywords[0]["href"] == "/keywords/%E6%82%89%E5%B0%BC/"

    comments = page.select_one("#comments")
    assert text(comments.select_one("h2")) == "今日评论"
    assert text(comments.select_one(".comments-disclaimer")).startswith(
        "评论仅代表网友个人看法"
    )
    assert text(comments.select_one(".comments-count")) == "最新评论(0)"

    # The elements come in the reference page's order.
    order = [
        header,
        article.select_one("h1"),
        meta,
        top,
        article.select_one(".article-body"),
        bottom,
        article.select_one(".keywords"),
        comments,
        page.select_one("footer.site-footer"),
    ]
    document_order = {id(node): n for n, node in enumerate(page.descendants)}
    positions = [document_order[id(node)] for node in order]
    assert positions == sorted(positions)


def test_original_article_has_no_disclaimer_and_no_photo_set_suffix(client, channel):
    article = make_article(channel, title="原创报道", slug="own-story")
    page = soup_of(client.get(article.url))
    assert text(page.select_one("article h1")) == "原创报道"
    assert page.select(".disclaimer") == []
    assert text(page.select_one(".article-meta .source")) == "来源: 测试华讯"
    assert page.select_one(".article-meta .original-link") is None


def test_open_graph_and_canonical(client, photo_article):
    page = soup_of(client.get(photo_article.url + "?utm_source=x"))
    # A republished story names the original as the canonical page (the source's
    # default), while shares still point at our copy.
    canonical = page.select_one("link[rel=canonical]")["href"]
    assert canonical == photo_article.original_url
    og = {m["property"]: m["content"] for m in page.select("meta[property]")}
    assert og["og:type"] == "article"
    assert og["og:title"] == "悉尼港新年烟花彩排(组图)"
    assert og["og:url"] == "http://testserver" + photo_article.url
    assert og["og:image"].startswith("http://testserver/")
    assert og["article:tag"] in {"悉尼", "烟花", "新年"}


def test_missing_or_broken_images_do_not_break_the_article(client, photo_article):
    from wagtail.images import get_image_model

    images = list(get_image_model().objects.order_by("pk"))
    images[1].file.storage.delete(images[1].file.name)  # file gone from storage
    with images[2].file.storage.open(images[2].file.name, "wb") as broken:
        broken.write(b"this is not a JPEG")
    images[3].delete()  # record gone: the block's image is now None

    page = soup_of(client.get(photo_article.url))
    figures = page.select(".article-body figure")
    assert len(figures) == 6  # every figure keeps its caption
    assert len(page.select(".article-body figure img")) == 3
    assert "第3张图的说明" in text(figures[3])
    assert "结尾一段。" in text(page.select_one(".article-body"))


def test_article_page_query_count_is_bounded(
    client, photo_article, django_assert_max_num_queries
):
    client.get(photo_article.url)  # renditions are made on the first view
    # 19 for the page and its chrome (read afresh: the tests turn the chrome's
    # snapshot off, core/tests/test_chrome.py counts it on), 3 for the comment
    # section (its settings, pinned comments, one page of threads); replies only
    # when there are some.
    with django_assert_max_num_queries(22):
        response = client.get(photo_article.url)
    assert response.status_code == 200
