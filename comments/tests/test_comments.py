"""Posting, replying, listing, liking, reporting, editing and deleting comments, as a
reader sees them on the article page."""

import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from comments.models import (
    Comment,
    CommentMode,
    CommentSettings,
    FilterWord,
    Notification,
)
from news.models import ArticlePage
from news.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_and_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def article(channel):
    return make_article(channel, title="悉尼新建轻轨线路开通", slug="light-rail")


@pytest.fixture
def reader(home):
    return UserFactory(nickname="袋鼠先生")


def page_of(client, article) -> BeautifulSoup:
    response = client.get(article.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "lxml")


def post(client, article, body, htmx=False, **fields):
    data = {"body": body, "key": str(uuid.uuid4()), **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/comments/article/{article.pk}/post/", data, headers=headers)


def login(client, user):
    client.force_login(user)
    return client


def listed_bodies(soup) -> list[str]:
    return [
        node.get_text(" ", strip=True)
        for node in soup.select(
            "#comment-list > .comment-thread > .comment .comment-body"
        )
    ]


def add_comment(article, user, body, **fields) -> Comment:
    comment = Comment.objects.create(
        article=article, user=user, body=body, status=Comment.Status.PENDING, **fields
    )
    comment.set_status(Comment.Status.PUBLISHED)
    return comment


def test_anonymous_readers_see_comments_and_a_login_link_but_no_form(
    client, article, reader
):
    add_comment(article, reader, "第一条评论")
    response = client.get(article.url)
    soup = BeautifulSoup(response.content, "lxml")
    assert listed_bodies(soup) == ["第一条评论"]
    assert soup.select_one(".comment-author").get_text() == "袋鼠先生"
    assert "最新评论(1)" in soup.select_one(".comments-count").get_text()
    assert soup.select_one(".login-prompt a")["href"].startswith("/accounts/login/")
    # Nothing personal: no form, no token, no cookie, so one cached copy serves all.
    assert soup.select_one("form.comment-form") is None
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies


def test_posting_without_javascript_redirects_to_the_new_comment(
    client, article, reader
):
    login(client, reader)
    response = post(client, article, "轻轨终于通了,\n上班方便多了。")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.url}#comment-{comment.pk}"
    soup = page_of(client, article)
    body = soup.select_one(f"#comment-{comment.pk} .comment-body")
    assert body.decode_contents() == "轻轨终于通了,<br/>上班方便多了。"
    assert "最新评论(1)" in soup.select_one(".comments-count").get_text()
    assert ArticlePage.objects.get(pk=article.pk).comment_count == 1
    assert comment.ip_address == "127.0.0.1"


def test_posting_with_htmx_returns_the_comment_and_a_fresh_form(
    client, article, reader
):
    login(client, reader)
    response = post(client, article, "用htmx发表", htmx=True)
    soup = BeautifulSoup(response.content, "lxml")
    assert response.status_code == 200
    inserted = soup.select_one('[hx-swap-oob="afterbegin:#comment-list"]')
    assert inserted.select_one(".comment-body").get_text() == "用htmx发表"
    fresh = soup.select_one("#comment-form-main form")
    assert fresh.select_one("textarea").get_text() == ""
    assert fresh.select_one("input[name=key]")["value"]


def test_the_same_submission_twice_makes_one_comment(client, article, reader):
    login(client, reader)
    key = str(uuid.uuid4())
    first = client.post(
        f"/comments/article/{article.pk}/post/", {"body": "只发一次", "key": key}
    )
    second = client.post(
        f"/comments/article/{article.pk}/post/", {"body": "只发一次", "key": key}
    )
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_same_text_again_is_refused_as_a_duplicate(client, article, reader):
    login(client, reader)
    post(client, article, "重复的话")
    response = post(client, article, "重复的话 ")
    assert response.status_code == 400
    assert "已经发表过" in BeautifulSoup(response.content, "lxml").get_text()
    assert Comment.objects.count() == 1


def test_replies_sit_under_the_top_level_comment_and_name_whom_they_answer(
    client, article, reader
):
    other = UserFactory(nickname="考拉小姐")
    top = add_comment(article, reader, "顶层评论")
    login(client, other)
    post(client, article, "回复顶层", parent=top.pk)
    first_reply = Comment.objects.get(body="回复顶层")
    login(client, reader)
    post(client, article, "回复的回复", parent=first_reply.pk)
    second_reply = Comment.objects.get(body="回复的回复")
    assert second_reply.parent_id == top.pk
    assert second_reply.reply_to_id == first_reply.pk

    soup = page_of(Client(), article)
    thread = soup.select_one(f"#thread-{top.pk}")
    replies = thread.select(".replies .reply")
    assert [r.select_one(".comment-body").get_text() for r in replies] == [
        "回复顶层",
        "回复的回复",
    ]
    assert "回复 @袋鼠先生" in replies[0].select_one(".reply-to").get_text()
    assert "回复 @考拉小姐" in replies[1].select_one(".reply-to").get_text()
    assert "最新评论(3)" in soup.select_one(".comments-count").get_text()


def test_a_reply_notifies_and_mails_the_person_answered(
    client, article, reader, django_capture_on_commit_callbacks
):
    top = add_comment(article, reader, "我的看法")
    replier = UserFactory(nickname="热心读者")
    login(client, replier)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, "我不同意", parent=top.pk)
    notification = Notification.objects.get(recipient=reader)
    assert notification.kind == "reply"
    assert notification.actor == replier
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reader.email]
    assert "我不同意" in mail.outbox[0].body
    assert f"#comment-{notification.comment_id}" in mail.outbox[0].body


def test_a_held_reply_notifies_only_once_it_is_approved(
    client, article, reader, django_capture_on_commit_callbacks
):
    CommentSettings.objects.update_or_create(
        site=article.get_site(), defaults={"mode": CommentMode.ALL_HELD}
    )
    top = add_comment(article, reader, "顶层")
    login(client, UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, "待审核的回复", parent=top.pk)
    reply = Comment.objects.get(body="待审核的回复")
    assert reply.status == "pending" and reply.held_reason == "all_held"
    assert not Notification.objects.exists() and not mail.outbox
    assert listed_bodies(page_of(Client(), article)) == ["顶层"]
    with django_capture_on_commit_callbacks(execute=True):
        reply.set_status(Comment.Status.PUBLISHED)
    assert Notification.objects.filter(recipient=reader).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "请输入评论内容"),
        ("   \n\t  ", "请输入评论内容"),
        ("长" * 2001, "最多"),
        ("控制\x00字符", "无法显示的字符"),
        ("坏字节\ufffd", "无法显示的字符"),
    ],
)
def test_bad_comments_get_a_chinese_message_and_store_nothing(
    client, article, reader, body, message
):
    login(client, reader)
    response = post(client, article, body)
    assert response.status_code == 400
    assert (
        message
        in BeautifulSoup(response.content, "lxml").select_one(".form-errors").get_text()
    )
    assert not Comment.objects.exists()


def test_html_is_shown_as_text_and_links_are_nofollow(client, article, reader):
    login(client, reader)
    post(
        client,
        article,
        '<script>alert(1)</script> 详见https://example.com/a?b=1&c="x"。',
    )
    soup = page_of(client, article)
    body = soup.select_one(".comment-body")
    assert body.select_one("script") is None
    assert "<script>alert(1)</script>" in body.get_text()
    link = body.select_one("a")
    assert link["href"] == "https://example.com/a?b=1&c="
    assert link["rel"] == ["nofollow", "ugc", "noopener"]


def test_forged_parents_are_refused(client, article, channel, reader):
    other_article = make_article(channel, title="另一篇", slug="other")
    elsewhere = add_comment(other_article, reader, "别处的评论")
    hidden = add_comment(article, reader, "被隐藏的评论")
    hidden.set_status(Comment.Status.HIDDEN)
    login(client, UserFactory())
    for parent in (elsewhere.pk, hidden.pk, 999999, "abc"):
        response = post(client, article, "伪造的回复", parent=parent)
        assert response.status_code == 400
    assert not Comment.objects.filter(body="伪造的回复").exists()


def test_who_may_not_post_is_told_why(client, article, reader):
    unconfirmed = UserFactory(email_confirmed=False)
    muted = UserFactory(muted_until=timezone.now() + timedelta(days=1))
    banned = UserFactory(banned_until=timezone.now() + timedelta(days=1))
    for user, message in [
        (unconfirmed, "确认"),
        (muted, "之前不能发表评论"),
        (banned, "封禁"),
    ]:
        login(client, user)
        response = post(client, article, "我想说两句")
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_posts_go_to_the_login_page(client, article):
    response = post(client, article, "匿名")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Comment.objects.exists()


def test_posts_without_a_csrf_token_are_refused_in_chinese(article, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    response = post(client, article, "没有令牌")
    assert response.status_code == 403
    assert "表单" in response.content.decode()
    assert not Comment.objects.exists()


def test_unpublished_articles_take_no_comments(client, channel, reader):
    draft = make_article(channel, title="草稿", slug="draft", publish=False)
    login(client, reader)
    assert post(client, draft, "草稿评论").status_code == 404
    assert not Comment.objects.exists()


def test_closed_and_old_articles_refuse_comments(client, channel, reader):
    closed = make_article(
        channel, title="关闭评论", slug="closed", comment_mode="closed"
    )
    old = make_article(
        channel,
        title="旧闻",
        slug="old",
        published_at=timezone.now() - timedelta(days=31),
    )
    login(client, reader)
    for article in (closed, old):
        assert (
            "评论已关闭"
            in page_of(client, article).select_one(".comments-closed").get_text()
        )
        assert post(client, article, "还能评论吗").status_code == 400
    assert not Comment.objects.exists()


def test_new_accounts_are_held_until_enough_comments_are_approved(
    client, article, reader
):
    CommentSettings.objects.update_or_create(
        site=article.get_site(),
        defaults={"mode": CommentMode.NEW_ACCOUNTS_HELD, "new_account_held": 1},
    )
    login(client, reader)
    post(client, article, "新人第一条")
    first = Comment.objects.get()
    assert first.held_reason == "new_account"
    assert listed_bodies(page_of(Client(), article)) == []
    first.set_status(Comment.Status.PUBLISHED)
    post(client, article, "新人第二条")
    assert Comment.objects.get(body="新人第二条").is_visible


def test_banned_words_are_refused_and_suspect_words_held(client, article, reader):
    FilterWord.objects.create(word="赌场", kind="banned")
    FilterWord.objects.create(word="代购", kind="suspect")
    login(client, reader)
    refused = post(client, article, "欢迎来赌 场玩")
    assert refused.status_code == 400
    assert "不允许" in refused.content.decode()
    post(client, article, "专业代購,价格优惠")
    held = Comment.objects.get()
    assert (held.status, held.held_reason) == ("pending", "word_filter")


def test_posting_too_fast_is_answered_with_429(client, article, reader, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment_user_minute": "2/m"}
    login(client, reader)
    assert post(client, article, "一").status_code == 302
    assert post(client, article, "二").status_code == 302
    response = post(client, article, "三")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "太频繁" in response.content.decode()
    assert Comment.objects.count() == 2


def test_the_honeypot_catches_bots(client, article, reader):
    login(client, reader)
    response = post(client, article, "我是机器人", website="http://spam.example")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_likes_count_once_per_reader_and_notify_the_author(client, article, reader):
    comment = add_comment(article, reader, "点赞我")
    fan = UserFactory(nickname="粉丝")
    login(client, fan)
    response = client.post(
        f"/comments/{comment.pk}/like/", headers={"HX-Request": "true"}
    )
    button = BeautifulSoup(response.content, "lxml").select_one("button")
    assert button["aria-pressed"] == "true"
    assert button.select_one(".like-count").get_text() == "1"
    client.post(f"/comments/{comment.pk}/like/")  # taking it back
    client.post(f"/comments/{comment.pk}/like/")  # and giving it again
    comment.refresh_from_db()
    assert comment.like_count == 1
    assert Notification.objects.filter(recipient=reader, kind="like").count() == 1
    assert page_of(client, article).select_one(".like-button.liked")


def test_anonymous_likes_go_to_the_login_page(client, article, reader):
    comment = add_comment(article, reader, "点赞我")
    response = client.post(f"/comments/{comment.pk}/like/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_enough_reports_hide_a_comment_but_keep_its_replies(client, article, reader):
    top = add_comment(article, reader, "有争议的评论")
    add_comment(article, UserFactory(), "一条回复", parent=top, reply_to=top)
    for _ in range(3):
        login(client, UserFactory())
        response = client.post(
            f"/comments/{top.pk}/report/", {"reason": "abuse", "detail": "人身攻击"}
        )
        assert response.status_code == 302
    client.post(f"/comments/{top.pk}/report/", {"reason": "spam"})  # no double count
    top.refresh_from_db()
    assert (top.status, top.held_reason, top.report_count) == ("pending", "reports", 3)
    soup = page_of(Client(), article)
    thread = soup.select_one(f"#thread-{top.pk}")
    assert "该评论已被隐藏" in thread.select_one(".tombstone").get_text()
    assert thread.select_one(".reply .comment-body").get_text() == "一条回复"
    assert "最新评论(1)" in soup.select_one(".comments-count").get_text()


def test_a_report_needs_a_reason(client, article, reader):
    comment = add_comment(article, reader, "评论")
    login(client, UserFactory())
    response = client.post(f"/comments/{comment.pk}/report/", {"reason": "nonsense"})
    assert response.status_code == 400
    assert not comment.reports.exists()


def test_authors_edit_within_five_minutes(client, article, reader):
    comment = add_comment(article, reader, "错别子")
    login(client, reader)
    client.post(f"/comments/{comment.pk}/edit/", {"body": "错别字"})
    soup = page_of(client, article)
    assert (
        soup.select_one(f"#comment-{comment.pk} .comment-body").get_text() == "错别字"
    )
    assert soup.select_one(f"#comment-{comment.pk} .edited").get_text() == "已编辑"

    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "再改一次"})
    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "错别字"


def test_others_cannot_edit_or_delete(client, article, reader):
    comment = add_comment(article, reader, "我的评论")
    login(client, UserFactory())
    assert (
        client.post(f"/comments/{comment.pk}/edit/", {"body": "改"}).status_code == 403
    )
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "我的评论"
    assert Comment.objects.get(pk=comment.pk).is_visible


def test_deleting_leaves_a_tombstone_only_where_replies_hang(client, article, reader):
    lonely = add_comment(article, reader, "没人回复")
    busy = add_comment(article, reader, "有人回复")
    add_comment(article, UserFactory(), "回复", parent=busy, reply_to=busy)
    login(client, reader)
    client.post(f"/comments/{lonely.pk}/delete/")
    client.post(f"/comments/{busy.pk}/delete/")
    soup = page_of(Client(), article)
    assert soup.select_one(f"#comment-{lonely.pk}") is None
    assert (
        "该评论已删除" in soup.select_one(f"#comment-{busy.pk} .tombstone").get_text()
    )
    assert "最新评论(1)" in soup.select_one(".comments-count").get_text()


def test_more_comments_load_page_by_page_without_repeats(client, article, reader):
    comments = [add_comment(article, reader, f"评论{n}") for n in range(45)]
    soup = page_of(client, article)
    seen = listed_bodies(soup)
    assert seen[0] == "评论44" and len(seen) == 20
    more = soup.select_one(".load-more a")["href"]
    while more:
        response = client.get(more, headers={"HX-Request": "true"})
        fragment = BeautifulSoup(response.content, "lxml")
        seen += [n.get_text() for n in fragment.select(".comment-thread .comment-body")]
        link = fragment.select_one(".load-more a")
        more = link["href"] if link else None
    assert seen == [f"评论{n}" for n in range(44, -1, -1)]
    assert len(comments) == len(set(seen))


def test_oldest_and_most_liked_orders(client, article, reader):
    first = add_comment(article, reader, "最早")
    add_comment(article, reader, "中间")
    liked = add_comment(article, reader, "最热")
    Comment.objects.filter(pk=liked.pk).update(like_count=5)
    Comment.objects.filter(pk=first.pk).update(like_count=2)
    url = f"/comments/article/{article.pk}/"
    old = BeautifulSoup(client.get(url + "?order=old").content, "lxml")
    hot = BeautifulSoup(client.get(url + "?order=hot").content, "lxml")
    assert listed_bodies(old) == ["最早", "中间", "最热"]
    assert listed_bodies(hot) == ["最热", "最早", "中间"]
    for bad in ("?order=sideways", "?after=abc", "?order=hot&after=1", "?after=-5"):
        assert client.get(url + bad).status_code == 200


def test_pinned_comments_come_first(client, article, reader):
    pinned = add_comment(article, reader, "置顶评论")
    add_comment(article, reader, "后来的评论")
    Comment.objects.filter(pk=pinned.pk).update(is_pinned=True)
    soup = page_of(client, article)
    assert listed_bodies(soup) == ["置顶评论", "后来的评论"]
    assert soup.select_one(f"#thread-{pinned.pk} .badge-pinned").get_text() == "置顶"


def test_a_long_thread_shows_three_replies_and_a_link_to_the_rest(
    client, article, reader
):
    top = add_comment(article, reader, "热门话题")
    for n in range(5):
        add_comment(article, UserFactory(), f"回复{n}", parent=top, reply_to=top)
    soup = page_of(client, article)
    assert len(soup.select(f"#replies-{top.pk} .reply")) == 3
    link = soup.select_one(f"#replies-{top.pk} .more-replies a")
    assert "5" in link.get_text()
    all_replies = BeautifulSoup(client.get(link["href"]).content, "lxml")
    assert len(all_replies.select(".reply .comment-body")) == 5


def test_the_first_page_costs_the_same_queries_for_10_or_300_comments(
    client, channel, reader
):
    counts = []
    for size, slug in ((10, "small"), (300, "large")):
        article = make_article(channel, title=slug, slug=slug)
        Comment.objects.bulk_create(
            Comment(article=article, user=reader, body=f"评论{n}") for n in range(size)
        )
        tops = list(Comment.objects.filter(article=article)[:20])
        Comment.objects.bulk_create(
            Comment(article=article, user=reader, body="回复", parent=t, reply_to=t)
            for t in tops
        )
        Comment.objects.filter(pk__in=[t.pk for t in tops]).update(reply_count=1)
        client.get(article.url)  # warm the site and settings caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(article.url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_deleted_account_takes_its_likes_along(client, article, reader):
    comment = add_comment(article, reader, "被点赞的评论")
    fan = UserFactory()
    login(client, fan)
    client.post(f"/comments/{comment.pk}/like/")
    assert Comment.objects.get(pk=comment.pk).like_count == 1
    fan.delete_account("anonymise")
    assert Comment.objects.get(pk=comment.pk).like_count == 0


def test_invalid_utf8_gets_a_chinese_message(client, article, reader):
    login(client, reader)
    response = client.post(
        f"/comments/article/{article.pk}/post/",
        b"body=%E4%BD%A0%FF%FE&key=" + str(uuid.uuid4()).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "无法显示的字符" in response.content.decode()
    assert not Comment.objects.exists()
