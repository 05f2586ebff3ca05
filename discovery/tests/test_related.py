import datetime

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discovery.models import ArticleTerm, RelatedArticle
from discovery.related import compute_related, related_ids, top_terms
from news.tests.factories import make_article, paragraphs


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def stored(article) -> list[int]:
    return list(
        RelatedArticle.objects.filter(article=article)
        .order_by("position")
        .values_list("related_id", flat=True)
    )


def test_top_terms_finds_the_subject():
    terms = top_terms("悉尼火车站今天更换售票系统。火车站的售票系统由市政府管理。")
    assert "售票系统" in terms or "火车站" in terms
    assert top_terms("") == []


def test_shared_keywords_come_first_then_recency(channel):
    article = make_article(channel, slug="main", keywords=["利率", "房贷", "通胀"])
    two_old = make_article(
        channel, slug="two-old", keywords=["利率", "房贷"], published_at=days_ago(9)
    )
    two_new = make_article(
        channel, slug="two-new", keywords=["房贷", "通胀"], published_at=days_ago(2)
    )
    three = make_article(
        channel,
        slug="three",
        keywords=["利率", "房贷", "通胀"],
        published_at=days_ago(30),
    )
    one = make_article(channel, slug="one", keywords=["通胀"], published_at=days_ago(1))
    make_article(channel, slug="none", keywords=["体育"])
    assert compute_related(article) == [three.pk, two_new.pk, two_old.pk, one.pk]
    assert stored(article) == [three.pk, two_new.pk, two_old.pk, one.pk]


def test_text_similarity_fills_up_after_keywords(channel):
    text = "墨尔本电车线路调整,东区多条电车线路将改道,乘客需留意电车时刻表。"
    article = make_article(
        channel, slug="main", keywords=["公共交通"], body=paragraphs(text)
    )
    by_keyword = make_article(
        channel, slug="kw", keywords=["公共交通"], body=paragraphs("渡轮开通。")
    )
    similar_old = make_article(
        channel,
        slug="similar-old",
        title="电车线路改道",
        body=paragraphs("电车线路改道,乘客留意电车时刻表。"),
        published_at=days_ago(5),
    )
    similar_new = make_article(
        channel,
        slug="similar-new",
        title="电车时刻表更新",
        body=paragraphs("新的电车时刻表公布,电车线路不变。"),
        published_at=days_ago(1),
    )
    unrelated = make_article(
        channel,
        slug="unrelated",
        title="篮球决赛",
        body=paragraphs("华人篮球队赢得决赛冠军。"),
    )
    for other in (by_keyword, similar_old, similar_new, unrelated):
        compute_related(other)
    related = compute_related(article)
    assert related[0] == by_keyword.pk
    assert set(related[1:]) == {similar_old.pk, similar_new.pk}
    assert unrelated.pk not in related
    assert ArticleTerm.objects.filter(article=article).exists()


def test_never_itself_never_unpublished_at_most_six(channel):
    article = make_article(channel, slug="main", keywords=["华人社区"])
    others = [
        make_article(channel, slug=f"o{n}", keywords=["华人社区"]) for n in range(8)
    ]
    draft = make_article(channel, slug="draft", keywords=["华人社区"], publish=False)
    related = compute_related(article)
    assert len(related) == 6
    assert article.pk not in related and draft.pk not in related
    assert set(related) <= {other.pk for other in others}


def test_unpublished_story_drops_out_of_the_page(client, channel):
    article = make_article(channel, slug="main", keywords=["签证"])
    gone = make_article(channel, title="将被撤下的新闻", slug="gone", keywords=["签证"])
    stays = make_article(channel, title="仍在的新闻", slug="stays", keywords=["签证"])
    compute_related(article)
    gone.unpublish()
    soup = BeautifulSoup(client.get(article.url).content, "html.parser")
    titles = [a.get_text() for a in soup.select(".related-stories li a")]
    assert titles == ["仍在的新闻"]
    assert soup.select_one(".related-stories li")["data-article"] == str(stays.pk)


def test_publishing_computes_related_for_it_and_its_neighbours(
    channel, django_capture_on_commit_callbacks
):
    first = make_article(channel, slug="first", keywords=["高铁"])
    assert stored(first) == []  # no commit in this test until asked
    with django_capture_on_commit_callbacks(execute=True):
        second = make_article(channel, slug="second", keywords=["高铁", "旅游"])
    assert stored(second) == [first.pk]
    assert stored(first) == [second.pk]
    # An update re-computes: a new shared keyword brings a new story in.
    third = make_article(channel, slug="third", keywords=["旅游"])
    with django_capture_on_commit_callbacks(execute=True):
        second.title = "高铁旅游新线路"
        second.save_revision().publish()
    assert stored(second) == [third.pk, first.pk]  # equals: the newest first


def test_related_ids_without_keywords_or_terms_is_empty(channel):
    article = make_article(channel, slug="lonely", body=paragraphs("。"), title="。")
    make_article(channel, slug="other")
    assert related_ids(article, terms=[]) == []


def test_article_page_queries_do_not_grow_with_related_stories(client, channel):
    article = make_article(channel, slug="main", keywords=["教育"])

    def render_with(count: int) -> int:
        for n in range(RelatedArticle.objects.filter(article=article).count(), count):
            make_article(channel, title=f"相关{n}", slug=f"r{n}", keywords=["教育"])
        compute_related(article)
        client.get(article.url)
        with CaptureQueriesContext(connection) as queries:
            soup = BeautifulSoup(client.get(article.url).content, "html.parser")
        assert len(soup.select(".related-stories li")) == count
        return len(queries)

    assert render_with(2) == render_with(6)
