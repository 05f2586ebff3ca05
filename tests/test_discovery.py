"""Discovery in Chromium: reading an article counts a view through the beacon, and
the story then shows in the front page's 24小时热点.

The shared demo server keeps pages in the page cache, where a front page shows the
hot list of when it was stored (up to PAGE_CACHE_SECONDS); this test wants the list
of now, so it runs on a demo server of its own without the page cache.
"""

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import serve_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def uncached_site() -> Iterator[str]:
    workdir = Path(tempfile.mkdtemp(prefix="huaxun-discovery-"))
    try:
        with serve_demo(workdir, PAGE_CACHE_SECONDS="0") as site:
            yield site.base_url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def page(browser: Browser, uncached_site: str) -> Iterator[Page]:
    context = browser.new_context(base_url=uncached_site)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_read_article_enters_the_hot_list(page: Page) -> None:
    page.goto("/")
    stories = page.locator(".latest .story-link")
    story = stories.nth(stories.count() - 1)
    href = story.get_attribute("href")
    title = " ".join(story.locator(".story-title").inner_text().split())
    assert href

    with page.expect_response(re.compile(r"/hit/\d+/$")) as beacon:
        page.goto(href)
    assert beacon.value.status == 204
    assert beacon.value.request.method == "POST"
    # The page sets no cookie: views are counted without one.
    assert page.context.cookies() == []
    related = page.locator(".related-stories li a")
    expect(related.first).to_be_visible()

    page.goto("/")
    hot = page.locator(".hot-views li a", has_text=title)
    expect(hot).to_have_count(1)
    assert hot.get_attribute("href") == href
