"""From an outlet's feed to a published, attributed article and back down, with every
part real: a local server plays the outlet (a mislabelled GBK page, a photo set, a
Traditional copy, a broken page), the scheduler and a worker run as processes, and an
editor works in Chromium."""

import io
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import opencc
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect
from pytest_httpserver import HTTPServer

from tests.conftest import REPO, DemoSite, serve_demo

pytestmark = pytest.mark.browser

PAGES = REPO / "ingest" / "tests" / "pages"
WAIT = 120
LIBRARY = "/news/2026/11/17/library.html"


def page_html(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def expected(name: str) -> dict:
    return json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 533), "#4477aa").save(out, "JPEG")
    return out.getvalue()


def feed(base: str) -> str:
    items = [
        ("library", LIBRARY, "悉尼西区新建社区图书馆正式开放"),
        ("photos", "/photo/2026/11/15/lights.html", "布里斯班河畔灯光节开幕"),
        ("library-hk", "/hk/library.html", "悉尼西區新建社區圖書館正式開放"),
        ("broken", "/news/broken.html", "一条打不开的新闻"),
    ]
    entries = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        f"<guid isPermaLink='false'>{guid}</guid></item>"
        for guid, path, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>南十字星日报</title><link>{base}/</link>{entries}</channel></rss>"
    )


@pytest.fixture(scope="module")
def outlet() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    base = server.url_for("").rstrip("/")
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/feed.xml").respond_with_data(
        feed(base), content_type="application/rss+xml"
    )
    # GBK bytes that the server calls UTF-8 and the page calls gb2312.
    library = page_html("classic_portal").replace(
        '<meta charset="utf-8">', '<meta charset="gb2312">'
    )
    server.expect_request(LIBRARY).respond_with_data(
        library.encode("gb18030"), content_type="text/html; charset=utf-8"
    )
    server.expect_request("/photo/2026/11/15/lights.html").respond_with_data(
        page_html("photo_set"), content_type="text/html; charset=utf-8"
    )
    # The same story in Hong Kong script, under another address.
    hk = opencc.OpenCC("s2hk").convert(
        re.sub(r'<link rel="canonical"[^>]*>', "", page_html("classic_portal"))
    )
    server.expect_request("/hk/library.html").respond_with_data(
        hk, content_type="text/html; charset=utf-8"
    )
    server.expect_request("/news/broken.html").respond_with_data(
        "<html><body><div>被截断的页", status=500
    )
    server.expect_request(re.compile(r"^/uploads/.*\.jpg$")).respond_with_data(
        jpeg(), content_type="image/jpeg"
    )
    yield server
    server.clear()
    server.stop()


def shell(site: DemoSite, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO,
        env=site.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def portal(outlet: HTTPServer) -> Iterator[DemoSite]:
    workdir = Path(tempfile.mkdtemp(prefix="huaxun-ingest-"))
    with serve_demo(
        workdir, INGEST_PRIVATE_HOSTS="127.0.0.1,localhost", TASKS_BACKEND="database"
    ) as site:
        shell(
            site,
            "from news.models import ChannelPage, Source; "
            "Source.objects.create(name='南十字星日报', slug='replay', kind='rss', "
            f"feed_url='{outlet.url_for('/feed.xml')}', poll_minutes=15, "
            "default_channel=ChannelPage.objects.get(slug='australia'))",
        )
        site.start("scheduler", "run_scheduler", "--tick", "1")
        site.start("worker", "db_worker", "--interval", "0.2", "--no-startup-delay")
        yield site


CANDIDATES = """
import json
from ingest.models import Candidate
print(json.dumps([
    {"id": c.pk, "url": c.url, "title": c.title, "status": c.status,
     "published": c.published.isoformat() if c.published else None,
     "source_name": c.source_name, "author": c.author,
     "paragraphs": (c.data or {}).get("paragraphs", []),
     "images": (c.data or {}).get("images", []),
     "duplicate_of": c.duplicate_of.url if c.duplicate_of else None,
     "error": c.error}
    for c in Candidate.objects.order_by("pk")
], ensure_ascii=False))
"""


def candidates(site: DemoSite) -> dict[str, dict]:
    rows = json.loads(shell(site, CANDIDATES).strip().splitlines()[-1])
    return {row["url"].split("/", 3)[-1]: row for row in rows}


def hk_status(found):
    return {k: (v["status"], v["duplicate_of"], v["id"]) for k, v in found.items()}


def settled(site: DemoSite) -> dict[str, dict]:
    deadline = time.monotonic() + WAIT
    while True:
        found = candidates(site)
        if len(found) == 4 and all(c["status"] != "pending" for c in found.values()):
            return found
        if time.monotonic() > deadline:
            pytest.fail(
                f"candidates not processed within {WAIT} s: {found}\n"
                f"--- worker ---\n{site.log('worker')[-4000:]}",
                pytrace=False,
            )
        time.sleep(2)


def test_from_feed_to_article_and_down_again(
    portal: DemoSite, browser: Browser, artifacts_dir: Path
) -> None:
    found = settled(portal)
    library = found[LIBRARY.lstrip("/")]
    want = expected("classic_portal")
    assert library["status"] == "ready", (library["duplicate_of"], hk_status(found))
    for field in ("title", "author", "paragraphs"):
        assert library[field] == want[field], field
    assert datetime.fromisoformat(library["published"]) == datetime.fromisoformat(
        want["published"]
    )
    assert library["source_name"] == want["source"]
    assert [(i["caption"], i["credit"]) for i in library["images"]] == [
        (i["caption"], i["credit"]) for i in want["images"]
    ]
    photos = found["photo/2026/11/15/lights.html"]
    assert photos["status"] == "ready"
    assert [(i["caption"], i["credit"]) for i in photos["images"]] == [
        (i["caption"], i["credit"]) for i in expected("photo_set")["images"]
    ]
    hk = found["hk/library.html"]
    assert hk["status"] == "duplicate"
    assert hk["duplicate_of"] == library["url"]
    assert found["news/broken.html"]["status"] == "failed"

    context = browser.new_context(base_url=portal.base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/admin/login/")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill("huaxun-demo")
        page.locator("button[type=submit]").click()
        page.goto("/admin/ingest/")
        row = page.locator(f"[data-candidate='{library['id']}']")
        expect(row).to_contain_text(want["title"])
        page.goto(f"/admin/ingest/{library['id']}/")
        page.locator("button[name=action][value=publish]").click()
        expect(page.locator(".messages")).to_contain_text(want["title"])

        article_path = shell(
            portal,
            "from news.models import ArticlePage; "
            "print(ArticlePage.objects.live()"
            f".get(original_url='{library['url']}').get_url())",
        ).strip()
        reader = browser.new_context(base_url=portal.base_url)
        article = reader.new_page()
        opened = article.goto(article_path)
        assert opened.status == 200, (article_path, opened.status)
        expect(article.locator("h1.article-title")).to_have_text(want["title"])
        expect(article.locator(".article-meta .source")).to_contain_text("南十字星日报")
        expect(article.locator(".article-meta .original-link")).to_have_attribute(
            "href", library["url"]
        )
        expect(article.locator(".disclaimer-top")).to_contain_text("南十字星日报")
        expect(article.locator(".disclaimer-bottom")).to_contain_text("南十字星日报")
        expect(article.locator(".keywords a").first).to_be_visible()
        expect(
            article.locator(".article-body figure figcaption").first
        ).to_contain_text(want["images"][0]["caption"])
        article_url = article.url
        article.screenshot(path=artifacts_dir / "republished.png", full_page=True)

        # The outlet asks for its stories to be removed: one action.
        source_id = shell(
            portal,
            "from news.models import Source; "
            "print(Source.objects.get(slug='replay').pk)",
        ).strip()
        page.goto(f"/admin/sources/{source_id}/takedown/")
        page.locator("textarea[name=reason], input[name=reason]").fill("来源方要求撤稿")
        page.locator("form button[type=submit]").last.click()
        response = article.goto(article_url)
        assert response.status == 404
        reader.close()
    finally:
        context.close()
