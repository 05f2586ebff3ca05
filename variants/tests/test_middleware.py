"""Real pages read through the variant prefixes with the Django test client."""

import json
import uuid
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.http import JsonResponse
from django.test import RequestFactory

from accounts.tests.factories import UserFactory
from comments.models import Comment
from news.tests.factories import make_article, paragraphs
from variants import middleware
from variants.conversion import converter
from variants.middleware import VariantMiddleware

pytestmark = pytest.mark.django_db

TITLE = "悉尼华人社区举办中秋晚会，汇率走高"
TITLE_HANT = "悉尼華人社區舉辦中秋晚會，匯率走高"


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    middleware._pages.clear()


@pytest.fixture
def article(channel):
    return make_article(
        channel,
        title=TITLE,
        slug="mid-autumn",
        body=paragraphs("华人社区的志愿者准备了月饼。"),
    )


@pytest.fixture
def reader(home):
    return UserFactory(nickname="软件鼠标")


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "lxml")


def add_comment(article, user, body, **fields) -> Comment:
    comment = Comment.objects.create(
        article=article, user=user, body=body, status=Comment.Status.PENDING, **fields
    )
    comment.set_status(Comment.Status.PUBLISHED)
    return comment


def test_the_traditional_article_page(client, article):
    response = client.get(f"/zh-hant{article.url}")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-Hant"
    soup = soup_of(response)
    assert soup.html["lang"] == "zh-Hant"
    assert soup.select_one("main h1").get_text(strip=True) == TITLE_HANT
    assert "華人社區的志願者準備了月餅。" in soup.select_one("main").get_text()
    assert TITLE not in response.content.decode()
    assert soup.select_one('meta[property="og:locale"]')["content"] == "zh_TW"
    base = "http://testserver"
    canonical = soup.select_one('link[rel="canonical"]')["href"]
    assert canonical == f"{base}/zh-hant{article.url}"
    assert soup.select_one('meta[property="og:url"]')["content"] == canonical
    alternates = {
        link["hreflang"]: link["href"]
        for link in soup.select('link[rel="alternate"][hreflang]')
    }
    assert alternates == {
        "zh-Hans": f"{base}{article.url}",
        "zh-Hant": f"{base}/zh-hant{article.url}",
        "zh-HK": f"{base}/zh-hk{article.url}",
        "zh-TW": f"{base}/zh-tw{article.url}",
        "x-default": f"{base}{article.url}",
    }


def test_the_simplified_page_is_unprefixed_and_unconverted(client, article):
    response = client.get(article.url)
    soup = soup_of(response)
    assert soup.html["lang"] == "zh-Hans"
    assert soup.select_one("main h1").get_text(strip=True) == TITLE
    assert soup.select_one('link[rel="canonical"]')["href"].endswith(
        f"testserver{article.url}"
    )
    assert not any(
        a["href"].startswith("/zh-") for a in soup.select("main a[href], nav a[href]")
    )
    assert response.get("Content-Language") != "zh-Hant"


def test_links_stay_in_the_variant_and_files_do_not(client, article):
    soup = soup_of(client.get(f"/zh-tw{article.url}"))
    nav = [a["href"] for a in soup.select(".channel-nav a")]
    assert nav == ["/zh-tw/", "/zh-tw/australia/"]
    assert soup.select_one("a.logo")["href"] == "/zh-tw/"
    stylesheets = [link["href"] for link in soup.select('link[rel="stylesheet"]')]
    assert stylesheets and all(href.startswith("/static/") for href in stylesheets)
    scripts = [script["src"] for script in soup.select("script[src]")]
    assert scripts and all(src.startswith("/static/") for src in scripts)


def test_the_switcher_links_every_variant_of_this_page(client, article):
    soup = soup_of(client.get(f"/zh-hk{article.url}?page=2"))
    links = soup.select(".variant-switcher a")
    assert [a.get_text() for a in links] == ["简体", "繁體", "香港", "台灣"]
    assert soup.select_one(".variant-switcher")["translate"] == "no"
    assert [a["href"] for a in links] == [
        f"/variant/{code}/?next={article.url.replace('/', '%2F')}%3Fpage%3D2"
        for code in ("zh-hans", "zh-hant", "zh-hk", "zh-tw")
    ]
    assert [a.get("aria-current") for a in links] == [None, None, "true", None]


def test_nicknames_are_not_converted_but_comments_are(client, article, reader):
    add_comment(article, reader, "软件很好用")
    replier = UserFactory(nickname="鼠标里")
    thread = Comment.objects.get()
    add_comment(
        article, replier, "后来呢", parent=thread, reply_to=thread, reply_to_user=reader
    )
    soup = soup_of(client.get(f"/zh-tw{article.url}"))
    authors = [node.get_text() for node in soup.select(".comment-author")]
    assert authors == ["软件鼠标", "鼠标里"]
    assert soup.select_one(".reply-to [translate=no]").get_text() == "软件鼠标"
    bodies = [node.get_text(strip=True) for node in soup.select(".comment-body")]
    assert bodies == ["軟體很好用", "後來呢"]
    initials = [node.get_text() for node in soup.select(".comment .avatar")]
    assert initials == ["软", "鼠"]


def test_the_signed_in_nickname_in_the_header_stays(client, article, reader):
    client.force_login(reader)
    soup = soup_of(client.get(f"/zh-hant{article.url}"))
    assert soup.select_one(".account-links .nickname").get_text() == "软件鼠标"


def test_posting_a_comment_from_a_traditional_page(client, article, reader):
    client.force_login(reader)
    page = soup_of(client.get(f"/zh-hant{article.url}"))
    form = page.select_one("form.comment-form")
    assert form["action"] == f"/zh-hant/comments/article/{article.pk}/post/"
    response = client.post(
        form["action"], {"body": "我在看繁體版", "key": str(uuid.uuid4())}
    )
    comment = Comment.objects.get()
    assert comment.body == "我在看繁體版"  # stored as written
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hant{article.url}#comment-{comment.pk}"


def test_posting_with_htmx_gets_a_converted_fragment(client, article, reader):
    client.force_login(reader)
    response = client.post(
        f"/zh-hant/comments/article/{article.pk}/post/",
        {"body": "后来怎么样", "key": str(uuid.uuid4())},
        headers={"HX-Request": "true"},
    )
    soup = soup_of(response)
    assert soup.select_one(".comment-body").get_text(strip=True) == "後來怎麼樣"
    assert soup.select_one(".comment-author").get_text() == "软件鼠标"
    assert soup.select_one(".reply-link")["hx-get"].startswith("/zh-hant/comments/")


def test_a_missing_page_is_the_chinese_404_in_the_variant(client, home):
    response = client.get("/zh-hant/no-such-page/")
    assert response.status_code == 404
    soup = soup_of(response)
    assert soup.html["lang"] == "zh-Hant"
    assert soup.select_one(".error-page h1")
    assert soup.select_one(".error-page a")["href"] == "/zh-hant/"


@pytest.mark.parametrize("path", ["/zh-xx/", "/zh-cn/news/", "/zh-hantx/"])
def test_unknown_prefixes_are_just_missing_pages(client, home, path):
    response = client.get(path)
    assert response.status_code == 404
    assert soup_of(response).html["lang"] == "zh-Hans"


def test_redirects_keep_the_prefix(client, article):
    without_slash = article.url.rstrip("/")
    response = client.get(f"/zh-hk{without_slash}")
    assert response.status_code == 301
    assert response["Location"] == f"/zh-hk{article.url}"
    response = client.get("/zh-hk")
    assert response["Location"] == "/zh-hk/"


def test_choose_city_redirect_stays_in_the_variant(client, article):
    response = client.get("/zh-hant/city/choose/?city=sydney&next=/australia/")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hant/australia/"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/zh-hant/admin/", "/admin/"),
        ("/zh-tw/django-admin/login/?next=/x/", "/django-admin/login/?next=/x/"),
        ("/zh-hk/static/core/site.css", "/static/core/site.css"),
        ("/zh-hant/variant/zh-hk/?next=/", "/variant/zh-hk/?next=/"),
    ],
)
def test_the_admin_and_files_exist_once_unprefixed(client, home, path, target):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == target


def test_rss_is_not_converted(client, article):
    response = client.get("/zh-hant/rss/")
    assert response.status_code == 200
    assert TITLE in response.content.decode()
    assert TITLE_HANT not in response.content.decode()
    assert "/zh-hant/" not in response.content.decode()


def test_json_is_not_converted():
    handler = VariantMiddleware(lambda request: JsonResponse({"title": "华人社区"}))
    response = handler(RequestFactory().get("/zh-hant/api/x/"))
    assert json.loads(response.content) == {"title": "华人社区"}


def test_a_page_is_converted_once_then_served_from_the_cache(client, article):
    real = converter("s2t")
    calls = []

    class Counting:
        def convert(self, text):
            calls.append(text)
            return real.convert(text)

    with mock.patch("variants.conversion.converter", return_value=Counting()):
        first = client.get(f"/zh-hant{article.url}")
        assert calls
        counted = len(calls)
        second = client.get(f"/zh-hant{article.url}")
        assert len(calls) == counted
        client.get(f"/zh-hk{article.url}")  # another variant is another entry
        assert len(calls) > counted
    assert first.content == second.content
    assert TITLE_HANT in second.content.decode()
