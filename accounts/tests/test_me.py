"""The reader's own pages (我的): comments, notifications with the header's badge,
data export and deleting the account."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import NicknameChange, User
from accounts.tests.factories import UserFactory
from accounts.tests.pages import errors, shown, soup
from comments.models import (
    Comment,
    CommentLike,
    CommentReport,
    CommentSettings,
    Notification,
)
from news.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(channel):
    return make_article(channel, title="悉尼新建轻轨线路开通", slug="light-rail")


def comment_on(article, user, body, status=Comment.Status.PUBLISHED, **fields):
    comment = Comment.objects.create(
        article=article, user=user, body=body, status=Comment.Status.PENDING, **fields
    )
    comment.set_status(status)
    return comment


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/me/",
        "/accounts/me/notifications/",
        "/accounts/me/profile/",
        "/accounts/me/password/",
        "/accounts/me/export/",
        "/accounts/me/delete/",
        "/accounts/confirm/sent/",
    ],
)
def test_my_pages_need_a_log_in(client, home, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_the_tabs_are_plain_links(reader_client):
    page = soup(reader_client.get("/accounts/me/profile/"))
    tabs = page.select(".me-tabs a")
    assert [(a.get_text(), a["href"]) for a in tabs] == [
        (shown("My comments"), "/accounts/me/"),
        (shown("Replies to me"), "/accounts/me/notifications/"),
        (shown("Profile"), "/accounts/me/profile/"),
        (shown("Change password"), "/accounts/me/password/"),
        (shown("Export my data"), "/accounts/me/export/"),
        (shown("Delete account"), "/accounts/me/delete/"),
    ]
    assert [a["href"] for a in page.select(".me-tabs a[aria-current]")] == [
        "/accounts/me/profile/"
    ]
    assert page.select_one("meta[name=robots]")["content"] == "noindex"


def test_an_unconfirmed_reader_sees_a_banner_with_resend(client, home):
    user = UserFactory(email="new@example.com", email_confirmed=False)
    client.force_login(user)
    banner = soup(client.get("/accounts/me/")).select_one(".confirm-banner")
    assert "new@example.com" in banner.get_text()
    assert banner.form["action"] == "/accounts/confirm/resend/"
    assert banner.form["method"] == "post"


# My comments ----------------------------------------------------------------


def test_my_comments_newest_first_with_status_and_link(reader_client, reader, article):
    other = UserFactory()
    comment_on(article, other, "别人的评论")
    first = comment_on(article, reader, "第一条")
    held = comment_on(article, reader, "审核中的", status=Comment.Status.PENDING)
    hidden = comment_on(article, reader, "被隐藏的", status=Comment.Status.HIDDEN)
    deleted = comment_on(article, reader, "删掉的", status=Comment.Status.DELETED)

    page = soup(reader_client.get("/accounts/me/"))
    items = page.select(".my-comment")
    assert [item.select_one(".my-comment-body").get_text() for item in items] == [
        "删掉的",
        "被隐藏的",
        "审核中的",
        "第一条",
    ]
    links = [item.select_one(".my-comment-article") for item in items]
    assert {link.get_text() for link in links} == {"悉尼新建轻轨线路开通"}
    assert links[-1]["href"] == first.get_absolute_url()
    assert links[-1]["href"].endswith(f"#comment-{first.pk}")
    statuses = {
        item["id"]: item.select_one(".status").get_text()
        if item.select_one(".status")
        else None
        for item in items
    }
    assert statuses == {
        f"my-comment-{deleted.pk}": shown("Deleted", "my comment"),
        f"my-comment-{hidden.pk}": shown("Hidden", "my comment"),
        f"my-comment-{held.pk}": shown("Under review", "my comment"),
        f"my-comment-{first.pk}": None,
    }


def test_my_comments_come_twenty_a_page(reader_client, reader, article):
    for n in range(21):
        comment_on(article, reader, f"评论{n}")
    first = soup(reader_client.get("/accounts/me/"))
    assert len(first.select(".my-comment")) == 20
    assert first.select_one(".pager a[rel=next]")["href"] == "?page=2"
    second = soup(reader_client.get("/accounts/me/?page=2"))
    assert [
        c.select_one(".my-comment-body").get_text()
        for c in second.select(".my-comment")
    ] == ["评论0"]
    assert reader_client.get("/accounts/me/?page=abc").status_code == 200
    assert reader_client.get("/accounts/me/?page=-1").status_code == 200
    assert reader_client.get("/accounts/me/?page=9").status_code == 404


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_my_pages_run_the_same_queries_for_3_and_13_rows(
    reader_client, reader, article
):
    fan = UserFactory()

    def add(count):
        for n in range(count):
            mine = comment_on(article, reader, f"评论{n}")
            Notification.objects.create(
                recipient=reader, kind="like", actor=fan, comment=mine
            )

    add(3)
    reader_client.get("/accounts/me/")  # fills the site-root-paths cache
    few = [
        queries_for(reader_client, p)
        for p in ("/accounts/me/", "/accounts/me/notifications/")
    ]
    add(10)
    many = [
        queries_for(reader_client, p)
        for p in ("/accounts/me/", "/accounts/me/notifications/")
    ]
    assert few == many


def test_no_comments_yet(reader_client):
    page = soup(reader_client.get("/accounts/me/"))
    assert page.select_one(".empty").get_text() == shown("You have not commented yet.")


# Notifications and the header ------------------------------------------------


def test_notifications_list_and_the_badge(reader_client, reader, article):
    mine = comment_on(article, reader, "我的评论")
    fan = UserFactory(nickname="考拉")
    reply = comment_on(article, fan, "说得好", parent=mine, reply_to=mine)
    Notification.objects.get_or_create(
        recipient=reader, kind="reply", actor=fan, comment=reply
    )
    Notification.objects.create(recipient=reader, kind="like", actor=fan, comment=mine)
    Notification.objects.create(recipient=fan, kind="like", actor=reader, comment=reply)

    header = soup(reader_client.get("/")).select_one(".account-links")
    badge = header.select_one(".unread-badge")
    assert badge.get_text() == "2"
    assert badge["href"] == "/accounts/me/notifications/"

    page = soup(reader_client.get("/accounts/me/notifications/"))
    items = page.select(".notification")
    heads = [item.select_one(".notification-head").get_text() for item in items]
    assert shown("%(name)s liked your comment", name="考拉") in heads[0]
    assert shown("%(name)s replied to you", name="考拉") in heads[1]
    assert items[1].select_one(".notification-comment").get_text() == "说得好"
    assert items[1].select_one(".notification-link")["href"] == reply.get_absolute_url()
    assert items[0].select_one(".notification-link")["href"] == mine.get_absolute_url()
    assert all("unread" in item["class"] for item in items)
    # The badge in this very page already counts them as read.
    assert page.select_one(".unread-badge") is None

    assert reader.notifications.filter(read_at__isnull=True).count() == 0
    assert fan.notifications.filter(read_at__isnull=True).count() == 1
    again = soup(reader_client.get("/accounts/me/notifications/"))
    assert not again.select(".notification.unread")


def test_a_notification_from_a_deleted_account(reader_client, reader, article):
    mine = comment_on(article, reader, "我的评论")
    Notification.objects.create(recipient=reader, kind="like", actor=None, comment=mine)
    page = soup(reader_client.get("/accounts/me/notifications/"))
    head = page.select_one(".notification-head").get_text()
    assert shown("%(name)s liked your comment", name=shown("Deleted account")) in head
    assert page.select_one(".notification .avatar-deleted").get_text() == "?"


def test_the_header_links_to_my_page(reader_client, reader, client):
    links = soup(reader_client.get("/")).select_one(".account-links")
    me = links.select_one("a.me-link")
    assert me["href"] == "/accounts/me/"
    assert me.select_one(".nickname").get_text() == "袋鼠先生"
    assert me.select_one(".avatar-default").get_text() == "袋"
    assert links.select_one(".unread-badge") is None
    assert links.form["action"] == "/accounts/logout/"

    client.logout()
    anonymous = soup(client.get("/")).select_one(".account-links")
    assert [a["href"] for a in anonymous.select("a")] == [
        "/accounts/login/",
        "/accounts/signup/",
    ]


# Export ------------------------------------------------------------------------


def test_export_downloads_everything_about_me(reader_client, reader, article):
    other = UserFactory(nickname="考拉")
    mine = comment_on(article, reader, "我的评论")
    theirs = comment_on(article, other, "别人的")
    CommentLike.objects.create(comment=theirs, user=reader)
    CommentReport.objects.create(comment=theirs, user=reader, reason="spam")
    Notification.objects.create(
        recipient=reader, kind="like", actor=other, comment=mine
    )
    NicknameChange.objects.create(user=reader, old="旧名", new="袋鼠先生")

    page = soup(reader_client.get("/accounts/me/export/"))
    assert page.select_one(".me-panel form")["method"] == "post"

    response = reader_client.post("/accounts/me/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "huaxun-data-" in disposition and ".json" in disposition
    assert "%E8%A2%8B%E9%BC%A0%E5%85%88%E7%94%9F" in disposition  # 袋鼠先生

    data = json.loads(response.content)
    assert data["profile"]["nickname"] == "袋鼠先生"
    assert data["profile"]["email"] == "roo@example.com"
    assert [c["body"] for c in data["comments"]] == ["我的评论"]
    assert data["comments"][0]["id"] == mine.pk
    assert data["comments"][0]["article"]["title"] == "悉尼新建轻轨线路开通"
    assert data["comments"][0]["article"]["url"].endswith(article.url)
    assert data["comments"][0]["created_at"] == mine.created_at.isoformat()
    assert [like["comment"] for like in data["likes"]] == [theirs.pk]
    assert [(r["comment"], r["reason"]) for r in data["reports"]] == [
        (theirs.pk, "spam")
    ]
    assert [(n["kind"], n["from"]) for n in data["notifications"]] == [("like", "考拉")]
    assert [(c["old"], c["new"]) for c in data["nickname_changes"]] == [
        ("旧名", "袋鼠先生")
    ]
    text = response.content.decode()
    assert "password" not in text
    assert reader.password not in text
    assert "别人的" not in text


def test_an_ascii_nickname_gives_a_plain_file_name(client, home):
    client.force_login(UserFactory(nickname="wombat"))
    response = client.post("/accounts/me/export/")
    assert response["Content-Disposition"] == (
        'attachment; filename="huaxun-data-wombat.json"'
    )


# Deleting the account ------------------------------------------------------------


def delete_me(client, password="correct horse 9"):
    return client.post("/accounts/me/delete/", {"password": password}, follow=True)


def test_a_wrong_password_keeps_the_account(reader_client, reader):
    for password in ["wrong", "", "x" * 5000]:
        response = delete_me(reader_client, password)
        assert response.status_code == 200
        assert errors(response)
    assert User.objects.filter(pk=reader.pk).exists()


def test_deleting_keeps_comments_anonymised(
    reader_client, reader, article, django_capture_on_commit_callbacks
):
    other = UserFactory(nickname="考拉")
    mine = comment_on(article, reader, "我要说的话", ip_address="203.0.113.9")
    theirs = comment_on(article, other, "回复你", parent=mine, reply_to=mine)
    Notification.objects.create(
        recipient=other, kind="like", actor=reader, comment=theirs
    )
    # Replying notified the reader already.
    assert Notification.objects.filter(recipient=reader, comment=theirs).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_me(reader_client)
    assert response.redirect_chain[-1][0] == "/accounts/goodbye/"
    assert soup(response).h1.get_text() == shown("Your account has been deleted")
    assert "_auth_user_id" not in reader_client.session
    assert not User.objects.filter(pk=reader.pk).exists()

    mine.refresh_from_db()
    assert (mine.user, mine.body, mine.status) == (None, "我要说的话", "published")
    assert mine.ip_address is None
    assert Notification.objects.get(recipient=other).actor is None
    assert not Notification.objects.filter(recipient_id=reader.pk).exists()

    comments = soup(Client().get(article.url)).select(
        f"#comment-{mine.pk} .comment-author"
    )
    assert [c.get_text() for c in comments] == [shown("Deleted account")]


def test_deleting_can_remove_the_comments(reader_client, reader, article, home):
    settings = CommentSettings.current()
    settings.deleted_account_comments = "remove"
    settings.save()
    mine = comment_on(article, reader, "我要说的话")
    held = comment_on(article, reader, "待审", status=Comment.Status.PENDING)
    comment_on(article, UserFactory(), "别人的评论")
    article.refresh_from_db()
    assert article.comment_count == 2

    page = soup(reader_client.get("/accounts/me/delete/"))
    assert shown("Your comments will be removed as well.") in page.get_text()
    delete_me(reader_client)

    for comment in (mine, held):
        comment.refresh_from_db()
        assert (comment.user, comment.status) == (None, "deleted")
    article.refresh_from_db()
    assert article.comment_count == 1


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/accounts/confirm/resend/", "get"),
        ("/accounts/me/avatar/", "get"),
        ("/accounts/logout/", "get"),
        ("/accounts/me/", "post"),
        ("/accounts/me/notifications/", "post"),
        ("/accounts/goodbye/", "post"),
        ("/accounts/me/profile/", "put"),
        ("/accounts/me/export/", "delete"),
    ],
)
def test_wrong_methods_are_405(reader_client, path, method):
    assert getattr(reader_client, method)(path).status_code == 405


def test_forms_need_the_csrf_token(reader, home):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    response = client.post("/accounts/me/delete/", {"password": "correct horse 9"})
    assert response.status_code == 403
    assert User.objects.filter(pk=reader.pk).exists()


@pytest.mark.parametrize("path", ["/accounts/me/profile/", "/accounts/me/delete/"])
def test_an_empty_post_is_a_form_error(reader_client, reader, path):
    response = reader_client.post(path, {})
    assert response.status_code == 200
    assert shown("This field is required.") in errors(response)
    assert User.objects.get(pk=reader.pk).nickname == "袋鼠先生"
