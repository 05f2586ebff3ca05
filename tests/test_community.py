"""Two newcomers and a moderator, in Chromium, on the demo portal: sign up, confirm
the e-mail, comment, reply, see the notification, like, report; the moderator hides
the reported reply from the Wagtail admin and readers no longer see it."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "kangaroo harbour 42"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm/[^/\s]+/[^/\s]+/")


def confirm_link(mailbox: Path, email: str, timeout: float = 10) -> str:
    """The confirmation link of the newest e-mail sent to `email`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sorted(mailbox.glob("*.log"), key=lambda p: p.stat().st_mtime)
        for message in reversed(messages):
            text = message.read_text(encoding="utf-8", errors="replace")
            if f"To: {email}" in text and (match := CONFIRM_LINK.search(text)):
                return match.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no confirmation e-mail for {email} in {mailbox}")


def new_reader(browser: Browser, base_url: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def sign_up_and_confirm(page: Page, mailbox: Path, email: str) -> str:
    """Returns the nickname the site gave the new account."""
    page.goto("/accounts/signup/")
    page.get_by_label("邮箱").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".confirm-sent .email")).to_have_text(email)
    page.goto(confirm_link(mailbox, email))
    expect(page.locator("h1")).to_contain_text("邮箱已确认")
    return page.locator(".account-links .nickname").inner_text().strip()


def first_article_url(page: Page) -> str:
    page.goto("/")
    return page.locator(".latest .story a, .story a").first.get_attribute("href")


def test_newcomers_discuss_a_story_and_a_moderator_hides_a_reply(
    browser: Browser, demo_server: str, demo_mailbox: Path, artifacts_dir: Path
) -> None:
    stamp = int(time.time())
    first_context, first = new_reader(browser, demo_server)
    second_context, second = new_reader(browser, demo_server)
    moderator_context, moderator = new_reader(browser, demo_server)
    try:
        first_nickname = sign_up_and_confirm(
            first, demo_mailbox, f"a{stamp}@example.com"
        )
        article = first_article_url(first)

        # The first reader comments, in place (htmx).
        first.goto(article)
        first.locator("#comment-form-main textarea").fill(
            "第一次在这里留言,支持本地新闻!"
        )
        first.locator("#comment-form-main button[type=submit]").click()
        comment = first.locator(".comment-thread").filter(has_text="第一次在这里留言")
        expect(comment.locator(".comment-author")).to_have_text(first_nickname)
        expect(first.locator("#comment-form-main textarea")).to_have_value("")

        # A second newcomer replies to it.
        second_nickname = sign_up_and_confirm(
            second, demo_mailbox, f"b{stamp}@example.com"
        )
        second.goto(article)
        thread = second.locator(".comment-thread").filter(has_text="第一次在这里留言")
        thread.locator(".reply-link").first.click()
        thread.locator(".reply-slot textarea").fill("欢迎欢迎,我也常来看。")
        thread.locator(".reply-slot button[type=submit]").click()
        reply = thread.locator(".replies .reply").filter(has_text="我也常来看")
        expect(reply.locator(".reply-to")).to_have_text(f"回复 @{first_nickname}")

        # The first reader sees the notification, likes the reply and reports it.
        first.goto("/accounts/me/notifications/")
        notice = first.locator("main").filter(has_text="我也常来看")
        expect(notice).to_contain_text(second_nickname)
        first.goto(article)
        reply = first.locator(".replies .reply").filter(has_text="我也常来看")
        reply.locator(".like-button").click()
        expect(reply.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(reply.locator(".like-count")).to_have_text("1")
        reply.locator(".report-link").click()
        reply.locator(".report-form input[value=spam]").check()
        reply.locator(".report-form button[type=submit]").click()
        expect(reply.locator(".report-box .notice")).to_contain_text("感谢举报")
        first.locator("#comments").screenshot(path=artifacts_dir / "comments.png")

        # The moderator hides the reported reply from the admin.
        moderator.goto("/admin/login/")
        moderator.locator("input[name=username]").fill("admin")
        moderator.locator("input[name=password]").fill("huaxun-demo")
        moderator.locator("button[type=submit]").click()
        moderator.goto("/admin/comments/?tab=reported")
        row = moderator.locator("tr").filter(has_text="我也常来看")
        row.locator("input[type=checkbox]").check()
        moderator.locator("select[name=action]").select_option("hide")
        moderator.get_by_role("button", name="应用").click()
        expect(moderator.locator(".messages")).to_contain_text("已隐藏 1 条评论")

        # Readers no longer see it; the first comment stays.
        anonymous_context, anonymous = new_reader(browser, demo_server)
        anonymous.goto(article)
        expect(
            anonymous.locator(".comment-body").filter(has_text="我也常来看")
        ).to_have_count(0)
        expect(
            anonymous.locator(".comment-body").filter(has_text="第一次在这里留言")
        ).to_have_count(1)
        anonymous_context.close()
    finally:
        for context in (first_context, second_context, moderator_context):
            context.close()
