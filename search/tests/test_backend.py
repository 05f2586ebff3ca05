"""The segmenting backend: indexing, folding, query objects and keeping in step."""

import pytest
from django.core.management import call_command
from wagtail.search.backends import get_search_backend
from wagtail.search.query import And, Not, Or, Phrase, PlainText

from news.models import ArticlePage
from news.tests.factories import make_article, paragraphs


def found(query, **kwargs) -> set[str]:
    results = ArticlePage.objects.live().search(query, **kwargs)
    return {article.slug for article in results}


@pytest.fixture
def articles(channel):
    return [
        make_article(
            channel,
            slug="hurstville",
            title="好市围夜市下月试行",
            body=paragraphs("在华人社区里，商家踊跃报名，汇率走势也受关注。"),
            keywords=["夜市"],
        ),
        make_article(
            channel,
            slug="taiwan",
            title="台湾乐团来澳演出",
            body=paragraphs("乐团将在墨尔本博士山举行演唱会，门票已开售。"),
        ),
        make_article(
            channel,
            slug="life",
            title="研究生命起源的新发现",
            summary="科学家公布iPhone15拍摄的显微图像。",
            body=paragraphs("这项研究由悉尼大学完成。"),
        ),
    ]


def test_backend_is_the_segmenting_one(db):
    backend = get_search_backend()
    assert type(backend).__name__.startswith("Segmenting")


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("华人", "hurstville"),
        ("汇率", "hurstville"),
        ("好市围", "hurstville"),
        ("夜市", "hurstville"),
        ("臺灣", "taiwan"),
        ("博士山", "taiwan"),
        ("生命", "life"),
        ("iphone15", "life"),
        ("IPHONE15", "life"),
        ("悉尼大学", "life"),
    ],
)
def test_words_inside_sentences_are_found(articles, query, slug):
    assert slug in found(query)


def test_single_characters_are_found_anywhere_in_a_word(articles):
    assert found("围") == {"hurstville"}  # inside 好市围
    assert found("售") == {"taiwan"}  # the last character of a sentence


def test_traditional_text_is_found_by_simplified_query(channel):
    make_article(
        channel, slug="trad", title="臺灣樂團來澳演出", body=paragraphs("門票開售")
    )
    assert found("台湾乐团") == {"trad"}
    assert found("门票") == {"trad"}


def test_all_words_of_a_query_must_match(articles):
    assert found("博士山 门票") == {"taiwan"}
    assert found("博士山 夜市") == set()
    assert found(PlainText("博士山 夜市", operator="or")) == {"taiwan", "hurstville"}


def test_query_objects(articles):
    assert found(Phrase("华人社区")) == {"hurstville"}
    assert found(And([PlainText("乐团"), Not(PlainText("博士山"))])) == set()
    assert found(Or([PlainText("生命"), PlainText("夜市")])) == {"life", "hurstville"}
    assert found(And([PlainText("乐团"), Not(PlainText("夜市"))])) == {"taiwan"}


@pytest.mark.parametrize("query", ["", "   ", "!!!", '"', "*", "NEAR(", "'; --"])
def test_queries_without_words_find_nothing(articles, query):
    assert found(query) == set()


def test_keywords_outrank_the_body(channel):
    make_article(
        channel, slug="body", title="房价走势趋于平稳", body=paragraphs("讨论拍卖")
    )
    make_article(channel, slug="keyword", title="清盘率有所回升", keywords=["拍卖"])
    results = ArticlePage.objects.live().search("拍卖")
    assert [article.slug for article in results] == ["keyword", "body"]


def test_title_outranks_keywords(channel):
    make_article(channel, slug="keyword", title="房价走势趋于平稳", keywords=["拍卖"])
    make_article(channel, slug="title", title="拍卖清盘率有回升")
    results = ArticlePage.objects.live().search("拍卖")
    assert [article.slug for article in results][0] == "title"


def test_unpublish_and_edit_keep_the_index_in_step(articles):
    article = ArticlePage.objects.get(slug="taiwan")
    article.unpublish()
    assert "taiwan" not in found("博士山")
    article.title = "台湾乐团加演一场"
    article.save_revision().publish()
    assert found("加演") == {"taiwan"}


def test_update_index_rebuilds_what_was_lost(articles):
    from wagtail.search.models import IndexEntry

    IndexEntry.objects.all().delete()
    assert found("好市围") == set()
    call_command("update_index", stdout=open("/dev/null", "w"))
    assert found("好市围") == {"hurstville"}


def test_words_added_to_the_dictionary_later_are_found(channel, monkeypatch):
    from taggit.models import Tag

    from search import segment
    from search.segment import query_words

    monkeypatch.setattr(segment, "REBUILD_SECONDS", 0)

    make_article(channel, slug="late", body=paragraphs("新开的蓝莓湾镇集市很热闹"))
    assert "蓝莓湾镇" not in query_words("蓝莓湾镇集市")
    Tag.objects.create(name="蓝莓湾镇", slug="lanmei")
    assert "蓝莓湾镇" in query_words("蓝莓湾镇集市")
    assert found("蓝莓湾镇") == {"late"}


def test_autocomplete_for_the_admin_still_works(articles):
    results = ArticlePage.objects.live().autocomplete("好市")
    assert {article.slug for article in results} == {"hurstville"}


def test_few_and_many_matches_give_the_same_newest_first_pages(channel, monkeypatch):
    """PostgreSQL takes a query with few matches from the GIN index first
    (SPARSE_HITS); above that, Wagtail's join. Both give the same pages."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("the sparse-first path is PostgreSQL's (search.backend_postgres)")
    from search import backend_postgres

    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(7):
        make_article(
            channel,
            title=f"袋鼠过马路第{n}回",
            slug=f"kangaroo-{n}",
            published_at=start + datetime.timedelta(days=(n * 5) % 7),
        )
    make_article(channel, title="无关新闻", slug="other")
    live = ArticlePage.objects.live().order_by("-published_at")

    def pages(query):
        results = live.search(query, order_by_relevance=False)
        return (
            results.count(),
            [a.slug for a in results[:3]],
            [a.slug for a in results[3:6]],
        )

    sparse = pages("袋鼠")
    monkeypatch.setattr(backend_postgres, "SPARSE_HITS", 2)
    dense = pages("袋鼠")
    assert sparse == dense
    assert sparse[0] == 7
    newest = [a.slug for a in live.filter(slug__startswith="kangaroo")[:3]]
    assert sparse[1] == newest
