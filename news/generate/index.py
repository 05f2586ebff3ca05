"""The generator's indexing step: generated articles read as plain values and handed
to the search app's bulk indexer (search.bulk), or to the backend's own `add_bulk`."""

import re
import time
from collections.abc import Callable, Iterator

from django.db import transaction
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from news.generate import SLUG_PREFIX, Report
from news.models import ArticleKeyword, ArticlePage
from search.bulk import BulkIndexer, Document

# A paragraph block as the generator writes it: one <p> of plain text, which
# Wagtail's get_text_for_indexing would give back unchanged (no tags, no entities).
PLAIN_PARAGRAPH = re.compile(r"<p>([^<>&]*)</p>")


def generated_articles(first_pk: int | None, last_pk: int | None):
    articles = ArticlePage.objects.filter(slug__startswith=SLUG_PREFIX)
    if first_pk is not None:
        articles = articles.filter(pk__gte=first_pk)
    if last_pk is not None:
        articles = articles.filter(pk__lte=last_pk)
    return articles


def article_chunks(
    first_pk: int | None, last_pk: int | None, size: int
) -> Iterator[list[ArticlePage]]:
    """Generated articles by primary key, `size` at a time, ready for indexing."""
    # The model's own indexing queryset prefetches what the index reads (keywords).
    articles = ArticlePage.get_indexed_objects().filter(
        pk__in=generated_articles(first_pk, last_pk).values("pk")
    )
    after = 0
    while True:
        chunk = list(articles.filter(pk__gt=after).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        after = chunk[-1].pk


def body_text(stream_block, raw: list[dict]) -> str:
    """The body's indexed value, as modelsearch gets it from the StreamField (its
    searchable content joined by ", "), with plain paragraphs taken as they are."""
    texts = []
    for block in raw:
        match = (
            PLAIN_PARAGRAPH.fullmatch(block["value"])
            if block["type"] == "paragraph"
            else None
        )
        if match:
            texts.append(match[1].strip())
        else:
            child = stream_block.child_blocks[block["type"]]
            texts.extend(child.get_searchable_content(child.to_python(block["value"])))
    return ", ".join(texts)


def article_documents(
    first_pk: int | None, last_pk: int | None, size: int
) -> Iterator[list[Document]]:
    """Generated articles as the values their index entries are made of, `size` at a
    time, by primary key; no model instances, no StreamField objects."""
    stream_block = ArticlePage._meta.get_field("body").stream_block
    articles = generated_articles(first_pk, last_pk).order_by("pk")
    after = 0
    while True:
        rows = list(
            articles.filter(pk__gt=after).values_list("pk", "title", "summary", "body")[
                :size
            ]
        )
        if not rows:
            return
        # In tag order, as the backend's indexer takes related objects.
        keywords = {}
        for object_id, name in (
            ArticleKeyword.objects.filter(
                content_object_id__in=[row[0] for row in rows]
            )
            .order_by("tag_id")
            .values_list("content_object_id", "tag__name")
        ):
            keywords.setdefault(object_id, []).append({"name": name})
        yield [
            Document(
                object_id=str(pk),
                values={
                    "title": title,
                    "summary": summary,
                    "body": body_text(stream_block, body.raw_data),
                    "keywords": keywords.get(pk, []),
                },
            )
            for pk, title, summary, body in rows
        ]
        after = rows[-1][0]


# Indexing at least this many articles, and more than the index already holds, drops
# PostgreSQL's GIN indexes and builds them again at the end (search.bulk.BulkIndexer).
REBUILD_GIN_OVER = 50_000


def large_import(report: Report) -> bool:
    coming = generated_articles(report.first_pk, report.last_pk).count()
    return coming >= REBUILD_GIN_OVER and coming > IndexEntry.objects.count()


def index_articles(
    report: Report,
    size: int = 1000,
    progress: Callable[[int], None] = lambda n: None,
    workers: int = 2,
    rebuild_gin: bool | None = None,
) -> Report:
    """Index the articles of `report` (all generated ones when it has no range)
    through the bulk indexer, segmenting in `workers` processes; `rebuild_gin`
    by default for a large import (`large_import`)."""
    started = time.perf_counter()
    if rebuild_gin is None:
        rebuild_gin = large_import(report)
    with BulkIndexer(ArticlePage, workers=workers, rebuild_gin=rebuild_gin) as indexer:
        for documents in article_documents(report.first_pk, report.last_pk, size):
            done = indexer.add(documents)
            report.indexed += done
            progress(done)
        done = indexer.finish()
        report.indexed += done
        progress(done)
    report.index_seconds = time.perf_counter() - started
    return report


def index_articles_by_backend(
    report: Report,
    size: int = 1000,
    progress: Callable[[int], None] = lambda n: None,
) -> Report:
    """The same through the backend's public `add_bulk` (the slow path, to compare)."""
    backend = get_search_backend()
    started = time.perf_counter()
    for chunk in article_chunks(report.first_pk, report.last_pk, size):
        with transaction.atomic():
            backend.add_bulk(ArticlePage, chunk)
        report.indexed += len(chunk)
        progress(len(chunk))
    report.index_seconds = time.perf_counter() - started
    return report
