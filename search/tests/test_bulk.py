import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from modelsearch.index import SearchField
from wagtail.search.backends import get_search_backend

from editions.tests.factories import CityFactory
from news.generate import Plan, Report, generate
from news.generate.index import article_chunks, body_text, index_articles
from news.generate.text import rare_word_for
from news.models import ArticlePage
from news.tests.factories import ChannelPageFactory, make_article
from search import bulk, segment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] != "search.backend",
        reason="the bulk path writes the rows of the Chinese backend (search.backend)",
    ),
]

COUNT = 80


@pytest.fixture
def generated(channel, home, city):
    ChannelPageFactory(parent=home, title="财经", slug="finance")
    CityFactory(slug="melbourne", name="墨尔本", name_en="Melbourne")
    start = timezone.make_aware(datetime.datetime(2025, 3, 10))
    # From 250 on, so the rare words (one in 250 articles) are among them.
    report = generate(Plan(count=COUNT + 250, seed=3, batch=50, start=start))
    return report


def index_rows(object_ids: list[str]) -> dict[str, tuple]:
    """The index entries of these articles, every column but the row id; on SQLite
    with the FTS5 table's copy of the text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT object_id, content_type_id, title::text, autocomplete::text, "
                "body::text, title_norm, title_text, body_text "
                "FROM wagtailsearch_indexentry WHERE object_id = ANY(%s)",
                [object_ids],
            )
        else:
            marks = ", ".join(["%s"] * len(object_ids))
            cursor.execute(
                "SELECT e.object_id, e.content_type_id, e.title, e.autocomplete, "
                "e.body, e.title_norm, f.title, f.autocomplete, f.body "
                "FROM wagtailsearch_indexentry e "
                "JOIN wagtailsearch_indexentry_fts f ON f.rowid = e.id "
                f"WHERE e.object_id IN ({marks})",
                object_ids,
            )
        # The title norm (column 4) is a float the two paths reach by different
        # roundings (Python's division of AVG() against SQL numeric), so it is
        # compared to nine significant digits.
        return {
            row[0]: (*row[1:5], float(f"{row[5]:.9g}"), *row[6:])
            for row in cursor.fetchall()
        }


def drop_entries(object_ids: list[str]) -> None:
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(object_ids))
        cursor.execute(
            f"DELETE FROM wagtailsearch_indexentry WHERE object_id IN ({marks})",
            object_ids,
        )
    assert index_rows(object_ids) == {}


@pytest.mark.parametrize("workers", [0, 2])
def test_the_bulk_path_writes_the_rows_the_backend_writes(
    generated, workers, monkeypatch
):
    # The generator added keywords to the dictionary; both paths must segment with
    # it (the backend's segmenter otherwise waits up to REBUILD_SECONDS).
    monkeypatch.setattr(segment, "REBUILD_SECONDS", 0)
    segment.dictionary_changed()
    articles = list(ArticlePage.get_indexed_objects().filter(slug__startswith="gen-"))
    object_ids = [str(article.pk) for article in articles]
    get_search_backend().add_bulk(ArticlePage, articles)
    expected = index_rows(object_ids)
    assert len(expected) == COUNT + 250
    drop_entries(object_ids)

    report = index_articles(Report(), workers=workers)

    assert report.indexed == COUNT + 250
    assert index_rows(object_ids) == expected


def test_small_chunks_take_the_title_norm_from_the_running_average(generated):
    articles = ArticlePage.objects.filter(slug__startswith="gen-")
    object_ids = [str(pk) for pk in articles.values_list("pk", flat=True)]
    index_articles(Report(), workers=0)
    whole = index_rows(object_ids)
    drop_entries(object_ids)

    index_articles(Report(), size=60, workers=0)

    chunked = index_rows(object_ids)
    for object_id, row in whole.items():
        assert chunked[object_id][:4] == row[:4]
        # The first chunks average over fewer titles (and the demo pages' longer
        # ones), so their norms differ from the whole run's, but not by much.
        assert chunked[object_id][4] == pytest.approx(row[4], rel=0.5)
    # The last chunk saw every entry, so its norms are the whole run's.
    last = max(object_ids, key=int)
    assert chunked[last] == whole[last]


def test_the_bulk_path_replaces_existing_entries(generated):
    first = ArticlePage.objects.filter(slug="gen-0").get()
    index_articles(Report(first_pk=first.pk, last_pk=first.pk), workers=0)
    ArticlePage.objects.filter(pk=first.pk).update(title="鸭嘴兽过马路")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM wagtailsearch_indexentry")
        before = cursor.fetchone()[0]

    index_articles(Report(first_pk=first.pk, last_pk=first.pk), workers=0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM wagtailsearch_indexentry")
        assert cursor.fetchone()[0] == before
    found = ArticlePage.objects.live().search("鸭嘴兽过马路")
    assert [article.pk for article in found] == [first.pk]


def test_planted_words_are_found_after_bulk_indexing(generated):
    index_articles(Report(), workers=0)
    for word in {rare_word_for(n) for n in range(COUNT + 250)} - {None}:
        expected = {
            article.pk
            for article in ArticlePage.objects.filter(slug__startswith="gen-")
            if rare_word_for(int(article.slug[4:])) == word
        }
        assert expected
        found = {article.pk for article in ArticlePage.objects.live().search(word)}
        assert found == expected, word


def test_body_text_matches_wagtail_for_every_kind_of_block(channel):
    body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>普通段落，没有标记。</p>"},
            {"type": "paragraph", "value": "<p>带<b>粗体</b>和 &amp; 符号</p>"},
            {"type": "paragraph", "value": "<h2>小标题</h2><p>两段</p><p>文字</p>"},
            {"type": "quote", "value": {"text": "一句引语", "attribution": "某人"}},
        ]
    )
    article = make_article(channel, body=body)
    field = next(
        f
        for f in ArticlePage.get_search_fields()
        if isinstance(f, SearchField) and f.field_name == "body"
    )
    expected = ", ".join(field.get_value(article))
    assert "粗体" in expected
    stream_block = ArticlePage._meta.get_field("body").stream_block
    assert body_text(stream_block, article.body.raw_data) == expected


def test_article_chunks_cover_the_range(generated):
    chunks = list(article_chunks(generated.first_pk, generated.last_pk, 100))
    assert [len(chunk) for chunk in chunks] == [100, 100, 100, 30]


def gin_index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE '%% USING gin %%'",
            ["wagtailsearch_indexentry"],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN is PostgreSQL's")
def test_a_large_import_builds_the_gin_indexes_again_with_the_same_rows(generated):
    articles = ArticlePage.objects.filter(slug__startswith="gen-")
    object_ids = [str(pk) for pk in articles.values_list("pk", flat=True)]
    declared = gin_index_names()
    assert len(declared) == 3
    index_articles(Report(), workers=0)
    expected = index_rows(object_ids)
    drop_entries(object_ids)

    index_articles(Report(), workers=0, rebuild_gin=True)

    assert index_rows(object_ids) == expected
    assert gin_index_names() == declared
    word = rare_word_for(250)
    planted = {
        article.pk
        for article in articles
        if rare_word_for(int(article.slug[4:])) == word
    }
    assert planted
    found = ArticlePage.objects.live().search(word)
    assert {article.pk for article in found} == planted


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN is PostgreSQL's")
def test_a_failed_import_leaves_the_gin_indexes_in_place(generated, monkeypatch):
    declared = gin_index_names()

    def fail(*args, **kwargs):
        assert gin_index_names() == set()  # dropped for the import
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bulk, "write_postgres", fail)
    with pytest.raises(RuntimeError):
        index_articles(Report(), workers=0, rebuild_gin=True)

    assert gin_index_names() == declared
