"""Moderation in the Wagtail admin: the queue, bulk actions, sanctions and the log."""

import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.tests.factories import UserFactory
from comments.admin_views import ACTIONS, PERMANENT
from comments.models import Comment, CommentReport, FilterWord
from news.models import ArticlePage
from news.tests.factories import make_article

QUEUE = "/admin/comments/"
BULK = "/admin/comments/action/"
LOG = "/admin/comments/log/"
Status = Comment.Status


def sanction_url(user) -> str:
    return f"/admin/comments/users/{user.pk}/sanction/"


@pytest.fixture
def article(channel):
    return make_article(channel, title="悉尼火车罢工")


@pytest.fixture
def reader(db):
    return UserFactory(nickname="热心读者")


@pytest.fixture
def moderator(db):
    return User.objects.create_superuser(
        username="mod", email="mod@example.com", password="x", nickname="版主"
    )


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def make_comment(article, user, body="一条评论", **fields) -> Comment:
    status = fields.pop("status", Status.PUBLISHED)
    comment = Comment.objects.create(
        article=article, user=user, body=body, status=Status.PENDING, **fields
    )
    if status != Status.PENDING:
        comment.set_status(status)
    else:
        comment.set_status(status, reason=fields.get("held_reason", ""))
    return comment


def report(comment, reason="spam", resolved=False, detail="") -> CommentReport:
    filed = CommentReport.objects.create(
        comment=comment,
        user=UserFactory(),
        reason=reason,
        resolved=resolved,
        detail=detail,
    )
    open_reports = comment.reports.filter(resolved=False).count()
    Comment.objects.filter(pk=comment.pk).update(report_count=open_reports)
    return filed


def rows(response) -> dict:
    soup = BeautifulSoup(response.content, "lxml")
    return {int(tr["data-comment"]): tr for tr in soup.select("tr[data-comment]")}


def shown(label) -> str:
    """A label as the admin shows it, in the site's language."""
    with translation.override("zh-hans"):
        return str(label)


def message_texts(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def comment_count(article) -> int:
    return ArticlePage.objects.get(pk=article.pk).comment_count


# The queue


def test_pending_tab_lists_held_comments_with_their_data(mod_client, article, reader):
    held = make_comment(
        article,
        reader,
        body="<script>alert(1)</script>" + "长" * 400,
        status=Status.PENDING,
        held_reason=Comment.HeldReason.NEW_ACCOUNT,
        like_count=4,
    )
    visible = make_comment(article, reader, body="已经发布的评论")

    response = mod_client.get(QUEUE)

    assert response.status_code == 200
    listed = rows(response)
    assert set(listed) == {held.pk}
    row = listed[held.pk]
    body = row.select_one(".comment-body p")
    assert body.text.startswith("<script>alert(1)</script>")
    assert len(body.text) <= 300
    assert row.find("script") is None
    assert row.select_one(".comment-author a").text == "热心读者"
    assert row.select_one(".moderation-sanction")["href"] == sanction_url(reader)
    link = row.select_one(".comment-article a")
    assert link.text == "悉尼火车罢工"
    assert link["href"].endswith(f"{article.url}#comment-{held.pk}")
    status = row.select_one(".comment-status").text
    assert shown(Status.PENDING.label) in status
    assert shown(Comment.HeldReason.NEW_ACCOUNT.label) in status
    assert row.select("td")[6].text.strip() == "4"
    assert row.find("input", {"name": "ids"})["value"] == str(held.pk)
    assert visible.pk not in listed


def test_reported_tab_lists_comments_with_open_reports_and_reasons(
    mod_client, article, reader
):
    reported = make_comment(article, reader, body="被举报的评论", is_pinned=True)
    report(reported, "spam", detail="卖药广告")
    report(reported, "spam")
    report(reported, "abuse")
    settled = make_comment(article, reader, body="举报已处理")
    report(settled, "spam", resolved=True)
    deleted = make_comment(article, reader, status=Status.DELETED)
    report(deleted, "hate")
    unreported = make_comment(article, reader, status=Status.PENDING)

    listed = rows(mod_client.get(QUEUE, {"tab": "reported"}))

    assert set(listed) == {reported.pk}
    cell = listed[reported.pk].select_one(".comment-reports")
    assert cell.contents[0].strip() == "3"
    reasons = [li.text for li in cell.select("li")]
    assert reasons == [
        f"{shown(CommentReport.Reason.SPAM.label)} × 2",
        f"{shown(CommentReport.Reason.ABUSE.label)} × 1",
    ]
    assert "卖药广告" in cell.text
    assert listed[reported.pk].select_one(".w-status") is not None  # pinned flag
    assert unreported.pk not in listed


def test_all_tab_filters_by_article_and_reader_newest_first(
    mod_client, channel, article, reader
):
    other_article = make_article(channel, title="另一篇")
    other_reader = UserFactory(nickname="路人甲")
    first = make_comment(article, reader)
    second = make_comment(article, other_reader, status=Status.HIDDEN)
    third = make_comment(other_article, reader, status=Status.PENDING)

    def listed(**params):
        return list(rows(mod_client.get(QUEUE, {"tab": "all", **params})))

    assert listed() == [third.pk, second.pk, first.pk]
    assert listed(article=article.pk) == [second.pk, first.pk]
    assert listed(user="热心") == [third.pk, first.pk]
    assert listed(user=str(other_reader.pk)) == [second.pk]
    assert listed(user="路人甲", article=other_article.pk) == []
    assert listed(article="abc") == [third.pk, second.pk, first.pk]
    assert listed(article="9" * 40) == [third.pk, second.pk, first.pk]


def test_comment_of_deleted_account_is_shown_as_such(mod_client, article):
    orphan = make_comment(article, None, status=Status.PENDING)

    row = rows(mod_client.get(QUEUE))[orphan.pk]

    assert row.select_one(".comment-author .moderation-sanction") is None
    assert row.select_one(".comment-author").text.strip() == shown(
        gettext_lazy("deleted account")
    )


@pytest.mark.parametrize(
    "params", [{"p": "abc"}, {"p": "99999"}, {"p": "-1"}, {"p": "1" * 30}, {"tab": "x"}]
)
def test_bad_page_numbers_are_never_errors(mod_client, article, reader, params):
    make_comment(article, reader, status=Status.PENDING)

    assert mod_client.get(QUEUE, params).status_code == 200
    assert mod_client.get(LOG, params).status_code == 200


def test_queue_pages_hold_fifty_comments(mod_client, article, reader):
    for n in range(51):
        make_comment(article, reader, body=f"第{n}条", status=Status.PENDING)

    first = rows(mod_client.get(QUEUE))
    last = rows(mod_client.get(QUEUE, {"p": "2"}))

    assert len(first) == 50
    assert len(last) == 1
    assert min(first) > max(last)


# Bulk actions


def post_action(client, action, comments, next_url=QUEUE + "?tab=reported"):
    return client.post(
        BULK,
        {"action": action, "ids": [c.pk for c in comments], "next": next_url},
    )


def test_approve_publishes_counts_resolves_reports_and_logs(
    mod_client, moderator, article, reader
):
    held = [make_comment(article, reader, status=Status.PENDING) for _ in range(2)]
    filed = report(held[0])
    assert comment_count(article) == 0

    response = post_action(mod_client, "approve", held)

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?tab=reported"
    with translation.override("zh-hans"):
        expected = str(ACTIONS["approve"][1] % {"count": 2})
    assert message_texts(response) == [("success", expected)]
    for comment in held:
        comment.refresh_from_db()
        assert comment.status == Status.PUBLISHED
        assert comment.held_reason == ""
    assert comment_count(article) == 2
    filed.refresh_from_db()
    assert filed.resolved
    assert held[0].report_count == 0
    entries = ModelLogEntry.objects.filter(action="huaxun_comments.approve")
    assert entries.count() == 2
    assert {e.user for e in entries} == {moderator}
    assert {e.object_id for e in entries} == {str(c.pk) for c in held}
    assert entries.first().data["to"] == "published"


def test_approving_a_reported_visible_comment_clears_it_from_reported(
    mod_client, article, reader
):
    comment = make_comment(article, reader)
    report(comment)

    post_action(mod_client, "approve", [comment])

    assert rows(mod_client.get(QUEUE, {"tab": "reported"})) == {}
    assert comment_count(article) == 1


@pytest.mark.parametrize(
    ("action", "status"), [("hide", Status.HIDDEN), ("delete", Status.DELETED)]
)
def test_hide_and_delete_take_comments_out_of_the_count(
    mod_client, article, reader, action, status
):
    comments = [make_comment(article, reader) for _ in range(3)]
    assert comment_count(article) == 3

    response = post_action(mod_client, action, comments[:2])

    assert message_texts(response)[0][0] == "success"
    assert [Comment.objects.get(pk=c.pk).status for c in comments] == [
        status,
        status,
        Status.PUBLISHED,
    ]
    assert comment_count(article) == 1
    assert ModelLogEntry.objects.filter(action=f"huaxun_comments.{action}").count() == 2


def test_a_deleted_comment_is_never_approved_back(mod_client, article, reader):
    comment = make_comment(article, reader, status=Status.DELETED)

    response = post_action(mod_client, "approve", [comment])

    comment.refresh_from_db()
    assert comment.status == Status.DELETED
    assert message_texts(response)[0][0] == "warning"
    assert not ModelLogEntry.objects.exists()


def test_pin_and_feature_set_and_clear_the_flags(mod_client, article, reader):
    top = make_comment(article, reader)
    reply = make_comment(article, reader, parent=top, reply_to=top)

    post_action(mod_client, "pin", [top, reply])
    post_action(mod_client, "feature", [top, reply])
    top.refresh_from_db()
    reply.refresh_from_db()

    assert top.is_pinned and top.is_featured
    assert not reply.is_pinned  # only top-level comments are pinned
    assert reply.is_featured

    post_action(mod_client, "unpin", [top])
    post_action(mod_client, "unfeature", [top, reply])
    top.refresh_from_db()
    reply.refresh_from_db()

    assert not top.is_pinned and not top.is_featured and not reply.is_featured
    logged = list(
        ModelLogEntry.objects.order_by("id").values_list("action", "object_id")
    )
    assert logged == [
        ("huaxun_comments.pin", str(top.pk)),
        ("huaxun_comments.feature", str(top.pk)),
        ("huaxun_comments.feature", str(reply.pk)),
        ("huaxun_comments.unpin", str(top.pk)),
        ("huaxun_comments.unfeature", str(top.pk)),
        ("huaxun_comments.unfeature", str(reply.pk)),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"action": "approve"},
        {"action": "approve", "ids": ["999999"]},
        {"action": "approve", "ids": ["abc", "-3", "9" * 40]},
        {"action": "purge", "ids": ["{pk}"]},
        {"action": "", "ids": ["{pk}"]},
        {"ids": ["{pk}"]},
    ],
)
def test_forged_ids_and_unknown_actions_change_nothing(
    mod_client, article, reader, data
):
    comment = make_comment(article, reader, status=Status.PENDING)
    data = {
        key: [v.format(pk=comment.pk) for v in value] if key == "ids" else value
        for key, value in data.items()
    }

    response = mod_client.post(BULK, {**data, "next": QUEUE})

    assert response.status_code == 302
    assert [level for level, _text in message_texts(response)] == ["error"]
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert not ModelLogEntry.objects.exists()


def test_redirect_ignores_a_foreign_next(mod_client, article, reader):
    comment = make_comment(article, reader, status=Status.PENDING)

    response = post_action(mod_client, "hide", [comment], "https://evil.example/")

    assert response["Location"] == QUEUE


def test_bulk_action_needs_post(mod_client):
    assert mod_client.get(BULK).status_code == 405


# Who may moderate


@pytest.fixture
def editor(db):
    """An admin user without the moderator's permission."""
    user = UserFactory(nickname="编辑")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return user


def test_non_moderators_get_403_and_change_nothing(client, editor, article, reader):
    comment = make_comment(article, reader, status=Status.PENDING)
    client.force_login(editor)

    assert client.get(QUEUE).status_code == 403
    assert client.get(LOG).status_code == 403
    assert client.get(sanction_url(reader)).status_code == 403
    assert post_action(client, "approve", [comment]).status_code == 403
    response = client.post(
        sanction_url(reader), {"action": "ban", "duration": "7", "reason": "x"}
    )
    assert response.status_code == 403

    comment.refresh_from_db()
    reader.refresh_from_db()
    assert comment.status == Status.PENDING
    assert reader.banned_until is None
    assert not ModelLogEntry.objects.exists()


def test_readers_without_admin_access_are_sent_to_log_in(client, article, reader):
    comment = make_comment(article, reader, status=Status.PENDING)
    client.force_login(reader)

    response = post_action(client, "approve", [comment])

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_a_group_with_the_change_comment_permission_can_moderate(
    client, editor, article, reader
):
    group = Group.objects.create(name="版主")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="comments", codename="change_comment"
        )
    )
    editor.groups.add(group)
    comment = make_comment(article, reader, status=Status.PENDING)
    client.force_login(editor)

    assert client.get(QUEUE).status_code == 200
    post_action(client, "approve", [comment])

    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert ModelLogEntry.objects.get().user == editor


def test_post_without_csrf_token_is_refused(moderator, article, reader):
    comment = make_comment(article, reader, status=Status.PENDING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)

    assert post_action(client, "approve", [comment]).status_code == 403
    response = client.post(
        sanction_url(reader), {"action": "ban", "duration": "7", "reason": "spam"}
    )
    assert response.status_code == 403

    comment.refresh_from_db()
    reader.refresh_from_db()
    assert comment.status == Status.PENDING
    assert reader.banned_until is None


def test_the_queue_form_carries_a_csrf_token(mod_client, article, reader):
    make_comment(article, reader, status=Status.PENDING)

    soup = BeautifulSoup(mod_client.get(QUEUE).content, "lxml")
    form = soup.find("form", {"action": BULK})

    assert form["method"] == "post"
    assert form.find("input", {"name": "csrfmiddlewaretoken"})["value"]
    assert {o["value"] for o in form.select("select[name=action] option")} == {
        "",
        *ACTIONS,
    }


def test_moderation_permission_is_offered_to_groups(mod_client):
    registered = set()
    for fn in hooks.get_hooks("register_permissions"):
        registered.update(fn().values_list("content_type__app_label", "codename"))
    permission = Permission.objects.get(
        content_type__app_label="comments", codename="change_comment"
    )

    page = BeautifulSoup(mod_client.get("/admin/groups/new/").content, "lxml")

    assert ("comments", "change_comment") in registered
    assert page.find("input", {"name": "permissions", "value": str(permission.pk)})


# Sanctions


def sanction(client, user, **data):
    return client.post(sanction_url(user), data)


def test_ban_for_seven_days(mod_client, moderator, reader):
    response = sanction(mod_client, reader, action="ban", duration="7", reason="刷屏")

    assert response.status_code == 302
    reader.refresh_from_db()
    expected = timezone.now() + timedelta(days=7)
    assert abs(reader.banned_until - expected) < timedelta(minutes=1)
    assert reader.is_banned and reader.is_muted
    assert reader.sanction_reason == "刷屏"
    entry = ModelLogEntry.objects.get(action="huaxun_comments.ban")
    assert entry.user == moderator
    assert entry.object_id == str(reader.pk)
    assert entry.data["reason"] == "刷屏"
    assert entry.comment == "刷屏"


def test_permanent_mute_and_lift(mod_client, reader):
    sanction(mod_client, reader, action="mute", duration="permanent", reason="引战")
    reader.refresh_from_db()
    assert reader.muted_until == PERMANENT
    assert reader.is_muted and not reader.is_banned

    sanction(mod_client, reader, action="ban", duration="1", reason="再犯")
    sanction(mod_client, reader, action="lift", duration="1", reason="")
    reader.refresh_from_db()

    assert reader.banned_until is None and reader.muted_until is None
    assert not reader.is_muted
    actions = ModelLogEntry.objects.order_by("id").values_list("action", flat=True)
    assert list(actions) == [
        "huaxun_comments.mute",
        "huaxun_comments.ban",
        "huaxun_comments.lift_sanction",
    ]


def test_ban_can_hide_all_the_readers_comments(mod_client, article, reader):
    published = make_comment(article, reader)
    held = make_comment(article, reader, status=Status.PENDING)
    others = make_comment(article, UserFactory())

    sanction(
        mod_client,
        reader,
        action="ban",
        duration="30",
        reason="广告",
        hide_comments="on",
    )

    assert Comment.objects.get(pk=published.pk).status == Status.HIDDEN
    assert Comment.objects.get(pk=held.pk).status == Status.HIDDEN
    assert Comment.objects.get(pk=others.pk).status == Status.PUBLISHED
    assert comment_count(article) == 1
    assert ModelLogEntry.objects.filter(action="huaxun_comments.hide").count() == 2


def test_ban_needs_a_reason(mod_client, reader):
    response = sanction(mod_client, reader, action="ban", duration="7", reason="")

    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.banned_until is None
    assert not ModelLogEntry.objects.exists()


@pytest.mark.parametrize("data", [{"action": "ban", "duration": "9"}, {"action": "x"}])
def test_bad_sanction_input_is_a_form_error(mod_client, reader, data):
    response = sanction(mod_client, reader, reason="r", **data)

    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.banned_until is None and reader.muted_until is None


def test_administrators_and_oneself_cannot_be_sanctioned(mod_client, moderator):
    other_admin = User.objects.create_superuser(
        username="boss", email="boss@example.com", password="x"
    )

    for target in (other_admin, moderator):
        page = mod_client.get(sanction_url(target))
        assert page.status_code == 200
        assert (
            BeautifulSoup(page.content, "lxml").select("form.moderation-sanction-form")
            == []
        )
        sanction(mod_client, target, action="ban", duration="7", reason="x")
        target.refresh_from_db()
        assert target.banned_until is None


def test_sanction_page_shows_the_reader_and_the_form(mod_client, article, reader):
    make_comment(article, reader, body="最近的评论")

    response = mod_client.get(sanction_url(reader))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "lxml")
    assert "热心读者" in soup.select_one("h1").text
    assert soup.select("input[name=action]")
    assert "最近的评论" in soup.select_one(".moderation-recent").text
    assert mod_client.get("/admin/comments/users/999999/sanction/").status_code == 404


# The log


def test_moderation_log_shows_who_did_what_newest_first(mod_client, article, reader):
    comment = make_comment(article, reader, body="要隐藏的评论", status=Status.PENDING)
    post_action(mod_client, "approve", [comment])
    post_action(mod_client, "hide", [comment])
    sanction(mod_client, reader, action="mute", duration="1", reason="吵架")

    soup = BeautifulSoup(mod_client.get(LOG).content, "lxml")
    cells = [
        [td.text.strip() for td in tr.select("td")]
        for tr in soup.select(".moderation-log tbody tr")
    ]

    assert len(cells) == 3
    assert [row[1] for row in cells] == ["mod"] * 3
    assert "吵架" in cells[0][2]
    assert "热心读者" in cells[0][3]
    assert "要隐藏的评论" in cells[1][3]
    link = soup.select(".moderation-log tbody tr")[1].select_one("a")["href"]
    assert link == f"{QUEUE}?tab=all&comment={comment.pk}"
    assert list(rows(mod_client.get(link))) == [comment.pk]


def test_moderation_appears_in_wagtails_site_history(mod_client, article, reader):
    comment = make_comment(article, reader, body="历史里的评论", status=Status.PENDING)
    post_action(mod_client, "approve", [comment])

    sanction(mod_client, reader, action="mute", duration="1", reason="吵架")
    log_page = BeautifulSoup(mod_client.get(LOG).content, "lxml")
    history_url = log_page.select_one(".moderation-tabs a:last-child")["href"]

    everything = mod_client.get(reverse("wagtailadmin_reports:site_history"))
    comments_only = mod_client.get(history_url)

    assert everything.status_code == comments_only.status_code == 200
    assert "历史里的评论" in everything.content.decode()
    assert "热心读者" in everything.content.decode()
    assert "历史里的评论" in comments_only.content.decode()
    assert "热心读者" not in comments_only.content.decode()


# Menu and snippet


def test_comments_menu_shows_the_pending_count(mod_client, article, reader):
    for _n in range(3):
        make_comment(article, reader, status=Status.PENDING)

    soup = BeautifulSoup(mod_client.get("/admin/").content, "lxml")
    props = json.loads(soup.find("script", id="wagtail-sidebar-props").string)
    menu = json.dumps(props, ensure_ascii=False)

    assert f'"{shown(gettext_lazy("Comments"))} (3)"' in menu
    assert QUEUE in menu and LOG in menu


def test_filter_words_are_managed_as_a_snippet(mod_client):
    FilterWord.objects.create(word="代开发票", kind=FilterWord.Kind.BANNED)
    FilterWord.objects.create(word="加微信", kind=FilterWord.Kind.SUSPECT)
    url = reverse(FilterWord.snippet_viewset.get_url_name("list"))

    everything = mod_client.get(url)
    banned = mod_client.get(url, {"kind": "banned"})
    searched = mod_client.get(url, {"q": "微信"})

    assert everything.status_code == 200
    assert "代开发票" in everything.content.decode()
    assert "加微信" not in banned.content.decode()
    assert "代开发票" not in searched.content.decode()
    assert "加微信" in searched.content.decode()
