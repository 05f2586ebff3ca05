"""A reader's view of the demo portal, in Chromium, against the production server.

The demo portal and the browser come from tests/conftest.py; Playwright drives the
system Chromium through the pages the way a reader would.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

DEFAULT_CITY = "悉尼"

PHOTO_SET = "(组图)"
TODAY = re.compile(r"^\d{1,2}月\d{1,2}日$")
WEATHER = re.compile(r"^-?\d+\.\d°C--?\d+\.\d°C$")
RATE = re.compile(r"^澳元 : 人民币=\d+\.\d{2}$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

SCROLL_SLOWLY = """async () => {
  const step = Math.max(200, Math.floor(window.innerHeight / 2));
  for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
    window.scrollTo(0, y);
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
}"""
IMAGES_LOADED = """() => Array.from(
  document.querySelectorAll(".article-body figure img")
).every((img) => img.complete && img.naturalWidth > 0)"""
BROKEN_IMAGES = """() => Array.from(
  document.querySelectorAll(".article-body figure img")
).filter((img) => !(img.complete && img.naturalWidth > 0))
 .map((img) => img.currentSrc || img.src)"""


def text_of(page: Page, selector: str) -> str:
    return " ".join(page.locator(selector).first.inner_text().split())


def scroll_to_bottom_and_wait_for_images(page: Page) -> None:
    page.evaluate(SCROLL_SLOWLY)
    try:
        page.wait_for_function(IMAGES_LOADED, timeout=10_000)
    except PlaywrightTimeoutError:
        pass  # the assertion below names the images that did not load
    assert page.evaluate(BROKEN_IMAGES) == []


def city_cookie(page: Page) -> str | None:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("city")


def assert_header_shows_a_city(page: Page, city: str) -> None:
    header = page.locator("header.site-header")
    expect(header.locator(".city-name")).to_have_text(city)
    expect(header.locator(".city-now .today")).to_have_text(TODAY)
    expect(header.locator(".weather")).to_have_text(WEATHER)
    expect(header.locator(".rate")).to_have_text(RATE)


# --- The tests -----------------------------------------------------------------


def test_reader_opens_a_photo_set_from_the_front_page(
    page: Page, artifacts_dir: Path
) -> None:
    page.goto("/")
    story = (
        page.locator("main a")
        .filter(has_text=re.compile(re.escape(PHOTO_SET) + r"\s*$"))
        .first
    )
    expect(story).to_be_visible()
    href = story.get_attribute("href")
    assert href
    story.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    page.wait_for_load_state("load")

    # The header: slogan, the default city's date, weather and rate, app, account.
    header = page.locator("header.site-header")
    assert text_of(page, "header.site-header .slogan")
    assert_header_shows_a_city(page, DEFAULT_CITY)
    assert text_of(page, "header.site-header .app-link").endswith("app下载")
    accounts = header.locator(".account-links")
    expect(accounts.get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(accounts.get_by_role("link", name="注册", exact=True)).to_be_visible()

    # The article: title, meta line, disclaimers, numbered photos, keywords.
    article = page.locator("article.article")
    h1 = text_of(page, "article.article h1")
    assert h1.endswith(PHOTO_SET)
    title = h1.removesuffix(PHOTO_SET)
    meta = text_of(page, "article.article .article-meta")
    assert DATE.search(meta), meta
    assert "来源:" in meta
    assert "评论0条" in meta

    # The demo's newest photo set is republished (core/tests/test_demo.py).
    original = article.locator(".article-meta .original-link")
    expect(original).to_have_text("原文链接")
    assert re.match(r"^https?://", original.get_attribute("href") or "")
    top = text_of(page, "article.article .disclaimer-top")
    bottom = text_of(page, "article.article .disclaimer-bottom")
    assert top.startswith("本文转载自")
    assert top == bottom

    assert article.locator(".photo-set figure").count() >= 5
    alts = [
        img.get_attribute("alt")
        for img in article.locator(".article-body figure img").all()
    ]
    assert alts == [f"{title} - {n}" for n in range(1, len(alts) + 1)]
    for caption in article.locator(".article-body figcaption").all():
        credit = caption.locator(".credit")
        expect(credit).to_have_count(1)
        credit_text = " ".join(credit.inner_text().split())
        assert credit_text == credit_text.upper()
        assert " ".join(caption.inner_text().split()).endswith(credit_text)
    keywords = article.locator(".keywords a").all()
    assert len(keywords) >= 1
    for keyword in keywords:
        assert (keyword.get_attribute("href") or "").startswith("/keywords/")

    # Comments.
    expect(page.locator("#comments h2")).to_have_text("今日评论")
    expect(page.locator("#comments .comments-count")).to_have_text("最新评论(0)")

    # The footer.
    footer = page.locator("footer.site-footer")
    footer_text = footer.inner_text()
    for words in ["Copyright", "网站地图", "法律顾问", "新闻爆料", "友情链接"]:
        assert words in footer_text, words
    footer_links = [
        " ".join(link.split())
        for link in footer.locator(".footer-links a").all_inner_texts()
    ]
    for name in ["隐私条款", "联系我们", "商务合作", "加入我们"]:
        assert name in footer_links, (name, footer_links)

    # The parts come one below the other, as on the reference page.
    parts = [
        "header.site-header",
        "article.article h1",
        "article.article .article-meta",
        "article.article .article-body",
        "article.article .keywords",
        "#comments",
        "footer.site-footer",
    ]
    tops = []
    for selector in parts:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, f"{selector} is not displayed"
        tops.append(box["y"])
    assert tops == sorted(tops) and len(set(tops)) == len(tops), dict(
        zip(parts, tops, strict=True)
    )

    # Every photo loads once the reader has scrolled past it.
    scroll_to_bottom_and_wait_for_images(page)
    desktop = artifacts_dir / "article-desktop.png"
    page.screenshot(path=str(desktop), full_page=True)

    # On a phone: the same page, and nothing sticks out sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload(wait_until="load")
    scroll_to_bottom_and_wait_for_images(page)
    mobile = artifacts_dir / "article-mobile.png"
    page.screenshot(path=str(mobile), full_page=True)

    for shot in (desktop, mobile):
        assert shot.exists(), shot
        assert shot.stat().st_size > 10_000, (shot, shot.stat().st_size)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page scrolls sideways: {scroll_width}px wide"


def test_city_switcher_changes_the_header(page: Page) -> None:
    page.goto("/")
    assert_header_shows_a_city(page, DEFAULT_CITY)

    switcher = page.locator("header.site-header .city-switcher")
    switcher.locator("summary").click()
    with page.expect_navigation(url=re.compile(r"/$")):
        switcher.get_by_role("link", name="墨尔本", exact=True).click()
    assert city_cookie(page) == "melbourne"
    # city.js swaps in the chosen city's header fragment after the page loads.
    assert_header_shows_a_city(page, "墨尔本")

    # The choice follows the reader to other pages.
    channel = page.locator(".channel-nav a:not([href='/'])").first
    channel_href = channel.get_attribute("href")
    assert channel_href
    channel.click()
    page.wait_for_url(re.compile(re.escape(channel_href) + "$"))
    assert_header_shows_a_city(page, "墨尔本")

    # An unknown city means the default one.
    page.goto("/city/choose/?city=no-such-city")
    page.wait_for_load_state("networkidle")
    assert_header_shows_a_city(page, DEFAULT_CITY)
    assert city_cookie(page) in (None, "sydney")
