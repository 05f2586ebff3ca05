"""The operator's `extract_article` command on pages served from a local server."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from news.tests.factories import make_article

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(autouse=True)
def _local_sources_allowed(settings, httpserver):
    settings.INGEST_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)


def run(url: str, *args: str) -> dict:
    out = io.StringIO()
    call_command("extract_article", url, *args, stdout=out)
    return json.loads(out.getvalue())


def gbk_page(name: str) -> bytes:
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    return html.replace('<meta charset="utf-8">', '<meta charset="gb2312">').encode(
        "gb18030"
    )


def test_a_mis_labelled_gbk_page_comes_out_whole(httpserver, home):
    expected = json.loads((PAGES / "classic_portal.expected.json").read_text())
    # The server claims UTF-8; the page says gb2312; the bytes are GBK.
    httpserver.expect_request("/news/library.html").respond_with_data(
        gbk_page("classic_portal"), content_type="text/html; charset=utf-8"
    )
    got = run(httpserver.url_for("/news/library.html"))
    for field in ("title", "published", "source", "author", "paragraphs"):
        assert got[field] == expected[field], field
    assert [(i["caption"], i["credit"]) for i in got["images"]] == [
        (i["caption"], i["credit"]) for i in expected["images"]
    ]
    assert got["encoding"] == "gb18030"
    assert got["duplicate_of"] is None
    assert {"图书馆", "悉尼"} <= set(got["keywords"])


def test_a_page_already_republished_is_named_as_the_duplicate(httpserver, channel):
    url = httpserver.url_for("/news/library.html")
    make_article(channel, title="旧稿", slug="old", original_url=url + "?utm_source=x")
    httpserver.expect_request("/news/library.html").respond_with_data(
        gbk_page("classic_portal"), content_type="text/html"
    )
    assert run(url)["duplicate_of"] == url + "?utm_source=x"


def test_failures_are_precise_operator_errors(httpserver, home, settings):
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    with pytest.raises(CommandError, match="404"):
        run(httpserver.url_for("/gone.html"))
    with pytest.raises(CommandError, match="no source"):
        run(httpserver.url_for("/gone.html"), "--source", "nobody")
    settings.INGEST_PRIVATE_HOSTS = []
    with pytest.raises(CommandError, match=r"(?i)private|loopback|refuse"):
        run(httpserver.url_for("/gone.html"))
