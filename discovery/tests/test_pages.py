"""Keyword counts, the site-map keyword cloud, and discovery on the demo portal."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from accounts.tests.factories import UserFactory
from comments.models import Comment
from discovery.templatetags.discovery_tags import keyword_cloud
from news.tests.factories import make_article

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"


def test_keyword_page_shows_how_many_live_articles(client, channel):
    for n in range(3):
        make_article(channel, slug=f"k{n}", keywords=["山火"])
    make_article(channel, slug="draft", keywords=["山火"], publish=False)
    make_article(channel, slug="other", keywords=["天气"])
    response = client.get("/keywords/山火/")
    soup = BeautifulSoup(response.content, "html.parser")
    count = soup.select_one(".keyword-count")
    assert count["data-count"] == "3"
    assert "3" in count.get_text()
    assert len(soup.select(".story")) == 3


def test_keyword_page_bad_input(client, channel):
    make_article(channel, slug="k", keywords=["山火"])
    assert client.get("/keywords/no-such-keyword/").status_code == 404
    assert client.get("/keywords/山火/?page=abc").status_code == 200
    assert client.get("/keywords/山火/?page=5").status_code == 404


class Keyword:
    def __init__(self, name: str, uses: int):
        self.name, self.uses = name, uses


def test_keyword_cloud_sizes_grow_with_use():
    cloud = keyword_cloud(
        [Keyword("甲", 100), Keyword("乙", 10), Keyword("丙", 1), Keyword("丁", 1)]
    )
    assert [(k.name, size) for k, size in cloud] == [
        ("甲", 5),
        ("乙", 3),
        ("丙", 1),
        ("丁", 1),
    ]
    assert keyword_cloud([]) == []
    assert [
        size for _k, size in keyword_cloud([Keyword("同", 4), Keyword("等", 4)])
    ] == [
        3,
        3,
    ]


def test_site_map_keyword_cloud(client, channel):
    for n in range(4):
        make_article(channel, slug=f"a{n}", keywords=["利率"])
    make_article(channel, slug="b", keywords=["签证"])
    soup = BeautifulSoup(client.get("/sitemap/").content, "html.parser")
    items = {
        li.a.get_text(): (li["class"], li["data-uses"])
        for li in soup.select(".keyword-cloud li")
    }
    assert items == {"利率": (["cloud-5"], "4"), "签证": (["cloud-1"], "1")}


@pytest.mark.django_db
def test_demo_shows_hot_lists_and_related_stories(client, settings):
    from core.demo import load_demo
    from discovery.models import TopicPage
    from news.models import ArticlePage

    settings.HOT_LIST_SECONDS = 0
    counts = load_demo()
    assert counts["topics"] == 2
    articles = list(ArticlePage.objects.live().order_by("-published_at")[:3])
    for n, article in enumerate(articles):
        for reader in range(n + 1):
            client.post(
                f"/hit/{article.pk}/",
                headers={"user-agent": BROWSER},
                REMOTE_ADDR=f"198.51.100.{reader + 1}",
            )
    reader = UserFactory()
    Comment.objects.create(
        article=articles[0], user=reader, body="演示评论", created_at=timezone.now()
    )
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    hot_views = [a.get_text() for a in soup.select(".hot-views li a")]
    assert hot_views == [a.display_title for a in reversed(articles)]
    hot_comments = [a.get_text() for a in soup.select(".hot-comments li a")]
    assert hot_comments == [articles[0].display_title]

    # The RBA story shares 利率/储备银行/房贷/通胀 with the August decision.
    rba = ArticlePage.objects.get(slug="rba-cuts-cash-rate-25-basis-points")
    soup = BeautifulSoup(client.get(rba.url).content, "html.parser")
    related = [a.get_text() for a in soup.select(".related-stories li a")]
    assert (
        related[0] == ArticlePage.objects.get(slug="rba-holds-cash-rate-august").title
    )
    assert 3 <= len(related) <= 6
    assert rba.title not in related

    topic = TopicPage.objects.get(slug="rates-and-home-loans")
    soup = BeautifulSoup(client.get(topic.url).content, "html.parser")
    assert rba.title in [h.get_text() for h in soup.select(".story-title")]

    # Loading again leaves the same related lists and topics.
    before = sorted(
        (r.article_id, r.related_id, r.position)
        for r in ArticlePage.objects.get(pk=rba.pk).related_links.all()
    )
    load_demo()
    after = sorted(
        (r.article_id, r.related_id, r.position)
        for r in ArticlePage.objects.get(pk=rba.pk).related_links.all()
    )
    assert before == after
    assert TopicPage.objects.count() == 2
    assert TopicPage.objects.get(pk=topic.pk).items.count() == 6
