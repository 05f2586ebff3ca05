import pytest
import wagtail_factories
from bs4 import BeautifulSoup
from lxml import etree

from discovery.models import TopicIndexPage, TopicItem, TopicPage
from news.tests.factories import make_article


class TopicIndexPageFactory(wagtail_factories.PageFactory):
    title = "专题"

    class Meta:
        model = TopicIndexPage


@pytest.fixture
def topic(home, channel):
    index = TopicIndexPageFactory(parent=home, slug="topics")
    first = make_article(channel, title="专题第一篇", slug="first")
    second = make_article(channel, title="专题第二篇", slug="second")
    make_article(channel, title="不在专题", slug="outside")
    draft = make_article(channel, title="专题草稿", slug="draft", publish=False)
    page = TopicPage(
        title="山火季节",
        slug="bushfire-season",
        intro="<p>各地山火的报道汇总。</p>",
        items=[
            TopicItem(article=second),
            TopicItem(article=draft),
            TopicItem(article=first),
        ],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return TopicPage.objects.get(pk=page.pk)


def test_topic_page_lists_live_articles_in_the_editors_order(client, topic):
    assert topic.url == "/topics/bushfire-season/"
    response = client.get(topic.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "山火季节"
    assert "各地山火的报道汇总。" in soup.select_one(".topic-intro").get_text()
    titles = [h.get_text() for h in soup.select(".topic-articles .story-title")]
    assert titles == ["专题第二篇", "专题第一篇"]
    feed = soup.select_one('link[type="application/rss+xml"][href*="topics"]')
    assert feed["href"] == "/rss/topics/bushfire-season/"


def test_topic_feed_is_rss_of_its_articles(client, topic):
    response = client.get("/rss/topics/bushfire-season/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = etree.fromstring(response.content).find("channel")
    assert "山火季节" in channel.findtext("title")
    assert channel.findtext("link").endswith("/topics/bushfire-season/")
    items = [item.findtext("title") for item in channel.findall("item")]
    assert items == ["专题第二篇", "专题第一篇"]


def test_unknown_or_unpublished_topic_feed_is_404(client, topic):
    assert client.get("/rss/topics/no-such-topic/").status_code == 404
    topic.unpublish()
    assert client.get("/rss/topics/bushfire-season/").status_code == 404


def test_topic_index_lists_topics_and_survives_bad_pages(client, topic):
    soup = BeautifulSoup(client.get("/topics/").content, "html.parser")
    assert [a.get_text() for a in soup.select(".topic-list a")] == ["山火季节"]
    assert client.get("/topics/?page=abc").status_code == 200
    assert client.get("/topics/?page=9").status_code == 404


def test_topics_live_under_the_home_page(home):
    assert TopicIndexPage in home.specific_class.allowed_subpage_models()
    assert TopicPage.allowed_parent_page_models() == [TopicIndexPage]


def test_editors_can_open_the_topic_forms(admin_client, topic):
    index = topic.get_parent()
    add = admin_client.get(f"/admin/pages/add/discovery/topicpage/{index.pk}/")
    assert add.status_code == 200
    edit = admin_client.get(f"/admin/pages/{topic.pk}/edit/")
    assert edit.status_code == 200
    soup = BeautifulSoup(edit.content, "html.parser")
    # The inline panel holds the chosen articles, in order.
    assert soup.select_one('input[name="items-TOTAL_FORMS"]')["value"] == "3"
