"""The body, cover image tag and related stories of an article page are rendered
once per published revision and kept for FRAGMENT_SECONDS."""

import pytest
from bs4 import BeautifulSoup

from news.models import ArticlePage
from news.tests.factories import make_article, paragraphs

pytestmark = pytest.mark.django_db


def body_of(client, article) -> str:
    response = client.get(article.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "lxml")
    return soup.select_one(".article-body").get_text(" ", strip=True)


def test_the_body_is_kept_until_the_next_publication(client, channel, settings):
    settings.FRAGMENT_SECONDS = 300
    article = make_article(channel, body=paragraphs("渡轮今早恢复运行。"))
    assert body_of(client, article) == "渡轮今早恢复运行。"
    # A change that is not published does not reach the page: the copy is kept.
    ArticlePage.objects.filter(pk=article.pk).update(
        body=paragraphs("没有发布的改动。")
    )
    assert body_of(client, article) == "渡轮今早恢复运行。"

    article = ArticlePage.objects.get(pk=article.pk)
    article.body = paragraphs("渡轮因大风再次停航。")
    article.save_revision().publish()

    assert body_of(client, article) == "渡轮因大风再次停航。"


def test_without_fragment_seconds_every_page_is_rendered(client, channel, settings):
    settings.FRAGMENT_SECONDS = 0
    article = make_article(channel, body=paragraphs("第一版。"))
    assert body_of(client, article) == "第一版。"
    ArticlePage.objects.filter(pk=article.pk).update(body=paragraphs("第二版。"))
    assert body_of(client, article) == "第二版。"


def test_a_preview_shows_the_draft_not_the_kept_body(client, channel, settings):
    settings.FRAGMENT_SECONDS = 300
    article = make_article(channel, body=paragraphs("已发布的正文。"))
    assert body_of(client, article) == "已发布的正文。"  # now kept

    article.body = paragraphs("草稿里的新正文。")
    draft = article.save_revision().as_object()
    # As the admin's preview sees it: the live page's id and publication time.
    draft.last_published_at = article.last_published_at
    response = draft.make_preview_request()
    response.render()
    soup = BeautifulSoup(response.content, "lxml")

    assert soup.select_one(".article-body").get_text(strip=True) == "草稿里的新正文。"
    # The preview kept nothing: readers still get the published body.
    assert body_of(client, article) == "已发布的正文。"
