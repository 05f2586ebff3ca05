"""A reader switches the demo portal to 繁體 in Chromium and back to 简体."""

import re
from pathlib import Path

import pytest
from opencc import OpenCC
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ARTICLE_PATH = re.compile(r"^/[a-z0-9-]+/\d{4}/\d{2}/[^/]+/$")
FIRST_ARTICLE = """() => Array.from(document.querySelectorAll("main a[href]"))
  .map((a) => a.getAttribute("href"))
  .find((href) => /^\\/[a-z0-9-]+\\/\\d{4}\\/\\d{2}\\/[^/]+\\/$/.test(href))"""


def text_of(page: Page, selector: str) -> str:
    return " ".join(page.locator(selector).first.inner_text().split())


def variant_cookie(page: Page) -> str | None:
    return {c["name"]: c["value"] for c in page.context.cookies()}.get("variant")


def test_reader_reads_in_traditional_script_and_the_choice_is_remembered(
    page: Page, demo_server: str, artifacts_dir: Path
) -> None:
    s2t = OpenCC("s2t")
    page.goto("/")
    article = page.evaluate(FIRST_ARTICLE)
    assert article and ARTICLE_PATH.match(article)
    page.goto(article)
    title = text_of(page, "article.article h1")
    body = text_of(page, "article.article .article-body p")
    assert s2t.convert(title + body) != title + body  # there is something to convert

    page.locator(".variant-switcher a", has_text="繁體").click()
    page.wait_for_url(f"{demo_server}/zh-hant{article}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("article.article h1")).to_have_text(s2t.convert(title))
    assert text_of(page, "article.article .article-body p") == s2t.convert(body)
    expect(page.locator(".variant-switcher a[aria-current=true]")).to_have_text("繁體")
    assert variant_cookie(page) == "zh-hant"
    page.screenshot(path=artifacts_dir / "article-zh-hant.png")

    # A link on the page stays in the variant.
    channel = page.locator(".channel-nav a").nth(1)
    channel_name = channel.inner_text()
    channel.click()
    page.wait_for_url(re.compile(rf"^{re.escape(demo_server)}/zh-hant/[a-z0-9-]+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator(".channel-nav a[aria-current=page]")).to_have_text(channel_name)

    # An unprefixed address brings the reader back to the chosen script.
    page.goto("/")
    page.wait_for_url(f"{demo_server}/zh-hant/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")

    # Choosing 简体 returns to unprefixed pages, and they stay unprefixed.
    page.locator(".variant-switcher a", has_text="简体").click()
    page.wait_for_url(f"{demo_server}/")
    assert variant_cookie(page) is None
    page.goto(article)
    page.wait_for_load_state("load")
    assert page.url == f"{demo_server}{article}"
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("article.article h1")).to_have_text(title)
