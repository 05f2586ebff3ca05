"""The switch between variants and what it remembers."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from news.tests.factories import SourceFactory, make_article
from variants.conversion import VARIANTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/variant/zh-hant/?next=/australia/", "/zh-hant/australia/"),
        ("/variant/zh-tw/?next=/australia/%3Fpage%3D2", "/zh-tw/australia/?page=2"),
        ("/variant/zh-hk/?next=/zh-hant/australia/", "/zh-hk/australia/"),
        ("/variant/zh-hk/?next=/zh-hant", "/zh-hk/"),
        ("/variant/zh-hant/?next=https://evil.example/", "/zh-hant/"),
        ("/variant/zh-hant/?next=//evil.example/", "/zh-hant/"),
        ("/variant/zh-hant/?next=/\\evil.example/", "/zh-hant/"),
        ("/variant/zh-hant/", "/zh-hant/"),
        ("/variant/zh-hant/?next=/admin/", "/admin/"),
    ],
)
def test_the_switch_goes_to_the_page_in_the_chosen_variant(client, url, location):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == location
    assert response.cookies["variant"].value == url.split("/")[2]
    assert response.cookies["variant"]["max-age"] == 365 * 24 * 3600
    assert "no-cache" in response["Cache-Control"]


def test_choosing_simplified_forgets_the_choice(client):
    client.cookies["variant"] = "zh-hant"
    response = client.get("/variant/zh-hans/?next=/zh-hant/australia/%3Fpage%3D2")
    assert response["Location"] == "/australia/?page=2"
    assert response.cookies["variant"].value == ""
    assert response.cookies["variant"]["max-age"] == 0


@pytest.mark.parametrize("url", ["/variant/zh-cn/?next=/", "/variant/x/"])
def test_an_unknown_variant_is_missing(client, home, url):
    assert client.get(url).status_code == 404


def test_a_post_to_the_switch_is_refused(client):
    assert client.post("/variant/zh-hant/?next=/").status_code == 405


def test_pages_do_not_vary_by_the_cookie(client, channel):
    article = make_article(channel, title="华人社区", slug="same")
    plain = client.get(article.url)
    client.cookies["variant"] = "zh-hant"
    with_cookie = client.get(article.url)
    assert plain.content == with_cookie.content
    assert plain.get("Vary") == with_cookie.get("Vary")


def test_the_script_knows_every_prefixed_variant():
    script = Path(__file__).parents[1] / "static" / "variants" / "variants.js"
    lists = re.findall(r"\((zh-[a-z|-]+)\)", script.read_text())
    prefixed = {code for code, v in VARIANTS.items() if v.prefix}
    assert lists and all(set(codes.split("|")) == prefixed for codes in lists)


def test_a_canonical_pointing_at_the_original_is_kept(client, channel):
    source = SourceFactory()
    article = make_article(
        channel,
        title="转载的文章",
        slug="republished",
        source=source,
        is_republished=True,
        original_url="https://source.example/story/1",
    )
    soup = BeautifulSoup(client.get(f"/zh-hant{article.url}").content, "lxml")
    assert [link["href"] for link in soup.select('link[rel="canonical"]')] == [
        "https://source.example/story/1"
    ]
    assert soup.select_one('link[hreflang="zh-Hant"]')["href"] == (
        f"http://testserver/zh-hant{article.url}"
    )
