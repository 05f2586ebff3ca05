"""The anonymous comment list is rendered once and kept until a comment on the
article changes (comments/views.py, anonymous_list)."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from comments.models import Comment
from comments.tests.test_comments import add_comment, listed_bodies, login, page_of
from news.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.FRAGMENT_SECONDS = 300


@pytest.fixture
def article(channel):
    return make_article(channel, title="墨尔本电车夜间加班", slug="night-trams")


@pytest.fixture
def reader(home):
    return UserFactory(nickname="考拉")


def test_the_list_is_kept_until_a_comment_changes(
    article, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = add_comment(article, reader, "第一条")
    assert listed_bodies(page_of(Client(), article)) == ["第一条"]
    # A change that bypasses the comments app is not seen until the copy expires:
    # the list is really kept.
    Comment.objects.filter(pk=first.pk).update(body="悄悄改过")
    assert listed_bodies(page_of(Client(), article)) == ["第一条"]
    # A signed-in reader's page is rendered for them every time.
    assert listed_bodies(page_of(login(Client(), reader), article)) == ["悄悄改过"]

    with django_capture_on_commit_callbacks(execute=True):
        add_comment(article, UserFactory(), "第二条")

    assert listed_bodies(page_of(Client(), article)) == ["第二条", "悄悄改过"]


def test_hiding_a_comment_takes_it_off_the_kept_list(
    article, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stays = add_comment(article, reader, "留下")
        goes = add_comment(article, reader, "删掉")
    assert listed_bodies(page_of(Client(), article)) == ["删掉", "留下"]

    with django_capture_on_commit_callbacks(execute=True):
        goes.set_status(Comment.Status.HIDDEN)

    soup = page_of(Client(), article)
    assert listed_bodies(soup) == ["留下"]
    assert soup.select_one(f"#comment-{stays.pk}")


def test_the_kept_list_holds_nothing_personal(
    client, article, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = add_comment(article, reader, "我写的")
    # The author sees their edit and delete links, and their page is not kept …
    author_page = page_of(login(Client(), reader), article)
    assert author_page.select_one(f"#comment-{mine.pk} .edit-link")
    # … so readers who are not signed in get the list without them, and without
    # a form or token.
    response = client.get(article.url)
    anonymous = page_of(client, article)
    assert anonymous.select_one(f"#comment-{mine.pk} .edit-link") is None
    assert anonymous.select_one(f"#comment-{mine.pk} a.like-button")
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_an_article_without_comments_says_so(article):
    soup = page_of(Client(), article)
    assert soup.select_one(".comments-empty")
    assert soup.select_one(".comment-order") is None
    assert page_of(Client(), article).select_one(".comments-empty")
